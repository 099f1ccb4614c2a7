"""Filling the name index from the store: full rebuilds and incremental refreshes.

What is indexed (see ``docs/search.md``):

* every organisation and individual business: its name, its name variants
  (``subject_names``), its current legal representatives (``roles``), and the pinyin and
  pinyin initials of its names; its USCC for exact look-ups;
* a person only while the public may see their credit file: exactly when
  :func:`~xinyong.credit_file.assemble.build_file` with ``Audience.PUBLIC`` returns a file
  (at least one public record today), with the name as that file shows it. A person
  whose public name is masked is not searchable by name at all, only by resident ID
  (``search_by_code``). ``visible_until`` stops a person from being found the day their
  last public record leaves public view, even before the next refresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, text

from xinyong.catalogue import Audience, Catalogue, get_catalogue
from xinyong.errors import UsageError
from xinyong.identity import mask_identifier, mask_person_name, today_cst
from xinyong.portal.search.normalise import (
    bigrams,
    fold,
    format_version,
    has_ascii,
    long_grams,
    pinyin,
    wide_trigrams,
)
from xinyong.portal.search.tables import (
    PENDING,
    Slot,
    create_slot,
    create_slot_indexes,
    drop_slot,
    ensure_index_tables,
    get_meta,
    lock_meta,
    meta_exists,
    set_meta,
)
from xinyong.store.context import Store, Tx
from xinyong.store.tables import (
    list_entries,
    records,
    roles,
    subject_identifiers,
    subject_names,
    subjects,
)

#: (stage, done, total or None) — called after every chunk of a rebuild
Progress = Callable[[str, int, int | None], None]

SEQ_BITS = 40
MAX_RANK_LEN = 255
#: lower ranks first among texts of the same length
FIELD_PRIORITY = {
    "name": 0,
    "pinyin": 0,
    "variant": 1,
    "legal_representative": 2,
    "initials": 3,
}
CHUNK = 2_000
PERSON_CHUNK = 500


@dataclass(slots=True)
class Doc:
    field: str
    text: str
    label: str
    bi: bool
    tri: bool

    def rank(self) -> int:
        return min(len(self.text), MAX_RANK_LEN) * 4 + FIELD_PRIORITY[self.field]


@dataclass(slots=True)
class Entry:
    subject_id: str
    kind: str
    name: str
    uscc: str | None
    masked_id: str | None
    region: str | None
    visible_until: date | None
    docs: list[Doc] = field(default_factory=list)


def make_docs(names: Sequence[tuple[str, str]], *, with_pinyin: bool = True) -> list[Doc]:
    """Docs for (field, text) pairs in priority order; a folded text is kept once.

    Names and variants also get their pinyin and, from three letters on, their pinyin
    initials (trigram set only: a pinyin query has at least three letters).
    """
    out: list[Doc] = []
    seen: set[str] = set()

    def add(d: Doc) -> None:
        if len(d.text) >= 2 and d.text not in seen:
            seen.add(d.text)
            out.append(d)

    readings: list[tuple[str, str]] = []
    for fld, label in names:
        f = fold(label)
        core = f.core or f.folded
        add(Doc(fld, core, label, True, has_ascii(core)))
        if with_pinyin and fld in ("name", "variant"):
            readings.append((label, f.reading if f.core else f.folded))
    for label, reading in readings:
        p = pinyin(reading)
        if p is None:
            continue
        full, initials = p
        add(Doc("pinyin", full, label, False, True))
        if len(initials) >= 3:
            add(Doc("initials", initials, label, False, True))
    return out


# --- collecting subjects ------------------------------------------------------------


def _in_chunks(ids: Sequence[str], n: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), n):
        yield ids[i : i + n]


def collect_organisations(conn: Connection, ids: Sequence[str], on: date) -> list[Entry]:
    """Entries for organisations and individual businesses among ``ids``."""
    if not ids:
        return []
    rows = conn.execute(
        select(subjects.c.subject_id, subjects.c.kind, subjects.c.name, subjects.c.region)
        .where(subjects.c.subject_id.in_(ids), subjects.c.kind != "person")
        .order_by(subjects.c.subject_id)
    ).all()
    if not rows:
        return []
    found = [r.subject_id for r in rows]
    uscc: dict[str, str] = {}
    # filtered by scheme here, not in SQL: given "scheme = 'uscc'", SQLite without
    # statistics walks the primary key (scheme, value), i.e. every USCC, per chunk
    for sid, scheme, value in conn.execute(
        select(
            subject_identifiers.c.subject_id,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        ).where(subject_identifiers.c.subject_id.in_(found))
    ):
        if scheme == "uscc":
            uscc.setdefault(sid, value)
    variants: dict[str, list[str]] = {}
    for sid, name in conn.execute(
        select(subject_names.c.subject_id, subject_names.c.name)
        .where(subject_names.c.subject_id.in_(found))
        .order_by(subject_names.c.subject_id, subject_names.c.name)
    ):
        variants.setdefault(sid, []).append(name)
    reps: dict[str, list[str]] = {}
    for sid, name in conn.execute(
        select(roles.c.org_subject_id, roles.c.person_name)
        .where(
            roles.c.org_subject_id.in_(found),
            roles.c.role == "legal_representative",
            or_(roles.c.valid_from.is_(None), roles.c.valid_from <= on),
            or_(roles.c.valid_to.is_(None), roles.c.valid_to > on),
        )
        .order_by(roles.c.org_subject_id, roles.c.role_id)
    ):
        reps.setdefault(sid, []).append(name)
    out: list[Entry] = []
    for r in rows:
        names: list[tuple[str, str]] = [("name", r.name)]
        names += [("variant", v) for v in variants.get(r.subject_id, []) if v != r.name]
        names += [("legal_representative", p) for p in reps.get(r.subject_id, [])]
        out.append(
            Entry(
                subject_id=r.subject_id,
                kind=r.kind,
                name=r.name,
                uscc=uscc.get(r.subject_id),
                masked_id=None,
                region=r.region,
                visible_until=None,
                docs=make_docs(names),
            )
        )
    return out


def person_candidates(conn: Connection, on: date, ids: Sequence[str] | None = None) -> list[str]:
    """Persons who may have a public record on ``on`` (a cheap superset; the public
    credit file decides)."""
    q = (
        select(records.c.subject_id)
        .join(subjects, subjects.c.subject_id == records.c.subject_id)
        .where(
            subjects.c.kind == "person",
            records.c.publication == "published",
            records.c.superseded_at.is_(None),
            or_(records.c.display_until.is_(None), records.c.display_until >= on),
        )
        .distinct()
    )
    if ids is not None:
        q = q.where(records.c.subject_id.in_(ids))
    return sorted(r[0] for r in conn.execute(q))


def collect_persons(
    conn: Connection,
    ids: Sequence[str],
    on: date,
    *,
    cat: Catalogue | None = None,
    known_at: datetime | None = None,
) -> list[Entry]:
    """Entries for the persons among ``ids`` that have a public credit file on ``on``.

    The rule is :func:`~xinyong.credit_file.assemble.build_file`'s for the public
    audience, evaluated for a whole chunk in two queries instead of eight per person
    (``tests/portal/test_search.py`` checks the two agree): a current record version
    that is not a linked duplicate, in force, published, within ``display_until``, of
    a kind the public may see (with its attributes), and past the prior-notice period
    for negative information about persons. The name is shown in full when one of
    those records' kinds shows it in full, else masked (and then not indexed).
    """
    if not ids:
        return []
    cat = cat or get_catalogue()
    known_at = known_at or datetime.now(UTC)
    raw = {
        r.subject_id: r
        for r in conn.execute(
            select(subjects.c.subject_id, subjects.c.name, subjects.c.region).where(
                subjects.c.subject_id.in_(ids), subjects.c.kind == "person"
            )
        )
    }
    if not raw:
        return []
    versions = conn.execute(
        select(
            records.c.record_id,
            records.c.subject_id,
            records.c.kind,
            records.c.recorded_at,
            records.c.superseded_at,
            records.c.linked_to,
            records.c.decided_on,
            records.c.status,
            records.c.ended_on,
            records.c.publication,
            records.c.display_until,
            records.c.attributes,
        )
        .where(records.c.subject_id.in_(sorted(raw)), records.c.recorded_at <= known_at)
        .order_by(records.c.record_id, records.c.version)
    ).all()
    first_seen: dict[str, datetime] = {}
    current: dict[str, Any] = {}
    for v in versions:
        first_seen.setdefault(v.record_id, v.recorded_at)
        sup = _aware(v.superseded_at)
        if sup is None or sup > known_at:
            current[v.record_id] = v
    notice = _PriorNotice(conn, cat)
    shown: dict[str, list[Any]] = {}
    for rid, v in current.items():
        if v.linked_to:
            continue
        started = v.decided_on is None or v.decided_on <= on
        ended = v.status == "revoked" and (v.ended_on is None or v.ended_on <= on)
        public = (
            started
            and not ended
            and v.publication == "published"
            and (v.display_until is None or v.display_until >= on)
            and cat.visible(v.kind, Audience.PUBLIC, v.attributes)
        )
        if public and notice.hides(v.kind, first_seen[rid], on):
            public = False
        if public:
            shown.setdefault(v.subject_id, []).append(v)
    if not shown:
        return []
    policy = cat.masking_for(Audience.PUBLIC)
    ids_by_subject: dict[str, list[tuple[str, str]]] = {}
    for sid, scheme, value in conn.execute(
        select(
            subject_identifiers.c.subject_id,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        )
        .where(subject_identifiers.c.subject_id.in_(sorted(shown)))
        .order_by(subject_identifiers.c.subject_id, subject_identifiers.c.scheme)
    ):
        ids_by_subject.setdefault(sid, []).append((scheme, value))
    out: list[Entry] = []
    for sid in sorted(shown):
        recs = shown[sid]
        ends = [r.display_until for r in recs]
        until = None if any(e is None for e in ends) else max(ends) + timedelta(1)
        full = any(cat.masking_for(Audience.PUBLIC, r.kind).person_name == "full" for r in recs)
        name = raw[sid].name if full else mask_person_name(raw[sid].name)
        out.append(
            Entry(
                subject_id=sid,
                kind="person",
                name=name,
                uscc=None,
                masked_id=_masked_id(ids_by_subject.get(sid, []), policy),
                region=raw[sid].region,
                visible_until=until,
                # a masked name is not searchable: searching it would link the full name
                # to the subject
                docs=make_docs([("name", raw[sid].name)]) if full else [],
            )
        )
    return out


def _aware(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _masked_id(idents: list[tuple[str, str]], policy: Any) -> str | None:
    """The first identifier the public file shows (resident ID first), masked as it does."""
    for scheme, value in sorted(idents, key=lambda i: (i[0] != "ric", i[0])):
        if scheme == "uscc":
            return value
        style = policy.ric if scheme == "ric" else policy.other_id
        masked = mask_identifier(scheme, value, style)
        if masked is not None:
            return masked
    return None


class _PriorNotice:
    """Negative information about a person is public only after the notice period
    (cases.yaml ``prior_notice``), counted from the record's first version."""

    def __init__(self, conn: Connection, cat: Catalogue) -> None:
        from xinyong.rights.rules import get_rules

        self.rule = get_rules().prior_notice
        self.cat = cat
        self.conn = conn
        self._cal: Any = None
        self._due: dict[date, date] = {}

    def hides(self, kind: str, first_recorded: datetime, on: date) -> bool:
        if kind not in self.rule.kinds or not self.cat.kind(kind).negative:
            return False
        from xinyong.calendar import WorkCalendar
        from xinyong.calendar import today_cst as cst_day
        from xinyong.store.calendar_repo import load_schedules

        start = cst_day(_aware(first_recorded))
        if start not in self._due:
            if self._cal is None:
                self._cal = WorkCalendar(load_schedules(self.conn.engine))
            self._due[start] = self._cal.add(start, self.rule.period).due
        return on < self._due[start]


# --- writing ------------------------------------------------------------------------


def _day(conn: Connection, d: date | None) -> Any:
    if d is None:
        return None
    return d.isoformat() if conn.dialect.name == "sqlite" else d


def _allocate(conn: Connection, n: int) -> list[int]:
    """``n`` fresh sequence numbers for incremental writes."""
    if n == 0:
        return []
    if conn.dialect.name == "sqlite":
        row = conn.execute(text("SELECT value FROM search_meta WHERE key = 'next_seq'")).first()
        start = int(row[0]) if row else 1
        set_meta(conn, next_seq=str(start + n))
        return list(range(start, start + n))
    q = text("SELECT nextval('search_doc_seq') FROM generate_series(1, :n)")
    return [int(v) for v in conn.execute(q, {"n": n}).scalars()]


def write_entries(
    conn: Connection, slot: Slot, entries: Sequence[Entry], seqs: Iterator[int] | None = None
) -> int:
    """Insert ``entries`` into ``slot`` (in the caller's transaction); returns the number
    of docs written. Rows go to the driver directly (``executemany`` on SQLite, ``COPY``
    on PostgreSQL); FTS5 rows in ascending ``rowid`` order, which FTS5 appends without
    flushing its in-memory segment on every row."""
    if not entries:
        return 0
    n_docs = sum(len(e.docs) for e in entries)
    it = seqs if seqs is not None else iter(_allocate(conn, n_docs))
    sqlite = conn.dialect.name == "sqlite"
    subj_rows = [
        (
            e.subject_id,
            e.kind,
            e.name,
            e.uscc,
            e.masked_id,
            e.region,
            _day(conn, e.visible_until),
        )
        for e in entries
    ]
    docs: list[tuple[Any, ...]] = []
    for e in entries:
        vu = _day(conn, e.visible_until)
        for d in e.docs:
            doc_id = (d.rank() << SEQ_BITS) | next(it)
            docs.append((doc_id, e.subject_id, d.field, d.text, d.label, d.bi, d.tri, vu))
    docs.sort(key=lambda r: r[0])
    raw = conn.connection.driver_connection
    assert raw is not None
    subj_cols = "subject_id, kind, name, uscc, masked_id, region, visible_until"
    if sqlite:
        doc_cols = "doc_id, subject_id, field, text, label, bi, tri, visible_until"
        raw.executemany(
            f"INSERT INTO {slot.subjects} ({subj_cols}) VALUES (?,?,?,?,?,?,?)", subj_rows
        )
        raw.executemany(f"INSERT INTO {slot.docs} ({doc_cols}) VALUES (?,?,?,?,?,?,?,?)", docs)
        raw.executemany(
            f"INSERT INTO {slot.fts_bigram} (rowid, t) VALUES (?, ?)",
            [(r[0], " ".join(bigrams(r[3]))) for r in docs if r[5]],
        )
        raw.executemany(
            f"INSERT INTO {slot.fts_trigram} (rowid, t) VALUES (?, ?)",
            [(r[0], r[3]) for r in docs if r[6]],
        )
        raw.executemany(
            f"INSERT INTO {slot.fts_long} (rowid, t) VALUES (?, ?)",
            [(r[0], lg) for r in docs if r[6] and (lg := " ".join(long_grams(r[3])))],
        )
        return len(docs)
    doc_cols = "doc_id, subject_id, field, text, label, bi, tri, visible_until"
    posts = [(g, r[0]) for r in docs for g in grams(r[3], bi=r[5], tri=r[6])]
    with raw.cursor() as cur:
        with cur.copy(f"COPY {slot.subjects} ({subj_cols}) FROM STDIN") as copy:
            for row in subj_rows:
                copy.write_row(row)
        with cur.copy(f"COPY {slot.docs} ({doc_cols}) FROM STDIN") as copy:
            for row in docs:
                copy.write_row(row)
        with cur.copy(f"COPY {slot.postings} (gram, doc_id) FROM STDIN") as copy:
            for post in posts:
                copy.write_row(post)
    return len(docs)


def grams(text_: str, *, bi: bool, tri: bool) -> set[str]:
    """PostgreSQL postings of a text: its bigrams and its trigrams with a non-ASCII
    character (bigram set: names, variants, representatives), and its ASCII trigrams
    and ``LONG_GRAM``-letter grams (trigram set; only ASCII queries of three or more
    letters read that set). Lengths and the ASCII test keep the kinds apart in one
    table: a Chinese or mixed query of three characters or more reads trigrams with a
    non-ASCII character, which only the bigram set's texts have."""
    out: set[str] = set()
    if bi:
        out.update(bigrams(text_))
        out.update(wide_trigrams(text_))
    if tri:
        out.update(t for i in range(len(text_) - 2) if (t := text_[i : i + 3]).isascii())
        out.update(long_grams(text_))
    return out


def refresh_gram_counts(conn: Connection, slot: Slot) -> None:
    """Count each gram's postings into ``search_grams_<slot>``: a query reads the
    postings of its rarest gram. Run after a build; :func:`index_subjects` does not
    update the counts (they only steer which gram is read, never what is found), so
    they drift until the next rebuild."""
    conn.exec_driver_sql(f"DELETE FROM {slot.gram_counts}")
    if conn.dialect.name == "sqlite":
        vocab = f"temp.vocab_{slot.name}"
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {vocab}")
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {vocab} USING fts5vocab(main, {slot.fts_long}, 'row')"
        )
        conn.exec_driver_sql(
            f"INSERT INTO {slot.gram_counts} (gram, n) SELECT term, doc FROM {vocab}"
        )
        conn.exec_driver_sql(f"DROP TABLE {vocab}")
    else:
        conn.exec_driver_sql(
            f"INSERT INTO {slot.gram_counts} (gram, n)"
            f" SELECT gram, count(*) FROM {slot.postings} GROUP BY gram"
        )


def delete_subjects(conn: Connection, slot: Slot, ids: Sequence[str]) -> None:
    """Remove ``ids`` and their docs from ``slot``."""

    def run(sql: str, part: Sequence[str]) -> None:
        stmt = text(sql).bindparams(bindparam("ids", expanding=True))
        conn.execute(stmt, {"ids": list(part)})

    for part in _in_chunks(list(ids), CHUNK):
        if conn.dialect.name == "sqlite":
            for fts in (slot.fts_bigram, slot.fts_trigram, slot.fts_long):
                run(
                    f"DELETE FROM {fts} WHERE rowid IN "
                    f"(SELECT doc_id FROM {slot.docs} WHERE subject_id IN :ids)",
                    part,
                )
        else:
            stmt = text(
                f"SELECT doc_id, text, bi, tri FROM {slot.docs} WHERE subject_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True))
            pairs = [
                (g, doc_id)
                for doc_id, t, bi, tri in conn.execute(stmt, {"ids": list(part)})
                for g in grams(t, bi=bi, tri=tri)
            ]
            if pairs:
                conn.execute(
                    text(
                        f"DELETE FROM {slot.postings} p USING"
                        " unnest(CAST(:g AS text[]), CAST(:d AS bigint[])) AS x(gram, doc_id)"
                        " WHERE p.gram = x.gram AND p.doc_id = x.doc_id"
                    ),
                    {"g": [g for g, _ in pairs], "d": [d for _, d in pairs]},
                )
        run(f"DELETE FROM {slot.docs} WHERE subject_id IN :ids", part)
        run(f"DELETE FROM {slot.subjects} WHERE subject_id IN :ids", part)


def _reindex(
    conn: Connection, slot: Slot, ids: Sequence[str], on: date, cat: Catalogue | None
) -> int:
    ids = sorted(set(ids))
    delete_subjects(conn, slot, ids)
    n = 0
    for part in _in_chunks(ids, CHUNK):
        entries = collect_organisations(conn, part, on)
        entries += collect_persons(conn, person_candidates(conn, on, part), on, cat=cat)
        write_entries(conn, slot, entries)
        n += len(entries)
    return n


# --- public entry points ------------------------------------------------------------


def index_subjects(
    target: Store | Tx | Connection,
    subject_ids: Iterable[str],
    *,
    on: date | None = None,
    cat: Catalogue | None = None,
) -> int:
    """Refresh the index for ``subject_ids`` (after an ingest, a listing decision, a
    removal …); returns how many of them are indexed now.

    Takes a store (its own write transaction) or the caller's write transaction (a
    ``Tx`` or its connection), so the refresh commits with the change that caused it.
    A no-op before the first :func:`build_index`. During a rebuild the ids are also
    queued and refreshed again in the new slot when it goes live.
    """
    ids = sorted(set(subject_ids))
    if isinstance(target, Store):
        with target.write() as tx:
            return _index_subjects(tx.conn, ids, on, cat)
    conn = target.conn if isinstance(target, Tx) else target
    return _index_subjects(conn, ids, on, cat)


def _index_subjects(
    conn: Connection, ids: list[str], on: date | None, cat: Catalogue | None
) -> int:
    if not ids or not meta_exists(conn):
        return 0
    meta = lock_meta(conn, exclusive=False)
    if "slot" not in meta:
        return 0
    n = _reindex(conn, Slot(meta["slot"]), ids, on or today_cst(), cat)  # type: ignore[arg-type]
    if "building" in meta:
        ins = (
            "INSERT OR IGNORE INTO {t} (subject_id) VALUES (:s)"
            if conn.dialect.name == "sqlite"
            else "INSERT INTO {t} (subject_id) VALUES (:s) ON CONFLICT DO NOTHING"
        )
        conn.execute(text(ins.format(t=PENDING)), [{"s": s} for s in ids])
    return n


#: how far before its watermark a catch-up looks: a transaction stamps its rows when it
#: writes them but commits later, so rows stamped just before the last catch-up may
#: have become visible only after it (re-indexing a subject twice is harmless)
CATCH_UP_OVERLAP = timedelta(minutes=5)


def changed_subjects(conn: Connection, since: datetime) -> list[str]:
    """Subjects whose indexed facts may have changed since ``since`` (transaction time):
    a record version written or superseded (ingest, correction, repair), a new subject,
    name variant or role, a list entry changed (listed, removed, expired)."""
    found: set[str] = set()
    for q in (
        select(records.c.subject_id).where(
            or_(records.c.recorded_at > since, records.c.superseded_at > since)
        ),
        select(subjects.c.subject_id).where(subjects.c.first_seen_at > since),
        select(subject_names.c.subject_id).where(subject_names.c.first_seen_at > since),
        select(roles.c.org_subject_id).where(roles.c.first_seen_at > since),
        select(list_entries.c.subject_id).where(list_entries.c.updated_at > since),
    ):
        found.update(r[0] for r in conn.execute(q.distinct()) if r[0] is not None)
    return sorted(found)


def catch_up(
    store: Store,
    *,
    on: date | None = None,
    cat: Catalogue | None = None,
) -> int:
    """Re-index every subject changed since the last catch-up (or the last build), in
    short write transactions; returns how many subjects were refreshed.

    The ingest pipeline calls it after each batch, so a subject a batch adds or
    changes is found (or no longer found) as soon as the batch is done. It reads change
    stamps the store keeps anyway (``recorded_at``, ``superseded_at``,
    ``first_seen_at``, ``updated_at``), so no writer has to know about the index. A
    no-op before the first build or when the index needs a rebuild. What changes with
    the calendar alone (a prior-notice period ending) waits for the nightly
    :func:`build_index`; a public view ending needs nothing (``visible_until``).
    """
    started = datetime.now(UTC)
    with store.read() as conn:
        if not meta_exists(conn):
            return 0
        meta = get_meta(conn)
        if meta.get("format") != format_version(conn.dialect.name) or "built_at" not in meta:
            return 0
        mark = datetime.fromisoformat(meta.get("caught_up_to") or meta["built_at"])
        ids = changed_subjects(conn, mark - CATCH_UP_OVERLAP)
    for part in _in_chunks(ids, CHUNK):
        index_subjects(store, part, on=on, cat=cat)
    with store.write() as tx:
        current = get_meta(tx.conn).get("caught_up_to")
        if current is None or datetime.fromisoformat(current) < started:
            set_meta(tx.conn, caught_up_to=started.isoformat())
    return len(ids)


def build_index(
    store: Store,
    *,
    progress: Progress | None = None,
    on: date | None = None,
    cat: Catalogue | None = None,
    drop_grace: float = 2.0,
) -> int:
    """(Re)build the whole index from the store; returns the number of subjects indexed.

    Fills the idle slot in short write transactions of ``CHUNK`` subjects (SQLite's write
    lock is never held for long, readers keep using the live slot), then makes it live in
    one small transaction that also refreshes the subjects queued by
    :func:`index_subjects` meanwhile, and drops the old slot ``drop_grace`` seconds
    later (PostgreSQL requests that read the old slot's name just before the switch
    finish on it first).
    """
    on = on or today_cst()
    cat = cat or get_catalogue()
    engine = store.engine
    started = datetime.now(UTC)
    ensure_index_tables(engine)
    with engine.begin() as conn:
        meta = lock_meta(conn, exclusive=True)
        # a crashed build leaves "building" set; the next build simply takes the slot over
        new = Slot(meta["slot"]).other()  # type: ignore[arg-type]
        drop_slot(conn, new)
        create_slot(conn, new, indexes=False)
        conn.execute(text(f"DELETE FROM {PENDING}"))
        set_meta(conn, building=new.name, building_since=datetime.now(UTC).isoformat())

    seq = iter(range(1, 1 << SEQ_BITS))
    n_subjects = 0
    n_docs = 0

    # organisations and individual businesses, by subject id
    with store.read() as conn:
        total = int(
            conn.execute(text("SELECT count(*) FROM subjects WHERE kind <> 'person'")).scalar_one()
        )
    after = ""
    done = 0
    while True:
        with engine.begin() as conn:
            ids = list(
                conn.execute(
                    select(subjects.c.subject_id)
                    .where(subjects.c.subject_id > after, subjects.c.kind != "person")
                    .order_by(subjects.c.subject_id)
                    .limit(CHUNK)
                ).scalars()
            )
            if not ids:
                break
            entries = collect_organisations(conn, ids, on)
            n_docs += write_entries(conn, new, entries, seq)
        n_subjects += len(entries)
        done += len(ids)
        after = ids[-1]
        if progress:
            progress("organisations", done, total)

    # persons with a public credit file
    with store.read() as conn:
        candidates = person_candidates(conn, on)
    known_at = datetime.now(UTC)
    done = 0
    for part in _in_chunks(candidates, PERSON_CHUNK):
        with engine.begin() as conn:
            entries = collect_persons(conn, part, on, cat=cat, known_at=known_at)
            n_docs += write_entries(conn, new, entries, seq)
        n_subjects += len(entries)
        done += len(part)
        if progress:
            progress("persons", done, len(candidates))

    if engine.dialect.name != "sqlite":
        if progress:
            progress("indexes", 0, None)
        with engine.begin() as conn:
            # sorting tens of millions of postings for their B-tree: in memory, not in
            # runs on disk (this transaction only)
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
            create_slot_indexes(conn, new)
            refresh_gram_counts(conn, new)
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in (new.docs, new.subjects, new.postings, new.gram_counts):
                # VACUUM sets the visibility map, so probes of the postings B-tree are
                # index-only (a bulk-loaded table's pages are not all-visible yet)
                conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
    else:
        for fts in (new.fts_bigram, new.fts_trigram, new.fts_long):
            with engine.begin() as conn:
                conn.exec_driver_sql(f"INSERT INTO {fts} ({fts}) VALUES ('optimize')")
        with engine.begin() as conn:
            refresh_gram_counts(conn, new)

    next_seq = next(seq)
    with engine.begin() as conn:
        meta = lock_meta(conn, exclusive=True)
        if meta.get("building") != new.name:
            raise UsageError(
                "another build_index took over while this one ran; its index stays",
                code="search_build_superseded",
            )
        if conn.dialect.name != "sqlite":
            conn.execute(
                text(
                    "SELECT setval('search_doc_seq', GREATEST(:n,"
                    " (SELECT last_value FROM search_doc_seq)))"
                ),
                {"n": next_seq},
            )
        else:
            set_meta(conn, next_seq=str(next_seq))
        pending = list(conn.execute(text(f"SELECT subject_id FROM {PENDING}")).scalars())
        if pending:
            indexed_before = set(
                conn.execute(
                    text(
                        f"SELECT subject_id FROM {new.subjects} WHERE subject_id IN :ids"
                    ).bindparams(bindparam("ids", expanding=True)),
                    {"ids": pending},
                ).scalars()
            )
            now_indexed = _reindex(conn, new, pending, on, cat)
            n_subjects += now_indexed - len(indexed_before)
            conn.execute(text(f"DELETE FROM {PENDING}"))
        old = new.other()
        set_meta(
            conn,
            slot=new.name,
            format=format_version(conn.dialect.name),
            built_at=datetime.now(UTC).isoformat(),
            built_on=on.isoformat(),
            # what changed after the build started may have been read before the
            # change: the next catch-up looks from here
            caught_up_to=started.isoformat(),
            subjects=str(n_subjects),
            docs=str(n_docs),
            building=None,
            building_since=None,
        )
    if engine.dialect.name != "sqlite" and drop_grace > 0:
        # a PostgreSQL request that read the old slot name just before the switch still
        # runs its statements on the old tables: let it finish before they go (SQLite
        # readers keep their snapshot, tables included)
        time.sleep(drop_grace)
    with engine.begin() as conn:
        meta = lock_meta(conn, exclusive=True)
        if meta.get("slot") == new.name and "building" not in meta:
            drop_slot(conn, old)
    return n_subjects


def index_stats(conn: Connection) -> dict[str, str]:
    """The live index's meta rows (slot, format, built_at, subjects, docs)."""
    if not meta_exists(conn):
        return {}
    return get_meta(conn)


__all__ = [
    "Doc",
    "Entry",
    "Progress",
    "build_index",
    "catch_up",
    "changed_subjects",
    "collect_organisations",
    "collect_persons",
    "index_stats",
    "index_subjects",
    "make_docs",
    "person_candidates",
    "write_entries",
]
