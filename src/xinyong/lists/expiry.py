"""The daily expiry job: entries whose term has ended leave the list.

Set-based so that a million due entries take seconds, not hours: one UPDATE marks them
(tagged with the run's id), one INSERT … SELECT writes their history rows, and the audit
chain gets one entry per entry, appended in chunks. Rerunning for the same day finds
nothing left to do; a crash rolls the whole run back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import JSON, String, and_, insert, literal, select, update
from ulid import ULID

from xinyong.audit.chain import json_string
from xinyong.audit.log import PreparedEntries, append_prepared, now_utc
from xinyong.audit.plain_sql import run as run_sql
from xinyong.lists.model import EntryStatus
from xinyong.store.context import Tx
from xinyong.store.tables import list_entries, list_entry_history

EXPIRY_ACTOR = "system:expiry"


@dataclass(frozen=True)
class ExpiryReport:
    on: date
    run_id: str
    expired: int


def expire(tx: Tx, *, on: date, actor: str = EXPIRY_ACTOR) -> ExpiryReport:
    """End every published entry whose (exclusive) term end is on or before ``on``."""
    run = str(ULID())
    at = now_utc()
    due = and_(
        list_entries.c.status == EntryStatus.PUBLISHED.value,
        list_entries.c.term_end.is_not(None),
        list_entries.c.term_end <= on,
    )
    n = tx.conn.execute(
        update(list_entries)
        .where(due)
        .values(
            status=EntryStatus.EXPIRED.value,
            ended_on=list_entries.c.term_end,
            end_event="term_expired",
            version=list_entries.c.version + 1,
            changed_by_run=run,
            updated_at=at,
        )
    ).rowcount
    if n:
        tx.conn.execute(
            insert(list_entry_history).from_select(
                [
                    "entry_id",
                    "seq",
                    "at",
                    "actor",
                    "event",
                    "status",
                    "term_start",
                    "term_end",
                    "ended_on",
                    "detail",
                ],
                select(
                    list_entries.c.entry_id,
                    list_entries.c.version,
                    literal(at, list_entry_history.c.at.type),
                    literal(actor, String),
                    literal("expired", String),
                    list_entries.c.status,
                    list_entries.c.term_start,
                    list_entries.c.term_end,
                    list_entries.c.ended_on,
                    literal({"removal_event": "term_expired", "run": run}, JSON),
                ).where(list_entries.c.changed_by_run == run),
            )
        )
        tx.flush_audit()  # entries queued before the job keep their place in the chain
        _, checkpoints = append_prepared(
            tx.conn,
            PreparedEntries(actor, "list.entry.expired", "list_entry", _details(tx, run)),
            signer=tx.store.signer,
            checkpoint_every=tx.store.settings.checkpoint_every,
        )
        tx.checkpoints += checkpoints
    tx.audit(
        "lists.expire",
        "job",
        "lists",
        {"on": on.isoformat(), "run": run, "expired": n},
        actor=actor,
    )
    return ExpiryReport(on=on, run_id=run, expired=n)


_EXPIRED = (
    "SELECT entry_id, list_id, term_end FROM list_entries WHERE changed_by_run = ? "
    "ORDER BY entry_id"
)


def _details(tx: Tx, run_id: str) -> Iterator[tuple[str, str, str]]:
    """Each expired entry's audit detail ``{"list", "ended_on", "run"}``, encoded as the
    chain hashes it (sorted, compact) and as the engine stores it, without building and
    serialising a dict per entry."""
    run_j = json_string(run_id)
    lists: dict[str, str] = {}
    for entry_id, list_id, end in run_sql(tx.conn, _EXPIRED, (run_id,)):
        list_j = lists.get(list_id) or lists.setdefault(list_id, json_string(list_id))
        end_j = json_string(end if isinstance(end, str) else end.isoformat())
        yield (
            entry_id,
            f'{{"ended_on":{end_j},"list":{list_j},"run":{run_j}}}',
            f'{{"list": {list_j}, "ended_on": {end_j}, "run": {run_j}}}',
        )
