"""The query log: every read of non-public data about a subject (who, when, why, what).

Each entry is also chained into the audit log (its id and the hash of its row), so an
edited or deleted query-log row is caught by ``xinyong audit verify``'s chain checks
on the audit side.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Connection, select
from ulid import ULID

from xinyong.actors import Principal
from xinyong.audit.chain import format_ts
from xinyong.audit.log import now_utc
from xinyong.audit.plain_sql import is_sqlite, run, stored_ts
from xinyong.store.context import Tx
from xinyong.store.tables import query_log


class QueryLogEntry(BaseModel):
    query_id: str
    at: datetime
    principal_id: str
    organisation: str
    subject_id: str
    purpose: str
    resource: str
    audience: str
    channel: str


_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_FIELDS = tuple(QueryLogEntry.model_fields)
_INSERT = f"INSERT INTO query_log ({', '.join(_FIELDS)}) VALUES ({', '.join('?' for _ in _FIELDS)})"


def row_hash(e: QueryLogEntry) -> str:
    """SHA-256 of the row's canonical JSON (its timestamp as the audit chain writes it)."""
    data = {k: getattr(e, k) for k in _FIELDS}
    data["at"] = format_ts(e.at)
    return hashlib.sha256(_canonical(data).encode()).hexdigest()


def log_read(
    tx: Tx,
    principal: Principal,
    subject_id: str,
    *,
    purpose: str,
    resource: str,
    audience: str,
    channel: str,
) -> QueryLogEntry:
    e = QueryLogEntry(
        query_id=str(ULID()),
        at=now_utc(),
        principal_id=principal.principal_id,
        organisation=principal.organisation,
        subject_id=subject_id,
        purpose=purpose,
        resource=resource,
        audience=audience,
        channel=channel,
    )
    sqlite = is_sqlite(tx.conn)
    run(
        tx.conn,
        _INSERT,
        [stored_ts(sqlite, e.at) if k == "at" else getattr(e, k) for k in _FIELDS],
    )
    tx.audit(
        "query.read",
        "subject",
        subject_id,
        {"query_id": e.query_id, "resource": resource, "row_hash": row_hash(e)},
        actor=principal.principal_id,
    )
    return e


def queries_about(conn: Connection, subject_id: str, *, limit: int = 1000) -> list[QueryLogEntry]:
    rows = conn.execute(
        select(query_log)
        .where(query_log.c.subject_id == subject_id)
        .order_by(query_log.c.at.desc())
        .limit(limit)
    )
    return [QueryLogEntry.model_validate(dict(r._mapping)) for r in rows]
