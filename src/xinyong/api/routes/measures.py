"""Notices to implementing agencies and the check service over HTTP.

Subjects are named in request bodies, never in URLs (CONTRACTS.md). An implementing
agency's key checks only the measures its agency implements; every check is logged.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from xinyong.api.deps import CallerDep, PrincipalDep, StoreDep
from xinyong.calendar import today_cst
from xinyong.measures.check import MAX_BATCH, CheckAnswer, check
from xinyong.measures.notices import (
    Notice,
    NoticeStatus,
    acknowledge,
    notices_for,
    officer_types,
    report_back,
)

router = APIRouter(tags=["measures"])


class CheckRequest(BaseModel):
    subject: str = Field(min_length=1, max_length=64, description="USCC, resident ID or subject id")
    measure: str = Field(min_length=1, max_length=64)
    on: date | None = Field(default=None, description="the day asked about (CST); default today")


class BatchCheckRequest(BaseModel):
    subjects: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_BATCH
    )
    measure: str = Field(min_length=1, max_length=64)
    on: date | None = None


class BatchCheckAnswer(BaseModel):
    answers: list[CheckAnswer]


class Acknowledgement(BaseModel):
    on: date | None = Field(
        default=None, description="from when the measure applies; default today"
    )


class Feedback(BaseModel):
    applied: bool
    note: str | None = Field(default=None, max_length=2000)


@router.post("/v1/check", response_model=CheckAnswer)
def post_check(body: CheckRequest, c: CallerDep) -> Response:
    """Is ``subject`` restricted by ``measure`` on ``on``? An unknown subject is not."""
    (a,) = check(
        c.store,
        c.catalogue,
        c.principal,
        [body.subject],
        body.measure,
        body.on or today_cst(),
        channel="api",
    )
    return _json(a)


@router.post("/v1/check/batch", response_model=BatchCheckAnswer)
def post_check_batch(body: BatchCheckRequest, c: CallerDep) -> Response:
    """Up to 1,000 subjects for one measure in one call (bulk screening beyond that)."""
    answers = check(
        c.store,
        c.catalogue,
        c.principal,
        body.subjects,
        body.measure,
        body.on or today_cst(),
        channel="api",
    )
    return _json(BatchCheckAnswer(answers=answers))


def _json(answer: BaseModel) -> Response:
    """The bytes FastAPI's response model would send (``dump_json`` of the same model),
    without validating our own answer again in another thread-pool hop."""
    return Response(answer.model_dump_json(by_alias=True), media_type="application/json")


@router.get("/v1/notices", response_model=list[Notice])
def get_notices(
    store: StoreDep,
    p: PrincipalDep,
    status: NoticeStatus | None = NoticeStatus.SENT,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Notice]:
    """The caller's agency's notices (an implementing officer's queue)."""
    with store.read() as conn:
        types = officer_types(conn, p)
        return notices_for(conn, types=types, status=status, limit=limit)


@router.post("/v1/notices/{notice_id}/acknowledgement", response_model=Notice)
def post_acknowledgement(
    notice_id: str, body: Acknowledgement, store: StoreDep, p: PrincipalDep
) -> Notice:
    """A named officer of the implementing agency acknowledges: the measure is in force."""
    with store.write(p.principal_id) as tx:
        return acknowledge(tx, p, notice_id, on=body.on)


@router.post("/v1/notices/{notice_id}/feedback", response_model=Notice)
def post_feedback(notice_id: str, body: Feedback, store: StoreDep, p: PrincipalDep) -> Notice:
    """The officer reports whether the measure was applied (反馈)."""
    with store.write(p.principal_id) as tx:
        return report_back(tx, p, notice_id, applied=body.applied, note=body.note)
