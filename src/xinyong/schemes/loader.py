"""Loading a scheme file, refusing what the 2020 State Council guidance forbids.

Every refusal names the file, the line and the reason, and all of a file's problems
are reported at once. Refused:

- a rule on a record kind the catalogue does not know, or one never about persons;
- a rule without a basis, or citing an instrument nobody defines;
- a deduction for lawful conduct: a deduction must score dishonesty information (a
  negative record kind) of conduct that is illegal or a contractual default, citing
  the law; a reward must score lawful commendable conduct and cite the local rule
  granting it (国办发〔2020〕49号: no punishment beyond law, no widening);
- any rule on a sensitive attribute: ethnicity, religion, health, political views,
  speech;
- tiers that overlap or leave a gap;
- an enabled rule on financial reporting data (CONTRACTS.md: it never feeds public
  credit scoring).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from xinyong.catalogue import get_catalogue
from xinyong.catalogue.loader import Catalogue
from xinyong.errors import NotFound, RuleRefused, UnusableInput
from xinyong.identity.regions import address_code
from xinyong.schemes.model import Rule, Scheme

DATA_DIR = Path(__file__).with_name("data")

#: words that mark a sensitive attribute (split on _ - and space; Chinese by substring)
SENSITIVE: Mapping[str, str] = {
    **dict.fromkeys(("ethnicity", "ethnic", "race", "minzu"), "ethnicity"),
    **dict.fromkeys(("religion", "religious", "faith", "belief", "worship"), "religion"),
    **dict.fromkeys(
        ("health", "medical", "disease", "illness", "diagnosis", "disability", "hiv", "mental"),
        "health",
    ),
    **dict.fromkeys(("political", "politics", "ideology"), "political views"),
    **dict.fromkeys(
        ("speech", "opinion", "opinions", "post", "posts", "comment", "comments"), "speech"
    ),
}
SENSITIVE_ZH: Mapping[str, str] = {
    "民族": "ethnicity",
    "宗教": "religion",
    "信仰": "religion",
    "健康": "health",
    "疾病": "health",
    "病": "health",
    "政治": "political views",
    "党派": "political views",
    "言论": "speech",
}


class SchemeRefused(RuleRefused):
    """A scheme file refused at load: every problem with its file and line."""

    default_code = "scheme_refused"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class LoadedScheme:
    scheme: Scheme
    path: Path
    sha256: str
    raw: Mapping[str, Any]


# --------------------------------------------------------------------------- YAML with lines


class _Map(dict[Hashable, Any]):
    line: int = 0
    lines: dict[Hashable, int]


class _Seq(list[Any]):
    line: int = 0
    lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader keeping each mapping key's and list item's line; refuses duplicate keys."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out.lines:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(n, deep=True) for n in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [n.start_mark.line + 1 for n in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def _line_at(data: Any, loc: tuple[int | str, ...]) -> int:
    """The line of the deepest node of ``loc`` the file has (pydantic error → line)."""
    line = getattr(data, "line", 1)
    node = data
    for step in loc:
        if isinstance(node, _Map) and step in node:
            line = node.lines.get(step, line)
            node = node[step]
        elif isinstance(node, _Map) and step == "from_" and "from" in node:
            line = node.lines.get("from", line)
            node = node["from"]
        elif isinstance(node, _Seq) and isinstance(step, int) and 0 <= step < len(node):
            line = node.lines[step]
            node = node[step]
        else:
            break
    return line


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


# --------------------------------------------------------------------------- loading


def _reason(err: Mapping[str, Any]) -> str:
    loc = tuple(err["loc"])
    if err["type"] == "missing" and loc and loc[-1] == "basis":
        return (
            "rule without basis: a deduction cites the law that makes the conduct illegal "
            "or a contractual default; a reward cites the local rule granting it"
        )
    where = ".".join(str(p) for p in loc if not str(p).startswith("function-"))
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def parse(text: str, file: str = "<scheme>", catalogue: Catalogue | None = None) -> Scheme:
    """Parse and check a scheme; raises :class:`SchemeRefused` listing every problem."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise UnusableInput(
            f"{file}:{line}: not valid YAML ({getattr(e, 'problem', e)})", code="scheme_yaml"
        ) from e
    if not isinstance(data, _Map):
        raise UnusableInput(f"{file}:1: a scheme file is a mapping", code="scheme_yaml")
    try:
        scheme = Scheme.model_validate(_plain(data))
    except ValidationError as e:
        problems = [
            Problem(file, _line_at(data, tuple(err["loc"])), _reason(err)) for err in e.errors()
        ]
        raise _refused(problems) from None
    problems = list(_check(scheme, data, file, catalogue or get_catalogue()))
    if problems:
        raise _refused(problems)
    return scheme


def _refused(problems: list[Problem]) -> SchemeRefused:
    problems = sorted(set(problems), key=lambda p: (p.line, p.reason))
    head = (
        str(problems[0])
        if len(problems) == 1
        else f"{len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems)
    )
    return SchemeRefused(
        f"scheme refused: {head}",
        details={
            "problems": [{"file": p.file, "line": p.line, "reason": p.reason} for p in problems]
        },
    )


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[_\-\s.]+", text.lower()) if w]


def sensitive_term(text: str) -> str | None:
    """The sensitive category ``text`` names, if any (2020 State Council guidance)."""
    for w in _words(text):
        if w in SENSITIVE:
            return SENSITIVE[w]
    for zh, cat in SENSITIVE_ZH.items():
        if zh in text:
            return cat
    return None


def _check(scheme: Scheme, data: _Map, file: str, cat: Catalogue) -> Iterator[Problem]:
    rules_node = data.get("rules")
    local = {i.id: i for i in scheme.instruments}
    seen: set[str] = set()
    for i, rule in enumerate(scheme.rules):
        node = rules_node[i] if isinstance(rules_node, _Seq) else _Map()
        line = rules_node.lines[i] if isinstance(rules_node, _Seq) else 1

        def at(*loc: str | int, _node: Any = node, _line: int = line) -> int:
            return _line_at(_node, loc) if loc else _line

        if rule.id in seen:
            yield Problem(file, at("id"), f"rule {rule.id!r} is defined twice")
        seen.add(rule.id)
        yield from _check_rule(rule, at, file, cat, local)
    yield from _check_tiers(scheme, data, file)
    for i, code in enumerate(scheme.area):
        if address_code(code) is None:
            area = data.get("area")
            line = area.lines[i] if isinstance(area, _Seq) else _line_at(data, ("area",))
            yield Problem(file, line, f"area code {code!r} is not a GB/T 2260 code")
    if scheme.base.points != scheme.clamp(scheme.base.points):
        yield Problem(file, _line_at(data, ("base",)), "the base score lies outside the range")


def _check_rule(
    rule: Rule,
    at: Any,
    file: str,
    cat: Catalogue,
    local: Mapping[str, Any],
) -> Iterator[Problem]:
    m = rule.match
    kind = cat.kinds.get(m.kind) if m.kind else None
    # what a rule uses (its id, kind and attributes), not its prose: a "public health
    # violation" penalty may be named as such
    if term := sensitive_term(rule.id):
        yield Problem(file, at("id"), f"rule {rule.id!r} scores a sensitive attribute ({term})")
    if m.kind is not None:
        if term := sensitive_term(m.kind):
            yield Problem(
                file, at("match", "kind"), f"rule {rule.id!r} scores a sensitive attribute ({term})"
            )
        if kind is None:
            yield Problem(
                file, at("match", "kind"), f"unknown record kind {m.kind!r} (not in the catalogue)"
            )
        elif "person" not in kind.subject_kinds:
            yield Problem(
                file, at("match", "kind"), f"record kind {m.kind!r} is never about persons"
            )
    for key, values in m.attributes.items():
        for text in (key, *values):
            if term := sensitive_term(str(text)):
                yield Problem(
                    file,
                    at("match", "attributes", key),
                    f"rule {rule.id!r} scores a sensitive attribute ({term}): {key}",
                )
                break
    if m.data == "financial_reporting" and rule.enabled:
        yield Problem(
            file,
            at("match", "data"),
            f"rule {rule.id!r} uses financial reporting data, which never feeds public credit "
            "scoring: it ships disabled until a data-sharing basis and consent exist",
        )
    inst = local.get(rule.basis.instrument) or cat.instruments.get(rule.basis.instrument)
    if inst is None:
        yield Problem(
            file,
            at("basis", "instrument"),
            f"rule {rule.id!r}: basis cites unknown instrument {rule.basis.instrument!r}",
        )
    inst_type = getattr(inst, "type", "law") if inst is not None else None
    if rule.deduction:
        if rule.conduct == "commendable":
            yield Problem(
                file,
                at("conduct"),
                f"a deduction for lawful conduct: rule {rule.id!r} deducts for conduct marked "
                "commendable; deductions score only illegal conduct or contractual defaults",
            )
        if kind is not None and not kind.negative:
            yield Problem(
                file,
                at("match", "kind"),
                f"a deduction for lawful conduct: rule {rule.id!r} deducts for {m.kind!r}, "
                "which is not dishonesty information",
            )
        if inst_type == "local_rule":
            yield Problem(
                file,
                at("basis", "instrument"),
                f"rule {rule.id!r}: a deduction cites the law that makes the conduct illegal "
                f"or a contractual default, not a local rule ({rule.basis.instrument!r})",
            )
    else:
        if rule.conduct != "commendable":
            yield Problem(
                file, at("conduct"), f"rule {rule.id!r} rewards conduct marked {rule.conduct!r}"
            )
        if kind is not None and kind.negative:
            yield Problem(
                file,
                at("match", "kind"),
                f"rule {rule.id!r} rewards dishonesty information ({m.kind!r})",
            )
        if inst is not None and inst_type != "local_rule":
            yield Problem(
                file,
                at("basis", "instrument"),
                f"rule {rule.id!r}: a reward cites the local rule that grants it "
                "(an instrument of type local_rule)",
            )


def _check_tiers(scheme: Scheme, data: _Map, file: str) -> Iterator[Problem]:
    node = data.get("tiers")

    def line(i: int) -> int:
        return node.lines[i] if isinstance(node, _Seq) and i < len(node.lines) else 1

    ids: set[str] = set()
    for i, t in enumerate(scheme.tiers):
        if t.id in ids:
            yield Problem(file, line(i), f"tier {t.id!r} is defined twice")
        ids.add(t.id)
        if t.min is not None and t.max is not None and t.min > t.max:
            yield Problem(file, line(i), f"tier {t.id!r}: min {t.min} is above max {t.max}")

    # listed from the highest tier down; each tier starts one point above the next
    def low(i: int) -> int:
        m = scheme.tiers[i].min
        return -(10**12) if m is None else m

    order = sorted(range(len(scheme.tiers)), key=lambda i: -low(i))
    if order != list(range(len(scheme.tiers))):
        yield Problem(file, line(0), "tiers are listed from the highest down")
        return
    tiers = scheme.tiers
    if tiers[0].max is not None:
        yield Problem(file, line(0), f"the highest tier {tiers[0].id!r} has no upper bound (max)")
    if tiers[-1].min is not None:
        yield Problem(
            file, line(len(tiers) - 1), f"the lowest tier {tiers[-1].id!r} has no lower bound (min)"
        )
    for i in range(1, len(tiers)):
        upper, lower = tiers[i - 1], tiers[i]
        if upper.min is None or lower.max is None:
            yield Problem(
                file, line(i), f"tiers {upper.id!r} and {lower.id!r} leave no bound between them"
            )
            continue
        if lower.max >= upper.min:
            yield Problem(
                file,
                line(i),
                f"tiers overlap: {lower.id!r} reaches {lower.max}, {upper.id!r} starts at {upper.min}",
            )
        elif lower.max + 1 < upper.min:
            yield Problem(
                file,
                line(i),
                f"tiers leave a gap: {lower.id!r} ends at {lower.max}, {upper.id!r} starts at "
                f"{upper.min} ({lower.max + 1}–{upper.min - 1} has no tier)",
            )


# --------------------------------------------------------------------------- files


def shipped() -> dict[str, Path]:
    """The schemes shipped with the package, by id (file name without .yaml)."""
    return {p.stem: p for p in sorted(DATA_DIR.glob("*.yaml"))}


def load_path(path: Path, catalogue: Catalogue | None = None) -> LoadedScheme:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UnusableInput(f"cannot read scheme file {path}: {e}", code="scheme_file") from e
    scheme = parse(text, str(path), catalogue)
    raw = _plain(yaml.load(text, Loader=_Loader))
    return LoadedScheme(scheme, path, hashlib.sha256(text.encode()).hexdigest(), raw)


def load_scheme(ref: str | Path, catalogue: Catalogue | None = None) -> LoadedScheme:
    """A shipped scheme by id (``rongcheng``) or a scheme file by path."""
    ships = shipped()
    if isinstance(ref, str) and ref in ships:
        return load_path(ships[ref], catalogue)
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise NotFound(f"no scheme file {path}", code="scheme_not_found")
        return load_path(path, catalogue)
    raise NotFound(
        f"no shipped scheme {str(ref)!r} (shipped: {', '.join(ships)}); or give a YAML path",
        code="scheme_not_found",
    )
