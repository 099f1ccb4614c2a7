"""Pure rules of a list's terms: the ground an entry is listed under, its term, its
extension, its removal deadline and the never-list-minors rule. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from xinyong.calendar import Duration, DurationUnit, WorkCalendar
from xinyong.catalogue.lists import not_longer
from xinyong.catalogue.model import Criterion, Ground, ListDef, RemovalEvent
from xinyong.catalogue.publicity import add_duration
from xinyong.errors import RuleRefused

ADULT_AGE = 18


def ground_for(
    ld: ListDef, attributes: Mapping[str, Any], criterion: Criterion | None = None
) -> Ground | None:
    """The ground a record lists its subject under, or None when it cannot be told.

    A criterion that names its ground wins; then the record's ``ground_field`` value
    (the court's ground code "1"–"6", or a ground id); then a list's only ground.
    """
    by_id = {g.id: g for g in ld.grounds}
    if criterion is not None and criterion.ground is not None:
        return by_id[criterion.ground]
    if ld.ground_field is not None:
        raw = attributes.get(ld.ground_field)
        if raw is not None:
            # the court writes several grounds as "1,3"; the first is the listing's
            first = str(raw).replace("，", ",").split(",")[0].strip()
            for g in ld.grounds:
                if first in (g.code, g.id):
                    return g
    if len(ld.grounds) == 1:
        return ld.grounds[0]
    return None


def term_for(ld: ListDef, ground: Ground | None) -> Duration | None:
    """The entry's term: its ground's (None = until an event), else the list's default."""
    if ground is not None:
        return ground.term
    return ld.default_term


def term_end(start: date, term: Duration | None) -> date | None:
    """Exclusive end of a term starting on ``start`` (None for no fixed term)."""
    if term is None:
        return None
    if term.unit is DurationUnit.WORKING_DAYS:
        raise RuleRefused("a list term in working days is not supported", code="term_unit")
    return add_duration(start, term)


def extension_refusal(ground: Ground | None, years: Duration, extensions: int) -> str | None:
    """Why ``years`` may not extend an entry under ``ground`` (None: it may)."""
    if ground is None or ground.extension is None:
        return "the entry's ground has no extension rule"
    if ground.term is None:
        return "the entry has no fixed term to extend"
    if extensions:
        return "the entry was already extended once"
    ext = ground.extension
    if not (not_longer(ext.min, years) and not_longer(years, ext.max)):
        return f"an extension must be between {ext.min} and {ext.max}, not {years}"
    return None


def removal_event(ld: ListDef, event_id: str | None) -> RemovalEvent:
    """The list's removal event ``event_id``; 422 without one or for an unknown one."""
    if not event_id:
        raise RuleRefused(
            f"a removal from {ld.id} needs its removal event; the list's events: "
            + ", ".join(e.id for e in ld.removal_events),
            code="removal_event_required",
        )
    for e in ld.removal_events:
        if e.id == event_id:
            return e
    raise RuleRefused(
        f"{event_id!r} is not a removal event of {ld.id}; its events: "
        + ", ".join(e.id for e in ld.removal_events),
        code="unknown_removal_event",
    )


def removal_due(calendar: WorkCalendar, event: RemovalEvent, event_on: date) -> tuple[date, bool]:
    """(the last day to remove the entry after ``event`` on ``event_on``, provisional)."""
    d = calendar.add(event_on, event.deadline)
    return d.due, d.provisional


def birth_date(ric: str) -> date | None:
    """Birth date of an 18-digit resident ID (positions 7–14); None if unreadable."""
    try:
        return date(int(ric[6:10]), int(ric[10:12]), int(ric[12:14]))
    except (ValueError, IndexError):
        return None


def is_minor(birth: date | None, on: date) -> bool:
    """Under 18 on ``on``. An unknown birth date is not taken for a minor's."""
    if birth is None:
        return False
    try:
        adult_on = birth.replace(year=birth.year + ADULT_AGE)
    except ValueError:  # born 29 February: adult on 1 March
        adult_on = date(birth.year + ADULT_AGE, 3, 1)
    return on < adult_on
