"""PRC working days, typed durations and deadlines.

Legal deadlines are stated in working days, calendar days, months or years
(CONTRACTS.md, "Time"). Working days follow the State Council's yearly holiday
schedule. ``chinesecalendar`` carries those schedules for the years it knows
(2004–2026 in 1.11); the State Council publishes the next year's around
November, so the platform must compute deadlines reaching into a year the
package does not know yet. Operators therefore load a small schedule file per
year, which overrides the package for that year. A deadline that counts a day in
a year nobody has a schedule for is computed on weekends alone and flagged
``provisional``; callers store the flag and call :func:`recompute` once that
year's schedule is loaded. Never a crash, never a silent guess
(ARCHITECTURE.md, "Traps already found here").
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from xinyong.errors import UnusableInput

__all__ = [
    "CST",
    "Deadline",
    "Duration",
    "DurationError",
    "DurationUnit",
    "HolidayPeriod",
    "ScheduleError",
    "WorkCalendar",
    "YearOrigin",
    "YearSchedule",
    "add_months",
    "load_schedule_file",
    "package_schedules",
    "parse_schedule_yaml",
    "recompute",
    "today_cst",
]

_ONE_DAY = timedelta(days=1)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --------------------------------------------------------------------------- errors


class DurationError(UnusableInput, ValueError):
    """A duration that cannot be read.

    Also a ``ValueError`` so that pydantic reports it as a validation error when
    ``Duration`` is a field of another model (catalogue YAML).
    """

    default_code = "duration_invalid"


class ScheduleError(UnusableInput, ValueError):
    """A holiday schedule (file or model) that is not a usable schedule."""

    default_code = "schedule_invalid"


# --------------------------------------------------------------------------- time zone


def _load_cst() -> tzinfo:
    # Slim images may lack tzdata; China has kept UTC+8 without DST since 1991,
    # so the fixed offset gives the same answer for every date we handle.
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=8), "CST")


#: China Standard Time, the zone of every legal date on the platform
CST: tzinfo = _load_cst()


def today_cst(now: datetime | None = None) -> date:
    """Today's date in China Standard Time.

    Legal dates are CST dates: between 16:00 and 24:00 UTC the UTC date is
    already a day behind Beijing, so ``date.today()`` on a UTC server is wrong.
    ``now`` (timezone-aware) is for tests and replays.
    """
    if now is None:
        return datetime.now(CST).date()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("today_cst(now=...) needs a timezone-aware datetime")
    return now.astimezone(CST).date()


def _require_date(d: object, what: str = "date") -> date:
    # datetime is a date subclass, but datetime(2025, 10, 1) != date(2025, 10, 1)
    # and its calendar day depends on the zone: refuse it rather than guess.
    if isinstance(d, datetime):
        raise TypeError(
            f"{what} must be a date, not a datetime ({d!r}); "
            "convert it with .astimezone(CST).date() first"
        )
    if not isinstance(d, date):
        raise TypeError(f"{what} must be a date, got {type(d).__name__}")
    return d


# --------------------------------------------------------------------------- durations


class DurationUnit(StrEnum):
    """The units legal texts state deadlines in; a rule keeps its source's unit."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"
    YEARS = "years"


_UNIT_ALIASES: dict[str, DurationUnit] = {
    **{u.value: u for u in DurationUnit},
    "working_day": DurationUnit.WORKING_DAYS,
    "calendar_day": DurationUnit.CALENDAR_DAYS,
    "month": DurationUnit.MONTHS,
    "year": DurationUnit.YEARS,
}
_DURATION_RE = re.compile(r"(\d+)\s*([a-z]+(?:[ _-][a-z]+)?)")


def _unit_from_text(text: str) -> DurationUnit:
    key = re.sub(r"[ -]", "_", text.strip().lower())
    try:
        return _UNIT_ALIASES[key]
    except KeyError:
        units = ", ".join(u.value for u in DurationUnit)
        raise DurationError(f"unknown duration unit {text!r}; use one of {units}") from None


def _parse_duration_text(text: str) -> dict[str, Any]:
    m = _DURATION_RE.fullmatch(text.strip().lower())
    if m is None:
        raise DurationError(
            f"cannot read duration {text!r}; write it as '<n> <unit>', e.g. '15 calendar_days'"
        )
    return {"n": int(m.group(1)), "unit": _unit_from_text(m.group(2))}


class Duration(BaseModel):
    """A typed legal duration ``{n, unit}``.

    Validates from a dict ``{n: 3, unit: working_days}``, from the string form
    ``"3 working_days"`` or from another ``Duration``, so that catalogue YAML
    can write either and other models can use ``Duration`` as a field type.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int = Field(ge=0)
    unit: DurationUnit

    @model_validator(mode="before")
    @classmethod
    def _accept_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            return _parse_duration_text(data)
        if isinstance(data, Mapping) and isinstance(data.get("unit"), str):
            return {**data, "unit": _unit_from_text(data["unit"])}
        return data

    @field_validator("n", mode="before")
    @classmethod
    def _no_bool(cls, v: Any) -> Any:
        # YAML reads `n: yes` as True, which int validation would take as 1.
        if isinstance(v, bool):
            raise ValueError("n must be a whole number of units, not a boolean")
        return v

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read ``"15 calendar_days"`` (singular units and spaces are accepted too)."""
        if not isinstance(text, str):
            raise DurationError(f"a duration string is expected, got {type(text).__name__}")
        return cls(**_parse_duration_text(text))

    def __str__(self) -> str:
        return f"{self.n} {self.unit.value}"


class Deadline(BaseModel):
    """A computed due date; ``provisional`` when it counted a day of an unscheduled year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    due: date
    provisional: bool
    unit: DurationUnit
    n: int = Field(ge=0)

    @property
    def duration(self) -> Duration:
        return Duration(n=self.n, unit=self.unit)


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (Jan 31 + 1 = Feb 28/29).

    Clamping is the Civil Code's rule (Art. 202: the corresponding day, or the
    month's last day when the target month has none).
    """
    _require_date(start, "start")
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(f"{start} + {months} months is outside years 1–9999")
    last = _stdlib_calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last))


# --------------------------------------------------------------------------- schedules


class HolidayPeriod(BaseModel):
    """Consecutive rest days under one name, for display (``calendar show``, portal)."""

    model_config = ConfigDict(frozen=True)

    first: date
    last: date
    name: str | None = None

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


class YearSchedule(BaseModel):
    """One year's official rest days and adjusted working days.

    ``holidays`` holds every official rest day of the year's holiday periods,
    weekend days included (as chinesecalendar does); ``workdays`` the weekend
    days declared working days (调休上班). Any other day is a working day from
    Monday to Friday. ``source`` records where the schedule came from (the
    State Council notice number, or the package version).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=1, le=9999)
    holidays: frozenset[date]
    workdays: frozenset[date] = frozenset()
    source: str = Field(min_length=1)
    #: holiday name per day (rest days and the adjusted working days made up for them)
    names: dict[date, str] = Field(default_factory=dict)
    loaded_at: datetime | None = None

    @model_validator(mode="after")
    def _check(self) -> YearSchedule:
        problems: list[str] = []
        for field, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            outside = sorted(d for d in days if d.year != self.year)
            if outside:
                problems.append(f"{field} not in {self.year}: {_dates(outside)}")
        both = sorted(self.holidays & self.workdays)
        if both:
            problems.append(f"both a holiday and an adjusted working day: {_dates(both)}")
        weekdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekdays:
            problems.append(
                "adjusted working days must be Saturdays or Sundays (a weekday already is "
                f"a working day): {_dates(weekdays)}"
            )
        if not self.holidays:
            problems.append(
                f"no holidays for {self.year}: every year has statutory holidays, so an "
                "empty schedule would silently pass for weekends only"
            )
        stray = sorted(set(self.names) - self.holidays - self.workdays)
        if stray:
            problems.append(f"names given for days that are neither listed: {_dates(stray)}")
        if problems:
            raise ScheduleError(f"schedule for {self.year}: " + "; ".join(problems))
        return self

    @field_serializer("holidays", "workdays")
    def _sorted_days(self, days: frozenset[date]) -> list[date]:
        return sorted(days)

    @field_serializer("names")
    def _sorted_names(self, names: dict[date, str]) -> dict[date, str]:
        return dict(sorted(names.items()))

    def is_workday(self, d: date) -> bool:
        return d in self.workdays or (d.weekday() < 5 and d not in self.holidays)

    def periods(self) -> list[HolidayPeriod]:
        """Holidays grouped into runs of consecutive days under the same name."""
        out: list[HolidayPeriod] = []
        for d in sorted(self.holidays):
            name = self.names.get(d)
            if out and out[-1].last + _ONE_DAY == d and out[-1].name == name:
                out[-1] = out[-1].model_copy(update={"last": d})
            else:
                out.append(HolidayPeriod(first=d, last=d, name=name))
        return out


def _dates(days: list[date]) -> str:
    return ", ".join(d.isoformat() for d in days)


def _package_name(value: str) -> str:
    try:
        h = chinese_calendar.Holiday(value)
    except ValueError:
        return value
    return f"{h.chinese} {value}"


@lru_cache(maxsize=1)
def package_schedules() -> Mapping[int, YearSchedule]:
    """chinesecalendar's data as one ``YearSchedule`` per year it knows.

    Built once from the package's tables (rather than calling its
    ``is_workday``, which rescans them on every call), over the same year range
    the package itself accepts, so a newer package extends it with no change here.
    """
    holidays: dict[date, str] = dict(chinese_calendar.holidays)
    workdays: dict[date, str] = dict(chinese_calendar.workdays)
    first, last = min(holidays).year, max(holidays).year
    source = f"chinesecalendar {chinese_calendar.__version__}"
    out: dict[int, YearSchedule] = {}
    for year in range(first, last + 1):
        hol = {d: n for d, n in holidays.items() if d.year == year}
        work = {d: n for d, n in workdays.items() if d.year == year}
        names = {d: _package_name(n) for d, n in {**hol, **work}.items()}
        out[year] = YearSchedule(
            year=year,
            holidays=frozenset(hol),
            workdays=frozenset(work),
            source=source,
            names=names,
        )
    return MappingProxyType(out)


# --------------------------------------------------------------------------- schedule files

_TOP_KEYS = ("year", "source", "example", "holidays", "workdays")
_HOLIDAY_KEYS = frozenset({"name", "date", "from", "to"})
_WORKDAY_KEYS = frozenset({"name", "date"})
#: longer than any real holiday period (the longest so far is 10 days); catches typos
_MAX_PERIOD_DAYS = 31


class _ScheduleLoader(yaml.SafeLoader):
    """SafeLoader that keeps an impossible date (2027-02-30) as text.

    PyYAML raises a bare ValueError with no position for it; kept as text, it
    reaches the entry check and is reported with the entry it sits in.
    """

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_ScheduleLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _ScheduleLoader.construct_yaml_timestamp
)


def _show(entry: Any) -> str:
    text = yaml.safe_dump(entry, default_flow_style=True, allow_unicode=True, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise ScheduleError(f"{where}: {_show(value)} has a time; write a plain date YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ScheduleError(f"{where}: {_show(value)} is not a date (write YYYY-MM-DD)")


def _entry_days(
    entry: Any, where: str, allowed: frozenset[str], ranges: bool
) -> tuple[list[date], str | None]:
    """The days and name one ``holidays``/``workdays`` entry stands for."""
    if not isinstance(entry, Mapping):
        return [_as_date(entry, where)], None
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if unknown:
        raise ScheduleError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )
    name = entry.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ScheduleError(f"{where}: name must be non-empty text")
    name = name.strip() if isinstance(name, str) else None
    has_range = "from" in entry or "to" in entry
    if "date" in entry and has_range:
        raise ScheduleError(f"{where}: give either 'date' or 'from'/'to', not both")
    if "date" in entry:
        return [_as_date(entry["date"], where)], name
    if not ranges or not has_range:
        need = "'date' or 'from' and 'to'" if ranges else "'date'"
        raise ScheduleError(f"{where}: needs {need}")
    if "from" not in entry or "to" not in entry:
        raise ScheduleError(f"{where}: a range needs both 'from' and 'to'")
    first, last = _as_date(entry["from"], where), _as_date(entry["to"], where)
    if first > last:
        raise ScheduleError(f"{where}: 'from' {first} is after 'to' {last}")
    span = (last - first).days + 1
    if span > _MAX_PERIOD_DAYS:
        raise ScheduleError(
            f"{where}: {span} days is longer than any holiday period "
            f"(limit {_MAX_PERIOD_DAYS}); check the dates"
        )
    return [first + timedelta(days=i) for i in range(span)], name


def _collect(
    entries: Any, field: str, year: int, origin: str, ranges: bool
) -> dict[date, tuple[str, str | None]]:
    """Days of one list, each with the entry it came from (for error messages) and name."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise ScheduleError(f"{origin}: '{field}' must be a list, got {_show(entries)}")
    allowed = _HOLIDAY_KEYS if ranges else _WORKDAY_KEYS
    out: dict[date, tuple[str, str | None]] = {}
    for i, entry in enumerate(entries):
        where = f"{origin}: {field}[{i}] {_show(entry)}"
        days, name = _entry_days(entry, where, allowed, ranges)
        for d in days:
            if d.year != year:
                raise ScheduleError(f"{where}: {d} is not in {year}")
            if field == "workdays" and d.weekday() < 5:
                raise ScheduleError(
                    f"{where}: {d} is a {_WEEKDAYS[d.weekday()]}; adjusted working days "
                    "(调休上班) are Saturdays or Sundays"
                )
            if d in out:
                raise ScheduleError(f"{where}: {d} is already listed by {out[d][0]}")
            out[d] = (where.removeprefix(f"{origin}: "), name)
    return out


def parse_schedule_yaml(
    text: str, *, origin: str = "<schedule>", allow_example: bool = False
) -> YearSchedule:
    """Read a schedule from YAML text (the format of ``calendar_data/2027.example.yaml``).

    Every error names the offending entry, so an operator can fix the file the
    State Council notice was typed into. A file marked ``example: true`` is
    refused unless ``allow_example``: an illustration must never pass for the
    official schedule.
    """
    try:
        data = yaml.load(text, Loader=_ScheduleLoader)  # a SafeLoader subclass
    except yaml.YAMLError as e:
        raise ScheduleError(f"{origin}: not valid YAML: {e}") from None
    if not isinstance(data, Mapping):
        raise ScheduleError(f"{origin}: expected a mapping with keys {', '.join(_TOP_KEYS)}")
    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        raise ScheduleError(
            f"{origin}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_TOP_KEYS)}"
        )
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise ScheduleError(f"{origin}: 'year' must be a year such as 2027, got {_show(year)}")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ScheduleError(
            f"{origin}: 'source' is required: the notice the schedule comes from, "
            "e.g. 国办发明电〔2026〕N号"
        )
    source = source.strip()
    example = data.get("example", False)
    if not isinstance(example, bool):
        raise ScheduleError(f"{origin}: 'example' must be true or false")
    if example:
        if not allow_example:
            raise ScheduleError(
                f"{origin}: marked 'example: true', an illustration of the format and not an "
                "official schedule; refusing to load it (use --allow-example for demos and tests)"
            )
        if "example" not in source.lower():
            source = f"EXAMPLE, not official: {source}"
    if "holidays" not in data:
        raise ScheduleError(f"{origin}: 'holidays' is required")
    holidays = _collect(data["holidays"], "holidays", year, origin, ranges=True)
    workdays = _collect(data.get("workdays"), "workdays", year, origin, ranges=False)
    both = sorted(set(holidays) & set(workdays))
    if both:
        d = both[0]
        raise ScheduleError(
            f"{origin}: {d} is both a holiday ({holidays[d][0]}) "
            f"and an adjusted working day ({workdays[d][0]})"
        )
    names = {d: n for d, (_, n) in {**holidays, **workdays}.items() if n}
    try:
        return YearSchedule(
            year=year,
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            source=source,
            names=names,
            loaded_at=datetime.now(UTC),
        )
    except ValidationError as e:
        msgs = "; ".join(str(err["msg"]).removeprefix("Value error, ") for err in e.errors())
        raise ScheduleError(f"{origin}: {msgs}") from None


def load_schedule_file(path: str | Path, *, allow_example: bool = False) -> YearSchedule:
    """Read and validate one year's schedule file (see :func:`parse_schedule_yaml`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScheduleError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScheduleError(f"{p}: cannot read it as UTF-8 text ({e})") from None
    return parse_schedule_yaml(text, origin=str(p), allow_example=allow_example)


# --------------------------------------------------------------------------- the calendar


class YearOrigin(StrEnum):
    """Where a year's working days come from."""

    OPERATOR = "operator"
    PACKAGE = "chinesecalendar"
    WEEKENDS_ONLY = "weekends_only"


class WorkCalendar:
    """Working days from operator schedules, then chinesecalendar, then weekends alone.

    An operator schedule replaces the package's data for its whole year (it
    can correct the package as well as extend it). Years neither knows fall
    back to Monday–Friday, and any deadline counting such a day is provisional.
    Immutable: load a schedule with :meth:`with_schedule` and recompute.
    """

    def __init__(self, schedules: Mapping[int, YearSchedule] | None = None) -> None:
        own: dict[int, YearSchedule] = {}
        for year, schedule in (schedules or {}).items():
            if year != schedule.year:
                raise ScheduleError(f"the schedule for {schedule.year} was given as year {year}")
            own[year] = schedule
        self._schedules: Mapping[int, YearSchedule] = MappingProxyType(own)
        self._package = package_schedules()

    @property
    def schedules(self) -> Mapping[int, YearSchedule]:
        """The operator-loaded schedules, by year."""
        return self._schedules

    def with_schedule(self, schedule: YearSchedule) -> WorkCalendar:
        """A new calendar with ``schedule`` added (replacing any for that year)."""
        return WorkCalendar({**self._schedules, schedule.year: schedule})

    def schedule_for(self, year: int) -> YearSchedule | None:
        """The schedule in effect for ``year``, or None when only weekends are known."""
        return self._schedules.get(year) or self._package.get(year)

    def origin(self, year: int) -> YearOrigin:
        if year in self._schedules:
            return YearOrigin.OPERATOR
        if year in self._package:
            return YearOrigin.PACKAGE
        return YearOrigin.WEEKENDS_ONLY

    def is_known(self, year: int) -> bool:
        """Whether ``year``'s holidays are known (an operator schedule or the package)."""
        return self.schedule_for(year) is not None

    def _classify(self, d: date) -> tuple[bool, bool]:
        """(is a working day, the year is known)."""
        schedule = self.schedule_for(d.year)
        if schedule is None:
            return d.weekday() < 5, False
        return schedule.is_workday(d), True

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day; in an unknown year, whether it is Mon–Fri."""
        return self._classify(_require_date(d))[0]

    def unknown_years(self, after: date, through: date) -> list[int]:
        """Years of the days in (after, through] with no schedule: why a deadline is provisional."""
        _require_date(after, "after")
        _require_date(through, "through")
        if through <= after:
            return []
        first = (after + _ONE_DAY).year
        return [y for y in range(first, through.year + 1) if not self.is_known(y)]

    def working_days_between(self, after: date, through: date) -> int:
        """The number of working days in (after, through]; 0 when through <= after."""
        _require_date(after, "after")
        _require_date(through, "through")
        return sum(1 for d in _days(after, through) if self._classify(d)[0])

    def add(self, start: date, duration: Duration) -> Deadline:
        """The deadline ``duration`` after ``start``.

        ``working_days``: the n-th working day after ``start`` (``start`` itself
        is not counted; n=0 gives ``start``); provisional when a day counted or
        skipped lies in a year with no schedule. ``calendar_days``: start + n.
        ``months``/``years``: the same day n months/years later, clamped to the
        month's end. Only working days depend on the schedule, so only they can
        be provisional.
        """
        _require_date(start, "start")
        if not isinstance(duration, Duration):
            raise TypeError(f"duration must be a Duration, got {type(duration).__name__}")
        n, unit = duration.n, duration.unit
        provisional = False
        try:
            if unit is DurationUnit.WORKING_DAYS:
                due, provisional = self._add_working_days(start, n)
            elif unit is DurationUnit.CALENDAR_DAYS:
                due = start + timedelta(days=n)
            elif unit is DurationUnit.MONTHS:
                due = add_months(start, n)
            else:
                due = add_months(start, 12 * n)
        except OverflowError:
            raise DurationError(
                f"{duration} after {start} falls after 9999-12-31, the last date we can hold"
            ) from None
        return Deadline(due=due, provisional=provisional, unit=unit, n=n)

    def _add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        d, provisional, remaining = start, False, n
        while remaining:
            d += _ONE_DAY
            work, known = self._classify(d)
            provisional = provisional or not known
            if work:
                remaining -= 1
        return d, provisional


def _days(after: date, through: date) -> Iterator[date]:
    d = after + _ONE_DAY
    while d <= through:
        yield d
        d += _ONE_DAY


def recompute(deadline_start: date, duration: Duration, calendar: WorkCalendar) -> Deadline:
    """Compute a deadline again, typically a provisional one after a schedule is loaded.

    Deliberately just :meth:`WorkCalendar.add`: a stored deadline keeps its start
    and duration, so whoever stores provisional deadlines (cases, list entries)
    recomputes them with the new calendar when ``xinyong calendar load`` adds
    the year they reach into, and the result no longer carries the flag.
    """
    return calendar.add(deadline_start, duration)
