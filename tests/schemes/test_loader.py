"""The scheme loader: shipped schemes load; bad files are refused with line and reason."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.errors import UnusableInput
from xinyong.schemes import SchemeRefused, load_scheme, parse, shipped

GOOD = """\
id: test_city
version: 2
name_zh: 测试
name_en: Test
area: ["371082"]
effective: {from: 2024-01-01}
base: {points: 100}
instruments:
  - {id: city_rules, title_en: City rules, type: local_rule, verified: false, source: test}
  - {id: a_law, title_en: A law, type: law, verified: false, source: test}
rules:
  - id: listed
    name_zh: 失信
    name_en: Listed
    match: {kind: court_dishonest_listing}
    points: -10
    valid_for: 2 years
    conduct: illegal
    basis: {instrument: spc_dishonest_debtors_2017, article: "Art. 1"}
  - id: honour
    name_zh: 表彰
    name_en: Honour
    match: {kind: honour}
    points: 5
    cap: {points: 10, per: year}
    valid_for: 1 years
    conduct: commendable
    basis: {instrument: city_rules, article: "Art. 3"}
tiers:
  - {id: A, min: 100}
  - {id: B, min: 80, max: 99}
  - {id: C, max: 79}
"""


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def _refused(text: str) -> list[dict[str, object]]:
    with pytest.raises(SchemeRefused) as e:
        parse(text, "x.yaml")
    assert e.value.exit_code == 3
    problems = e.value.details["problems"]
    assert isinstance(problems, list)
    for p in problems:
        assert f"x.yaml:{p['line']}: " in e.value.message
    return problems


def test_shipped_schemes_load() -> None:
    assert set(shipped()) == {"rongcheng", "fuzhou_jasmine", "suqian_xichu"}
    rc = load_scheme("rongcheng").scheme
    assert [t.id for t in rc.tiers] == ["AAA", "AA", "A", "B", "C", "D"]
    assert rc.base.points == 1000 and rc.base.unverified
    assert all(t.unverified for t in rc.tiers)
    # the deduction table of REFERENCE §8
    points = {r.id: r.points for r in rc.rules}
    assert points["loan_card_arrears"] == -10 and points["contract_default"] == -20
    assert points["stealing_utilities"] == -60 and points["destroying_utility_equipment"] == -100
    assert not {r.id: r for r in rc.rules}["loan_card_arrears"].enabled
    sq = load_scheme("suqian_xichu").scheme
    assert len(sq.tiers) == 8 and sq.recompute == "monthly" and sq.base.points == 1000
    assert {r.id: r.points for r in sq.rules}["blood_donation"] == 10
    fz = load_scheme("fuzhou_jasmine").scheme
    assert fz.base.points == 500 and fz.range.max == 1000 and len(fz.tiers) == 6
    assert parse(GOOD).version == "2"


def test_every_unverified_rule_says_why() -> None:
    for sid in shipped():
        for r in load_scheme(sid).scheme.rules:
            if r.unverified:
                assert r.note and "UNVERIFIED" in r.note, (sid, r.id)


@pytest.mark.parametrize(
    ("old", "new", "needle", "reason"),
    [
        (
            "match: {kind: court_dishonest_listing}",
            "match: {kind: jaywalking}",
            "jaywalking",
            "unknown record kind 'jaywalking'",
        ),
        (
            "  - {id: B, min: 80, max: 99}",
            "  - {id: B, min: 80, max: 100}",
            "{id: B",
            "tiers overlap",
        ),
        (
            "  - {id: B, min: 80, max: 99}",
            "  - {id: B, min: 80, max: 97}",
            "{id: B",
            "tiers leave a gap",
        ),
        (
            '    basis: {instrument: spc_dishonest_debtors_2017, article: "Art. 1"}\n',
            "",
            "- id: listed",
            "rule without basis",
        ),
        (
            "    points: 5\n    cap: {points: 10, per: year}\n",
            "    points: -5\n",
            "match: {kind: honour}",
            "a deduction for lawful conduct",
        ),
        (
            "    conduct: illegal",
            "    conduct: commendable",
            "conduct: commendable",
            "a deduction for lawful conduct",
        ),
        (
            "match: {kind: court_dishonest_listing}",
            "match: {kind: court_dishonest_listing, attributes: {religion: [x]}}",
            "religion",
            "sensitive attribute (religion)",
        ),
        (
            "match: {kind: honour}",
            "match: {kind: honour, attributes: {民族: [汉]}}",
            "民族",
            "sensitive attribute (ethnicity)",
        ),
        (
            "  - id: honour",
            "  - id: religious_attendance",
            "religious_attendance",
            "sensitive attribute (religion)",
        ),
        (
            "match: {kind: court_dishonest_listing}",
            "match: {kind: court_dishonest_listing, attributes: {content: [political_speech]}}",
            "political_speech",
            "sensitive attribute",
        ),
        (
            "match: {kind: court_dishonest_listing}",
            "match: {data: financial_reporting}",
            "financial_reporting",
            "financial reporting data",
        ),
        (
            "basis: {instrument: city_rules",
            "basis: {instrument: a_law",
            "instrument: a_law",
            "a reward cites the local rule",
        ),
        (
            "instrument: spc_dishonest_debtors_2017",
            "instrument: city_rules",
            'instrument: city_rules, article: "Art. 1"',
            "not a local rule",
        ),
        (
            "match: {kind: court_dishonest_listing}",
            "match: {kind: tax_credit_grade}",
            "tax_credit_grade",
            "never about persons",
        ),
        (
            "cap: {points: 10, per: year}",
            "cap: {points: -10, per: year}",
            "cap: {points: -10",
            "must have the sign",
        ),
        ('area: ["371082"]', 'area: ["379999"]', "379999", "not a GB/T 2260 code"),
    ],
)
def test_refusals_name_the_line_and_reason(old: str, new: str, needle: str, reason: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    problems = _refused(text)
    hits = [p for p in problems if reason in str(p["reason"])]
    assert hits, problems
    assert hits[0]["line"] == _line_of(text, needle), (hits, text)


def test_all_problems_reported_at_once() -> None:
    text = GOOD.replace("kind: court_dishonest_listing", "kind: nope").replace("max: 99", "max: 90")
    reasons = " | ".join(str(p["reason"]) for p in _refused(text))
    assert "unknown record kind" in reasons and "gap" in reasons


def test_bad_yaml_and_duplicate_keys() -> None:
    with pytest.raises(UnusableInput, match=r"x.yaml:3: not valid YAML"):
        parse("id: a\nversion: 1\nname_en: x: y\n", "x.yaml")
    problems = GOOD.replace("version: 2", "version: 2\nversion: 3")
    with pytest.raises(UnusableInput, match="duplicate key"):
        parse(problems, "x.yaml")


@st.composite
def _tiers(draw: st.DrawFn) -> list[tuple[int | None, int | None]]:
    cuts = sorted(draw(st.sets(st.integers(-500, 2000), min_size=1, max_size=7)), reverse=True)
    bounds: list[tuple[int | None, int | None]] = []
    upper: int | None = None
    for c in cuts:
        bounds.append((c, upper))
        upper = c - 1
    bounds.append((None, upper))
    return bounds


def _with_tiers(bounds: list[tuple[int | None, int | None]]) -> str:
    lines = []
    for i, (lo, hi) in enumerate(bounds):
        parts = (
            [f"id: T{i}"]
            + ([f"min: {lo}"] if lo is not None else [])
            + ([f"max: {hi}"] if hi is not None else [])
        )
        lines.append("  - {" + ", ".join(parts) + "}")
    head = GOOD.split("tiers:\n")[0]
    return head + "tiers:\n" + "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None)
@given(_tiers(), st.data())
def test_contiguous_tiers_load_and_every_perturbation_is_refused(
    bounds: list[tuple[int | None, int | None]], data: st.DataObject
) -> None:
    scheme = parse(_with_tiers(bounds))
    for lo, hi in bounds:  # every score lands in exactly the tier that holds it
        probe = lo if lo is not None else (hi if hi is not None else 0)
        assert scheme.tier_of(probe) == scheme.tiers[bounds.index((lo, hi))].id
    if len(bounds) < 2:
        return
    i = data.draw(st.integers(1, len(bounds) - 1))
    lo, hi = bounds[i]
    assert hi is not None
    shift = data.draw(st.sampled_from([-2, -1, 1, 2]))
    bad = [*bounds[:i], (lo, hi + shift), *bounds[i + 1 :]]
    if lo is not None and hi + shift < lo:
        return  # min above max: refused too, but as its own reason
    text = _with_tiers(bad)
    problems = _refused(text)
    want = "overlap" if shift > 0 else "gap"
    hits = [p for p in problems if want in str(p["reason"])]
    assert hits and hits[0]["line"] == _line_of(text, f"id: T{i},")


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["ethnicity", "Religion", "HEALTH", "political", "speech", "宗教", "政治面貌"]),
    st.sampled_from(["", "x_", "client_"]),
)
def test_sensitive_attribute_names_are_refused(word: str, prefix: str) -> None:
    key = prefix + word if re.match(r"^[A-Za-z_]", prefix + word) else word
    text = GOOD.replace(
        "match: {kind: honour}",
        "match: {kind: honour, attributes: {"
        + yaml.safe_dump(key).strip().removesuffix("...").strip()
        + ": [y]}}",
    )
    reasons = [str(p["reason"]) for p in _refused(text)]
    assert any("sensitive attribute" in r for r in reasons), reasons
