"""Worked examples of publicity periods and repair, per regime, from the sources."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.catalogue import Catalogue, Severity
from xinyong.errors import NotFound, UnusableInput

PENALTY = "administrative_penalty"
LATER = date(2030, 1, 1)  # a "today" by which every shipped regime is in force


def pen(cat: Catalogue, **kw: object):  # type: ignore[no-untyped-def]
    kw.setdefault("today", LATER)
    return cat.publicity(PENALTY, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- SAMR


def test_samr_general_under_order_107(cat: Catalogue) -> None:
    # REFERENCE §3.1: general 3 months–1 year, apply after 3 months, stop at 1 year
    p = pen(
        cat, severity=Severity.GENERAL, decided_on=date(2026, 1, 10), sector="market_regulation"
    )
    assert p.published
    assert p.regime_id == "samr_order_107"
    assert p.repair_from == date(2026, 4, 10)
    assert p.display_until == date(2027, 1, 10)
    assert p.repair_regime_id == "samr_order_107"
    assert not p.flagged and p.flags == []


def test_samr_serious_under_order_107(cat: Catalogue) -> None:
    p = pen(cat, severity="serious", decided_on=date(2026, 2, 28), sector="market_regulation")
    assert (p.repair_from, p.display_until) == (date(2027, 2, 28), date(2029, 2, 28))


@pytest.mark.parametrize("decided_on", [date(2023, 3, 1), date(2026, 2, 1)])
def test_a_warning_is_not_published_under_order_45_or_107(cat: Catalogue, decided_on: date) -> None:
    sev = cat.derive_severity("警告", None)
    assert sev.severity is Severity.MINOR
    p = pen(
        cat,
        severity=sev.severity,
        decided_on=decided_on,
        sector="market_regulation",
        penalty_types="警告",
    )
    assert not p.published
    assert p.display_until is None and p.repair_from is None
    assert p.regime_id in ("samr_order_45", "samr_order_107")


def test_circulated_criticism_stops_after_3_months_under_order_107(cat: Catalogue) -> None:
    p = pen(
        cat,
        severity="minor",
        decided_on=date(2026, 1, 31),
        sector="market_regulation",
        penalty_types="通报批评",
    )
    assert p.published
    assert p.display_until == date(2026, 4, 30)  # clamped to the month's end
    assert p.repair_from is None


def test_a_warning_with_a_fine_is_published(cat: Catalogue) -> None:
    sev = cat.derive_severity("警告；罚款", 300_000)
    p = pen(
        cat,
        severity=sev.severity,
        decided_on=date(2026, 1, 10),
        sector="market_regulation",
        penalty_types="警告；罚款",
    )
    assert p.published and p.display_until == date(2027, 1, 10)


def test_samr_general_under_order_45(cat: Catalogue) -> None:
    p = pen(
        cat,
        severity="general",
        decided_on=date(2024, 3, 15),
        sector="market_regulation",
        today=date(2024, 6, 1),
    )
    assert p.regime_id == "samr_order_45"
    assert p.display_until == date(2027, 3, 15)
    assert p.repair_from == date(2024, 9, 15)  # 6 months before Order 107 (ADDENDUM §5)
    assert not p.flagged


def test_order_45_serious_repair_minimum_is_flagged_unverified(cat: Catalogue) -> None:
    p = pen(
        cat,
        severity="serious",
        decided_on=date(2023, 6, 1),
        sector="market_regulation",
        today=date(2023, 7, 1),
    )
    assert p.display_until == date(2026, 6, 1)
    assert p.repair_from == date(2024, 6, 1)
    assert p.flags == ["unverified_regime"]


def test_regime_counted_from_publication_when_known(cat: Catalogue) -> None:
    p = pen(
        cat,
        severity="general",
        decided_on=date(2026, 1, 10),
        published_on=date(2026, 2, 5),
        sector="market_regulation",
    )
    assert (p.repair_from, p.display_until) == (date(2026, 5, 5), date(2027, 2, 5))


# --------------------------------------------------------------------------- NDRC


def test_ndrc_serious_under_the_2026_measures(cat: Catalogue) -> None:
    p = pen(cat, severity="serious", decided_on=date(2026, 5, 1), sector="ecology_environment")
    assert p.regime_id == "ndrc_repair_2026"
    assert p.display_until == date(2029, 5, 1)
    assert p.repair_from == date(2027, 5, 1)
    assert not p.flagged


def test_ndrc_general_and_minor_under_the_2026_measures(cat: Catalogue) -> None:
    g = pen(cat, severity="general", decided_on=date(2026, 5, 1), sector="tax")
    assert (g.repair_from, g.display_until) == (date(2026, 8, 1), date(2027, 5, 1))
    m = pen(cat, severity="minor", decided_on=date(2026, 5, 1), sector="tax")
    assert not m.published and m.regime_id == "ndrc_repair_2026"


def test_ndrc_under_notice_527(cat: Catalogue) -> None:
    g = pen(
        cat,
        severity="general",
        decided_on=date(2020, 3, 1),
        sector="transport",
        today=date(2020, 4, 1),
    )
    assert (g.regime_id, g.repair_from, g.display_until) == (
        "ndrc_2019_527",
        date(2020, 6, 1),
        date(2021, 3, 1),
    )
    s = pen(
        cat,
        severity="serious",
        decided_on=date(2020, 3, 1),
        sector="transport",
        today=date(2020, 4, 1),
    )
    assert (s.repair_from, s.display_until) == (date(2020, 9, 1), date(2023, 3, 1))
    assert not g.flagged and not s.flagged


def test_a_2024_record_under_order_58_is_flagged_unverified(cat: Catalogue) -> None:
    p = pen(
        cat, severity="general", decided_on=date(2024, 6, 30), sector="tax", today=date(2024, 7, 1)
    )
    assert p.regime_id == "ndrc_order_58"
    assert "unverified_regime" in p.flags and p.flagged
    # 527's numbers, carried as the marked assumption
    assert (p.repair_from, p.display_until) == (date(2024, 9, 30), date(2025, 6, 30))


def test_527_minor_is_general_and_flagged_as_an_assumption(cat: Catalogue) -> None:
    p = pen(
        cat, severity="minor", decided_on=date(2021, 1, 5), sector="health", today=date(2021, 2, 1)
    )
    assert p.published and p.display_until == date(2022, 1, 5)
    assert p.flags == ["unverified_regime"]


@pytest.mark.parametrize(
    ("sector", "day", "regime"),
    [
        ("market_regulation", date(2021, 9, 1), "samr_order_45"),
        ("market_regulation", date(2025, 12, 24), "samr_order_45"),
        ("market_regulation", date(2025, 12, 25), "samr_order_107"),
        ("tax", date(2023, 4, 30), "ndrc_2019_527"),
        ("tax", date(2023, 5, 1), "ndrc_order_58"),
        ("tax", date(2026, 3, 31), "ndrc_order_58"),
        ("tax", date(2026, 4, 1), "ndrc_repair_2026"),
        ("market_regulation", date(2024, 1, 1), "samr_order_45"),
        ("court", date(2024, 1, 1), "ndrc_order_58"),
    ],
)
def test_regime_boundaries(cat: Catalogue, sector: str, day: date, regime: str) -> None:
    assert cat.regime_for(sector, day) == (cat.regime(regime), False)
    p = pen(cat, severity="general", decided_on=day, sector=sector)
    assert p.regime_id == regime


def test_several_regimes_in_force_at_once_are_chosen_by_sector(cat: Catalogue) -> None:
    day = date(2024, 1, 1)
    assert cat.regime_for("market_regulation", day)[0].id == "samr_order_45"
    assert cat.regime_for("public_security", day)[0].id == "ndrc_order_58"


@pytest.mark.parametrize(
    ("sector", "day", "regime"),
    [
        ("market_regulation", date(2020, 5, 1), "samr_order_45"),
        ("tax", date(2018, 1, 1), "ndrc_2019_527"),
    ],
)
def test_a_decision_before_the_earliest_regime_uses_it_flagged(
    cat: Catalogue, sector: str, day: date, regime: str
) -> None:
    assert cat.regime_for(sector, day) == (cat.regime(regime), True)
    p = pen(cat, severity="general", decided_on=day, sector=sector)
    assert p.regime_id == regime
    assert "before_earliest_regime" in p.flags


# --------------------------------------------------------------------------- feed 公示截止期


def test_feed_end_within_bounds_wins(cat: Catalogue) -> None:
    p = pen(
        cat,
        severity="general",
        decided_on=date(2026, 1, 10),
        sector="market_regulation",
        feed_display_until=date(2026, 10, 10),
    )
    assert p.display_until == date(2026, 10, 10)
    assert p.display_source == "feed" and not p.flagged


@pytest.mark.parametrize("feed", [date(2026, 4, 10), date(2027, 1, 10)])
def test_feed_end_at_either_bound_wins(cat: Catalogue, feed: date) -> None:
    p = pen(
        cat,
        severity="general",
        decided_on=date(2026, 1, 10),
        sector="market_regulation",
        feed_display_until=feed,
    )
    assert p.display_until == feed and not p.flagged


@pytest.mark.parametrize("feed", [date(2026, 3, 1), date(2028, 1, 1), date(2025, 12, 1)])
def test_feed_end_out_of_bounds_is_replaced_and_flagged(cat: Catalogue, feed: date) -> None:
    p = pen(
        cat,
        severity="general",
        decided_on=date(2026, 1, 10),
        sector="market_regulation",
        feed_display_until=feed,
    )
    assert p.display_until == date(2027, 1, 10)
    assert p.display_source == "regime"
    assert p.flags == ["feed_display_until_out_of_bounds"]


def test_feed_end_counted_from_publication_is_within_bounds(cat: Catalogue) -> None:
    # Order 107 (as 45) counts from publication, up to 20 working days after the decision
    p = pen(
        cat,
        severity="general",
        decided_on=date(2026, 1, 10),
        sector="market_regulation",
        feed_display_until=date(2027, 2, 3),
    )
    assert p.display_until == date(2027, 2, 3) and not p.flagged
    # …but not once the publication date is known and the feed disagrees with it
    q = pen(
        cat,
        severity="general",
        decided_on=date(2026, 1, 10),
        sector="market_regulation",
        published_on=date(2026, 1, 12),
        feed_display_until=date(2027, 2, 3),
    )
    assert q.display_until == date(2027, 1, 12) and q.flagged


def test_ndrc_feed_end_within_bounds_wins(cat: Catalogue) -> None:
    p = pen(
        cat,
        severity="serious",
        decided_on=date(2026, 5, 1),
        sector="tax",
        feed_display_until=date(2028, 5, 1),
    )
    assert p.display_until == date(2028, 5, 1) and not p.flagged
    q = pen(
        cat,
        severity="serious",
        decided_on=date(2026, 5, 1),
        sector="tax",
        feed_display_until=date(2027, 1, 1),
    )  # before the 1-year minimum
    assert q.display_until == date(2029, 5, 1)
    assert q.flags == ["feed_display_until_out_of_bounds"]


def test_order_45_low_fine_feed_end_of_3_months_is_accepted(cat: Catalogue) -> None:
    p = pen(
        cat,
        severity="general",
        decided_on=date(2024, 1, 10),
        sector="market_regulation",
        published_on=date(2024, 1, 20),
        feed_display_until=date(2024, 4, 20),
        today=date(2024, 2, 1),
    )
    assert p.display_until == date(2024, 4, 20) and not p.flagged
    # it ends before the 6-month repair minimum: nothing to repair
    assert p.repair_from is None and p.repair_regime_id is None


def test_a_feed_end_for_an_unpublished_record_is_flagged(cat: Catalogue) -> None:
    p = pen(
        cat,
        severity="minor",
        decided_on=date(2026, 2, 1),
        sector="market_regulation",
        penalty_types="警告",
        feed_display_until=date(2026, 5, 1),
    )
    assert not p.published and p.flags == ["feed_display_until_for_unpublished"]


# --------------------------------------------------------------------------- repair across regimes


def test_a_more_favourable_later_regime_is_chosen_for_repair_and_named(cat: Catalogue) -> None:
    # decided under Order 45 (general: repair after 6 months → 2026-05-01); Order 107
    # (3 months) is in force by today, so repair opens 2026-02-01 under Order 107
    p = pen(
        cat,
        severity="general",
        decided_on=date(2025, 11, 1),
        sector="market_regulation",
        today=date(2026, 3, 1),
    )
    assert p.regime_id == "samr_order_45"
    assert p.display_until == date(2028, 11, 1)  # display stays with the decision's regime
    assert p.repair_from == date(2026, 2, 1)
    assert p.repair_regime_id == "samr_order_107"


def test_a_later_regime_not_yet_in_force_by_today_is_ignored(cat: Catalogue) -> None:
    p = pen(
        cat,
        severity="general",
        decided_on=date(2025, 11, 1),
        sector="market_regulation",
        today=date(2025, 12, 1),
    )
    assert p.repair_from == date(2026, 5, 1)
    assert p.repair_regime_id == "samr_order_45"


def test_a_later_regime_never_opens_repair_before_it_began(cat: Catalogue) -> None:
    # decided 2025-09-20: Order 107's 3 months would be 2025-12-20, before 107 began
    p = pen(cat, severity="general", decided_on=date(2025, 9, 20), sector="market_regulation")
    assert p.repair_from == date(2025, 12, 25)
    assert p.repair_regime_id == "samr_order_107"


def test_a_less_favourable_later_regime_is_not_chosen(cat: Catalogue) -> None:
    # NDRC serious: Order 58 (assumed 6 months) beats the 2026 measures' 1 year
    p = pen(cat, severity="serious", decided_on=date(2025, 6, 1), sector="tax")
    assert p.repair_from == date(2025, 12, 1)
    assert p.repair_regime_id == "ndrc_order_58"


# --------------------------------------------------------------------------- other rules


def test_licence_is_public_until_valid_to(cat: Catalogue) -> None:
    p = cat.publicity(
        "administrative_licence",
        severity=None,
        decided_on=date(2024, 1, 1),
        sector=None,
        valid_to=date(2029, 1, 1),
    )
    assert p.published and p.display_until == date(2029, 1, 1)
    assert p.regime_id is None and p.display_source == "valid_to"
    open_ended = cat.publicity(
        "administrative_licence", severity=None, decided_on=date(2024, 1, 1), sector=None
    )
    assert open_ended.published and open_ended.display_until is None


def test_licence_valid_to_before_the_decision_is_flagged(cat: Catalogue) -> None:
    p = cat.publicity(
        "administrative_licence",
        severity=None,
        decided_on=date(2024, 1, 1),
        sector=None,
        valid_to=date(2023, 1, 1),
    )
    assert p.display_until == date(2024, 1, 1)
    assert p.flags == ["valid_to_before_decided_on"]


def test_listings_are_public_while_in_force(cat: Catalogue) -> None:
    p = cat.publicity(
        "court_dishonest_listing", severity=None, decided_on=date(2024, 1, 1), sector="court"
    )
    assert p.published and p.display_until is None and p.display_source == "in_force"
    fixed_term = cat.publicity(
        "court_dishonest_listing",
        severity=None,
        decided_on=date(2024, 1, 1),
        sector="court",
        feed_display_until=date(2026, 1, 1),
    )
    assert fixed_term.display_until == date(2026, 1, 1)


def test_residence_is_never_public(cat: Catalogue) -> None:
    p = cat.publicity("residence", severity=None, decided_on=date(2024, 1, 1), sector=None)
    assert not p.published and p.display_until is None and p.rule.value == "none"


def test_missing_severity_defaults_to_general_flagged(cat: Catalogue) -> None:
    p = pen(cat, severity=None, decided_on=date(2026, 1, 10), sector="market_regulation")
    assert p.display_until == date(2027, 1, 10)
    assert p.flags == ["severity_missing"]


def test_reported_severity_labels_are_accepted(cat: Catalogue) -> None:
    p = pen(cat, severity="严重", decided_on=date(2026, 5, 1), sector="tax")
    assert p.display_until == date(2029, 5, 1)


def test_unknown_kind_sector_and_missing_sector(cat: Catalogue) -> None:
    with pytest.raises(NotFound):
        cat.publicity("parking_ticket", severity="minor", decided_on=date(2026, 1, 1), sector="tax")
    with pytest.raises(NotFound):
        pen(cat, severity="minor", decided_on=date(2026, 1, 1), sector="fisheries")
    with pytest.raises(UnusableInput):
        pen(cat, severity="minor", decided_on=date(2026, 1, 1), sector=None)
