"""Agencies report records: the same ingest pipeline as ``xinyong ingest``, over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from xinyong.actors import Role
from xinyong.api.deps import PrincipalDep, StoreDep
from xinyong.api.uploads import spooled_body
from xinyong.errors import (
    Forbidden,
    NotFound,
)
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.ingest.quarantine import list_quarantine
from xinyong.ingest.receipt import Receipt
from xinyong.store.tables import ingest_batches

router = APIRouter(prefix="/v1", tags=["agencies"])


@router.post("/agency/records", response_model=Receipt)
async def post_records(
    request: Request,
    store: StoreDep,
    p: PrincipalDep,
    mapping: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    agency: Annotated[str | None, Query(description="admins only: report on behalf of")] = None,
) -> Receipt:
    """Upload a feed file as the request body (``Content-Type: text/csv``,
    ``application/x-ndjson`` or ``application/vnd.apache.parquet``)."""
    if p.has(Role.ADMIN) and agency:
        code = agency
    elif Role.AGENCY in p.roles:
        if agency and agency != p.organisation:
            raise Forbidden("an agency key reports only for its own agency")
        code = p.organisation
    else:
        raise Forbidden("reporting records needs an agency key")
    async with spooled_body(request, "xinyong-upload-") as (path, fmt):
        req = IngestRequest(
            path=path,
            agency=code,
            mapping=mapping,
            fmt=fmt,
            encoding=encoding,
            dry_run=dry_run,
            actor=p.principal_id,
        )
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(ingest, store, req)


def _batch_agency(store: Any, batch_id: str) -> str:
    with store.read() as conn:
        agency = conn.execute(
            select(ingest_batches.c.agency).where(ingest_batches.c.batch_id == batch_id)
        ).scalar_one_or_none()
    if agency is None:
        raise NotFound(f"no batch {batch_id}", code="unknown_batch")
    return str(agency)


@router.get("/agency/batches/{batch_id}/quarantine")
def batch_quarantine(
    batch_id: str,
    store: StoreDep,
    p: PrincipalDep,
    cursor: int = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Quarantined rows of a batch (the reporting agency's own, or any for admins)."""
    agency = _batch_agency(store, batch_id)
    if not p.has(Role.ADMIN) and p.organisation != agency:
        raise Forbidden("a batch's quarantine is visible to its agency only")
    with store.read() as conn:
        items = list_quarantine(conn, batch_id=batch_id, after=(batch_id, cursor), limit=limit)
    nxt = items[-1].row if len(items) == limit else None
    return {"items": [i.model_dump(mode="json") for i in items], "next": nxt}
