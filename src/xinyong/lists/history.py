"""Writing an entry's state: every change updates the current row, appends one history
row (the new state and its transaction time) and one audit entry, in one transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from xinyong.audit.log import now_utc
from xinyong.errors import NotFound
from xinyong.lists.model import Entry, EntryStatus, entry_from_row
from xinyong.store.context import Tx
from xinyong.store.tables import list_entries, list_entry_history


def get_entry(conn: Connection, entry_id: str) -> Entry:
    row = conn.execute(
        select(list_entries).where(list_entries.c.entry_id == entry_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no proposal or list entry {entry_id!r}", code="unknown_entry")
    return entry_from_row(row)


def _audit_detail(e: Entry, event: str, detail: dict[str, Any]) -> dict[str, Any]:
    """Ids and dates only: reasons stay in the entry's history, not in the audit chain."""
    out: dict[str, Any] = {"list": e.list_id, "event": event, "status": e.status.value}
    for k in ("term_start", "term_end", "ended_on"):
        v: date | None = getattr(e, k)
        if v is not None:
            out[k] = v.isoformat()
    for k, v in detail.items():
        if k != "reason" and v is not None:
            out[k] = v.isoformat() if isinstance(v, date | datetime) else v
    return out


def history_row(
    e: Entry, *, at: datetime, actor: str, event: str, detail: dict[str, Any]
) -> dict[str, Any]:
    return {
        "entry_id": e.entry_id,
        "seq": e.version,
        "at": at,
        "actor": actor,
        "event": event,
        "status": e.status.value,
        "term_start": e.term_start,
        "term_end": e.term_end,
        "ended_on": e.ended_on,
        "detail": {
            k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in detail.items()
        },
    }


def insert_entry(tx: Tx, e: Entry, *, event: str, detail: dict[str, Any]) -> None:
    """A new proposal or directly published entry, with its first history row."""
    at = now_utc()
    tx.conn.execute(insert(list_entries).values(**e.model_dump(), updated_at=at))
    tx.conn.execute(
        insert(list_entry_history).values(
            **history_row(e, at=at, actor=e.proposed_by, event=event, detail=detail)
        )
    )
    tx.audit(
        f"list.entry.{event}",
        "list_entry",
        e.entry_id,
        _audit_detail(e, event, detail),
        actor=e.proposed_by,
    )


def change_entry(
    tx: Tx,
    e: Entry,
    *,
    actor: str,
    event: str,
    detail: dict[str, Any],
    **changes: Any,
) -> Entry:
    """Apply ``changes`` to ``e`` if nobody changed it meanwhile; returns the new state."""
    from xinyong.errors import Conflict

    new = e.model_copy(update={**changes, "version": e.version + 1})
    at = now_utc()
    values = {k: v for k, v in new.model_dump().items() if k in changes or k == "version"}
    res = tx.conn.execute(
        update(list_entries)
        .where(list_entries.c.entry_id == e.entry_id, list_entries.c.version == e.version)
        .values(**values, updated_at=at)
    )
    if res.rowcount != 1:
        raise Conflict(f"entry {e.entry_id} changed meanwhile; read it again", code="entry_changed")
    tx.conn.execute(
        insert(list_entry_history).values(
            **history_row(new, at=at, actor=actor, event=event, detail=detail)
        )
    )
    tx.audit(
        f"list.entry.{event}",
        "list_entry",
        e.entry_id,
        _audit_detail(new, event, detail),
        actor=actor,
    )
    return new


def entry_history(conn: Connection, entry_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(list_entry_history)
        .where(list_entry_history.c.entry_id == entry_id)
        .order_by(list_entry_history.c.seq)
    )
    return [dict(r._mapping) for r in rows]


def is_open(e: Entry) -> bool:
    """Still a live matter: a pending proposal, or a published entry not yet ended."""
    return e.status in (EntryStatus.PROPOSED, EntryStatus.PUBLISHED)
