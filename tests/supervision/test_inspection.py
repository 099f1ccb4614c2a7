"""The double-random draw: never a conflicted inspector, rates met, same seed same plan."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.errors import UsageError
from xinyong.supervision.inspection import (
    Firm,
    draw_plan,
    parse_rates,
    period_start,
    quota,
)
from xinyong.supervision.rules import CLASSES

RATES = {"A": 0.02, "B": 0.05, "C": 0.15, "D": 0.4}


@st.composite
def worlds(
    draw: st.DrawFn,
) -> tuple[list[Firm], list[str], list[tuple[str, str]], dict[str, float], int]:
    n = draw(st.integers(0, 60))
    firms = [Firm(f"F{i:03d}", draw(st.sampled_from(CLASSES))) for i in range(n)]
    team = [f"insp-{i}" for i in range(draw(st.integers(1, 6)))]
    pairs = [(p, f.subject_id) for p in team for f in firms]
    conflicts = draw(st.lists(st.sampled_from(pairs), max_size=40, unique=True)) if pairs else []
    rates = {c: draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0])) for c in CLASSES}
    return firms, team, conflicts, rates, draw(st.integers(0, 2**32))


@settings(max_examples=150, deadline=None)
@given(w=worlds(), k=st.integers(1, 3))
def test_plan_properties(w: tuple, k: int) -> None:  # type: ignore[type-arg]
    firms, team, conflicts, rates, seed = w
    plan = draw_plan(firms, team, conflicts, rates=rates, seed=seed, inspectors_per_firm=k)
    blocked = set(conflicts)
    # rates respected: per class exactly round-half-up(rate × firms of that class)
    by_class = {c: sum(1 for f in firms if f.risk_class == c) for c in CLASSES}
    assert plan.population == by_class
    assert plan.by_class() == {c: quota(rates[c], by_class[c]) for c in CLASSES}
    drawn = [f.subject_id for f, _ in plan.drawn]
    assert len(drawn) == len(set(drawn))
    for f, who in plan.drawn:
        # never a conflicted inspector; distinct inspectors; a full team or none
        assert not any((p, f.subject_id) in blocked for p in who)
        assert len(set(who)) == len(who) and len(who) in (0, k)
        eligible = [p for p in team if (p, f.subject_id) not in blocked]
        assert (len(who) == 0) == (len(eligible) < k)
    # same seed, same plan, whatever the input order
    again = draw_plan(list(reversed(firms)), list(reversed(team)), conflicts, rates=rates,
                      seed=seed, inspectors_per_firm=k)  # fmt: skip
    assert again.drawn == plan.drawn


def test_the_seed_decides() -> None:
    firms = [Firm(f"F{i:03d}", "B") for i in range(200)]
    team = [f"i{i}" for i in range(5)]
    a = draw_plan(firms, team, [], rates=RATES, seed=1)
    b = draw_plan(firms, team, [], rates=RATES, seed=2)
    assert len(a.drawn) == len(b.drawn) == 10
    assert a.drawn != b.drawn


def test_higher_classes_are_drawn_more_often() -> None:
    firms = [Firm(f"F{i:04d}", c) for i, c in enumerate(CLASSES * 250)]
    plan = draw_plan(firms, ["i1", "i2"], [], rates=RATES, seed=7)
    assert plan.by_class() == {"A": 5, "B": 13, "C": 38, "D": 100}


def test_periods_and_rates_parsing() -> None:
    assert period_start("2026-H2") == date(2026, 7, 1)
    assert period_start("2026-Q3") == date(2026, 7, 1)
    assert period_start("2026-02") == date(2026, 2, 1)
    assert period_start("2026") == date(2026, 1, 1)
    for bad in ("2026-H3", "26-Q1", "2026-13", "2026/Q1", ""):
        with pytest.raises(UsageError):
            period_start(bad)
    assert parse_rates("c=0.5, D=1", RATES) == {**RATES, "C": 0.5, "D": 1.0}
    for bad in ("E=0.1", "C=2", "C=x", "C", "C=nan"):
        with pytest.raises(UsageError):
            parse_rates(bad, RATES)
    with pytest.raises(UsageError):
        draw_plan([], ["a"], [], rates=RATES, seed=-1)
