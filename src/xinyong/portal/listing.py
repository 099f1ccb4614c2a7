"""Browsing a list: filters, keyset pagination, recent changes, a change feed that
platforms can poll, and bulk downloads of the public data."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, and_, or_, select, tuple_

from xinyong.catalogue import Audience, Catalogue
from xinyong.identity import mask_identifier
from xinyong.identity.masking import mask_person_name
from xinyong.store.tables import list_entries, list_entry_history, subject_identifiers, subjects

PAGE = 50


class ListRow(BaseModel):
    entry_id: str
    subject_id: str
    name: str
    subject_kind: str
    identifier: str | None
    region: str | None
    ground: str | None
    deciding_authority: str
    term_start: date | None
    term_end: date | None


class ListPage(BaseModel):
    list_id: str
    name_zh: str
    name_en: str
    polarity: str
    legal_basis: list[str]
    on: date
    filters: dict[str, str]
    rows: list[ListRow]
    next_after: str | None  # keyset cursor: "<term_start>|<entry_id>"


class Change(BaseModel):
    at: datetime
    event: str
    entry_id: str
    subject_id: str
    name: str
    ground: str | None
    term_start: date | None
    term_end: date | None
    ended_on: date | None


def _in_force(on: date) -> Any:
    c = list_entries.c
    return and_(
        c.status.in_(("published", "removed", "expired")),
        c.term_start <= on,
        or_(c.term_end.is_(None), c.term_end > on),
        or_(c.ended_on.is_(None), c.ended_on > on),
    )


def _identifiers(conn: Connection, ids: list[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    if not ids:
        return out
    for sid, scheme, value in conn.execute(
        select(
            subject_identifiers.c.subject_id,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        ).where(
            subject_identifiers.c.subject_id.in_(ids),
            subject_identifiers.c.scheme.in_(("uscc", "ric")),
        )
    ):
        if sid not in out or scheme == "uscc":
            out[sid] = (scheme, value)
    return out


def browse(
    conn: Connection,
    cat: Catalogue,
    list_id: str,
    *,
    on: date,
    region: str | None = None,
    ground: str | None = None,
    since: date | None = None,
    after: str | None = None,
    limit: int = PAGE,
) -> ListPage:
    """One page of the entries in force on ``on``, ordered by (term start, entry id)."""
    from xinyong.errors import UsageError

    ld = cat.list_def(list_id)
    c = list_entries.c
    q = (
        select(
            c.entry_id,
            c.subject_id,
            c.ground,
            c.deciding_authority,
            c.term_start,
            c.term_end,
            c.via,
            subjects.c.name,
            subjects.c.kind,
            subjects.c.region,
        )
        .join(subjects, subjects.c.subject_id == c.subject_id)
        .where(c.list_id == list_id, _in_force(on))
    )
    filters: dict[str, str] = {}
    if region:
        if not region.isdigit() or len(region) > 6:
            raise UsageError("region is a GB/T 2260 code of up to 6 digits", code="bad_region")
        q = q.where(subjects.c.region.like(region + "%"))
        filters["region"] = region
    if ground:
        q = q.where(c.ground == ground)
        filters["ground"] = ground
    if since:
        q = q.where(c.term_start >= since)
        filters["since"] = since.isoformat()
    if after:
        start_text, _, eid = after.partition("|")
        try:
            start = date.fromisoformat(start_text)
        except ValueError:
            raise UsageError(
                "after is a cursor from the previous page", code="bad_cursor"
            ) from None
        q = q.where(tuple_(c.term_start, c.entry_id) > tuple_(start, eid))
    rows = conn.execute(q.order_by(c.term_start, c.entry_id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    idents = _identifiers(conn, [r.subject_id for r in rows])
    direct_kind = ld.source_kinds[0] if ld.source_kinds else None
    out = []
    for r in rows:
        policy = cat.masking_for(Audience.PUBLIC, direct_kind if r.via == "direct" else None)
        ident = None
        if r.subject_id in idents:
            scheme, value = idents[r.subject_id]
            ident = value if scheme == "uscc" else mask_identifier(scheme, value, policy.ric)
        name = (
            mask_person_name(r.name)
            if r.kind == "person" and policy.person_name == "surname_only"
            else r.name
        )
        out.append(
            ListRow(
                entry_id=r.entry_id,
                subject_id=r.subject_id,
                name=name,
                subject_kind=r.kind,
                identifier=ident,
                region=r.region,
                ground=r.ground,
                deciding_authority=r.deciding_authority,
                term_start=r.term_start,
                term_end=r.term_end,
            )
        )
    last = rows[-1] if rows and more else None
    return ListPage(
        list_id=ld.id,
        name_zh=ld.name_zh,
        name_en=ld.name_en,
        polarity=ld.polarity.value,
        legal_basis=[cat.cite(b) for b in ld.legal_basis],
        on=on,
        filters=filters,
        rows=out,
        next_after=f"{last.term_start.isoformat()}|{last.entry_id}" if last is not None else None,
    )


def changes(
    conn: Connection,
    cat: Catalogue,
    list_id: str,
    *,
    since: datetime | None = None,
    limit: int = 100,
) -> list[Change]:
    """Additions and removals, newest first (published, removed, expired events)."""
    cat.list_def(list_id)
    h = list_entry_history.c
    q = (
        select(
            h.at,
            h.event,
            h.entry_id,
            h.term_start,
            h.term_end,
            h.ended_on,
            list_entries.c.subject_id,
            list_entries.c.ground,
            subjects.c.name,
            subjects.c.kind,
        )
        .join(list_entries, list_entries.c.entry_id == h.entry_id)
        .join(subjects, subjects.c.subject_id == list_entries.c.subject_id)
        .where(list_entries.c.list_id == list_id, h.event.in_(("published", "removed", "expired")))
    )
    if since is not None:
        q = q.where(h.at > since)
    out = []
    for r in conn.execute(q.order_by(h.at.desc(), h.entry_id).limit(limit)):
        name = mask_person_name(r.name) if r.kind == "person" else r.name
        out.append(
            Change(
                at=r.at,
                event=r.event,
                entry_id=r.entry_id,
                subject_id=r.subject_id,
                name=name,
                ground=r.ground,
                term_start=r.term_start,
                term_end=r.term_end,
                ended_on=r.ended_on,
            )
        )
    return out


def rows_csv(pages: list[ListRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "entry_id",
            "name",
            "identifier",
            "region",
            "ground",
            "deciding_authority",
            "term_start",
            "term_end",
        ]
    )
    for r in pages:
        w.writerow(
            [
                r.entry_id,
                r.name,
                r.identifier or "",
                r.region or "",
                r.ground or "",
                r.deciding_authority,
                r.term_start or "",
                r.term_end or "",
            ]
        )
    return buf.getvalue()


def all_rows(
    conn: Connection, cat: Catalogue, list_id: str, *, on: date, cap: int = 200_000
) -> list[ListRow]:
    """Every public row (for downloads), page by page."""
    out: list[ListRow] = []
    after = None
    while len(out) < cap:
        p = browse(conn, cat, list_id, on=on, after=after, limit=5000)
        out += p.rows
        if p.next_after is None:
            break
        after = p.next_after
    return out
