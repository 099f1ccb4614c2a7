"""Answering queries: classify, fold, read matches in static rank order, page.

Queries never reach SQL as text: the folded query keeps letters and digits only, FTS5
phrases are built from its bigrams or its whole text inside double quotes (any quote
doubled), and every value is a bound parameter. Table names come from the fixed slot
names. So ``"``, ``*``, ``OR``, ``NEAR(`` and ``'; DROP TABLE`` are only characters:
folded away, or searched for literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, bindparam, text
from sqlalchemy.exc import DBAPIError

from xinyong.errors import UsageError
from xinyong.identity import check_code, mask_ric, normalise_code, today_cst
from xinyong.portal.search.normalise import (
    LONG_GRAM,
    bigrams,
    fold,
    has_wide,
    is_pinyin,
    long_grams,
    wide_trigrams,
)
from xinyong.portal.search.tables import META, SearchIndexMissing, Slot, live_slot, meta_exists
from xinyong.store.tables import subject_identifiers

MAX_QUERY_CHARS = 100
MAX_LIMIT = 100
MAX_OFFSET = 1_000
#: matching texts counted for ``total``; beyond it ``total`` is None ("more than")
COUNT_CAP = 200

QueryKind = Literal["cjk", "latin", "pinyin", "uscc", "name", "resident_id"]
SubjectKind = Literal["person", "organisation", "individual_business"]
Matched = Literal["name", "legal_representative", "uscc", "pinyin", "resident_id"]

_MATCHED: dict[str, Matched] = {
    "name": "name",
    "variant": "name",
    "legal_representative": "legal_representative",
    "pinyin": "pinyin",
    "initials": "pinyin",
}

#: an 18-character USCC: registration authority and category, six-digit region, ten more
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
#: a resident ID (18: 17 digits and a check character; 15: legacy, all digits)
_RIC_SHAPE = re.compile(r"^(?:[0-9]{17}[0-9X]|[0-9]{15})$")


class QueryTooShort(UsageError):
    """Fewer than two characters to match after folding (a full scan is never run)."""

    default_code = "query_too_short"


class SearchHit(BaseModel):
    """One subject found. The portal renders badges (listed, under objection, red
    list) from ``subject_id``."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    kind: SubjectKind
    name: str = Field(description="as the public sees it (a person's may be masked)")
    uscc: str | None
    masked_id: str | None = Field(
        None, description="persons: the identifier as the public view masks it"
    )
    region: str | None
    matched: Matched
    matched_text: str | None = Field(
        None,
        description="the text that matched when it is not the name: a name variant, a legal "
        "representative, or the name whose pinyin matched",
    )
    score: float = Field(
        description="length of the folded query over that of the matched text: 1.0 is an "
        "exact match of the name without its legal form"
    )


class SearchResults(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str = Field(description="as given (a resident ID masked)")
    normalised: str = Field(description="what was matched: folded, legal form stripped")
    kind: QueryKind
    total: int | None = Field(
        description=f"distinct subjects; None when more than {COUNT_CAP} texts match"
    )
    offset: int
    limit: int
    hits: list[SearchHit]


@dataclass(frozen=True, slots=True)
class Plan:
    """How a folded query is matched."""

    kind: QueryKind
    core: str
    route: Literal["bigram", "trigram", "code"]


def _too_short(raw: str, folded_core: str, had_legal_form: bool) -> QueryTooShort:
    if had_legal_form:
        msg = (
            "the query is (almost) only a legal form such as 有限公司 or Co., Ltd.; "
            "type at least two characters of the name itself"
        )
    else:
        msg = (
            "type at least two characters: two Chinese characters (e.g. 华为), "
            "three letters of a Latin or pinyin name (e.g. huawei), or a full USCC"
        )
    return QueryTooShort(msg, details={"min_chars": 2, "matched": folded_core})


def plan_query(q: str) -> Plan:
    """Classify and fold a name query. Raises :class:`QueryTooShort` or ``UsageError``.

    A resident ID is refused here: it must be sent in a POST body to
    :func:`search_by_code`, never in a URL (and the message does not repeat it).
    """
    if len(q) > MAX_QUERY_CHARS:
        raise UsageError(
            f"the query is longer than {MAX_QUERY_CHARS} characters; shorten it",
            code="query_too_long",
            details={"max_chars": MAX_QUERY_CHARS},
        )
    code = normalise_code(q.strip())
    if _RIC_SHAPE.match(code):
        chk = check_code(code)
        if not (chk.valid and chk.kind == "organisation"):
            raise UsageError(
                "this looks like a resident ID number; search for a person by ID through "
                "the form (it is sent in the request body, never in the address)",
                code="resident_id_not_in_url",
            )
        return Plan("uscc", code, "code")
    if _USCC_SHAPE.match(code):
        return Plan("uscc", code, "code")
    f = fold(q)
    core = f.core
    if len(core) < 2:
        raise _too_short(q, core, len(f.folded) >= 2)
    if has_wide(core):
        kind: QueryKind = "name" if any(c.isascii() for c in core) else "cjk"
        return Plan(kind, core, "bigram")
    if len(core) == 2:
        return Plan("latin", core, "bigram")
    return Plan("pinyin" if is_pinyin(core) else "latin", core, "trigram")


def _phrase(tokens: list[str]) -> str:
    """An FTS5 phrase: the tokens in double quotes, any quote doubled (there are none
    after folding, but the query language must never see a bare one)."""
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


def _today_param(conn: Connection, on: date) -> Any:
    return on.isoformat() if conn.dialect.name == "sqlite" else on


_VISIBLE = "(d.visible_until IS NULL OR d.visible_until > :today)"
_COLS = "d.doc_id, d.subject_id, d.field, d.label, d.text"


def query_grams(plan: Plan) -> list[str]:
    """The grams of a query as PostgreSQL's postings hold them, in order, each once:
    Chinese or mixed text of three characters or more, its trigrams with a non-ASCII
    character (at least one: every character is in a trigram); two characters, the
    bigram; ASCII trigrams (three or four letters); ``LONG_GRAM``-letter ASCII grams
    (longer). Every matching text holds all of them."""
    core = plan.core
    if plan.route == "bigram":
        return wide_trigrams(core) if len(core) >= 3 else [core]
    if len(core) >= LONG_GRAM:
        return long_grams(core)
    return list(dict.fromkeys(core[i : i + 3] for i in range(len(core) - 2)))


def _gram_counts(conn: Connection, slot: Slot, grams: list[str]) -> dict[str, int]:
    sql = text(f"SELECT gram, n FROM {slot.gram_counts} WHERE gram IN :gs").bindparams(
        bindparam("gs", expanding=True)
    )
    return {g: int(n) for g, n in conn.execute(sql, {"gs": grams})}


#: grams intersected per query at most (more cost more to merge than they prune)
MAX_GRAMS = 3


def rare_grams(conn: Connection, slot: Slot, grams: list[str], k: int = MAX_GRAMS) -> list[str]:
    """Up to ``k`` grams of the query to intersect, rarest first (``search_grams``; a
    gram it does not list had no postings, so it is the rarest): the rarest, then the
    rarest of those that overlap the chosen ones least — overlapping grams of pinyin
    (``xiaoc``, ``iaoch``) are nearly the same list, distant ones prune. Which grams are
    read only changes the speed: every matching text holds each of them, and each
    candidate's text is checked."""
    return counted_rare_grams(conn, slot, grams, k)[0]


def counted_rare_grams(
    conn: Connection, slot: Slot, grams: list[str], k: int = MAX_GRAMS
) -> tuple[list[str], dict[str, int]]:
    """:func:`rare_grams` and the counts read."""
    if len(grams) == 1:
        return grams, {}
    counts = _gram_counts(conn, slot, grams)
    pos = {g: i for i, g in enumerate(grams)}
    chosen = [min(grams, key=lambda g: counts.get(g, 0))]
    while len(chosen) < min(k, len(grams)):
        rest = [g for g in grams if g not in chosen]
        gap = {g: min(abs(pos[g] - pos[c]) for c in chosen) for g in rest}
        # prefer no overlap with a chosen gram, then less overlap, then fewer postings
        width = len(grams[0])
        chosen.append(min(rest, key=lambda g: (-min(gap[g], width), counts.get(g, 0))))
    return chosen, counts


def rarest_gram(conn: Connection, slot: Slot, grams: list[str]) -> str:
    return rare_grams(conn, slot, grams, 1)[0]


def _walk_sql(slot: Slot, extra: int, check: bool, merge: bool) -> Any:
    """PostgreSQL: the matching docs in rank order, from the postings of the rarest gram
    ``:g``. ``extra`` more grams (``:g1`` …) prune each posting before the doc is fetched
    by its key and, unless the query is exactly one gram (``check`` false: every posting
    is a match), its text checked for the whole query.

    ``merge``: ``:g1``'s postings are merged with ``:g``'s (a merge join of two
    index-only scans in ``doc_id`` order: both lists are read, sequentially, up to the
    last row needed); otherwise each posting of ``:g`` is probed in ``:g1``'s (a B-tree
    descent each, several times the cost of a row read in order). Further grams are
    always probed, each on the previous one's doc id, so the planner cannot fetch the
    doc before the cheaper probes have pruned the posting.

    The probes and the fetch are ``LATERAL`` subqueries with ``OFFSET 0``, which the
    planner can neither flatten nor reorder nor turn into hash joins; with the
    :data:`PG_SETTINGS` the plan is always "walk the postings in ``doc_id`` order, probe,
    fetch, stop at the limit", so a common gram whose matches come early costs a page,
    and no posting is read past the last row needed."""
    sql = f"SELECT {_COLS} FROM {slot.postings} p"
    prev, first = "p", 1
    if merge and extra:
        sql += (
            f" JOIN {slot.postings} x1 ON x1.doc_id = p.doc_id"
            " AND x1.gram = :g1 AND x1.doc_id > :after"
        )
        prev, first = "x1", 2
    for i in range(first, extra + 1):
        sql += (
            f" CROSS JOIN LATERAL (SELECT x{i}.doc_id FROM {slot.postings} x{i}"
            f" WHERE x{i}.gram = :g{i} AND x{i}.doc_id = p.doc_id{_after(prev)} OFFSET 0) x{i}"
        )
        prev = f"x{i}"
    strpos = " AND strpos(d.text, :core) > 0" if check else ""
    return text(
        f"{sql} CROSS JOIN LATERAL (SELECT {_COLS} FROM {slot.docs} d"
        f" WHERE d.doc_id = p.doc_id{_after(prev)} AND {_VISIBLE}{strpos} OFFSET 0) d"
        " WHERE p.gram = :g AND p.doc_id > :after ORDER BY p.doc_id LIMIT :n"
    )


def _after(prev: str) -> str:
    """A condition that is always true but names ``prev``: a ``LATERAL`` subquery that
    refers to both ``p`` and the previous step can only be joined after both, so the
    planner keeps the order written (without it, a probe or the fetch referring to
    ``p`` alone could be joined to one side of the merge before the merge prunes)."""
    return "" if prev == "p" else f" AND {prev}.doc_id = p.doc_id"


#: merge the rarest gram's postings with another chosen gram's when that list is at
#: most this many times as long; else probe (on the bench store a row read in order
#: cost about 0.4 µs, a probe about 3 µs)
MERGE_RATIO = 5


def _walk_order(grams: list[str], counts: dict[str, int]) -> tuple[list[str], bool]:
    """How the walk intersects the chosen grams (``grams[0]`` the rarest): merged with
    the shortest other list when that is at most ``MERGE_RATIO`` times as long, then the
    rest probed; else all probed in the order chosen (the least overlapping first: it
    prunes most)."""
    if len(grams) < 2:
        return grams, False
    partner = min(grams[1:], key=lambda g: counts.get(g, 0))
    if counts.get(partner, 0) > MERGE_RATIO * counts.get(grams[0], 0):
        return grams, False
    return [grams[0], partner, *(g for g in grams[1:] if g != partner)], True


#: PostgreSQL settings for a search's statements (``set_config(…, true)`` is ``SET
#: LOCAL``; the caller's values are put back after): no JIT compilation (tens of
#: milliseconds to save microseconds), a custom plan for every execution (psycopg
#: prepares a statement run five times; a generic plan cannot know how common a gram
#: is), no bitmap scans (they lose the postings' ``doc_id`` order, so every match would
#: be fetched and sorted before the first row), no hash joins (they read every posting
#: of a gram), no nested loops but the ``LATERAL`` ones the statement spells out (so a
#: plain join of two grams' postings is a merge join), no memoize nodes (a doc id is
#: never probed twice), no parallel workers (starting them costs more than a walk)
PG_SETTINGS: dict[str, str] = {
    "jit": "off",
    "plan_cache_mode": "force_custom_plan",
    "enable_bitmapscan": "off",
    "enable_hashjoin": "off",
    "enable_nestloop": "off",
    "enable_memoize": "off",
    "max_parallel_workers_per_gather": "0",
}
_PG_OPEN = text(
    f"SELECT (SELECT json_object_agg(key, value) FROM {META}), "
    + ", ".join(f"current_setting('{k}')" for k in PG_SETTINGS)
    + ", "
    + ", ".join(f"set_config('{k}', '{v}', true)" for k, v in PG_SETTINGS.items())
)
#: puts the caller's values back (non-null, so it can gate another statement)
_PG_RESTORE = " || ".join(f"set_config('{k}', :v{i}, true)" for i, k in enumerate(PG_SETTINGS))


def _sqlite_sql(conn: Connection, slot: Slot, plan: Plan) -> tuple[Any, dict[str, Any]]:
    """SQLite: FTS5 reads matches in ``rowid`` (= ``doc_id``, rank) order. Chinese and
    two letters: the phrase of the query's bigrams; three or four letters: the trigram
    table; longer ASCII queries: the intersection of up to three of their
    ``LONG_GRAM``-letter grams (FTS5 merges the row id lists), each candidate's text
    checked."""
    if plan.route == "bigram":
        fts, match, check = slot.fts_bigram, _phrase(bigrams(plan.core)), ""
    elif len(plan.core) < LONG_GRAM:
        fts, match, check = slot.fts_trigram, _phrase([plan.core]), ""
    else:
        grams = rare_grams(conn, slot, long_grams(plan.core))
        fts, match = slot.fts_long, " AND ".join(_phrase([g]) for g in grams)
        check = "" if grams == [plan.core] else " AND instr(d.text, :core) > 0"
    sql = text(
        f"SELECT {_COLS} FROM {fts} f JOIN {slot.docs} d ON d.doc_id = f.rowid"
        f" WHERE f.{fts} MATCH :match AND f.rowid > :after{check} AND {_VISIBLE}"
        " ORDER BY f.rowid LIMIT :n"
    )
    return sql, {"match": match, "core": plan.core}


def search(
    conn: Connection,
    q: str,
    *,
    limit: int = 20,
    offset: int = 0,
    on: date | None = None,
    count_cap: int = COUNT_CAP,
) -> SearchResults:
    """Search names, name variants, legal representatives, pinyin, or a USCC.

    Results are in the index's static order (shorter folded text first: the name
    without its legal form equal to the query comes first), one hit per subject.
    ``total`` counts distinct subjects when at most ``count_cap`` texts (names, variants,
    representatives, pinyin) match, else it is None ("more than"): counting every
    match of a two-character query would be the full scan the index avoids.
    """
    _check_page(limit, offset)
    plan = plan_query(q)
    on = on or today_cst()
    slot, saved = _open(conn)
    try:
        if plan.route == "code":
            res = _by_uscc(conn, slot, q, plan.core, on, limit=limit, offset=offset)
            _restore(conn, saved)
            return res
        page, total = _page(conn, slot, plan, on, limit, offset, count_cap)
        hits = _hits(conn, slot, page, plan.core, restore=saved)  # restores the settings
    except DBAPIError:
        raise  # the transaction is aborted, its settings with it
    except BaseException:
        _restore(conn, saved)
        raise
    return SearchResults(
        query=q,
        normalised=plan.core,
        kind=plan.kind,
        total=total,
        offset=offset,
        limit=limit,
        hits=hits,
    )


def _page(
    conn: Connection, slot: Slot, plan: Plan, on: date, limit: int, offset: int, count_cap: int
) -> tuple[list[Any], int | None]:
    """The docs of the page (each subject's best) and ``total``."""
    want = offset + limit + 1
    # PostgreSQL: the first batch also covers the count, so the page and ``total`` come
    # from one statement
    first = 2 * want + 8 if conn.dialect.name == "sqlite" else max(2 * want + 8, count_cap + 1)
    best: dict[str, Any] = {}
    texts = 0
    exhausted = True
    docs = _docs_in_order(conn, slot, plan, on, first_batch=first)
    for row in docs:
        texts += 1
        best.setdefault(row.subject_id, row)
        if len(best) >= want:
            exhausted = False
            break
    total: int | None = len(best)
    if not exhausted:
        total = _count(conn, slot, plan, on, count_cap)
        if total is _GO_ON:
            # no separate count: go on with the read up to count_cap + 1 texts
            total = None
            if texts <= count_cap:
                for row in docs:
                    texts += 1
                    best.setdefault(row.subject_id, row)
                    if texts > count_cap:
                        break
                else:
                    total = len(best)
    return list(best.values())[offset : offset + limit], total


#: rows of the first keyset batch at least, and of any batch at most (batches grow
#: fourfold: a page needs a few dozen rows, a deep offset or an export many)
MIN_BATCH = 64
MAX_BATCH = 5_000


def _batches(
    conn: Connection, sql: Any, params: dict[str, Any], after: int, first_batch: int
) -> Iterator[Any]:
    """Rows of a keyset query (``doc_id > :after ORDER BY doc_id LIMIT :n``) in growing
    batches."""
    batch = min(max(first_batch, MIN_BATCH), MAX_BATCH)
    while True:
        rows = conn.execute(sql, {**params, "after": after, "n": batch}).all()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].doc_id
        batch = min(batch * 4, MAX_BATCH)


def _docs_in_order(
    conn: Connection, slot: Slot, plan: Plan, on: date, *, first_batch: int
) -> Iterator[Any]:
    """Matching docs in ``doc_id`` (rank) order, lazily."""
    today = _today_param(conn, on)
    if conn.dialect.name == "sqlite":
        sql, params = _sqlite_sql(conn, slot, plan)
        yield from _batches(conn, sql, {**params, "today": today}, -1, first_batch)
        return
    grams, counts = counted_rare_grams(conn, slot, query_grams(plan))
    grams, merge = _walk_order(grams, counts)
    sql = _walk_sql(slot, len(grams) - 1, check=grams != [plan.core], merge=merge)
    params = {"g": grams[0], "core": plan.core, "today": today}
    params.update({f"g{i}": g for i, g in enumerate(grams[1:], 1)})
    yield from _batches(conn, sql, params, -1, first_batch)


#: :func:`_count` has no separate statement for this engine (PostgreSQL): the caller
#: goes on with the read it has, whose first batch already covers the count
_GO_ON: Any = object()


def _count(conn: Connection, slot: Slot, plan: Plan, on: date, cap: int) -> Any:
    """Distinct subjects among the first ``cap`` matching texts, None when more texts
    match, in one statement that brings no rows into Python (SQLite); ``_GO_ON`` on
    PostgreSQL, where the first batch of the walk was made ``cap + 1`` rows long so the
    count is read with the page in one statement."""
    if conn.dialect.name != "sqlite":
        return _GO_ON
    sql, params = _sqlite_sql(conn, slot, plan)
    count = text(f"SELECT count(*), count(DISTINCT x.subject_id) FROM ({sql.text}) x")
    today = _today_param(conn, on)
    row = conn.execute(count, {**params, "today": today, "after": -1, "n": cap + 1}).one()
    return None if row[0] > cap else int(row[1])


def _open(conn: Connection) -> tuple[Slot, list[str] | None]:
    """The live slot; on PostgreSQL, in the same statement, :data:`PG_SETTINGS` applied
    (returns the caller's values, for :func:`_restore`). One round trip instead of two:
    on a busy machine each costs about a millisecond."""
    if conn.dialect.name == "sqlite" or not meta_exists(conn):
        return live_slot(conn), None
    row = conn.execute(_PG_OPEN).one()
    saved = [str(v) for v in row[1 : 1 + len(PG_SETTINGS)]]
    try:
        return live_slot(conn, dict(row[0] or {})), saved
    except SearchIndexMissing:
        _restore(conn, saved)
        raise


def _restore(conn: Connection, saved: list[str] | None) -> None:
    """Put the caller's transaction settings back (the portal reads badges after a
    search in the same transaction)."""
    if saved is not None:
        conn.execute(text(f"SELECT {_PG_RESTORE}"), _saved_params(saved))


def _saved_params(saved: list[str]) -> dict[str, str]:
    return {f"v{i}": v for i, v in enumerate(saved)}


def matching_subjects(conn: Connection, q: str, *, on: date | None = None) -> list[str]:
    """Every subject a name query matches, in rank order, uncapped (for recall checks
    and exports; the portal pages with :func:`search`)."""
    plan = plan_query(q)
    on = on or today_cst()
    slot, saved = _open(conn)
    out: dict[str, None] = {}
    try:
        if plan.route == "code":
            out = dict.fromkeys(h.subject_id for h in _by_uscc(conn, slot, q, plan.core, on).hits)
        else:
            for r in _docs_in_order(conn, slot, plan, on, first_batch=2_000):
                out.setdefault(r.subject_id)
    except DBAPIError:
        raise
    except BaseException:
        _restore(conn, saved)
        raise
    _restore(conn, saved)
    return list(out)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}", code="bad_limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise UsageError(
            f"offset must be between 0 and {MAX_OFFSET}; refine the query instead",
            code="bad_offset",
        )


def _subject_rows(
    conn: Connection, slot: Slot, ids: list[str], restore: list[str] | None = None
) -> dict[str, Any]:
    """The subjects' rows; ``restore``: put the caller's PostgreSQL settings back in the
    same statement (a one-time filter, run before the scan, rows or none)."""
    if not ids:
        _restore(conn, restore)
        return {}
    gate = f" AND ({_PG_RESTORE}) IS NOT NULL" if restore is not None else ""
    sql = text(
        f"SELECT subject_id, kind, name, uscc, masked_id, region FROM {slot.subjects}"
        f" WHERE subject_id IN :ids{gate}"
    ).bindparams(bindparam("ids", expanding=True))
    params = _saved_params(restore) if restore is not None else {}
    return {r.subject_id: r for r in conn.execute(sql, {"ids": ids, **params})}


def _hits(
    conn: Connection, slot: Slot, docs: list[Any], core: str, restore: list[str] | None = None
) -> list[SearchHit]:
    subj = _subject_rows(conn, slot, [d.subject_id for d in docs], restore)
    out: list[SearchHit] = []
    for d in docs:
        s = subj.get(d.subject_id)
        if s is None:  # pragma: no cover - docs and subjects are written together
            continue
        matched = _MATCHED[d.field]
        out.append(
            SearchHit(
                subject_id=s.subject_id,
                kind=s.kind,
                name=s.name,
                uscc=s.uscc,
                masked_id=s.masked_id,
                region=s.region,
                matched=matched,
                matched_text=None if d.field == "name" else d.label,
                score=round(len(core) / max(len(d.text), 1), 4),
            )
        )
    return out


def _by_uscc(
    conn: Connection,
    slot: Slot,
    q: str,
    code: str,
    on: date,
    *,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    sql = text(
        f"SELECT subject_id, kind, name, uscc, masked_id, region FROM {slot.subjects}"
        " WHERE uscc = :code AND (visible_until IS NULL OR visible_until > :today)"
        " ORDER BY subject_id"
    )
    rows = conn.execute(sql, {"code": code, "today": _today_param(conn, on)}).all()
    hits = [_code_hit(r, "uscc") for r in rows]
    return SearchResults(
        query=q,
        normalised=code,
        kind="uscc",
        total=len(hits),
        offset=offset,
        limit=limit,
        hits=hits[offset : offset + limit],
    )


def _code_hit(r: Any, matched: Matched) -> SearchHit:
    return SearchHit(
        subject_id=r.subject_id,
        kind=r.kind,
        name=r.name,
        uscc=r.uscc,
        masked_id=r.masked_id,
        region=r.region,
        matched=matched,
        score=1.0,
    )


def search_by_code(conn: Connection, code: str, *, on: date | None = None) -> SearchResults:
    """Exact look-up by USCC or resident ID (the POST path: the caller takes the code
    from a request body). A person is found only while their credit file is public;
    otherwise the answer is empty, as for an unknown number. The resident ID is masked
    in the results."""
    on = on or today_cst()
    chk = check_code(code)
    if not chk.valid or chk.canonical is None:
        reason = chk.error.code if chk.error else "invalid"
        raise UsageError(
            "not a valid USCC or resident ID: check the number and its last character",
            code=f"invalid_{reason}",
        )
    slot = live_slot(conn)
    if chk.kind == "organisation":
        return _by_uscc(conn, slot, chk.canonical, chk.canonical, on)
    masked = mask_ric(chk.canonical)
    sids = list(
        conn.execute(
            text(
                f"SELECT subject_id FROM {subject_identifiers.name}"
                " WHERE scheme = 'ric' AND value = :v"
            ),
            {"v": chk.canonical},
        ).scalars()
    )
    hits: list[SearchHit] = []
    if sids:
        sql = text(
            f"SELECT subject_id, kind, name, uscc, masked_id, region FROM {slot.subjects}"
            " WHERE subject_id IN :ids AND (visible_until IS NULL OR visible_until > :today)"
            " ORDER BY subject_id"
        ).bindparams(bindparam("ids", expanding=True))
        rows = conn.execute(sql, {"ids": sids, "today": _today_param(conn, on)}).all()
        hits = [_code_hit(r, "resident_id") for r in rows]
    return SearchResults(
        query=masked,
        normalised=masked,
        kind="resident_id",
        total=len(hits),
        offset=0,
        limit=20,
        hits=hits,
    )
