"""Properties of publicity and regime choice over the shipped catalogue."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.catalogue import Catalogue, Severity, load_catalogue

CAT: Catalogue = load_catalogue()
SECTORS = sorted(CAT.sectors)
KINDS = sorted(CAT.kinds)

days = st.dates(min_value=date(2010, 1, 1), max_value=date(2040, 12, 31))
maybe_day = st.none() | days
severities = st.none() | st.sampled_from(list(Severity))
penalty_texts = st.none() | st.sampled_from(
    ["警告", "通报批评", "罚款", "警告、罚款", "其他", "吊销营业执照"]
)

common = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference_regime(sector: str, day: date) -> tuple[str, bool]:
    """Linear scan: the regime of the sector in force that day, else the earliest."""
    mine = sorted((r for r in CAT.regimes if sector in r.sectors), key=lambda r: r.valid_from)
    for r in mine:
        if r.in_force(day):
            return r.id, False
    assert day < mine[0].valid_from
    return mine[0].id, True


@common
@given(
    kind=st.sampled_from(KINDS),
    severity=severities,
    decided_on=days,
    sector=st.sampled_from(SECTORS),
    feed=maybe_day,
    valid_to=maybe_day,
    today=maybe_day,
    published_on=maybe_day,
    penalty_types=penalty_texts,
)
def test_display_and_repair_are_ordered(
    kind: str,
    severity: Severity | None,
    decided_on: date,
    sector: str,
    feed: date | None,
    valid_to: date | None,
    today: date | None,
    published_on: date | None,
    penalty_types: str | None,
) -> None:
    p = CAT.publicity(
        kind,
        severity=severity,
        decided_on=decided_on,
        sector=sector,
        feed_display_until=feed,
        valid_to=valid_to,
        today=today or date(2030, 1, 1),
        published_on=published_on,
        penalty_types=penalty_types,
    )
    if p.display_until is not None:
        assert p.display_until >= decided_on
        assert p.published
    if p.repair_from is not None:
        assert p.repair_from >= decided_on
        assert p.repair_regime_id is not None
        if p.display_until is not None:
            assert p.repair_from <= p.display_until
    if not p.published:
        assert p.display_until is None and p.repair_from is None
    assert p.flagged == bool(p.flags)


@common
@given(
    sector=st.sampled_from(SECTORS),
    decided_on=days,
    severity=st.sampled_from(list(Severity)),
    feed=maybe_day,
    today=maybe_day,
)
def test_regime_choice_is_a_function_of_sector_and_date(
    sector: str, decided_on: date, severity: Severity, feed: date | None, today: date | None
) -> None:
    expected, early = _reference_regime(sector, decided_on)
    assert CAT.regime_for(sector, decided_on) == (CAT.regime(expected), early)
    p = CAT.publicity(
        "administrative_penalty",
        severity=severity,
        decided_on=decided_on,
        sector=sector,
        feed_display_until=feed,
        today=today or date(2030, 1, 1),
    )
    assert p.regime_id == expected
    assert ("before_earliest_regime" in p.flags) is early


@common
@given(
    sector=st.sampled_from(SECTORS),
    decided_on=days,
    severity=st.sampled_from(list(Severity)),
    today=days,
)
def test_a_later_today_never_delays_repair(
    sector: str, decided_on: date, severity: Severity, today: date
) -> None:
    """More regimes in force can only offer an earlier (more favourable) repair date."""
    kw = {"severity": severity, "decided_on": decided_on, "sector": sector}
    now = CAT.publicity("administrative_penalty", today=today, **kw)  # type: ignore[arg-type]
    later = CAT.publicity("administrative_penalty", today=date(2040, 12, 31), **kw)  # type: ignore[arg-type]
    if now.repair_from is not None:
        assert later.repair_from is not None
        assert later.repair_from <= now.repair_from


@common
@given(text=st.text(max_size=30), amount=st.none() | st.integers(min_value=0, max_value=10**12))
def test_severity_derivation_never_fails(text: str, amount: int | None) -> None:
    r = CAT.derive_severity(text, amount)
    assert r.derived
    assert r.severity in Severity
    if r.unknown_types:
        assert "unknown_penalty_type" in r.flags
