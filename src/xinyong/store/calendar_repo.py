"""Operator-loaded holiday schedules, kept in the store so every process shares them."""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, inspect, select

from xinyong.audit.log import now_utc
from xinyong.calendar import WorkCalendar, YearSchedule
from xinyong.store.context import Store
from xinyong.store.engine import read_tx
from xinyong.store.tables import calendar_schedules


def save_schedule(engine: Engine, schedule: YearSchedule, actor: str | None) -> None:
    """Store (or replace) a year's schedule, audited."""
    store = Store(engine.url.render_as_string(hide_password=False))
    with store.write(actor) as tx:
        tx.conn.execute(
            delete(calendar_schedules).where(calendar_schedules.c.year == schedule.year)
        )
        tx.conn.execute(
            insert(calendar_schedules).values(
                year=schedule.year,
                schedule=schedule.model_dump(mode="json"),
                source=schedule.source,
                loaded_at=now_utc(),
                loaded_by=tx.actor,
            )
        )
        tx.audit(
            "calendar.loaded",
            "calendar_year",
            str(schedule.year),
            {"holidays": len(schedule.holidays), "workdays": len(schedule.workdays)},
        )


def load_schedules(engine: Engine) -> dict[int, YearSchedule]:
    """Schedules loaded into the store; none for a store not yet migrated."""
    if engine.dialect.name == "sqlite" and engine.url.database:
        from pathlib import Path

        if not Path(engine.url.database).exists():
            return {}  # do not create an empty database file as a side effect
    with read_tx(engine) as conn:
        if not inspect(conn).has_table("calendar_schedules"):
            return {}
        rows = conn.execute(select(calendar_schedules.c.year, calendar_schedules.c.schedule))
        return {int(r.year): YearSchedule.model_validate(r.schedule) for r in rows}


def work_calendar(store: Store) -> WorkCalendar:
    """The platform's calendar: chinesecalendar plus every schedule loaded into ``store``."""
    return WorkCalendar(load_schedules(store.engine))
