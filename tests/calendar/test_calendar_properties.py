"""Properties of deadline arithmetic, over known, operator-loaded and unknown years."""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.calendar import Duration, DurationUnit, WorkCalendar, load_schedule_file

FIXTURE = Path(__file__).parent / "data" / "2027-fixture.yaml"
CALENDARS = [WorkCalendar(), WorkCalendar({2027: load_schedule_file(FIXTURE)})]
WD = DurationUnit.WORKING_DAYS

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))
counts = st.integers(min_value=0, max_value=400)
cals = st.sampled_from(CALENDARS)
fast = settings(max_examples=200, deadline=None)


@fast
@given(cals, starts, counts, counts)
def test_monotone_in_n(cal: WorkCalendar, start: date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    d_lo = cal.add(start, Duration(n=lo, unit=WD)).due
    d_hi = cal.add(start, Duration(n=hi, unit=WD)).due
    assert d_lo <= d_hi
    assert (d_lo < d_hi) == (lo < hi)


@fast
@given(cals, starts, st.integers(min_value=1, max_value=400))
def test_due_is_a_working_day_and_counts_back_to_n(cal: WorkCalendar, start: date, n: int) -> None:
    got = cal.add(start, Duration(n=n, unit=WD))
    assert got.due > start
    assert cal.is_workday(got.due)
    count, d = 0, start
    while d < got.due:
        d += timedelta(days=1)
        count += cal.is_workday(d)
    assert count == n


@fast
@given(cals, starts, counts)
def test_provisional_iff_an_unknown_year_is_touched(cal: WorkCalendar, start: date, n: int) -> None:
    got = cal.add(start, Duration(n=n, unit=WD))
    touched = range((start + timedelta(days=1)).year, got.due.year + 1) if n else range(0)
    assert got.provisional == any(not cal.is_known(y) for y in touched)


@fast
@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 10, 31)), counts)
def test_matches_chinesecalendar_where_it_knows(start: date, n: int) -> None:
    d, count = start, 0
    while count < n:
        d += timedelta(days=1)
        if d.year > 2026:
            return  # the reference cannot go there
        count += chinese_calendar.is_workday(d)
    got = CALENDARS[0].add(start, Duration(n=n, unit=WD))
    assert got.due == d and not got.provisional


@fast
@given(
    st.dates(min_value=date(1, 1, 1), max_value=date(9000, 12, 31)),
    st.integers(min_value=0, max_value=12 * 900),
)
def test_months_always_a_valid_clamped_date(start: date, months: int) -> None:
    got = CALENDARS[0].add(start, Duration(n=months, unit=DurationUnit.MONTHS))
    due = got.due
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == months
    assert due.day == min(start.day, stdlib_calendar.monthrange(due.year, due.month)[1])
    assert not got.provisional


@fast
@given(st.dates(min_value=date(1, 1, 1), max_value=date(9000, 12, 31)), st.integers(0, 900))
def test_years_are_twelve_months(start: date, years: int) -> None:
    cal = CALENDARS[0]
    assert (
        cal.add(start, Duration(n=years, unit=DurationUnit.YEARS)).due
        == cal.add(start, Duration(n=12 * years, unit=DurationUnit.MONTHS)).due
    )


@fast
@given(cals, starts, st.integers(min_value=0, max_value=3650))
def test_calendar_days(cal: WorkCalendar, start: date, n: int) -> None:
    got = cal.add(start, Duration(n=n, unit=DurationUnit.CALENDAR_DAYS))
    assert (got.due - start).days == n and not got.provisional


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(list(DurationUnit)))
def test_duration_str_round_trip(n: int, unit: DurationUnit) -> None:
    d = Duration(n=n, unit=unit)
    assert Duration.parse(str(d)) == d
    assert Duration.model_validate(str(d)) == d
    assert Duration.model_validate(d.model_dump()) == d
