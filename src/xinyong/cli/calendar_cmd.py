"""``xinyong calendar``: load a year's holiday schedule, compute deadlines, show a year.

Operator schedules live in the store (``xinyong.store.calendar_repo``); a store that
does not exist yet simply has none, and the package's data applies.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from xinyong.calendar import (
    Deadline,
    Duration,
    DurationError,
    WorkCalendar,
    YearOrigin,
    YearSchedule,
    load_schedule_file,
    package_schedules,
)
from xinyong.cli.common import AsOption, DbOption, JsonOption, console, db_url, print_json
from xinyong.errors import UsageError
from xinyong.settings import get_settings
from xinyong.store.calendar_repo import load_schedules, save_schedule
from xinyong.store.engine import get_engine

_WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _calendar(db: str | None) -> WorkCalendar:
    """The calendar with the schedules loaded into the store (none for a new store)."""
    return WorkCalendar(load_schedules(get_engine(db_url(db))))


def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{what} must be a date YYYY-MM-DD, got {text!r}") from None


def _summary(s: YearSchedule) -> str:
    return (
        f"{s.year}: {len(s.holidays)} holidays in {len(s.periods())} periods, "
        f"{len(s.workdays)} adjusted working days (source: {escape(s.source)})"
    )


def load(
    file: Annotated[Path, typer.Argument(help="Schedule file (YAML), e.g. 2027.yaml.")],
    db: DbOption = None,
    as_: AsOption = None,
    check: Annotated[
        bool, typer.Option("--check", help="Validate the file only; do not save it.")
    ] = False,
    allow_example: Annotated[
        bool,
        typer.Option("--allow-example", help="Accept a file marked 'example: true' (demos)."),
    ] = False,
) -> None:
    """Validate a year's holiday schedule and save it into the store."""
    schedule = load_schedule_file(file, allow_example=allow_example)
    known = package_schedules().get(schedule.year)
    if known is not None:
        differ = (known.holidays ^ schedule.holidays) | (known.workdays ^ schedule.workdays)
        console.print(
            f"[yellow]note[/]: {schedule.year} is known to {escape(known.source)}; "
            f"this file replaces that data for the whole year ({len(differ)} days differ)."
        )
    if check:
        console.print(f"valid: {_summary(schedule)}")
        return
    save_schedule(get_engine(db_url(db)), schedule, as_ or get_settings().actor)
    console.print(f"loaded {_summary(schedule)}")
    console.print(
        f"Provisional deadlines that count days in {schedule.year} can now be recomputed."
    )


def deadline(
    start: Annotated[str, typer.Argument(help="Start date YYYY-MM-DD (not counted).")],
    duration: Annotated[
        str, typer.Argument(help="Duration, e.g. '5 working_days', '15 calendar_days'.")
    ],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Compute a deadline and say whether it is provisional."""
    start_d = _parse_date(start, "START")
    try:
        dur = Duration.parse(duration)
    except DurationError as e:
        raise UsageError(e.message) from None
    calendar = _calendar(db)
    result: Deadline = calendar.add(start_d, dur)
    if json_out:
        print_json({"start": start_d, "duration": str(dur), **result.model_dump(mode="json")})
        return
    weekday = _WEEKDAY[result.due.weekday()]
    console.print(f"{result.due.isoformat()} ({weekday})  {dur} after {start_d.isoformat()}")
    if result.provisional:
        years = ", ".join(str(y) for y in calendar.unknown_years(start_d, result.due))
        console.print(
            f"[yellow]provisional[/]: no holiday schedule is loaded for {years}, so its days "
            "were counted as Monday–Friday working days. Load the State Council's schedule "
            "(xinyong calendar load FILE) and the deadline will be recomputed."
        )
    else:
        console.print("final: every day counted has a known holiday schedule")


def show(
    year: Annotated[int, typer.Argument(help="Year, e.g. 2026.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List a year's holidays and adjusted working days, and where they come from."""
    calendar = _calendar(db)
    schedule = calendar.schedule_for(year)
    origin = calendar.origin(year)
    if json_out:
        body: dict[str, Any] = {"year": year, "origin": origin.value, "known": schedule is not None}
        if schedule is not None:
            body |= schedule.model_dump(mode="json", exclude={"year"})
        print_json(body)
        return
    if schedule is None:
        console.print(
            f"{year}: no holiday schedule known. Working days are taken as Monday–Friday and "
            f"deadlines that count days in {year} are provisional. When the State Council "
            f"publishes the {year} schedule, load it: xinyong calendar load {year}.yaml"
        )
        return
    label = "operator file" if origin is YearOrigin.OPERATOR else "package data"
    console.print(f"{year}: {label}, source: {escape(schedule.source)}")
    holidays = Table(title=f"Holidays {year}")
    for col in ("name", "from", "to", "days"):
        holidays.add_column(col)
    for p in schedule.periods():
        holidays.add_row(
            escape(p.name or ""),
            f"{p.first.isoformat()} {_WEEKDAY[p.first.weekday()]}",
            f"{p.last.isoformat()} {_WEEKDAY[p.last.weekday()]}",
            str(p.days),
        )
    console.print(holidays)
    workdays = Table(title=f"Adjusted working days (调休上班) {year}")
    for col in ("date", "for"):
        workdays.add_column(col)
    for d in sorted(schedule.workdays):
        workdays.add_row(
            f"{d.isoformat()} {_WEEKDAY[d.weekday()]}", escape(schedule.names.get(d, ""))
        )
    console.print(workdays if schedule.workdays else "No adjusted working days.")


def register(app: typer.Typer) -> None:
    """Add the ``calendar`` command group to ``app`` (a fresh group per call)."""
    sub = typer.Typer(
        name="calendar",
        help="PRC working days: yearly holiday schedules and deadlines.",
        no_args_is_help=True,
    )
    sub.command("load")(load)
    sub.command("deadline")(deadline)
    sub.command("show")(show)
    app.add_typer(sub, name="calendar")
