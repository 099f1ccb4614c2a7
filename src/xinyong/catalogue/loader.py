"""Loading the catalogue from its YAML files, and the :class:`Catalogue` it yields.

The catalogue is versioned data, loaded and validated at start-up; the platform
refuses to start on an invalid one. Every problem names the file, the entry and
the reason, and all problems are reported at once so an operator fixes them in
one pass. Files the loader does not know are an error too: a misspelt
``record_kind.yaml`` must not be ignored silently while the platform runs on
the old data.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from xinyong.catalogue.lists import check_lists, check_measures
from xinyong.catalogue.model import (
    Audience,
    Instrument,
    KindView,
    LegalBasis,
    ListDef,
    Manifest,
    MaskingFile,
    MaskingPolicy,
    MeasureDef,
    Publicity,
    PublicityRuleKind,
    RecordKind,
    Regime,
    RetentionAnchor,
    Sector,
    Severity,
    SeverityResult,
    SeverityTable,
)
from xinyong.catalogue.publicity import PublicityEngine, RegimeIndex, add_duration
from xinyong.catalogue.severity import SeverityDeriver, parse_reported_severity
from xinyong.errors import CatalogueError, NotFound, UnusableInput

__all__ = [
    "DATA_DIR",
    "KNOWN_DIRS",
    "KNOWN_FILES",
    "Catalogue",
    "get_catalogue",
    "load_catalogue",
]

#: the catalogue shipped with the package
DATA_DIR = Path(__file__).with_name("data")

#: every file the loader reads; later modules add theirs here
KNOWN_FILES: dict[str, str] = {
    "catalogue.yaml": "the edition and what it is based on",
    "instruments.yaml": "legal instruments every legal basis cites",
    "record_kinds.yaml": "kinds of public credit information",
    "sectors.yaml": "sectors of deciding authorities and their regime family",
    "regimes.yaml": "publicity regimes by severity, versioned by decision date",
    "severity.yaml": "deriving a penalty's severity from its type and fine",
    "masking.yaml": "masking of identifiers and names per audience",
    "lists.yaml": "black and red lists: basis, deciding authority, entry, terms, removal",
    "measures.yaml": "restrictions and rewards attached to lists by their legal basis",
}
#: subdirectories the loader reads (none yet; ``schemes/`` will be one)
KNOWN_DIRS: frozenset[str] = frozenset()

#: environment variable naming an operator's catalogue directory (default: the package's)
PATH_ENV = "XINYONG_CATALOGUE_PATH"

_T = TypeVar("_T", bound=BaseModel)


# --------------------------------------------------------------------------- YAML


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Hashable, Any]:
    loader.flatten_mapping(node)
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


class _Problems:
    """Collects every problem of a load so the operator sees them all at once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[str] = []

    def add(self, file: str, entry: str | None, reason: str) -> None:
        self.items.append(f"{file}: {entry}: {reason}" if entry else f"{file}: {reason}")

    def from_validation(self, file: str, entry: str | None, err: ValidationError) -> None:
        for e in err.errors():
            loc = ".".join(str(x) for x in e["loc"])
            msg = str(e["msg"]).removeprefix("Value error, ")
            if e["type"] in ("enum", "literal_error"):
                msg += f" (got {e['input']!r})"
            self.add(file, entry, f"{loc}: {msg}" if loc else msg)

    def raise_if_any(self) -> None:
        if self.items:
            n = len(self.items)
            raise CatalogueError(
                f"catalogue at {self.root} is invalid ({n} problem{'s' if n > 1 else ''}): "
                + "; ".join(self.items),
                details={"path": str(self.root), "problems": list(self.items)},
            )


def _read_files(root: Path, problems: _Problems) -> tuple[dict[str, Any], str]:
    """Parsed YAML per known file, and the content hash over all of them."""
    if not root.is_dir():
        raise CatalogueError(
            f"catalogue path {root} is not a directory", details={"path": str(root)}
        )
    for entry in sorted(root.iterdir()):
        name = entry.name
        if name.startswith(".") or name == "__pycache__" or name.upper().startswith("README"):
            continue
        if entry.is_dir():
            if name not in KNOWN_DIRS:
                problems.add(name + "/", None, "unknown directory in the catalogue")
        elif name not in KNOWN_FILES:
            problems.add(
                name,
                None,
                f"unknown file in the catalogue (known: {', '.join(sorted(KNOWN_FILES))})",
            )
    digest = hashlib.sha256()
    parsed: dict[str, Any] = {}
    for name in sorted(KNOWN_FILES):
        path = root / name
        if not path.is_file():
            problems.add(name, None, "missing")
            continue
        raw = path.read_bytes()
        digest.update(name.encode() + b"\0" + raw + b"\0")
        try:
            data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)
        except UnicodeDecodeError as e:
            problems.add(name, None, f"not UTF-8: {e}")
            continue
        except yaml.YAMLError as e:
            problems.add(name, None, f"not valid YAML: {e}".replace("\n", " "))
            continue
        if not isinstance(data, dict):
            problems.add(name, None, "must be a mapping at the top level")
            continue
        data.pop("notes", None)
        parsed[name] = data
    return parsed, digest.hexdigest()


def _one(
    file: str, data: Mapping[str, Any] | None, model: type[_T], problems: _Problems
) -> _T | None:
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems.from_validation(file, None, e)
        return None


def _entries(
    file: str,
    data: Mapping[str, Any] | None,
    key: str,
    model: type[_T],
    what: str,
    problems: _Problems,
) -> list[_T]:
    """Validate a list of entries one by one, so each problem names its entry."""
    if data is None:
        return []
    extra = sorted(set(data) - {key})
    if extra:
        problems.add(file, None, f"unknown top-level keys {extra} (expected '{key}')")
    items = data.get(key)
    if not isinstance(items, list):
        problems.add(file, None, f"'{key}' must be a list")
        return []
    out: list[_T] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        label = f"{what} {ident!r}" if ident else f"{what} #{i + 1}"
        if not isinstance(item, dict):
            problems.add(file, label, "must be a mapping")
            continue
        try:
            obj = model.model_validate(item)
        except ValidationError as e:
            problems.from_validation(file, label, e)
            continue
        if ident in seen:
            problems.add(file, label, "duplicate id")
            continue
        seen.add(str(ident))
        out.append(obj)
    return out


def _declared_ids(data: Mapping[str, Any] | None, key: str) -> frozenset[str]:
    """Ids an entry file declares, valid or not (so a broken entry is not also 'unknown')."""
    items = data.get(key) if data is not None else None
    if not isinstance(items, list):
        return frozenset()
    return frozenset(str(i["id"]) for i in items if isinstance(i, dict) and i.get("id"))


def _check_basis(
    file: str,
    label: str,
    bases: Sequence[LegalBasis],
    instruments: Mapping[str, Instrument],
    problems: _Problems,
) -> None:
    for b in bases:
        if b.instrument not in instruments:
            problems.add(file, label, f"legal basis cites unknown instrument {b.instrument!r}")


def _not_longer(a: Any, b: Any) -> bool:
    """Duration ``a`` never reaches past duration ``b`` (checked from awkward dates)."""
    probes = (date(2023, 1, 31), date(2024, 2, 29), date(2025, 12, 31))
    return all(add_duration(p, a) <= add_duration(p, b) for p in probes)


# --------------------------------------------------------------------------- load


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate the catalogue in directory ``path`` (default: the package's).

    Raises :class:`~xinyong.errors.CatalogueError` listing every problem found.
    """
    root = Path(path) if path is not None else DATA_DIR
    problems = _Problems(root)
    files, content_hash = _read_files(root, problems)

    manifest = _one("catalogue.yaml", files.get("catalogue.yaml"), Manifest, problems)
    instruments = {
        i.id: i
        for i in _entries(
            "instruments.yaml",
            files.get("instruments.yaml"),
            "instruments",
            Instrument,
            "instrument",
            problems,
        )
    }
    sectors = {
        s.id: s
        for s in _entries(
            "sectors.yaml", files.get("sectors.yaml"), "sectors", Sector, "sector", problems
        )
    }
    kinds = {
        k.id: k
        for k in _entries(
            "record_kinds.yaml",
            files.get("record_kinds.yaml"),
            "kinds",
            RecordKind,
            "kind",
            problems,
        )
    }
    raw_regimes = _entries(
        "regimes.yaml", files.get("regimes.yaml"), "regimes", Regime, "regime", problems
    )
    severity = _one("severity.yaml", files.get("severity.yaml"), SeverityTable, problems)
    masking = _one("masking.yaml", files.get("masking.yaml"), MaskingFile, problems)
    lists = {
        ld.id: ld
        for ld in _entries(
            "lists.yaml", files.get("lists.yaml"), "lists", ListDef, "list", problems
        )
    }
    measures = {
        m.id: m
        for m in _entries(
            "measures.yaml", files.get("measures.yaml"), "measures", MeasureDef, "measure", problems
        )
    }

    # ---- references across files
    if manifest is not None:
        for ref in manifest.based_on:
            if ref not in instruments:
                problems.add("catalogue.yaml", "based_on", f"unknown instrument {ref!r}")
    for k in kinds.values():
        _check_basis("record_kinds.yaml", f"kind {k.id!r}", k.legal_basis, instruments, problems)

    type_ids: set[str] = set()
    if severity is not None:
        seen_types: set[str] = set()
        for t in severity.types:
            label = f"type {t.id!r}"
            if t.id in seen_types:
                problems.add("severity.yaml", label, "duplicate id")
            seen_types.add(t.id)
            if t.basis is not None:
                _check_basis("severity.yaml", label, [t.basis], instruments, problems)
            if any(not p.strip() for p in t.patterns):
                problems.add("severity.yaml", label, "empty pattern")
        type_ids = seen_types
        if sum(1 for t in severity.types if t.serious_at_fen is not None) > 1:
            problems.add("severity.yaml", None, "more than one type sets serious_at_fen")

    regimes: list[Regime] = []
    regime_ids = {r.id for r in raw_regimes}
    for r in raw_regimes:
        label = f"regime {r.id!r}"
        if r.instrument not in instruments:
            problems.add("regimes.yaml", label, f"unknown instrument {r.instrument!r}")
        _check_basis("regimes.yaml", label, r.basis, instruments, problems)
        family_sectors = tuple(s.id for s in sectors.values() if s.regime_family is r.family)
        governed = r.sectors or family_sectors
        for s in r.sectors:
            if s not in sectors:
                problems.add("regimes.yaml", label, f"unknown sector {s!r}")
            elif sectors[s].regime_family is not r.family:
                problems.add(
                    "regimes.yaml",
                    label,
                    f"sector {s!r} follows the {sectors[s].regime_family.value} family, "
                    f"not {r.family.value}",
                )
        for other in r.takes_precedence_over:
            if other not in regime_ids:
                problems.add(
                    "regimes.yaml", label, f"takes_precedence_over unknown regime {other!r}"
                )
        for sev, rule in r.severities.items():
            where = f"{label} {sev.value}"
            for type_id in rule.not_published_if_only:
                if severity is not None and type_id not in type_ids:
                    problems.add("regimes.yaml", where, f"unknown penalty type {type_id!r}")
            for name, d in (("min_display", rule.min_display), ("repair_after", rule.repair_after)):
                if d is not None and not _not_longer(d, rule.display):
                    problems.add("regimes.yaml", where, f"{name} {d} is longer than display")
        regimes.append(r.model_copy(update={"sectors": governed}))

    if masking is not None:
        seen_overrides: set[tuple[str, Audience]] = set()
        for o in masking.overrides:
            label = f"override {o.kind}/{o.audience.value}"
            if o.kind not in kinds:
                problems.add("masking.yaml", label, f"unknown kind {o.kind!r}")
            _check_basis("masking.yaml", label, [o.basis], instruments, problems)
            if (o.kind, o.audience) in seen_overrides:
                problems.add("masking.yaml", label, "duplicate override")
            seen_overrides.add((o.kind, o.audience))

    check_lists(
        list(lists.values()),
        kinds=kinds,
        sectors=sectors,
        instruments=instruments,
        penalty_types=type_ids if severity is not None else None,
        report=problems.add,
        declared_lists=_declared_ids(files.get("lists.yaml"), "lists"),
    )
    check_measures(
        list(measures.values()),
        lists=lists,
        instruments=instruments,
        report=problems.add,
        declared_lists=_declared_ids(files.get("lists.yaml"), "lists"),
    )

    index: RegimeIndex | None = None
    if sectors and regimes and not problems.items:
        for s in sectors:
            try:
                RegimeIndex([s], regimes)
            except ValueError as e:
                problems.add("regimes.yaml", None, str(e))
        if not problems.items:
            index = RegimeIndex(sectors, regimes)

    problems.raise_if_any()
    assert manifest is not None and severity is not None and masking is not None
    assert index is not None
    return Catalogue(
        root=root,
        manifest=manifest,
        content_hash=content_hash,
        instruments=instruments,
        kinds=kinds,
        sectors=sectors,
        regimes=regimes,
        severity=severity,
        masking=masking,
        index=index,
        lists=lists,
        measures=measures,
    )


@lru_cache(maxsize=1)
def get_catalogue() -> Catalogue:
    """The catalogue the platform runs on, loaded once per process.

    ``$XINYONG_CATALOGUE_PATH`` names an operator's catalogue directory; by
    default the package's own. Call at start-up: an invalid catalogue raises
    :class:`~xinyong.errors.CatalogueError` and the platform must not start.
    """
    env = os.environ.get(PATH_ENV)
    return load_catalogue(Path(env) if env else None)


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True, slots=True)
class _Version:
    edition: str
    content_hash: str

    def __str__(self) -> str:
        return f"{self.edition}+{self.content_hash[:12]}"


class Catalogue:
    """The loaded catalogue: data (frozen models) plus the rules computed from it."""

    def __init__(
        self,
        *,
        root: Path,
        manifest: Manifest,
        content_hash: str,
        instruments: Mapping[str, Instrument],
        kinds: Mapping[str, RecordKind],
        sectors: Mapping[str, Sector],
        regimes: Sequence[Regime],
        severity: SeverityTable,
        masking: MaskingFile,
        index: RegimeIndex,
        lists: Mapping[str, ListDef] | None = None,
        measures: Mapping[str, MeasureDef] | None = None,
    ) -> None:
        self.root = root
        self.manifest = manifest
        self.edition = manifest.edition
        self.content_hash = content_hash
        #: edition + a content hash of the data files, e.g. ``2024.1+3f9a0c1b2d4e``
        self.version = str(_Version(manifest.edition, content_hash))
        self.instruments: Mapping[str, Instrument] = MappingProxyType(dict(instruments))
        self.kinds: Mapping[str, RecordKind] = MappingProxyType(dict(kinds))
        self.sectors: Mapping[str, Sector] = MappingProxyType(dict(sectors))
        self.regimes: tuple[Regime, ...] = tuple(
            sorted(regimes, key=lambda r: (r.family.value, r.valid_from, r.id))
        )
        self._regimes_by_id = {r.id: r for r in self.regimes}
        self.severity_table = severity
        self.masking = masking
        self._index = index
        self._deriver = SeverityDeriver(severity)
        self._engine = PublicityEngine(index, self._deriver, self.kinds)
        self._masks: dict[tuple[Audience, str | None], MaskingPolicy] = {}
        for audience, policy in masking.audiences.items():
            self._masks[(audience, None)] = policy
        for o in masking.overrides:
            base = masking.audiences[o.audience]
            self._masks[(o.audience, o.kind)] = MaskingPolicy(
                ric=o.ric or base.ric,
                other_id=o.other_id or base.other_id,
                person_name=o.person_name or base.person_name,
            )
        #: black and red lists by id (``lists.yaml``)
        self.lists: Mapping[str, ListDef] = MappingProxyType(dict(lists or {}))
        #: restrictions and rewards by id (``measures.yaml``)
        self.measures: Mapping[str, MeasureDef] = MappingProxyType(dict(measures or {}))
        by_list: dict[str, list[MeasureDef]] = {list_id: [] for list_id in self.lists}
        for m in self.measures.values():
            for list_id in m.lists:
                by_list.setdefault(list_id, []).append(m)
        self._measures_by_list = {k: tuple(v) for k, v in by_list.items()}
        by_kind: dict[str, list[ListDef]] = {}
        for ld in self.lists.values():  # lists a kind feeds directly first, then by proposal
            for kind_id in ld.source_kinds:
                by_kind.setdefault(kind_id, []).append(ld)
        for ld in self.lists.values():
            for kind_id in ld.proposal_kinds:
                if ld not in by_kind.setdefault(kind_id, []):
                    by_kind[kind_id].append(ld)
        self._lists_by_kind = {k: tuple(v) for k, v in by_kind.items()}

    def __repr__(self) -> str:
        return f"<Catalogue {self.version} from {self.root}>"

    # ---- lookups

    def kind(self, kind_id: str) -> RecordKind:
        try:
            return self.kinds[kind_id]
        except KeyError:
            raise NotFound(
                f"unknown record kind {kind_id!r} (known: {', '.join(sorted(self.kinds))})",
                details={"kind": kind_id},
            ) from None

    def instrument(self, instrument_id: str) -> Instrument:
        try:
            return self.instruments[instrument_id]
        except KeyError:
            raise NotFound(
                f"unknown instrument {instrument_id!r}", details={"instrument": instrument_id}
            ) from None

    def sector(self, sector_id: str) -> Sector:
        try:
            return self.sectors[sector_id]
        except KeyError:
            raise NotFound(
                f"unknown sector {sector_id!r} (known: {', '.join(sorted(self.sectors))})",
                details={"sector": sector_id},
            ) from None

    def regime(self, regime_id: str) -> Regime:
        try:
            return self._regimes_by_id[regime_id]
        except KeyError:
            raise NotFound(f"unknown regime {regime_id!r}", details={"regime": regime_id}) from None

    def list_def(self, list_id: str) -> ListDef:
        """A list by id (``list_def``: a method named ``list`` would shadow the builtin)."""
        try:
            return self.lists[list_id]
        except KeyError:
            raise NotFound(
                f"unknown list {list_id!r} (known: {', '.join(sorted(self.lists))})",
                details={"list": list_id},
            ) from None

    def measure(self, measure_id: str) -> MeasureDef:
        try:
            return self.measures[measure_id]
        except KeyError:
            raise NotFound(
                f"unknown measure {measure_id!r}", details={"measure": measure_id}
            ) from None

    def measures_for_list(self, list_id: str) -> list[MeasureDef]:
        """The measures attached to a list, in catalogue order."""
        self.list_def(list_id)
        return list(self._measures_by_list.get(list_id, ()))

    def lists_for_kind(self, kind_id: str) -> list[ListDef]:
        """The lists a record kind feeds, directly (listing decisions) or by proposal."""
        self.kind(kind_id)
        return list(self._lists_by_kind.get(kind_id, ()))

    @property
    def implementing_types(self) -> set[str]:
        """Every kind of implementing agency some measure names (a fresh set)."""
        return {m.implementing_agency.type for m in self.measures.values()}

    def regime_for(self, sector: str, decided_on: date) -> tuple[Regime, bool]:
        """(the regime governing a decision of ``sector`` on ``decided_on``, decided before
        the sector's earliest regime)."""
        self.sector(sector)
        return self._index.lookup(sector, decided_on)

    def regimes_for_kind(self, kind_id: str) -> list[Regime]:
        """The regimes that can apply to records of a kind (all, for ``regime`` kinds)."""
        kind = self.kind(kind_id)
        return list(self.regimes) if kind.publicity.rule is PublicityRuleKind.REGIME else []

    # ---- rules

    def derive_severity(
        self,
        penalty_types: str | None,
        amount_fen: int | None,
        reported: Severity | str | None = None,
    ) -> SeverityResult:
        """A penalty's severity: the feed's own if reported, else derived by ``severity.yaml``."""
        return self._deriver.derive(penalty_types, amount_fen, reported)

    def publicity(
        self,
        kind_id: str,
        *,
        severity: Severity | str | None,
        decided_on: date,
        sector: str | None,
        feed_display_until: date | None = None,
        valid_to: date | None = None,
        today: date | None = None,
        published_on: date | None = None,
        penalty_types: str | None = None,
    ) -> Publicity:
        """When a record of ``kind_id`` is public and repairable (see :mod:`.publicity`).

        ``penalty_types`` (the 处罚类别 text) lets a regime exempt warnings-only
        decisions; ``published_on`` is used by regimes that count from publication.
        ``today`` defaults to today in CST (a later regime in force by then may
        offer earlier repair).
        """
        kind = self.kind(kind_id)
        sev = parse_reported_severity(severity) if severity is not None else None
        if sector is not None and sector not in self.sectors:
            self.sector(sector)
        if kind.publicity.rule is PublicityRuleKind.REGIME and sector is None:
            raise UnusableInput(
                f"kind {kind_id!r}: publicity by regime needs the deciding authority's sector",
                code="sector_missing",
            )
        return self._engine.compute(
            kind,
            severity=sev,
            decided_on=decided_on,
            sector=sector,
            feed_display_until=feed_display_until,
            valid_to=valid_to,
            today=today,
            published_on=published_on,
            penalty_types=penalty_types,
        )

    def visible(
        self,
        kind_id: str,
        audience: Audience | str,
        attributes: Mapping[str, object] | None = None,
    ) -> bool:
        """Whether ``audience`` may see records of a kind (the subject always sees its own).

        Conditional rules (tax grades: public only for grade A) need the record's
        ``attributes``; without them the answer is no.
        """
        kind = self.kind(kind_id)
        aud = Audience(audience)
        if aud is Audience.SUBJECT:
            return True
        rule = kind.visibility.public if aud is Audience.PUBLIC else kind.visibility.agency
        if isinstance(rule, bool):
            return rule
        return rule.holds(attributes)

    def masking_for(self, audience: Audience | str, kind_id: str | None = None) -> MaskingPolicy:
        """The masking of identifiers and names for ``audience``, with any per-kind override."""
        aud = Audience(audience)
        if kind_id is not None:
            self.kind(kind_id)
            policy = self._masks.get((aud, kind_id))
            if policy is not None:
                return policy
        return self._masks[(aud, None)]

    def retention_end(
        self,
        kind_id: str,
        *,
        decided_on: date,
        display_until: date | None,
        ended_on: date | None,
    ) -> date | None:
        """The day a record is purged, or None while that cannot be known yet.

        ``display_end`` counts from ``display_until`` (or from ``ended_on`` or the
        decision when the record never had a fixed public end); ``end_of_force``
        from ``ended_on`` (None while the record is still in force).
        """
        kind = self.kind(kind_id)
        anchor = kind.retention.anchor
        start: date | None
        if anchor is RetentionAnchor.DECIDED_ON:
            start = decided_on
        elif anchor is RetentionAnchor.END_OF_FORCE:
            start = ended_on
        else:
            start = display_until or ended_on
            if start is None:
                if kind.publicity.rule in (
                    PublicityRuleKind.WHILE_IN_FORCE,
                    PublicityRuleKind.UNTIL_VALID_TO,
                ):
                    return None  # still public with no fixed end
                start = decided_on  # never public: its display ended at once
        if start is None:
            return None
        return add_duration(start, kind.retention.period)

    # ---- citations and views

    def cite(self, basis: LegalBasis, lang: Literal["zh", "en"] = "zh") -> str:
        """ "行政处罚法 Art. 48" / "Administrative Penalty Law Art. 48", marked when unverified."""
        inst = self.instrument(basis.instrument)
        title = inst.label_zh if lang == "zh" else inst.label_en
        mark = "" if inst.verified else " (unverified)"
        return f"{title} {basis.article}{mark}"

    def citations(self, kind_id: str, lang: Literal["zh", "en"] = "zh") -> list[str]:
        return [self.cite(b, lang) for b in self.kind(kind_id).legal_basis]

    def view(self, kind_id: str) -> KindView:
        """A kind in full with its citations and applicable regimes (CLI ``show``, API)."""
        return KindView(
            kind=self.kind(kind_id),
            citations_zh=self.citations(kind_id, "zh"),
            citations_en=self.citations(kind_id, "en"),
            regimes=self.regimes_for_kind(kind_id),
        )

    def timeline(self, sector: str) -> list[tuple[date, date | None, Regime]]:
        """The sector's regimes in order: (from, to, regime) by decision date."""
        self.sector(sector)
        return [(s.start, s.end, s.regime) for s in self._index.timeline(sector)]
