"""Lists and the reviewers' queue over HTTP.

Public: which lists exist and who is on one on a date (masked as the catalogue says).
Reviewers of a deciding authority: pending proposals, decisions, extensions, removals.
Administrators: the proposal job and the daily expiry job.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from xinyong.actors import Principal, Role
from xinyong.api.deps import CatalogueDep, PrincipalDep, StoreDep
from xinyong.calendar import Duration, today_cst
from xinyong.catalogue import Audience
from xinyong.errors import Forbidden
from xinyong.lists import decisions
from xinyong.lists.expiry import expire
from xinyong.lists.history import entry_history, get_entry
from xinyong.lists.model import Entry
from xinyong.lists.proposals import sync
from xinyong.lists.queries import counts, pending
from xinyong.lists.views import ListedSubject, listed
from xinyong.store.calendar_repo import work_calendar

router = APIRouter(tags=["lists"])


class Decision(BaseModel):
    approve: bool
    reason: str = Field(min_length=1, max_length=2000)
    on: date | None = Field(default=None, description="decision date (CST); default today")


class Extension(BaseModel):
    by: str = Field(description='a typed duration, e.g. "1 years"', examples=["2 years"])
    reason: str = Field(min_length=1, max_length=2000)
    on: date | None = None


class Removal(BaseModel):
    event: str | None = Field(default=None, description="one of the list's removal events")
    event_on: date | None = Field(default=None, description="the date of the event")
    reason: str = Field(min_length=1, max_length=2000)
    on: date | None = Field(default=None, description="removal date (CST); default today")


class JobRun(BaseModel):
    on: date | None = None


class EntryWithHistory(BaseModel):
    entry: Entry
    history: list[dict[str, Any]]


def _admin(p: Principal) -> None:
    if Role.ADMIN not in p.roles:
        raise Forbidden("this job is run by an administrator", code="admin_only")


@router.get("/v1/lists")
def get_lists(store: StoreDep, cat: CatalogueDep) -> list[dict[str, Any]]:
    """Every list in the catalogue, with its basis and how many entries it has by status."""
    with store.read() as conn:
        by_list = counts(conn)
    return [
        {
            "id": ld.id,
            "name_zh": ld.name_zh,
            "name_en": ld.name_en,
            "polarity": ld.polarity.value,
            "entry": ld.entry.value,
            "legal_basis": [cat.cite(b) for b in ld.legal_basis],
            "verified": ld.verified,
            "entries": by_list.get(ld.id, {}),
        }
        for ld in cat.lists.values()
    ]


@router.get("/v1/lists/{list_id}/entries", response_model=list[ListedSubject])
def get_list_entries(
    list_id: str,
    store: StoreDep,
    cat: CatalogueDep,
    on: date | None = None,
    known_at: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ListedSubject]:
    """Who is on the list on ``on`` (default today), as known at ``known_at`` (default now);
    the public view, identifiers masked."""
    cat.list_def(list_id)
    with store.read() as conn:
        return listed(
            conn,
            cat,
            list_id,
            on=on or today_cst(),
            known_at=known_at,
            audience=Audience.PUBLIC,
            limit=limit,
            offset=offset,
        )


@router.get("/v1/lists/entries/{entry_id}", response_model=EntryWithHistory)
def get_list_entry(entry_id: str, store: StoreDep, p: PrincipalDep) -> EntryWithHistory:
    """One entry with its whole history: for its subject, reviewers and administrators."""
    with store.read() as conn:
        e = get_entry(conn, entry_id)
        if Role.SUBJECT in p.roles and p.subject_id != e.subject_id and Role.ADMIN not in p.roles:
            raise Forbidden("a subject key reads only its own entries")
        if not ({Role.ADMIN, Role.REVIEWER, Role.SUPERVISOR, Role.SUBJECT} & p.roles):
            raise Forbidden("entries are read by their subject, reviewers and supervisors")
        return EntryWithHistory(entry=e, history=entry_history(conn, entry_id))


@router.post("/v1/lists/entries/{entry_id}/extension", response_model=Entry)
def post_extension(
    entry_id: str, body: Extension, store: StoreDep, cat: CatalogueDep, p: PrincipalDep
) -> Entry:
    """Extend an entry's term as its ground allows (a reviewer of the deciding authority)."""
    by = Duration.parse(body.by)
    with store.write(p.principal_id) as tx:
        return decisions.extend(tx, cat, p, entry_id, by=by, reason=body.reason, on=body.on)


@router.post("/v1/lists/entries/{entry_id}/removal", response_model=Entry)
def post_removal(
    entry_id: str, body: Removal, store: StoreDep, cat: CatalogueDep, p: PrincipalDep
) -> Entry:
    """Remove an entry on one of its list's removal events (422 without one)."""
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        return decisions.remove(
            tx,
            cat,
            cal,
            p,
            entry_id,
            event=body.event,
            event_on=body.event_on,
            reason=body.reason,
            on=body.on,
        )


@router.post("/v1/lists/sync")
def post_sync(body: JobRun, store: StoreDep, cat: CatalogueDep, p: PrincipalDep) -> dict[str, Any]:
    """Publish direct listing decisions and propose entries from records (administrators)."""
    _admin(p)
    with store.write(p.principal_id) as tx:
        return sync(tx, cat, on=body.on or today_cst()).as_json()


@router.post("/v1/lists/expire")
def post_expire(body: JobRun, store: StoreDep, p: PrincipalDep) -> dict[str, Any]:
    """The daily expiry job (administrators)."""
    _admin(p)
    with store.write(p.principal_id) as tx:
        r = expire(tx, on=body.on or today_cst())
    return {"on": r.on.isoformat(), "run_id": r.run_id, "expired": r.expired}


@router.get("/v1/review/proposals", response_model=list[Entry])
def get_proposals(
    store: StoreDep, p: PrincipalDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[Entry]:
    """Pending proposals: a reviewer sees its authority's, a supervisor or administrator all."""
    if Role.REVIEWER in p.roles:
        authority: str | None = p.organisation
    elif {Role.ADMIN, Role.SUPERVISOR} & p.roles:
        authority = None
    else:
        raise Forbidden("the review queue is for reviewers and supervisors", code="not_reviewer")
    with store.read() as conn:
        return pending(conn, authority=authority, limit=limit)


@router.post("/v1/review/proposals/{entry_id}/decision", response_model=Entry)
def post_decision(
    entry_id: str, body: Decision, store: StoreDep, cat: CatalogueDep, p: PrincipalDep
) -> Entry:
    """Approve or reject a proposal, with a reason (a reviewer of the deciding authority)."""
    with store.write(p.principal_id) as tx:
        return decisions.decide(
            tx, cat, p, entry_id, approve=body.approve, reason=body.reason, on=body.on
        )
