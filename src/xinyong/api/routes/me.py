"""A subject's own view: its whole file unmasked, who read it, its cases; objections,
appeals, repair applications and evidence. Every endpoint needs a subject key (401
without one); a subject acts on its own items only (403 otherwise)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from xinyong.actors import Principal, Role
from xinyong.api.deps import CatalogueDep, StoreDep, principal
from xinyong.calendar import today_cst
from xinyong.catalogue import Audience
from xinyong.credit_file.assemble import read_file
from xinyong.credit_file.model import SubjectFile
from xinyong.errors import Unauthorized
from xinyong.rights import cases as case_machine
from xinyong.rights.evidence import Evidence, add_evidence
from xinyong.rights.model import Case, TargetType
from xinyong.rights.rules import get_rules
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.query_log import QueryLogEntry, queries_about

router = APIRouter(prefix="/v1/me", tags=["subjects' rights"])


def subject_principal(p: Annotated[Principal, Depends(principal)]) -> Principal:
    if Role.SUBJECT not in p.roles or p.subject_id is None:
        raise Unauthorized("this endpoint needs a subject key (xinyong subjects key CODE)")
    return p


SubjectDep = Annotated[Principal, Depends(subject_principal)]


class ObjectionRequest(BaseModel):
    target_type: TargetType
    target_id: str = Field(min_length=1, max_length=26)
    reason: str = Field(min_length=1, max_length=4000)


class AppealRequest(BaseModel):
    objection_id: str = Field(min_length=1, max_length=26)
    reason: str = Field(min_length=1, max_length=4000)


class RepairRequest(BaseModel):
    target_type: TargetType
    target_id: str = Field(min_length=1, max_length=26)
    reason: str = Field(min_length=1, max_length=4000, description="proof of performance, in words")
    commitment: str = Field(
        min_length=1, max_length=4000, description="the signed credit commitment"
    )


@router.get("/file", response_model=SubjectFile)
def my_file(
    store: StoreDep, cat: CatalogueDep, p: SubjectDep, on: date | None = None
) -> SubjectFile:
    """The whole file, unmasked: records in force and expired, list entries, measures in
    force with their basis, cases."""
    from xinyong.cli.common import parse_known_at

    assert p.subject_id is not None
    return read_file(
        store,
        cat,
        p.subject_id,
        on=on or today_cst(),
        known_at=parse_known_at(None),
        audience=Audience.SUBJECT,
        principal=p,
        purpose="own file",
        channel="api",
    )


@router.get("/queries", response_model=list[QueryLogEntry])
def my_queries(
    store: StoreDep, p: SubjectDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[QueryLogEntry]:
    """Who read my file or checked me, when, and for what stated purpose."""
    assert p.subject_id is not None
    with store.read() as conn:
        return queries_about(conn, p.subject_id, limit=limit)


@router.get("/cases", response_model=list[Case])
def my_cases(store: StoreDep, p: SubjectDep) -> list[Case]:
    with store.read() as conn:
        return case_machine.list_cases(conn, subject_id=p.subject_id)


@router.post("/objections", response_model=Case, status_code=201)
def object_to(body: ObjectionRequest, store: StoreDep, p: SubjectDep) -> Case:
    """Object to one of my records or list entries; it is marked under objection at once."""
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        return case_machine.object_to(
            tx,
            get_rules(),
            cal,
            p,
            target_type=body.target_type,
            target_id=body.target_id,
            reason=body.reason,
        )


@router.post("/appeals", response_model=Case, status_code=201)
def appeal(body: AppealRequest, store: StoreDep, p: SubjectDep) -> Case:
    """Appeal an upheld objection where the rules give an appeal (the court list)."""
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        return case_machine.appeal(tx, get_rules(), cal, p, body.objection_id, reason=body.reason)


@router.post("/repairs", response_model=Case, status_code=201)
def repair(body: RepairRequest, store: StoreDep, cat: CatalogueDep, p: SubjectDep) -> Case:
    """Apply for credit repair (422 with the earliest date when it is too early)."""
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        return case_machine.apply_repair(
            tx,
            cat,
            get_rules(),
            cal,
            p,
            target_type=body.target_type,
            target_id=body.target_id,
            reason=body.reason,
            commitment=body.commitment,
        )


@router.post("/cases/{case_id}/withdrawal", response_model=Case)
def withdraw(case_id: str, store: StoreDep, p: SubjectDep) -> Case:
    with store.write(p.principal_id) as tx:
        return case_machine.withdraw(tx, p, case_id)


@router.post("/cases/{case_id}/evidence", response_model=Evidence, status_code=201)
async def upload_evidence(
    case_id: str,
    request: Request,
    store: StoreDep,
    p: SubjectDep,
    file_name: Annotated[str, Query(min_length=1, max_length=200)] = "evidence",
) -> Evidence:
    """Attach a file (PDF, PNG or JPEG; size-limited) as the request body."""
    rules = get_rules().evidence
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    declared = int(request.headers.get("content-length") or 0)
    body = bytearray()
    if declared <= rules.max_bytes:
        async for chunk in request.stream():
            body += chunk
            if len(body) > rules.max_bytes:
                break
    size = max(declared, len(body))
    with store.write(p.principal_id) as tx:
        return add_evidence(
            tx, p, case_id, file_name=file_name, content_type=ctype, content=bytes(body), size=size
        )
