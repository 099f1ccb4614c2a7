"""Signed-in pages: a subject's own file, query log, objection and repair forms; a
reviewer's queue of proposals and cases with their deadlines.

Sign-in takes an API key once and keeps only the principal's id in a signed, HTTP-only,
SameSite=Strict session cookie. Every form carries a CSRF token bound to the session.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from xinyong.actors import Principal, Role
from xinyong.api.deps import CatalogueDep, StoreDep
from xinyong.calendar import today_cst
from xinyong.catalogue import Audience
from xinyong.errors import Forbidden, Unauthorized, UsageError, XinyongError
from xinyong.portal.render import page
from xinyong.store.actors import authenticate, get_principal

router = APIRouter(include_in_schema=False)


def csrf_token(request: Request) -> str:
    tok = request.session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(24)
        request.session["csrf"] = tok
    return str(tok)


def _check_csrf(request: Request, token: str) -> None:
    if not hmac.compare_digest(str(request.session.get("csrf", "")), token or ""):
        raise Forbidden(
            "the form expired or did not come from this site; reload and try again", code="csrf"
        )


def _signed_in(request: Request, store: Any) -> Principal:
    pid = request.session.get("principal_id")
    if not pid:
        raise Unauthorized("sign in first")
    with store.read() as conn:
        p = get_principal(conn, str(pid), missing_ok=True)
    if p is None:
        request.session.clear()
        raise Unauthorized("sign in again")
    return p


@router.get("/signin")
def signin_form(request: Request) -> Response:
    return page(request, "signin.html", {"error": None}, extra={"csrf": csrf_token(request)})


@router.post("/signin")
def signin(
    request: Request,
    store: StoreDep,
    key: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    _check_csrf(request, csrf)
    try:
        with store.read() as conn:
            p = authenticate(conn, key.strip())
    except Unauthorized as exc:
        return page(
            request,
            "signin.html",
            {"error": exc.message},
            status_code=401,
            extra={"csrf": csrf_token(request)},
        )
    request.session.clear()
    request.session["principal_id"] = p.principal_id
    target = "/review" if Role.REVIEWER in p.roles else "/me"
    return RedirectResponse(target, status_code=303)


@router.post("/signout")
def signout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    _check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


@router.get("/me")
def me(request: Request, store: StoreDep, cat: CatalogueDep) -> Response:
    from xinyong.cli.common import parse_known_at
    from xinyong.credit_file.assemble import read_file
    from xinyong.store.query_log import queries_about

    p = _signed_in(request, store)
    if Role.SUBJECT not in p.roles or p.subject_id is None:
        return RedirectResponse("/review", status_code=303)
    f = read_file(
        store,
        cat,
        p.subject_id,
        on=today_cst(),
        known_at=parse_known_at(None),
        audience=Audience.SUBJECT,
        principal=p,
        purpose="own file",
        channel="portal",
    )
    with store.read() as conn:
        queries = queries_about(conn, p.subject_id, limit=100)
    return page(
        request,
        "me.html",
        {"file": f, "queries": queries, "message": request.query_params.get("done")},
        extra={"csrf": csrf_token(request)},
    )


@router.post("/me/objections")
def me_object(
    request: Request,
    store: StoreDep,
    target_type: Annotated[str, Form(max_length=12)],
    target_id: Annotated[str, Form(max_length=26)],
    reason: Annotated[str, Form(max_length=4000)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    from xinyong.rights.cases import object_to
    from xinyong.rights.model import TargetType
    from xinyong.rights.rules import get_rules
    from xinyong.store.calendar_repo import work_calendar

    _check_csrf(request, csrf)
    p = _signed_in(request, store)
    try:
        tt = TargetType(target_type)
    except ValueError:
        raise UsageError("target_type is record or entry") from None
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        c = object_to(tx, get_rules(), cal, p, target_type=tt, target_id=target_id, reason=reason)
    return RedirectResponse(f"/me?done=objection:{c.case_id}", status_code=303)


@router.post("/me/repairs")
def me_repair(
    request: Request,
    store: StoreDep,
    cat: CatalogueDep,
    target_type: Annotated[str, Form(max_length=12)],
    target_id: Annotated[str, Form(max_length=26)],
    reason: Annotated[str, Form(max_length=4000)],
    commitment: Annotated[str, Form(max_length=4000)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    from xinyong.rights.cases import apply_repair
    from xinyong.rights.model import TargetType
    from xinyong.rights.rules import get_rules
    from xinyong.store.calendar_repo import work_calendar

    _check_csrf(request, csrf)
    p = _signed_in(request, store)
    try:
        tt = TargetType(target_type)
    except ValueError:
        raise UsageError("target_type is record or entry") from None
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        c = apply_repair(
            tx,
            cat,
            get_rules(),
            cal,
            p,
            target_type=tt,
            target_id=target_id,
            reason=reason,
            commitment=commitment,
        )
    return RedirectResponse(f"/me?done=repair:{c.case_id}", status_code=303)


@router.get("/review")
def review(request: Request, store: StoreDep) -> Response:
    from xinyong.lists.queries import pending
    from xinyong.rights.cases import list_cases
    from xinyong.rights.model import CaseStatus

    p = _signed_in(request, store)
    if Role.REVIEWER not in p.roles:
        raise Forbidden("the review queue is for reviewers")
    with store.read() as conn:
        proposals = pending(conn, authority=p.organisation, limit=200)
        open_cases = list_cases(
            conn, authority=p.organisation, status=CaseStatus.OPEN
        ) + list_cases(conn, authority=p.organisation, status=CaseStatus.FORWARDED)
    open_cases.sort(key=lambda c: c.due_on)
    return page(
        request,
        "review.html",
        {
            "principal": p.principal_id,
            "organisation": p.organisation,
            "proposals": proposals,
            "cases": open_cases,
            "today": today_cst(),
            "message": request.query_params.get("done"),
        },
        extra={"csrf": csrf_token(request)},
    )


@router.post("/review/proposals/{entry_id}")
def review_decide(
    request: Request,
    entry_id: str,
    store: StoreDep,
    cat: CatalogueDep,
    decision: Annotated[str, Form(max_length=10)],
    reason: Annotated[str, Form(max_length=2000)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    from xinyong.lists.decisions import decide

    _check_csrf(request, csrf)
    p = _signed_in(request, store)
    if decision not in ("approve", "reject"):
        raise UsageError("decision is approve or reject")
    with store.write(p.principal_id) as tx:
        decide(tx, cat, p, entry_id, approve=decision == "approve", reason=reason)
    return RedirectResponse(f"/review?done={decision}:{entry_id}", status_code=303)


__all__ = ["XinyongError", "router"]
