"""The pure rules of a list's terms: grounds, terms, extensions, minors, removal events."""

from __future__ import annotations

from datetime import date

import pytest
from tests.support.feeds import person_ric

from xinyong.calendar import Duration
from xinyong.catalogue import get_catalogue
from xinyong.catalogue.model import Criterion, Ground, ListDef
from xinyong.errors import RuleRefused
from xinyong.lists.terms import (
    birth_date,
    extension_refusal,
    ground_for,
    is_minor,
    removal_event,
    term_end,
    term_for,
)

CAT = get_catalogue()
COURT = CAT.list_def("court_dishonest_debtors")
SAMR = CAT.list_def("samr_serious_illegal")
TAX_A = CAT.list_def("red_tax_a")
SHANDONG = CAT.list_def("shandong_serious_dishonest")
ABNORMAL = CAT.list_def("abnormal_operations")


def _ground(ld: ListDef, gid: str) -> Ground:
    (g,) = [g for g in ld.grounds if g.id == gid]
    return g


def _criterion(ld: ListDef, kind: str) -> Criterion:
    (c,) = [c for c in ld.criteria if c.kind == kind]
    return c


def years(n: int) -> Duration:
    return Duration.parse(f"{n} years")


# --------------------------------------------------------------------------- grounds


@pytest.mark.parametrize(
    ("code", "ground"),
    [
        ("1", "able_but_refuses"),
        ("2", "obstructs_enforcement"),
        ("3", "evades_enforcement"),
        ("4", "violates_asset_reporting"),
        ("5", "violates_consumption_order"),
        ("6", "refuses_settlement"),
    ],
)
def test_court_ground_by_its_code(code: str, ground: str) -> None:
    g = ground_for(COURT, {"grounds": code})
    assert g is not None and g.id == ground and g.code == code


def test_court_ground_by_its_id_and_several_codes_take_the_first() -> None:
    by_id = ground_for(COURT, {"grounds": "evades_enforcement"})
    assert by_id is not None and by_id.id == "evades_enforcement"
    first = ground_for(COURT, {"grounds": "3,1"})
    assert first is not None and first.id == "evades_enforcement"
    # the court writes full-width commas too, and spaces
    wide = ground_for(COURT, {"grounds": " 5 ，2"})
    assert wide is not None and wide.id == "violates_consumption_order"
    numeric = ground_for(COURT, {"grounds": 2})
    assert numeric is not None and numeric.id == "obstructs_enforcement"


def test_court_ground_that_cannot_be_told_is_none() -> None:
    assert ground_for(COURT, {"grounds": "9"}) is None
    assert ground_for(COURT, {}) is None
    assert ground_for(COURT, {"grounds": None}) is None


def test_a_criterion_naming_its_ground_wins() -> None:
    crit = _criterion(SAMR, "abnormal_operations")
    g = ground_for(SAMR, {}, crit)
    assert g is not None and g.id == "abnormal_unresolved"
    penalty = ground_for(
        SAMR, {"grounds": "abnormal_unresolved"}, _criterion(SAMR, "administrative_penalty")
    )
    assert penalty is not None and penalty.id == "heavier_penalty"


def test_a_list_with_one_ground_uses_it() -> None:
    g = ground_for(TAX_A, {"grade": "A"}, _criterion(TAX_A, "tax_credit_grade"))
    assert g is not None and g.id == "grade_a"
    s = ground_for(SHANDONG, {})
    assert s is not None and s.id == "serious_dishonest_conduct"
    # several grounds, no ground field, no criterion ground: cannot be told
    assert ground_for(ABNORMAL, {}) is None
    assert ground_for(SAMR, {}) is None


# --------------------------------------------------------------------------- terms


def test_term_of_a_ground_else_the_list_default() -> None:
    assert term_for(COURT, _ground(COURT, "able_but_refuses")) is None  # until performance
    assert term_for(COURT, _ground(COURT, "obstructs_enforcement")) == years(2)
    assert term_for(COURT, None) is None  # the court list has no default
    assert term_for(SAMR, None) == years(3)
    assert term_for(TAX_A, _ground(TAX_A, "grade_a")) == years(1)


@pytest.mark.parametrize(
    ("start", "term", "end"),
    [
        (date(2026, 2, 1), "2 years", date(2028, 2, 1)),
        (date(2024, 2, 29), "2 years", date(2026, 2, 28)),  # no 29 Feb: the month's end
        (date(2024, 2, 29), "4 years", date(2028, 2, 29)),
        (date(2025, 12, 31), "1 years", date(2026, 12, 31)),
        (date(2026, 1, 31), "1 months", date(2026, 2, 28)),
        (date(2026, 1, 31), "10 calendar_days", date(2026, 2, 10)),
    ],
)
def test_term_end_is_the_corresponding_day(start: date, term: str, end: date) -> None:
    assert term_end(start, Duration.parse(term)) == end


def test_term_end_without_a_term_and_in_working_days() -> None:
    assert term_end(date(2026, 2, 1), None) is None
    with pytest.raises(RuleRefused) as exc:
        term_end(date(2026, 2, 1), Duration.parse("5 working_days"))
    assert exc.value.code == "term_unit" and exc.value.http_status == 422


# --------------------------------------------------------------------------- extensions


@pytest.mark.parametrize("by", ["1 years", "2 years", "3 years", "12 months", "30 months"])
def test_extension_within_one_to_three_years(by: str) -> None:
    g = _ground(COURT, "obstructs_enforcement")
    assert extension_refusal(g, Duration.parse(by), 0) is None


@pytest.mark.parametrize(
    "by", ["4 years", "6 months", "37 months", "0 years", "1100 calendar_days"]
)
def test_extension_outside_the_bounds_is_refused(by: str) -> None:
    g = _ground(COURT, "obstructs_enforcement")
    why = extension_refusal(g, Duration.parse(by), 0)
    assert why is not None and "between" in why


def test_second_extension_is_refused() -> None:
    g = _ground(COURT, "refuses_settlement")
    why = extension_refusal(g, years(1), 1)
    assert why is not None and "already extended" in why


def test_no_extension_without_a_rule_or_a_term() -> None:
    # ground 1 has no fixed term and no extension rule
    assert extension_refusal(_ground(COURT, "able_but_refuses"), years(1), 0) is not None
    assert extension_refusal(None, years(1), 0) is not None
    assert extension_refusal(_ground(SHANDONG, "serious_dishonest_conduct"), years(1), 0)


# --------------------------------------------------------------------------- minors


def test_birth_date_from_a_resident_id() -> None:
    assert birth_date(person_ric(1, date(2008, 2, 29))) == date(2008, 2, 29)
    assert birth_date(person_ric(2, date(1985, 1, 1))) == date(1985, 1, 1)
    assert birth_date("371082200802301234") is None  # 30 February
    assert birth_date("3710821985") is None
    assert birth_date("") is None


@pytest.mark.parametrize(
    ("born", "on", "minor"),
    [
        (date(2008, 5, 17), date(2026, 5, 16), True),
        (date(2008, 5, 17), date(2026, 5, 17), False),  # 18 on the birthday
        (date(2008, 5, 17), date(2026, 5, 18), False),
        (date(2008, 12, 31), date(2026, 12, 30), True),
        (date(2008, 12, 31), date(2027, 1, 1), False),
        (date(2008, 1, 1), date(2025, 12, 31), True),
        (date(2008, 1, 1), date(2026, 1, 1), False),
        # born on 29 February: 2026 has no 29 February, so 18 on 1 March
        (date(2008, 2, 29), date(2026, 2, 28), True),
        (date(2008, 2, 29), date(2026, 3, 1), False),
        (date(2004, 2, 29), date(2022, 2, 28), True),
        (date(2004, 2, 29), date(2022, 3, 1), False),
        (date(1985, 1, 1), date(2026, 3, 20), False),
        (date(2010, 1, 1), date(2026, 3, 20), True),
    ],
)
def test_is_minor_around_the_18th_birthday(born: date, on: date, minor: bool) -> None:
    assert is_minor(born, on) is minor


def test_unknown_birth_date_is_not_taken_for_a_minor() -> None:
    assert is_minor(None, date(2026, 1, 1)) is False


# --------------------------------------------------------------------------- removal events


def test_removal_event_of_the_list() -> None:
    ev = removal_event(COURT, "performed")
    assert ev.id == "performed" and ev.deadline == Duration.parse("3 working_days")
    assert removal_event(TAX_A, "grade_changed").id == "grade_changed"


@pytest.mark.parametrize("event", [None, ""])
def test_removal_needs_an_event(event: str | None) -> None:
    with pytest.raises(RuleRefused) as exc:
        removal_event(COURT, event)
    assert exc.value.code == "removal_event_required" and exc.value.http_status == 422
    assert "performed" in exc.value.message  # names the list's events


@pytest.mark.parametrize("event", ["paid_up", "grade_changed", "PERFORMED"])
def test_removal_event_of_another_list_or_unknown_is_refused(event: str) -> None:
    with pytest.raises(RuleRefused) as exc:
        removal_event(COURT, event)
    assert exc.value.code == "unknown_removal_event" and exc.value.http_status == 422
    assert "settlement_performed" in exc.value.message
