"""Credit files by subject id, by USCC (public by law), or by any code in a POST body.

Resident ID numbers never appear in URLs (CONTRACTS.md): a lookup by resident ID goes
by ``POST /v1/subjects/lookup``. The audience follows the caller's key: no key reads
the public view; a subject key reads only its own file; other roles read the agency
view and must state a purpose, which goes to the subject's query log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from xinyong.actors import Principal, Role
from xinyong.api.deps import CatalogueDep, OptionalPrincipal, StoreDep
from xinyong.catalogue import Audience, Catalogue
from xinyong.credit_file.assemble import find_subject, read_file
from xinyong.credit_file.model import SubjectFile
from xinyong.errors import Forbidden, UsageError
from xinyong.identity import check_code
from xinyong.store.context import Store

router = APIRouter(prefix="/v1/subjects", tags=["credit files"])


class Lookup(BaseModel):
    code: str = Field(description="USCC, resident ID (15 or 18), passport number or subject id")
    on: date | None = None
    known_at: datetime | None = None
    audience: Audience | None = None
    purpose: str | None = None


def _audience(p: Principal | None, subject_id: str, asked: Audience | None) -> Audience:
    if p is None:
        if asked not in (None, Audience.PUBLIC):
            raise Forbidden("only the public view is available without an API key")
        return Audience.PUBLIC
    if Role.SUBJECT in p.roles and not p.has(Role.ADMIN):
        if p.subject_id != subject_id:
            raise Forbidden("a subject key reads only its own file")
        return asked or Audience.SUBJECT
    if asked == Audience.SUBJECT and not p.has(Role.ADMIN):
        raise Forbidden("the subject view is for the subject itself")
    return asked or Audience.AGENCY


def _read(
    store: Store,
    cat: Catalogue,
    p: Principal | None,
    subject_id: str,
    on: date | None,
    known_at: datetime | None,
    audience: Audience | None,
    purpose: str | None,
) -> SubjectFile:
    from xinyong.calendar import today_cst
    from xinyong.cli.common import parse_known_at

    aud = _audience(p, subject_id, audience)
    if aud == Audience.AGENCY and not purpose:
        raise UsageError(
            "reading a non-public file needs a stated purpose (?purpose=…)", code="purpose_required"
        )
    return read_file(
        store,
        cat,
        subject_id,
        on=on or today_cst(),
        known_at=parse_known_at(known_at.isoformat()) if known_at else parse_known_at(None),
        audience=aud,
        principal=p,
        purpose=purpose or ("own file" if aud == Audience.SUBJECT else None),
        channel="api",
    )


@router.get("/{subject_id}", response_model=SubjectFile)
def get_subject(
    subject_id: str,
    store: StoreDep,
    cat: CatalogueDep,
    p: OptionalPrincipal,
    on: date | None = None,
    known_at: datetime | None = None,
    audience: Audience | None = None,
    purpose: Annotated[str | None, Query(max_length=500)] = None,
) -> SubjectFile:
    """A subject's credit file on a date (``on``) as known at a time (``known_at``)."""
    return _read(store, cat, p, subject_id, on, known_at, audience, purpose)


@router.get("/uscc/{uscc}", response_model=SubjectFile)
def get_by_uscc(
    uscc: str,
    store: StoreDep,
    cat: CatalogueDep,
    p: OptionalPrincipal,
    on: date | None = None,
    known_at: datetime | None = None,
    audience: Audience | None = None,
    purpose: Annotated[str | None, Query(max_length=500)] = None,
) -> SubjectFile:
    """An organisation's credit file by its Unified Social Credit Code."""
    chk = check_code(uscc)
    if not chk.valid or chk.kind != "organisation":
        msg = chk.error.message if chk.error else "not a USCC"
        raise UsageError(f"{uscc!r} is not a valid USCC: {msg}", code="invalid_uscc")
    assert chk.canonical
    with store.read() as conn:
        sid = find_subject(conn, chk.canonical)
    return _read(store, cat, p, sid, on, known_at, audience, purpose)


@router.post("/lookup", response_model=SubjectFile)
def lookup(body: Lookup, store: StoreDep, cat: CatalogueDep, p: OptionalPrincipal) -> SubjectFile:
    """Any identifier, in the body so a resident ID never reaches a URL or an access log."""
    with store.read() as conn:
        sid = find_subject(conn, body.code)
    return _read(store, cat, p, sid, body.on, body.known_at, body.audience, body.purpose)
