"""Cases for the people who decide them: the deciding authority's reviewers (its queue,
decisions), the platform (forwarding repair applications), supervisors (overdue cases)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from xinyong.actors import PLATFORM_ORG, Role
from xinyong.api.deps import CatalogueDep, PrincipalDep, StoreDep
from xinyong.calendar import today_cst
from xinyong.errors import Forbidden
from xinyong.rights import cases as case_machine
from xinyong.rights.model import Case, CaseKind, CaseStatus, Outcome
from xinyong.rights.rules import get_rules
from xinyong.store.calendar_repo import work_calendar

router = APIRouter(prefix="/v1/cases", tags=["cases"])


class DecisionRequest(BaseModel):
    outcome: Outcome
    reason: str = Field(min_length=1, max_length=4000)
    corrections: dict[str, Any] | None = Field(
        default=None, description="corrected: the corrected fields of the record"
    )
    removal_event: str | None = Field(
        default=None, description="a list entry: the removal event, where the rule names none"
    )
    on: date | None = None


class ForwardRequest(BaseModel):
    on: date | None = None


class CaseWithHistory(BaseModel):
    case: Case
    history: list[dict[str, Any]]


@router.get("", response_model=list[Case])
def queue(
    store: StoreDep,
    p: PrincipalDep,
    status: CaseStatus | None = None,
    kind: CaseKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[Case]:
    """A reviewer's authority's cases; the platform's and supervisors' see all."""
    if {Role.ADMIN, Role.SUPERVISOR} & p.roles or p.organisation == PLATFORM_ORG:
        authority = None
    elif Role.REVIEWER in p.roles:
        authority = p.organisation
    else:
        raise Forbidden("cases are for reviewers, the platform and supervisors")
    with store.read() as conn:
        return case_machine.list_cases(
            conn, authority=authority, status=status, kind=kind, limit=limit
        )


@router.get("/overdue", response_model=list[Case])
def overdue(store: StoreDep, p: PrincipalDep, on: date | None = None) -> list[Case]:
    """Live cases past their deadline (supervisors and administrators)."""
    if not ({Role.ADMIN, Role.SUPERVISOR} & p.roles):
        raise Forbidden("overdue cases are for supervisors", code="not_supervisor")
    with store.read() as conn:
        return case_machine.overdue(conn, on or today_cst())


@router.get("/{case_id}", response_model=CaseWithHistory)
def get_case(case_id: str, store: StoreDep, p: PrincipalDep) -> CaseWithHistory:
    with store.read() as conn:
        c = case_machine.get_case(conn, case_id)
        own = Role.SUBJECT in p.roles and p.subject_id == c.subject_id
        staff = {Role.ADMIN, Role.SUPERVISOR} & p.roles or p.organisation in (
            PLATFORM_ORG,
            c.deciding_authority,
        )
        if not (own or staff):
            raise Forbidden("a case is read by its subject, its deciding authority and supervisors")
        return CaseWithHistory(case=c, history=case_machine.case_history(conn, case_id))


@router.post("/{case_id}/forwarding", response_model=Case)
def forward(case_id: str, body: ForwardRequest, store: StoreDep, p: PrincipalDep) -> Case:
    """The platform passes a repair application to the deciding authority."""
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        return case_machine.forward(tx, get_rules(), cal, p, case_id, on=body.on)


@router.post("/{case_id}/decision", response_model=Case)
def decide(
    case_id: str, body: DecisionRequest, store: StoreDep, cat: CatalogueDep, p: PrincipalDep
) -> Case:
    """The deciding authority's reviewer decides; the outcome flows back at once."""
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        return case_machine.decide(
            tx,
            cat,
            get_rules(),
            cal,
            p,
            case_id,
            outcome=body.outcome,
            reason=body.reason,
            corrections=body.corrections,
            removal_event=body.removal_event,
            on=body.on,
        )
