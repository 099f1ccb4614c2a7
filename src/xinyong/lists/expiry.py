"""The daily expiry job: entries whose term has ended leave the list.

Set-based so that a million due entries take seconds, not hours: one UPDATE marks them
(tagged with the run's id), one INSERT … SELECT writes their history rows, and the audit
chain gets one entry per entry, appended in bulk. Rerunning for the same day finds
nothing left to do; a crash rolls the whole run back.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, String, insert, literal, select
from ulid import ULID

from xinyong.audit.chain import json_string
from xinyong.audit.log import PreparedAppend, PreparedEntries, now_utc
from xinyong.audit.plain_sql import is_sqlite, stored_date, stored_ts
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


#: the due entries (what ``ix_list_entries_due`` indexes: the literals let SQLite use it)
_DUE = "status = 'published' AND term_end IS NOT NULL AND term_end <= ?"
_MARK = (
    "UPDATE list_entries{how} SET status = ?, ended_on = term_end, end_event = ?, "
    "version = version + 1, changed_by_run = ?, updated_at = ? WHERE " + _DUE
)
#: from this share of the table up, SQLite updates in table order (see ``_mark``)
SCAN_SHARE = 1 / 16
#: the job's page cache on SQLite (KiB, as ``PRAGMA cache_size`` takes it negated)
JOB_CACHE_KIB = 1 << 20


def expire(tx: Tx, *, on: date, actor: str = EXPIRY_ACTOR) -> ExpiryReport:
    """End every published entry whose (exclusive) term end is on or before ``on``."""
    run = str(ULID())
    at = now_utc()
    tx.flush_audit()  # entries queued before the job keep their place in the chain
    how = _plan(tx, on)
    # the entries the UPDATE will mark (the transaction holds the write lock), by id
    items = list(_details(tx, on, run, how))
    n = 0
    if items:
        audit = PreparedAppend(
            tx.conn,
            PreparedEntries(actor, "list.entry.expired", "list_entry", items),
            signer=tx.store.signer,
            checkpoint_every=tx.store.settings.checkpoint_every,
        )
        # chain the audit entries on a second thread while the engine marks the entries
        # and writes their history (decision 105)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="expiry-audit") as pool:
            hashed = pool.submit(audit.hash)
            n = _mark(tx, on, run, at, how)
            _write_history(tx, run, at, actor)
            hashed.result()
        if n != len(items):
            raise RuntimeError(f"expiry marked {n} entries, {len(items)} were due")  # rolls back
        _, checkpoints = audit.write()
        tx.checkpoints += checkpoints
    tx.audit(
        "lists.expire",
        "job",
        "lists",
        {"on": on.isoformat(), "run": run, "expired": n},
        actor=actor,
    )
    return ExpiryReport(on=on, run_id=run, expired=n)


def _write_history(tx: Tx, run: str, at: datetime, actor: str) -> None:
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


def _plan(tx: Tx, on: date) -> str:
    """How to reach the due entries: ``""`` (the engine decides; on SQLite, through
    ``ix_list_entries_due``) or ``" NOT INDEXED"`` (SQLite, one pass in table order).

    SQLite has no statistics (the platform never runs ``ANALYZE``), so the job decides:
    a few due entries are found through the index; a backlog (a sixteenth of the table
    or more) is read and updated in table order, where following the index would visit
    the table's pages in term order, i.e. at random (decision 104)."""
    conn = tx.conn
    if not is_sqlite(conn):
        return ""
    due = run_sql(conn, f"SELECT count(*) FROM list_entries WHERE {_DUE}", (on.isoformat(),))
    n_due = int(due.fetchone()[0])
    total = int(run_sql(conn, "SELECT count(*) FROM list_entries").fetchone()[0])
    return " NOT INDEXED" if n_due and n_due >= total * SCAN_SHARE else ""


def _mark(tx: Tx, on: date, run: str, at: datetime, how: str) -> int:
    """Mark the due entries expired, tagged with the run; how many it marked. On SQLite
    the job's connection gets a large page cache meanwhile, so that the due index stays
    in memory while the table streams past (decision 104)."""
    conn = tx.conn
    sqlite = is_sqlite(conn)
    params = (
        EntryStatus.EXPIRED.value,
        "term_expired",
        run,
        stored_ts(sqlite, at),
        stored_date(sqlite, on),
    )
    if not sqlite:
        return int(run_sql(conn, _MARK.format(how=how), params).rowcount)
    (cache,) = run_sql(conn, "PRAGMA cache_size").fetchone()
    run_sql(conn, f"PRAGMA cache_size = -{JOB_CACHE_KIB}")
    try:
        return int(run_sql(conn, _MARK.format(how=how), params).rowcount)
    finally:
        run_sql(conn, f"PRAGMA cache_size = {int(cache)}")


_DUE_BY_ID = (
    "SELECT entry_id, list_id, term_end FROM list_entries{how} WHERE " + _DUE + " ORDER BY entry_id"
)


def _details(tx: Tx, on: date, run_id: str, how: str) -> Iterator[tuple[str, str, str]]:
    """Each due entry's audit detail ``{"list", "ended_on", "run"}``, encoded as the
    chain hashes it (sorted, compact) and as the engine stores it, without building and
    serialising a dict per entry."""
    run_j = json_string(run_id)
    lists: dict[str, str] = {}
    day = stored_date(is_sqlite(tx.conn), on)
    for entry_id, list_id, end in run_sql(tx.conn, _DUE_BY_ID.format(how=how), (day,)):
        list_j = lists.get(list_id) or lists.setdefault(list_id, json_string(list_id))
        end_j = json_string(end if isinstance(end, str) else end.isoformat())
        yield (
            entry_id,
            f'{{"ended_on":{end_j},"list":{list_j},"run":{run_j}}}',
            f'{{"list": {list_j}, "ended_on": {end_j}, "run": {run_j}}}',
        )
