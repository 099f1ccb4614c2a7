"""The named human decisions on a list: approve or reject a proposal, extend a term,
remove an entry on one of its removal events.

Each takes a principal, checks it may decide for the entry's deciding authority
(403 otherwise), checks the entry is in a state the decision applies to (409), checks
the rule (422) and writes the new state, one history row and one audit entry.
Decision dates (``on``) are CST dates and default to today.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from xinyong.actors import Principal, Role
from xinyong.audit.log import now_utc
from xinyong.calendar import Duration, WorkCalendar, today_cst
from xinyong.catalogue import Catalogue
from xinyong.errors import Conflict, Forbidden, RuleRefused, UsageError
from xinyong.lists.history import change_entry, get_entry
from xinyong.lists.model import Entry, EntryStatus
from xinyong.lists.terms import (
    extension_refusal,
    removal_due,
    removal_event,
    term_end,
    term_for,
)
from xinyong.measures.notices import issue_notices
from xinyong.store.context import Tx
from xinyong.store.tables import subjects


def require_reviewer(p: Principal, authority: str) -> None:
    """Only a reviewer of the deciding authority decides (an administrator is not one)."""
    if Role.REVIEWER not in p.roles:
        raise Forbidden(f"{p.principal_id} does not hold the reviewer role", code="not_reviewer")
    if p.organisation != authority:
        raise Forbidden(
            f"{p.principal_id} reviews for {p.organisation}; this decision is {authority}'s",
            code="other_authority",
        )


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise UsageError("a decision needs its reason (--reason TEXT)", code="reason_required")
    return text


def subject_kind(tx: Tx, subject_id: str) -> str:
    return str(
        tx.conn.execute(
            select(subjects.c.kind).where(subjects.c.subject_id == subject_id)
        ).scalar_one()
    )


def publish(tx: Tx, cat: Catalogue, e: Entry) -> int:
    """Notices for a just-published entry's measures; returns how many were sent."""
    return issue_notices(tx, cat, e, subject_kind(tx, e.subject_id))


def decide(
    tx: Tx,
    cat: Catalogue,
    reviewer: Principal,
    entry_id: str,
    *,
    approve: bool,
    reason: str | None,
    on: date | None = None,
) -> Entry:
    """Approve (publish with its term from ``on``) or reject a pending proposal."""
    e = get_entry(tx.conn, entry_id)
    require_reviewer(reviewer, e.deciding_authority)
    if e.status is not EntryStatus.PROPOSED:
        raise Conflict(
            f"proposal {entry_id} was already decided ({e.status.value})", code="already_decided"
        )
    text = _reason(reason)
    day = on or today_cst()
    if not approve:
        return change_entry(
            tx,
            e,
            actor=reviewer.principal_id,
            event="rejected",
            detail={"reason": text},
            status=EntryStatus.REJECTED,
            decided_at=now_utc(),
            decided_by=reviewer.principal_id,
            decided_on=day,
            reason=text,
        )
    ld = cat.list_def(e.list_id)
    ground = next((g for g in ld.grounds if g.id == e.ground), None)
    new = change_entry(
        tx,
        e,
        actor=reviewer.principal_id,
        event="published",
        detail={"reason": text, "decided_on": day},
        status=EntryStatus.PUBLISHED,
        decided_at=now_utc(),
        decided_by=reviewer.principal_id,
        decided_on=day,
        reason=text,
        term_start=day,
        term_end=term_end(day, term_for(ld, ground)),
    )
    publish(tx, cat, new)
    return new


def extend(
    tx: Tx,
    cat: Catalogue,
    reviewer: Principal,
    entry_id: str,
    *,
    by: Duration,
    reason: str | None,
    on: date | None = None,
) -> Entry:
    """Extend a published entry's term as its ground allows (the court list: 1–3 years)."""
    e = get_entry(tx.conn, entry_id)
    require_reviewer(reviewer, e.deciding_authority)
    day = on or today_cst()
    if not e.in_force_on(day) or e.status is not EntryStatus.PUBLISHED:
        raise Conflict(f"entry {entry_id} is not in force on {day}", code="not_in_force")
    text = _reason(reason)
    ld = cat.list_def(e.list_id)
    ground = next((g for g in ld.grounds if g.id == e.ground), None)
    why = extension_refusal(ground, by, e.extensions)
    if why is not None:
        raise RuleRefused(f"entry {entry_id} cannot be extended: {why}", code="extension_refused")
    assert e.term_end is not None
    return change_entry(
        tx,
        e,
        actor=reviewer.principal_id,
        event="extended",
        detail={"reason": text, "by": str(by), "decided_on": day},
        term_end=term_end(e.term_end, by),
        extensions=e.extensions + 1,
    )


def remove(
    tx: Tx,
    cat: Catalogue,
    calendar: WorkCalendar,
    reviewer: Principal,
    entry_id: str,
    *,
    event: str | None,
    event_on: date | None,
    reason: str | None,
    on: date | None = None,
) -> Entry:
    """Remove a published entry from ``on`` because of removal ``event`` on ``event_on``.

    The removal is recorded whenever it comes; one later than the event's deadline
    (working days on the PRC calendar for the court list) is marked late, not refused:
    refusing would keep the subject listed longer.
    """
    e = get_entry(tx.conn, entry_id)
    require_reviewer(reviewer, e.deciding_authority)
    ld = cat.list_def(e.list_id)
    ev = removal_event(ld, event)
    day = on or today_cst()
    if e.status is not EntryStatus.PUBLISHED:
        raise Conflict(f"entry {entry_id} is {e.status.value}, not published", code="not_published")
    if event_on is None:
        raise RuleRefused("a removal needs the date of its event", code="event_date_required")
    if event_on > day:
        raise RuleRefused(
            f"the event ({event_on}) cannot come after the removal ({day})",
            code="event_after_removal",
        )
    text = _reason(reason)
    assert e.term_start is not None
    ended = max(day, e.term_start)
    due, provisional = removal_due(calendar, ev, event_on)
    return change_entry(
        tx,
        e,
        actor=reviewer.principal_id,
        event="removed",
        detail={
            "reason": text,
            "removal_event": ev.id,
            "event_on": event_on,
            "due": due,
            "due_provisional": provisional,
            "late": ended > due,
        },
        status=EntryStatus.REMOVED,
        ended_on=ended if e.term_end is None else min(ended, e.term_end),
        end_event=ev.id,
        event_on=event_on,
        removal_due=due,
        removal_late=ended > due,
    )
