"""Financial credit reporting over HTTP: reports (JSON, HTML, PDF), consents, statements and
disputes. A third party's query needs the subject's consent for its purpose (403
otherwise); the subject's own report comes with its subject key (``/v1/reports/me``) and
counts against its free self-queries. Resident IDs travel in POST bodies only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from xinyong.actors import Principal
from xinyong.api.deps import CatalogueDep, PrincipalDep, StoreDep
from xinyong.api.routes.me import subject_principal
from xinyong.calendar import today_cst
from xinyong.credit_file.assemble import find_subject
from xinyong.reporting.consent import Consent, Purpose, Scope, grant, list_consents, revoke
from xinyong.reporting.disputes import decide_dispute, open_dispute
from xinyong.reporting.ingest import FeedReceipt, FeedRequest, ingest_feed, quarantined
from xinyong.reporting.lenders import Lender, lender_of, list_lenders
from xinyong.reporting.model import CreditReport
from xinyong.reporting.queries import obtain_report
from xinyong.reporting.render import render_html, render_pdf
from xinyong.reporting.statements import add_statement
from xinyong.rights.model import Case
from xinyong.rights.rules import get_rules
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store

router = APIRouter(prefix="/v1/reports", tags=["financial credit reporting"])
SubjectDep = Annotated[Principal, Depends(subject_principal)]
Format = Literal["json", "html", "pdf"]
ItemName = Literal["income", "deposits", "securities", "insurance", "real_estate", "tax"]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
ULID_RE = r"^[0-9A-HJKMNP-TV-Z]{26}$"


class QueryRequest(BaseModel):
    subject: str = Field(
        min_length=1, max_length=64, description="USCC, resident ID, passport or subject id"
    )
    purpose: str | None = Field(
        None,
        max_length=40,
        description="a lender's purpose (loan_approval, post_loan_management, …) or a staff "
        "purpose (dispute_verification, supervision)",
    )
    self_query: bool = Field(False, description="an administrator serves the subject's own query")
    format: Format = "json"


class StatementRequest(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    account_id: str | None = Field(None, pattern=ULID_RE)


class DisputeRequest(BaseModel):
    account_id: str = Field(pattern=ULID_RE)
    month: str | None = Field(None, pattern=MONTH)
    reason: str = Field(min_length=1, max_length=4000)


class AnswerRequest(BaseModel):
    outcome: Literal["corrected", "upheld"]
    reason: str = Field(min_length=1, max_length=4000)
    status: (
        Literal["N", "1", "2", "3", "4", "5", "6", "7", "D", "Z", "C", "G", "#", "*", "/"] | None
    ) = None
    balance_fen: int | None = Field(None, ge=0, le=10**15)
    overdue_fen: int | None = Field(None, ge=0, le=10**15)


class MyConsentRequest(BaseModel):
    lender: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]+[a-z0-9]$")
    purpose: Purpose
    valid_from: date | None = None
    valid_until: date
    evidence: str = Field("granted online with the subject's key", min_length=1, max_length=500)


class ConsentRequest(BaseModel):
    subject: str = Field(min_length=1, max_length=64)
    scope: Scope
    purpose: Purpose | None = None
    items: list[ItemName] = Field(default_factory=list, max_length=6)
    valid_from: date | None = None
    valid_until: date
    evidence: str = Field(min_length=1, max_length=500, description="the signed form's reference")
    warned: bool = False


def _respond(r: CreditReport, fmt: Format) -> Response:
    if fmt == "html":
        return HTMLResponse(render_html(r))
    if fmt == "pdf":
        return Response(
            render_pdf(r),
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="report-{r.header.report_id}.pdf"'
            },
        )
    return Response(r.model_dump_json(), media_type="application/json")


def _subject_id(store: Store, code: str) -> str:
    with store.read() as conn:
        return find_subject(conn, code)


@router.post("/feeds", response_model=FeedReceipt)
async def post_feed(
    request: Request,
    store: StoreDep,
    p: PrincipalDep,
    lender: Annotated[
        str | None, Query(max_length=64, description="admins only: report for this lender")
    ] = None,
) -> FeedReceipt:
    """A lender's feed as the request body (``text/csv``, ``application/x-ndjson`` or
    ``application/vnd.apache.parquet``): accounts and monthly statuses, with a receipt."""
    from starlette.concurrency import run_in_threadpool

    from xinyong.actors import Role
    from xinyong.api.uploads import spooled_body
    from xinyong.errors import Forbidden

    if Role.ADMIN in p.roles and lender:
        code = lender
    elif Role.LENDER in p.roles and Role.ADMIN not in p.roles:
        if lender and lender != p.organisation:
            raise Forbidden("a lender's key reports only for its own lender")
        code = p.organisation
    else:
        raise Forbidden("reporting credit accounts needs a lender's key (or ?lender= as admin)")
    async with spooled_body(request, "xinyong-lender-") as (path, _fmt):
        req = FeedRequest(path=path, lender=code, actor=p.principal_id)
        return await run_in_threadpool(ingest_feed, store, req)


@router.get("/feeds/{batch_id}/quarantine")
def feed_quarantine(batch_id: str, store: StoreDep, p: PrincipalDep) -> list[dict[str, Any]]:
    """The quarantined rows of a lender's batch (its own lender, or an administrator)."""
    from sqlalchemy import select

    from xinyong.actors import Role
    from xinyong.errors import Forbidden, NotFound
    from xinyong.store.tables import reporting_batches

    with store.read() as conn:
        owner = conn.execute(
            select(reporting_batches.c.lender).where(reporting_batches.c.batch_id == batch_id)
        ).scalar_one_or_none()
        if owner is None:
            raise NotFound(f"no batch {batch_id}", code="unknown_batch")
        if Role.ADMIN not in p.roles and not (Role.LENDER in p.roles and p.organisation == owner):
            raise Forbidden("a batch's quarantine is for its lender and administrators")
        return quarantined(conn, batch_id)


@router.get("/lenders", response_model=list[Lender])
def lenders(store: StoreDep, p: PrincipalDep) -> list[Lender]:
    """The registered lenders."""
    with store.read() as conn:
        return list_lenders(conn)


@router.post(
    "/query",
    response_model=CreditReport,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def query(body: QueryRequest, store: StoreDep, cat: CatalogueDep, p: PrincipalDep) -> Response:
    """A report: a lender's query needs the subject's consent for the purpose (403 without
    or after revocation); every query is logged and shows in the subject's query records."""
    sid = _subject_id(store, body.subject)
    r = obtain_report(
        store, cat, p, sid, purpose=body.purpose, channel="api", self_query=body.self_query
    )
    return _respond(r, body.format)


@router.get(
    "/me",
    response_model=CreditReport,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def my_report(
    store: StoreDep, cat: CatalogueDep, p: SubjectDep, format: Format = "json"
) -> Response:
    """My own report (a self-query: 2 free a year, then chargeable or refused)."""
    assert p.subject_id is not None
    r = obtain_report(store, cat, p, p.subject_id, purpose=None, channel="api")
    return _respond(r, format)


@router.post("/me/statements", status_code=201)
def my_statement(body: StatementRequest, store: StoreDep, p: SubjectDep) -> dict[str, str]:
    assert p.subject_id is not None
    with store.write(p.principal_id) as tx:
        sid = add_statement(tx, p, p.subject_id, body.text, account_id=body.account_id)
    return {"statement_id": sid}


@router.post("/me/disputes", response_model=Case, status_code=201)
def my_dispute(body: DisputeRequest, store: StoreDep, p: SubjectDep) -> Case:
    """Dispute an entry: marked at once, answered by the lender within 20 calendar days."""
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        return open_dispute(
            tx,
            get_rules(),
            cal,
            p,
            account_id=body.account_id,
            month=body.month,
            reason=body.reason,
        )


@router.get("/me/consents", response_model=list[Consent])
def my_consents(store: StoreDep, p: SubjectDep) -> list[Consent]:
    with store.read() as conn:
        return list_consents(conn, subject_id=p.subject_id)


@router.post("/me/consents", response_model=Consent, status_code=201)
def my_consent(body: MyConsentRequest, store: StoreDep, p: SubjectDep) -> Consent:
    """Authorise a lender to query my report for one purpose, until a day."""
    assert p.subject_id is not None
    today = today_cst()
    with store.write(p.principal_id) as tx:
        return grant(
            tx,
            p,
            subject_id=p.subject_id,
            grantee=body.lender,
            scope=Scope.QUERY,
            purpose=body.purpose,
            items=[],
            valid_from=body.valid_from or today,
            valid_until=body.valid_until,
            evidence=body.evidence,
            today=today,
        )


@router.post("/me/consents/{consent_id}/revocation", response_model=Consent)
def my_revocation(consent_id: str, store: StoreDep, p: SubjectDep) -> Consent:
    with store.write(p.principal_id) as tx:
        return revoke(tx, p, consent_id)


@router.post("/consents", response_model=Consent, status_code=201)
def record_consent(body: ConsentRequest, store: StoreDep, p: PrincipalDep) -> Consent:
    """A lender records the subject's signed authorisation it holds (or an administrator)."""
    from xinyong.actors import Role

    sid = _subject_id(store, body.subject)
    grantee = p.organisation if Role.ADMIN not in p.roles else None
    if grantee is None:
        from xinyong.errors import UsageError

        raise UsageError("an administrator records consents with `xinyong consent grant`")
    lender_of(p)
    today = today_cst()
    with store.write(p.principal_id) as tx:
        return grant(
            tx,
            p,
            subject_id=sid,
            grantee=grantee,
            scope=body.scope,
            purpose=body.purpose,
            items=list(body.items),
            valid_from=body.valid_from or today,
            valid_until=body.valid_until,
            evidence=body.evidence,
            warned=body.warned,
            today=today,
        )


@router.post("/disputes/{case_id}/answer", response_model=Case)
def answer(case_id: str, body: AnswerRequest, store: StoreDep, p: PrincipalDep) -> Case:
    """The lender's reviewer answers a dispute; a correction is applied and annotated."""
    fixes: dict[str, object] = {}
    if body.status is not None:
        fixes["status"] = body.status
    if body.balance_fen is not None:
        fixes["balance_fen"] = body.balance_fen
    if body.overdue_fen is not None:
        fixes["overdue_fen"] = body.overdue_fen
    with store.write(p.principal_id) as tx:
        return decide_dispute(
            tx, p, case_id, outcome=body.outcome, reason=body.reason, corrections=fixes
        )
