"""The public pages: home, search, entity, lists, statistics, certificates.

Route order matters: decorators register bottom-up, so each ``….json`` twin is the lower
decorator and is matched before the generic ``{param}`` path swallows the suffix.

Every page has a JSON twin at the same path plus ``.json``. Resident ID numbers never
travel in a URL: a search by resident ID is a POST.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from xinyong.api.deps import CatalogueDep, StoreDep
from xinyong.calendar import today_cst
from xinyong.errors import NotFound, UsageError
from xinyong.identity import check_code
from xinyong.portal import listing
from xinyong.portal.certificates import issue
from xinyong.portal.entity import EntityPage, entity_page
from xinyong.portal.render import dump, page
from xinyong.portal.stats import stats

router = APIRouter(include_in_schema=False)

MAX_QUERY = 100


class ListSummary(BaseModel):
    id: str
    name_zh: str
    name_en: str
    polarity: str
    entries: int
    legal_basis: list[str]


class Home(BaseModel):
    lists: list[ListSummary]


class SearchPage(BaseModel):
    q: str
    message: str | None = None
    kind: str | None = None
    total: int | None = None
    hits: list[dict[str, Any]] = []
    badges: dict[str, list[str]] = {}


def _home(store: Any, cat: Any) -> Home:
    from xinyong.lists.queries import counts

    with store.read() as conn:
        by_list = counts(conn)
    return Home(
        lists=[
            ListSummary(
                id=ld.id,
                name_zh=ld.name_zh,
                name_en=ld.name_en,
                polarity=ld.polarity.value,
                entries=by_list.get(ld.id, {}).get("published", 0),
                legal_basis=[cat.cite(b) for b in ld.legal_basis],
            )
            for ld in cat.lists.values()
        ]
    )


@router.get("/")
@router.get("/index.json")
def home(request: Request, store: StoreDep, cat: CatalogueDep) -> Response:
    return page(request, "home.html", _home(store, cat))


def _badges(conn: Any, subject_ids: list[str], on: date) -> dict[str, list[str]]:
    """listed / red_list / under_objection for each subject id."""
    from sqlalchemy import and_, or_, select

    from xinyong.catalogue import get_catalogue
    from xinyong.store.tables import cases, list_entries

    out: dict[str, list[str]] = {s: [] for s in subject_ids}
    if not subject_ids:
        return out
    cat = get_catalogue()
    c = list_entries.c
    for sid, lid in conn.execute(
        select(c.subject_id, c.list_id).where(
            c.subject_id.in_(subject_ids),
            c.status == "published",
            c.term_start <= on,
            or_(c.term_end.is_(None), c.term_end > on),
        )
    ):
        badge = "red_list" if cat.list_def(lid).polarity.value == "red" else "listed"
        if badge not in out[sid]:
            out[sid].append(badge)
    for (sid,) in conn.execute(
        select(cases.c.subject_id).where(
            and_(
                cases.c.subject_id.in_(subject_ids),
                cases.c.kind.in_(("objection", "appeal")),
                cases.c.status.in_(("open", "forwarded")),
            )
        )
    ):
        if "under_objection" not in out[sid]:
            out[sid].append("under_objection")
    return out


def _search(store: Any, q: str, *, by_code: bool = False, offset: int = 0) -> SearchPage:
    from xinyong.portal.search import QueryTooShort, search, search_by_code

    text = q.strip()
    if len(text) > MAX_QUERY:
        raise UsageError(f"a query has at most {MAX_QUERY} characters", code="query_too_long")
    if not text:
        return SearchPage(q="")
    with store.read() as conn:
        try:
            res = (
                search_by_code(conn, text)
                if by_code
                else search(conn, text, limit=20, offset=offset)
            )
        except QueryTooShort as exc:
            return SearchPage(q=text, message=exc.message)
        hits = [
            h.model_dump(mode="json") if isinstance(h, BaseModel) else dict(h) for h in res.hits
        ]
        badges = _badges(conn, [h["subject_id"] for h in hits], today_cst())
    return SearchPage(q=text, kind=str(res.kind), total=res.total, hits=hits, badges=badges)


@router.get("/search")
@router.get("/search.json")
def search_page(
    request: Request,
    store: StoreDep,
    q: Annotated[str, Query(max_length=400)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """Search by name (Chinese, pinyin, Latin), USCC or legal representative."""
    chk = check_code(q.strip()) if q.strip() else None
    if chk is not None and chk.valid and chk.kind == "person":
        raise UsageError(
            "resident ID numbers are never put in a URL; use the ID search form (POST)",
            code="ric_in_url",
        )
    return page(request, "search.html", _search(store, q, offset=offset))


@router.post("/search")
def search_post(
    request: Request, store: StoreDep, code: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    """Search by resident ID or USCC, sent in the body."""
    return page(
        request, "search.html", _search(store, code, by_code=True).model_copy(update={"q": ""})
    )


def _entity(store: Any, cat: Any, subject_id: str) -> EntityPage:
    with store.read() as conn:
        return entity_page(conn, cat, subject_id, on=today_cst())


@router.get("/entity/uscc/{uscc}")
@router.get("/entity/uscc/{uscc}.json")
def entity_by_uscc(request: Request, uscc: str, store: StoreDep, cat: CatalogueDep) -> Response:
    from xinyong.credit_file.assemble import find_subject

    chk = check_code(uscc)
    if not chk.valid or chk.kind != "organisation":
        raise NotFound(f"{uscc!r} is not a valid USCC", code="unknown_subject")
    assert chk.canonical
    with store.read() as conn:
        sid = find_subject(conn, chk.canonical)
    return page(request, "entity.html", _entity(store, cat, sid))


@router.get("/entity/{subject_id}")
@router.get("/entity/{subject_id}.json")
def entity(request: Request, subject_id: str, store: StoreDep, cat: CatalogueDep) -> Response:
    if len(subject_id) != 26 or not subject_id.isalnum():
        raise NotFound("no such subject", code="unknown_subject")
    return page(request, "entity.html", _entity(store, cat, subject_id.upper()))


@router.get("/lists")
@router.get("/lists.json")
def lists_page(request: Request, store: StoreDep, cat: CatalogueDep) -> Response:
    return page(request, "lists.html", _home(store, cat))


@router.get("/lists/{list_id}/changes.json")
def list_changes_json(
    list_id: str, store: StoreDep, cat: CatalogueDep, since: datetime | None = None
) -> JSONResponse:
    """The change feed platforms poll: additions and removals, newest first."""
    with store.read() as conn:
        items = listing.changes(conn, cat, list_id, since=since, limit=500)
    return JSONResponse(dump({"list_id": list_id, "changes": items}))


@router.get("/lists/{list_id}/changes.atom")
def list_changes_atom(
    request: Request, list_id: str, store: StoreDep, cat: CatalogueDep
) -> Response:
    from xml.sax.saxutils import escape

    ld = cat.list_def(list_id)
    with store.read() as conn:
        items = listing.changes(conn, cat, list_id, limit=200)
    base = str(request.base_url).rstrip("/")
    updated = items[0].at.isoformat() if items else datetime(2000, 1, 1).isoformat()
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(ld.name_zh)} {escape(ld.name_en)}</title>",
        f"<id>{escape(base)}/lists/{escape(list_id)}</id>",
        f"<updated>{escape(updated)}Z</updated>",
        f'<link rel="self" href="{escape(base)}/lists/{escape(list_id)}/changes.atom"/>',
    ]
    for c in items:
        parts.append(
            "<entry>"
            f"<id>urn:xinyong:{escape(c.entry_id)}:{escape(c.event)}:{escape(c.at.isoformat())}</id>"
            f"<title>{escape(c.event)}: {escape(c.name)}</title>"
            f"<updated>{escape(c.at.isoformat())}Z</updated>"
            f'<link href="{escape(base)}/entity/{escape(c.subject_id)}"/>'
            f"<summary>{escape(c.ground or '')} {escape(str(c.term_start or ''))} – {escape(str(c.term_end or c.ended_on or ''))}</summary>"
            "</entry>"
        )
    parts.append("</feed>")
    return Response("\n".join(parts), media_type="application/atom+xml")


@router.get("/lists/{list_id}.csv")
def list_csv(list_id: str, store: StoreDep, cat: CatalogueDep) -> Response:
    with store.read() as conn:
        rows = listing.all_rows(conn, cat, list_id, on=today_cst())
    return Response(
        listing.rows_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{list_id}.csv"'},
    )


@router.get("/lists/{list_id}.parquet")
def list_parquet(list_id: str, store: StoreDep, cat: CatalogueDep) -> Response:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    with store.read() as conn:
        rows = listing.all_rows(conn, cat, list_id, on=today_cst())
    table = (
        pa.Table.from_pylist([r.model_dump(mode="json") for r in rows])
        if rows
        else pa.table({"entry_id": pa.array([], pa.string())})
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return Response(
        buf.getvalue(),
        media_type="application/vnd.apache.parquet",
        headers={"Content-Disposition": f'attachment; filename="{list_id}.parquet"'},
    )


@router.get("/lists/{list_id}")
@router.get("/lists/{list_id}.json")
def list_page(
    request: Request,
    list_id: str,
    store: StoreDep,
    cat: CatalogueDep,
    on: date | None = None,
    region: Annotated[str | None, Query(max_length=6)] = None,
    ground: Annotated[str | None, Query(max_length=48)] = None,
    since: date | None = None,
    after: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    cat.list_def(list_id)
    with store.read() as conn:
        data = listing.browse(
            conn,
            cat,
            list_id,
            on=on or today_cst(),
            region=region or None,
            ground=ground or None,
            since=since,
            after=after or None,
        )
        recent = listing.changes(conn, cat, list_id, limit=10)
    return page(
        request,
        "list.html",
        data,
        extra={"recent": recent, "grounds": cat.list_def(list_id).grounds},
    )


@router.get("/stats")
@router.get("/stats.json")
def stats_page(request: Request, store: StoreDep, cat: CatalogueDep) -> Response:
    return page(request, "stats.html", stats(store, cat))


@router.get("/certificate")
def certificate(
    request: Request,
    store: StoreDep,
    cat: CatalogueDep,
    path: Annotated[str, Query(max_length=300)],
) -> Response:
    """A signed certificate of what a search or entity page shows now."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(path)
    params = parse_qs(parts.query)
    if parts.path == "/search":
        q = (params.get("q") or [""])[0]
        results: Any = dump(_search(store, q))
    elif parts.path.startswith("/entity/"):
        sid = parts.path.removeprefix("/entity/")
        if sid.startswith("uscc/"):
            from xinyong.credit_file.assemble import find_subject

            with store.read() as conn:
                sid = find_subject(conn, sid.removeprefix("uscc/"))
        q = ""
        results = dump(_entity(store, cat, sid))
    else:
        raise UsageError("certificates are issued for /search and /entity pages", code="bad_path")
    with store.read() as conn:
        cert = issue(conn, store.signer, path=path, query=q, results=results)
    return Response(
        json.dumps(cert, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="xinyong-certificate.json"'},
    )
