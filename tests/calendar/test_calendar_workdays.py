"""Working-day deadlines on real PRC holiday facts, and past the package's last year.

Expectations come from an independent loop over ``chinese_calendar.is_workday``
or from dates checked by hand against the State Council notices
(国办发明电〔2024〕12号 for 2025, 国办发明电〔2025〕7号 for 2026).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import chinese_calendar
import pytest

from xinyong.calendar import (
    Deadline,
    Duration,
    DurationError,
    DurationUnit,
    ScheduleError,
    WorkCalendar,
    YearOrigin,
    YearSchedule,
    load_schedule_file,
    recompute,
    today_cst,
)

FIXTURE = Path(__file__).parent / "data" / "2027-fixture.yaml"
WD = DurationUnit.WORKING_DAYS


def wd(n: int) -> Duration:
    return Duration(n=n, unit=WD)


def reference_nth_workday(start: date, n: int) -> date:
    """The n-th working day after start, by chinesecalendar alone (years it knows)."""
    d, count = start, 0
    while count < n:
        d += timedelta(days=1)
        if chinese_calendar.is_workday(d):
            count += 1
    return d


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture(scope="module")
def cal27() -> WorkCalendar:
    return WorkCalendar({2027: load_schedule_file(FIXTURE)})


# -- real holidays -------------------------------------------------------------


def test_national_day_2025(cal: WorkCalendar) -> None:
    # 2025-09-26 is a Friday; Oct 1–8 off; Sun 2025-09-28 and Sat 2025-10-11 worked
    start = date(2025, 9, 26)
    got = cal.add(start, wd(5))
    assert got == Deadline(due=reference_nth_workday(start, 5), provisional=False, unit=WD, n=5)
    # by hand: Sep 28 (Sun, worked), 29, 30, then Oct 9, Oct 10
    assert got.due == date(2025, 10, 10)
    assert cal.add(date(2025, 9, 27), wd(1)).due == date(2025, 9, 28)  # adjusted Sunday
    assert cal.add(date(2025, 9, 30), wd(1)).due == date(2025, 10, 9)
    assert cal.add(date(2025, 10, 10), wd(1)).due == date(2025, 10, 11)  # adjusted Saturday
    assert cal.is_workday(date(2025, 9, 28)) and cal.is_workday(date(2025, 10, 11))
    assert not cal.is_workday(date(2025, 10, 8))  # a Wednesday inside the holiday


def test_spring_festival_2026(cal: WorkCalendar) -> None:
    # Feb 15–23 off; Sat Feb 14 and Sat Feb 28 worked
    assert cal.add(date(2026, 2, 13), wd(1)).due == date(2026, 2, 14)
    assert cal.add(date(2026, 2, 14), wd(1)).due == date(2026, 2, 24)
    for start, n in [(date(2026, 2, 10), 10), (date(2026, 2, 12), 3), (date(2026, 2, 20), 7)]:
        assert cal.add(start, wd(n)).due == reference_nth_workday(start, n)


def test_agrees_with_chinesecalendar_on_every_known_day(cal: WorkCalendar) -> None:
    d = date(2004, 1, 1)
    while d.year <= 2026:
        assert cal.is_workday(d) == chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


def test_zero_and_start_not_counted(cal: WorkCalendar) -> None:
    assert cal.add(date(2025, 10, 4), wd(0)) == Deadline(
        due=date(2025, 10, 4), provisional=False, unit=WD, n=0
    )
    # starting on a working day does not count that day
    assert cal.add(date(2025, 9, 29), wd(1)).due == date(2025, 9, 30)


# -- years nobody knows --------------------------------------------------------


def test_trap_chinesecalendar_stops_at_2026(cal: WorkCalendar) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    assert cal.is_workday(date(2027, 1, 4))  # no crash: a Monday
    assert not cal.is_workday(date(2027, 1, 2))
    assert cal.is_known(2026) and cal.is_known(2004)
    assert not cal.is_known(2027) and not cal.is_known(2003)
    assert cal.origin(2027) is YearOrigin.WEEKENDS_ONLY
    assert cal.schedule_for(2027) is None


def test_crossing_into_2027_is_provisional_then_recomputed(
    cal: WorkCalendar, cal27: WorkCalendar
) -> None:
    start, n = date(2026, 12, 28), 10
    provisional = cal.add(start, wd(n))
    # weekend-only count over 2027, independently: 2026 days by chinesecalendar
    d, count = start, 0
    while count < n:
        d += timedelta(days=1)
        works = chinese_calendar.is_workday(d) if d.year <= 2026 else d.weekday() < 5
        count += works
    assert provisional == Deadline(due=d, provisional=True, unit=WD, n=n)
    assert provisional.due == date(2027, 1, 11)  # Dec 29–31, Jan 1, Jan 4–8, Jan 11
    assert cal.unknown_years(start, provisional.due) == [2027]

    # the fixture makes Fri 2027-01-01 a holiday: one day later, and final
    final = recompute(start, provisional.duration, cal27)
    assert final == Deadline(due=date(2027, 1, 12), provisional=False, unit=WD, n=n)
    assert cal27.unknown_years(start, final.due) == []
    assert cal27.origin(2027) is YearOrigin.OPERATOR


def test_loaded_schedule_adjusted_weekend_counts(cal: WorkCalendar, cal27: WorkCalendar) -> None:
    fri = date(2027, 2, 19)
    assert cal.add(fri, wd(1)) == Deadline(due=date(2027, 2, 22), provisional=True, unit=WD, n=1)
    assert cal27.add(fri, wd(1)) == Deadline(due=date(2027, 2, 20), provisional=False, unit=WD, n=1)
    # a week-long holiday in the window shifts the deadline by its weekdays
    start = date(2027, 2, 3)
    assert cal.add(start, wd(5)).due == date(2027, 2, 10)
    # by hand: Thu Feb 4, then Feb 5–11 off, then Fri Feb 12, Mon 15, Tue 16, Wed 17
    assert cal27.add(start, wd(5)).due == date(2027, 2, 17)


def test_with_schedule_returns_a_new_calendar(cal: WorkCalendar) -> None:
    s = load_schedule_file(FIXTURE)
    cal2 = cal.with_schedule(s)
    assert cal2.is_known(2027) and not cal.is_known(2027)
    assert cal2.schedules == {2027: s}


def test_before_2004_is_provisional(cal: WorkCalendar) -> None:
    got = cal.add(date(2003, 12, 29), wd(3))
    assert got.provisional and got.due == date(2004, 1, 2)  # Jan 1 2004 is a known holiday
    # start in an unknown year but every day counted is known: final
    assert not cal.add(date(2003, 12, 31), wd(1)).provisional
    # n = 0 counts no day at all
    assert not cal.add(date(2030, 6, 1), wd(0)).provisional


def test_operator_schedule_overrides_package_year(cal: WorkCalendar) -> None:
    pkg = cal.schedule_for(2026)
    assert pkg is not None
    corrected = YearSchedule(
        year=2026,
        holidays=pkg.holidays | {date(2026, 10, 8)},
        workdays=pkg.workdays,
        source="operator correction",
    )
    cal2 = WorkCalendar({2026: corrected})
    assert cal.is_workday(date(2026, 10, 8))
    assert not cal2.is_workday(date(2026, 10, 8))
    assert cal2.origin(2026) is YearOrigin.OPERATOR and cal.origin(2026) is YearOrigin.PACKAGE


def test_schedule_filed_under_wrong_year() -> None:
    with pytest.raises(ScheduleError, match="2027"):
        WorkCalendar({2026: load_schedule_file(FIXTURE)})


# -- other units ---------------------------------------------------------------


def test_calendar_days_never_provisional(cal: WorkCalendar) -> None:
    got = cal.add(date(2026, 12, 20), Duration.parse("15 calendar_days"))
    assert got == Deadline(
        due=date(2027, 1, 4), provisional=False, unit=DurationUnit.CALENDAR_DAYS, n=15
    )


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        (date(2027, 1, 31), "1 months", date(2027, 2, 28)),
        (date(2028, 1, 31), "1 months", date(2028, 2, 29)),
        (date(2026, 8, 31), "3 months", date(2026, 11, 30)),
        (date(2026, 11, 30), "3 months", date(2027, 2, 28)),
        (date(2025, 5, 15), "12 months", date(2026, 5, 15)),
        (date(2024, 2, 29), "1 years", date(2025, 2, 28)),
        (date(2024, 2, 29), "4 years", date(2028, 2, 29)),
        (date(2026, 3, 10), "0 months", date(2026, 3, 10)),
    ],
)
def test_months_and_years_clamp(cal: WorkCalendar, start: date, duration: str, due: date) -> None:
    got = cal.add(start, Duration.parse(duration))
    assert got.due == due and not got.provisional


def test_past_year_9999_is_a_clear_error(cal: WorkCalendar) -> None:
    with pytest.raises(DurationError, match="9999"):
        cal.add(date(9999, 12, 1), Duration.parse("1 months"))
    with pytest.raises(DurationError, match="9999"):
        cal.add(date(9999, 12, 30), Duration.parse("5 working_days"))


def test_datetimes_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(TypeError, match="astimezone"):
        cal.add(datetime(2025, 9, 26, 12, 0), wd(1))
    with pytest.raises(TypeError):
        cal.is_workday(datetime(2025, 10, 1, tzinfo=UTC))


def test_working_days_between(cal: WorkCalendar) -> None:
    # (Sep 26, Oct 10] in 2025: Sep 28, 29, 30, Oct 9, 10
    assert cal.working_days_between(date(2025, 9, 26), date(2025, 10, 10)) == 5
    assert cal.working_days_between(date(2025, 10, 10), date(2025, 9, 26)) == 0


# -- today ---------------------------------------------------------------------


def test_today_cst() -> None:
    # 17:00 UTC on the 26th is 01:00 on the 27th in Beijing
    assert today_cst(datetime(2026, 11, 26, 17, 0, tzinfo=UTC)) == date(2026, 11, 27)
    assert today_cst(datetime(2026, 11, 26, 15, 59, tzinfo=UTC)) == date(2026, 11, 26)
    west = timezone(timedelta(hours=-8))
    assert today_cst(datetime(2026, 11, 26, 9, 0, tzinfo=west)) == date(2026, 11, 27)
    with pytest.raises(ValueError, match="timezone-aware"):
        today_cst(datetime(2026, 11, 26, 17, 0))
    assert isinstance(today_cst(), date) and not isinstance(today_cst(), datetime)
