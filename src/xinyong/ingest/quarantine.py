"""Reading quarantined rows back: what was refused, why, and the row as it arrived."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, select

from xinyong.store.tables import ingest_batches, quarantine


class QuarantinedRow(BaseModel):
    batch_id: str
    agency: str
    row: int
    reason: str
    message: str
    raw: dict[str, Any]


def list_quarantine(
    conn: Connection,
    *,
    batch_id: str | None = None,
    agency: str | None = None,
    after: tuple[str, int] | None = None,
    limit: int | None = None,
) -> list[QuarantinedRow]:
    q = (
        select(quarantine, ingest_batches.c.agency)
        .join(ingest_batches, ingest_batches.c.batch_id == quarantine.c.batch_id)
        .order_by(quarantine.c.batch_id, quarantine.c.row)
    )
    if batch_id:
        q = q.where(quarantine.c.batch_id == batch_id)
    if agency:
        q = q.where(ingest_batches.c.agency == agency)
    if after:
        b, r = after
        q = q.where(
            (quarantine.c.batch_id > b) | ((quarantine.c.batch_id == b) & (quarantine.c.row > r))
        )
    if limit:
        q = q.limit(limit)
    return [QuarantinedRow.model_validate(dict(r._mapping)) for r in conn.execute(q)]
