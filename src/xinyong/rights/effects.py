"""How a case outcome flows back into the store.

A record is never edited in place: a corrected, withdrawn or repaired record gets a new
version (locked, so an older feed row cannot silently revert it) and the old version is
superseded, so "as known at" still shows what was published before. A list entry is
removed through the lists module, which ends its measures.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from xinyong.actors import Principal
from xinyong.audit.log import now_utc
from xinyong.calendar import WorkCalendar
from xinyong.catalogue import Catalogue
from xinyong.errors import NotFound, RuleRefused
from xinyong.lists.decisions import remove
from xinyong.lists.model import Entry
from xinyong.store.context import Tx
from xinyong.store.tables import records

#: record columns a correction may set besides attributes
CORRECTABLE = ("decision_no", "decided_on", "amount_fen", "severity", "legal_basis_text")


def current_record(tx_conn: Any, record_id: str) -> dict[str, Any]:
    row = tx_conn.execute(
        select(records).where(records.c.record_id == record_id, records.c.superseded_at.is_(None))
    ).one_or_none()
    if row is None:
        raise NotFound(f"no record {record_id!r}", code="unknown_record")
    return dict(row._mapping)


def _new_version(tx: Tx, cur: dict[str, Any], flag: str, **changes: Any) -> dict[str, Any]:
    now = now_utc()
    tx.conn.execute(
        update(records)
        .where(records.c.record_id == cur["record_id"], records.c.version == cur["version"])
        .values(superseded_at=now)
    )
    row = {**cur, **changes}
    row["version"] = int(cur["version"]) + 1
    row["flags"] = sorted({*(cur.get("flags") or []), flag})
    row["locked"] = True
    row["recorded_at"] = now
    row["last_seen_at"] = now
    row["superseded_at"] = None
    row["batch_id"] = None
    row["source_row"] = None
    text = json.dumps(
        {k: row[k] for k in ("attributes", *CORRECTABLE)},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    row["content_hash"] = hashlib.sha256(text.encode()).hexdigest()
    tx.conn.execute(records.insert().values(**row))
    return row


def correct_record(tx: Tx, record_id: str, corrections: dict[str, Any]) -> dict[str, Any]:
    """A corrected version: named attributes and correctable fields replaced."""
    if not corrections:
        raise RuleRefused(
            "a correction names the corrected fields (corrections: {field: value})",
            code="corrections_required",
        )
    cur = current_record(tx.conn, record_id)
    attrs = dict(cur["attributes"] or {})
    changes: dict[str, Any] = {}
    for k, v in corrections.items():
        if k in CORRECTABLE:
            if k == "decided_on" and isinstance(v, str):
                v = date.fromisoformat(v)
            changes[k] = v
        else:
            attrs[k] = v
    return _new_version(tx, cur, "corrected_on_objection", attributes=attrs, **changes)


def withdraw_record(tx: Tx, record_id: str) -> dict[str, Any]:
    """The record leaves public view (the authority withdrew it on objection)."""
    cur = current_record(tx.conn, record_id)
    return _new_version(tx, cur, "withdrawn_on_objection", publication="withdrawn")


def end_publicity(tx: Tx, record_id: str, on: date) -> dict[str, Any]:
    """Credit repair granted: public display ends; the record stays for the subject and
    agencies (and in the history)."""
    cur = current_record(tx.conn, record_id)
    until = on - timedelta(days=1)
    shown_until = cur["display_until"]
    return _new_version(
        tx,
        cur,
        "repaired",
        display_until=until if shown_until is None else min(shown_until, until),
        repair_from=None,
    )


def remove_entry(
    tx: Tx,
    cat: Catalogue,
    cal: WorkCalendar,
    decider: Principal,
    entry: Entry,
    *,
    event: str | None,
    event_on: date,
    reason: str,
    on: date,
) -> Entry:
    """Remove a list entry as the case outcome requires (its measures end with it).

    An appeal is decided by the higher authority, whose decision binds the authority that
    listed: the removal is recorded under the higher reviewer's name, acting for it.
    """
    acting = decider
    if decider.organisation != entry.deciding_authority:
        acting = decider.model_copy(update={"organisation": entry.deciding_authority})
    return remove(
        tx, cat, cal, acting, entry.entry_id, event=event, event_on=event_on, reason=reason, on=on
    )
