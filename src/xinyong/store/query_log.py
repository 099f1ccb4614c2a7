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
from sqlalchemy import Connection, insert, select
from ulid import ULID

from xinyong.actors import Principal
from xinyong.audit.chain import format_ts
from xinyong.audit.log import now_utc
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


def row_hash(e: QueryLogEntry) -> str:
    data = e.model_dump(mode="json")
    data["at"] = format_ts(e.at)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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
    tx.conn.execute(insert(query_log).values(**e.model_dump()))
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
