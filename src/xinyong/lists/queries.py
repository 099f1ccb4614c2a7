"""Questions about lists, on a date (valid time) and as known at a time (transaction time).

Now-questions read the current rows; a ``known_at`` question rebuilds each entry's state
from its newest history row at or before that time, so what the platform showed on a
past day can be shown again exactly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, literal_column, or_, select

from xinyong.lists.model import WAS_PUBLISHED, Entry, EntryStatus, entry_from_row
from xinyong.store.tables import list_entries, list_entry_history


def _in_force(on: date, status: Any, start: Any, end: Any, ended: Any) -> Any:
    return and_(
        status.in_([s.value for s in WAS_PUBLISHED]),
        start <= on,
        or_(end.is_(None), end > on),
        or_(ended.is_(None), ended > on),
    )


def _as_known(conn: Connection, q_filter: Any, known_at: datetime) -> list[Entry]:
    """Entries as they stood at ``known_at``: current identity columns, historic state."""
    if known_at.tzinfo is not None:
        # stored in UTC; SQLite compares timestamps as text, so ask in UTC as well
        known_at = known_at.astimezone(UTC)
    # the newest state of each selected entry, found per entry through the history's key
    # (a table-wide GROUP BY here cost a public entity page ~60 ms on a city store)
    h2 = list_entry_history.alias("h2")
    newest_seq = (
        select(func.max(h2.c.seq))
        .where(h2.c.entry_id == list_entries.c.entry_id, h2.c.at <= known_at)
        .scalar_subquery()
    )
    h = list_entry_history
    q = (
        select(
            list_entries,
            h.c.status.label("h_status"),
            h.c.term_start.label("h_start"),
            h.c.term_end.label("h_end"),
            h.c.ended_on.label("h_ended"),
            h.c.seq.label("h_seq"),
        )
        .select_from(list_entries)
        .join(h, and_(h.c.entry_id == list_entries.c.entry_id, h.c.seq == newest_seq))
    )
    out = []
    for r in conn.execute(q_filter(q)):
        m = dict(r._mapping)
        e = entry_from_row(r).model_copy(
            update={
                "status": EntryStatus(m["h_status"]),
                "term_start": m["h_start"],
                "term_end": m["h_end"],
                "ended_on": m["h_ended"],
                "version": m["h_seq"],
            }
        )
        out.append(e)
    return out


def entries_on(
    conn: Connection,
    list_id: str,
    *,
    on: date,
    known_at: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Entry]:
    """The entries of ``list_id`` in force on ``on`` (as known at ``known_at``)."""
    if known_at is None:
        c = list_entries.c
        q: Select[Any] = (
            select(list_entries)
            .where(
                c.list_id == list_id, _in_force(on, c.status, c.term_start, c.term_end, c.ended_on)
            )
            .order_by(c.term_start, c.entry_id)
            .offset(offset)
        )
        if limit is not None:
            q = q.limit(limit)
        return [entry_from_row(r) for r in conn.execute(q)]
    entries = _as_known(conn, lambda q: q.where(list_entries.c.list_id == list_id), known_at)
    hits = sorted(
        (e for e in entries if e.in_force_on(on)), key=lambda e: (e.term_start or on, e.entry_id)
    )
    return hits[offset : offset + limit if limit is not None else None]


def pending(conn: Connection, *, authority: str | None = None, limit: int = 1000) -> list[Entry]:
    """Proposals awaiting a decision, oldest first (one authority's, or all)."""
    c = list_entries.c
    # the literal lets SQLite use the partial index of proposals (a bound value cannot)
    q = select(list_entries).where(c.status == literal_column(f"'{EntryStatus.PROPOSED.value}'"))
    if authority is not None:
        q = q.where(c.deciding_authority == authority)
    q = q.order_by(c.proposed_at, c.entry_id).limit(limit)
    return [entry_from_row(r) for r in conn.execute(q)]


def entries_of(
    conn: Connection, subject_id: str, *, known_at: datetime | None = None
) -> list[Entry]:
    """Every proposal and entry about one subject (its own file shows them all)."""
    if known_at is None:
        q = (
            select(list_entries)
            .where(list_entries.c.subject_id == subject_id)
            .order_by(list_entries.c.proposed_at)
        )
        return [entry_from_row(r) for r in conn.execute(q)]
    return _as_known(conn, lambda q: q.where(list_entries.c.subject_id == subject_id), known_at)


def counts(conn: Connection) -> dict[str, dict[str, int]]:
    """list id → status → number of entries."""
    out: dict[str, dict[str, int]] = {}
    q = select(list_entries.c.list_id, list_entries.c.status, func.count()).group_by(
        list_entries.c.list_id, list_entries.c.status
    )
    for list_id, status, n in conn.execute(q):
        out.setdefault(list_id, {})[status] = n
    return out
