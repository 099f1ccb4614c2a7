"""The ingest pipeline: file → mapping → normalised rows → records, in committed chunks.

Kill safety: each chunk (its records, subjects, roles, quarantined rows, the batch's
counters and next row, and its audit entry) commits in one transaction. A rerun of
the same file for the same agency finds the running batch by the file's SHA-256 and
resumes at its next row, so a SIGKILL at any point, during a commit too, ends in the
state a clean run gives.
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from xinyong.actors import Agency
from xinyong.audit.log import now_utc
from xinyong.calendar import today_cst
from xinyong.catalogue import get_catalogue
from xinyong.errors import Conflict, RuleRefused, UnusableInput
from xinyong.ingest import collector
from xinyong.ingest import normalise as N
from xinyong.ingest.counters import Counters
from xinyong.ingest.ids import new_id
from xinyong.ingest.mapping import Mapping, detect_mapping, load_mapping
from xinyong.ingest.preparer import COL, RECORD_COLUMNS, Chunk, RowPreparer
from xinyong.ingest.readers import RawRow, SourceFile, Values, open_source
from xinyong.ingest.receipt import Receipt
from xinyong.store.actors import get_agency, list_agencies
from xinyong.store.bulk import (
    execute_many,
    insert_rows,
    select_in,
    stamp_versions,
    storage_datetime,
)
from xinyong.store.context import Store, Tx
from xinyong.store.tables import (
    ingest_batches,
    quarantine,
    subject_names,
)

Progress = Callable[[int], None]
INGEST_LOCK = 0x78696E79  # "xiny": the advisory lock ingest chunks hold on PostgreSQL
#: files from this size on are prepared by a second process while this one writes
PARALLEL_MIN_BYTES = 8 << 20


@dataclass
class IngestRequest:
    path: Path
    agency: str
    mapping: str | None = None
    fmt: str | None = None
    encoding: str | None = None
    dry_run: bool = False
    actor: str | None = None
    today: date | None = None
    chunk_rows: int | None = None
    #: prepare rows in a second process (``xinyong.ingest.worker``); None: for large files
    parallel: bool | None = None
    #: test hook: called after each committed chunk with the next row
    after_chunk: Callable[[int], None] | None = None


def prepare(req: IngestRequest) -> tuple[SourceFile, Mapping, list[tuple[str, str]]]:
    """Open the file and choose its mapping; raises before anything is written."""
    src = open_source(req.path, fmt=req.fmt, encoding=req.encoding)
    mapping = load_mapping(req.mapping) if req.mapping else detect_mapping(src.header)
    plan = mapping.plan(src.header)
    have = {f for _, f in plan}
    missing = [mapping.header_for(f) for f in mapping.required if f not in have]
    if missing:
        raise UnusableInput(
            f"{req.path.name}: mapping {mapping.id} needs the column(s) {', '.join(missing)}",
            code="missing_columns",
        )
    return src, mapping, plan


def estimate_rows(src: SourceFile) -> int | None:
    if src.format == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(src.path).metadata.num_rows)
    n = 0
    with src.path.open("rb") as f:
        while block := f.read(8 << 20):
            n += block.count(b"\n")
    return max(n - (1 if src.format == "csv" else 0), 0)


def ingest(store: Store, req: IngestRequest, progress: Progress | None = None) -> Receipt:
    """Ingest one file for one agency and return its receipt (see the module docstring)."""
    with collector.paused():
        return _ingest(store, req, progress)


def _ingest(store: Store, req: IngestRequest, progress: Progress | None) -> Receipt:
    src, mapping, _ = prepare(req)
    cat = get_catalogue()
    today = req.today or today_cst()
    with store.read() as conn:
        agency = get_agency(conn, req.agency)
        assert agency is not None
        all_agencies = list_agencies(conn)
    fixed = mapping.fixed_kinds()
    if fixed is not None and not fixed & set(agency.kinds):
        raise RuleRefused(
            f"agency {agency.code!r} may not report {', '.join(sorted(fixed))} "
            f"(registered kinds: {', '.join(agency.kinds) or 'none'})",
            code="kind_not_permitted",
        )
    ctx = _Context(
        store=store,
        agency=agency,
        mapping=mapping,
        prep=RowPreparer(cat, agency, all_agencies, mapping, src.header, today),
        today=today,
        chunk_rows=req.chunk_rows or store.settings.ingest_chunk_rows,
    )
    actor = req.actor or store.default_actor()
    if req.dry_run:
        return _dry_run(ctx, src, actor, progress)

    batch_id, next_row, counters = _open_batch(store, ctx, src, req, actor)
    chunks = _prepared_chunks(ctx, src, next_row, parallel=_parallel(req, src))
    try:
        for chunk in chunks:
            end_row = chunk.last + 1
            with store.write(actor) as tx:
                _guard(tx.conn, batch_id, next_row)
                delta = _process_chunk(tx, ctx, batch_id, chunk)
                counters.add(delta)
                tx.conn.execute(
                    update(ingest_batches)
                    .where(ingest_batches.c.batch_id == batch_id)
                    .values(next_row=end_row, **counters.values())
                )
                tx.audit(
                    "ingest.chunk",
                    "ingest_batch",
                    batch_id,
                    {
                        "rows": [chunk.first, chunk.last],
                        "accepted": delta.accepted,
                        "duplicates": delta.duplicates,
                        "superseded": delta.superseded,
                        "quarantined": delta.quarantined,
                    },
                )
            if ctx.written is not None:
                ctx.subjects.absorb(ctx.written)
            next_row = end_row
            if progress:
                progress(chunk.rows)
            if req.after_chunk:
                req.after_chunk(next_row)
    finally:
        chunks.close()  # stops a preparing worker the loop left early
    with store.write(actor, checkpoint=True) as tx:
        tx.conn.execute(
            update(ingest_batches)
            .where(ingest_batches.c.batch_id == batch_id, ingest_batches.c.status == "running")
            .values(status="done", finished_at=now_utc())
        )
        tx.audit("ingest.finished", "ingest_batch", batch_id, counters.values())
    from xinyong.portal.search.index import catch_up  # the portal's name index follows

    catch_up(store)
    return _receipt(batch_id, ctx, src, counters)


# --- batches ------------------------------------------------------------------------


def _receipt(batch_id: str | None, ctx: _Context, src: SourceFile, c: Counters) -> Receipt:
    return Receipt(
        batch_id=batch_id,
        agency=ctx.agency.code,
        mapping=ctx.mapping.id,
        file_sha256=src.sha256,
        rows=c.rows,
        accepted=c.accepted,
        duplicates=c.duplicates,
        superseded=c.superseded,
        quarantined=c.quarantined,
        reasons=dict(sorted(c.reasons.items())),
        linked=c.linked,
        dry_run=batch_id is None,
    )


def _open_batch(
    store: Store, ctx: _Context, src: SourceFile, req: IngestRequest, actor: str
) -> tuple[str, int, Counters]:
    """Resume the running batch of this file, or start a new one."""
    with store.write(actor) as tx:
        row = tx.conn.execute(
            select(ingest_batches).where(
                ingest_batches.c.agency == ctx.agency.code,
                ingest_batches.c.file_sha256 == src.sha256,
                ingest_batches.c.mapping == ctx.mapping.id,
                ingest_batches.c.status == "running",
            )
        ).first()
        if row is not None:
            r = row._mapping
            c = Counters.from_batch(r)
            return r["batch_id"], int(r["next_row"]), c
        batch_id = new_id()
        tx.conn.execute(
            insert(ingest_batches).values(
                batch_id=batch_id,
                agency=ctx.agency.code,
                mapping=ctx.mapping.id,
                file_name=src.path.name,
                file_sha256=src.sha256,
                format=src.format,
                encoding=src.encoding,
                actor=tx.actor,
                status="running",
                next_row=1,
                started_at=now_utc(),
                **Counters().values(),
            )
        )
        tx.audit(
            "ingest.started",
            "ingest_batch",
            batch_id,
            {"agency": ctx.agency.code, "mapping": ctx.mapping.id, "file_sha256": src.sha256},
        )
    return batch_id, 1, Counters()


def _guard(conn: Connection, batch_id: str, expected_next: int) -> None:
    """Check no other process moved this batch on, and serialise writers on PostgreSQL.

    Subjects are created by looking identifiers up first; two ingests creating the same
    subject at once would race, so chunks take a transaction-scoped advisory lock (on
    SQLite ``BEGIN IMMEDIATE`` already serialises them).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": INGEST_LOCK})
        # the chunk's lookups (thousands of keys each) planned parallel seq scans, whose
        # workers took the core the preparing worker runs on (decision 127)
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    current = conn.execute(
        select(ingest_batches.c.next_row, ingest_batches.c.status)
        .where(ingest_batches.c.batch_id == batch_id)
        .with_for_update()
    ).one()
    if current.status != "running" or int(current.next_row) != expected_next:
        raise Conflict(
            f"batch {batch_id} moved on under us (another ingest of the same file is running)",
            code="concurrent_ingest",
        )


def _parallel(req: IngestRequest, src: SourceFile) -> bool:
    """Prepare rows in a second process? For a large file, when about two cores are idle.

    A worker only pays when it runs beside the writer: on a machine whose cores are
    already busy the two processes take turns and the transport is pure cost (a
    50,000-row feed took 23 s that way against 13.5 s in one process).
    """
    if req.parallel is not None:
        return req.parallel
    cores = os.cpu_count() or 1
    if cores < 2 or src.path.stat().st_size < PARALLEL_MIN_BYTES:
        return False
    return idle_cores() >= PARALLEL_MIN_IDLE


#: idle cores (of what other processes leave) the worker and the writer need together
PARALLEL_MIN_IDLE = 1.5


def idle_cores(sample: float = 0.2) -> float:
    """How many cores other processes leave idle, measured over ``sample`` seconds.

    Linux's ``/proc/stat``, while this process sleeps; elsewhere, cores less the 1-minute
    load average. The load average was the first choice and misled: it still counts
    this process's own work of the last minutes (hashing the file, or a benchmark
    writing its feed), so a quiet two-core machine looked busy.
    """
    cores = os.cpu_count() or 1
    try:
        before = _cpu_times()
        time.sleep(sample)
        after = _cpu_times()
    except (OSError, ValueError, IndexError):
        return max(cores - os.getloadavg()[0], 0.0)
    total = after[0] - before[0]
    return cores * (after[1] - before[1]) / total if total > 0 else float(cores)


def _cpu_times() -> tuple[int, int]:
    """(all, idle) jiffies of every core together, from ``/proc/stat``."""
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return sum(ticks), ticks[3] + ticks[4]  # idle and waiting for I/O


def _prepared_chunks(
    ctx: _Context, src: SourceFile, start_row: int, *, parallel: bool = False
) -> Generator[Chunk, None, None]:
    if parallel:
        from xinyong.ingest.worker import Job, chunks_parallel

        p = ctx.prep
        job = Job(src, ctx.mapping, ctx.agency, p.agencies, ctx.today, start_row, ctx.chunk_rows)
        yield from chunks_parallel(job, p)
    else:
        yield from ctx.prep.chunks(src, start_row, ctx.chunk_rows)


def _dry_run(ctx: _Context, src: SourceFile, actor: str, progress: Progress | None) -> Receipt:
    counters = Counters()
    conn = ctx.store.engine.connect()
    trans = conn.begin()
    try:
        tx = Tx(conn, ctx.store, actor)
        for chunk in _prepared_chunks(ctx, src, 1):
            counters.add(_process_chunk(tx, ctx, None, chunk))
            if ctx.written is not None:  # one transaction: visible to the next chunk
                ctx.subjects.absorb(ctx.written)
            if progress:
                progress(chunk.rows)
    finally:
        trans.rollback()
        conn.close()
    return _receipt(None, ctx, src, counters)


# --- one chunk ----------------------------------------------------------------------


@dataclass
class _Context:
    store: Store
    agency: Agency
    mapping: Mapping
    prep: RowPreparer
    today: date
    chunk_rows: int
    subjects: _KnownSubjects = field(default_factory=lambda: _KnownSubjects())
    #: the subjects of the chunk last processed (kept in ``subjects`` once committed)
    written: _Subjects | None = None


def _insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt: Any
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    conn.execute(stmt, rows)


def _material_name(name: str) -> str:
    s = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in s if ch.isalnum()).lower()


class _KnownSubjects:
    """Identifiers and names of subjects committed by earlier chunks of this ingest.

    Subjects and their identifiers are never changed or removed once written, so what an
    earlier chunk found or created stands; later chunks look up only the rest.
    """

    LIMIT = 1 << 21

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], str] = {}
        self.names: dict[str, str] = {}

    def absorb(self, chunk: _Subjects) -> None:
        """Keep a committed chunk's subjects."""
        if len(self.known) > self.LIMIT:
            self.known.clear()
            self.names.clear()
        self.known.update(chunk.known)
        self.names.update(chunk.names)


_SUBJECT_COLUMNS = ("subject_id", "kind", "name", "region", "first_seen_at", "first_batch")
_IDENTIFIER_COLUMNS = ("scheme", "value", "subject_id", "first_seen_at")


class _Subjects:
    """Resolves identifiers to subjects for one chunk, creating the new ones."""

    def __init__(
        self,
        tx: Tx,
        batch_id: str | None,
        now: datetime,
        now_db: Any,
        earlier: _KnownSubjects | None = None,
    ) -> None:
        self.tx = tx
        # what earlier chunks found or made: read here, never copied in (``absorb`` then
        # takes only this chunk's own finds)
        self.prior_known = earlier.known if earlier is not None else {}
        self.prior_names = earlier.names if earlier is not None else {}
        self.batch_id = batch_id
        self.now = now
        self.now_db = now_db  # ``now`` in storage form (see ``bulk.storage_datetime``)
        self.known: dict[tuple[str, str], str] = {}
        self.names: dict[str, str] = {}
        #: rows for ``subjects`` and ``subject_identifiers`` (see ``write``)
        self.new_subjects: list[tuple[Any, ...]] = []
        self.new_identifiers: list[tuple[Any, ...]] = []
        #: the subjects this chunk creates
        self.created: set[str] = set()
        self.variants: dict[tuple[str, str], bool] = {}

    def load(self, wanted: set[tuple[str, str]]) -> None:
        by_scheme: dict[str, list[str]] = {}
        prior = self.prior_known
        for key in wanted:
            if key not in prior:
                by_scheme.setdefault(key[0], []).append(key[1])
        ids: set[str] = set()
        conn = self.tx.conn
        for scheme, values in by_scheme.items():
            for value, sid in select_in(
                conn,
                "SELECT value, subject_id FROM subject_identifiers "
                "WHERE scheme = ? AND value IN ({in})",
                (scheme,),
                sorted(values),
            ):
                self.known[(scheme, value)] = sid
                ids.add(sid)
        for sid, name in select_in(
            conn,
            "SELECT subject_id, name FROM subjects WHERE subject_id IN ({in})",
            (),
            sorted(ids),
        ):
            self.names[sid] = name

    def resolve(
        self,
        kind: str,
        name: str,
        scheme: str,
        value: str,
        region: str | None,
        legacy15: str | None,
    ) -> str:
        key = (scheme, value)
        sid = self.known.get(key)
        if sid is not None:
            current = self.names.get(sid)
        else:
            sid = self.prior_known.get(key)
            current = None if sid is None else self.prior_names.get(sid)
        if sid is None:
            sid = new_id()
            self.known[(scheme, value)] = sid
            self.names[sid] = name
            self.created.add(sid)
            now_db = self.now_db
            self.new_subjects.append((sid, kind, name, region, now_db, self.batch_id))
            self.new_identifiers.append((scheme, value, sid, now_db))
            if legacy15 and ("ric15", legacy15) not in self.known:
                self.known[("ric15", legacy15)] = sid
                self.new_identifiers.append(("ric15", legacy15, sid, now_db))
        elif current != name:
            self.variants[(sid, name)] = _material_name(current or "") != _material_name(name)
        return sid

    def write(self) -> None:
        conn = self.tx.conn
        insert_rows(conn, "subjects", _SUBJECT_COLUMNS, self.new_subjects)
        insert_rows(conn, "subject_identifiers", _IDENTIFIER_COLUMNS, self.new_identifiers)
        _insert_ignore(
            conn,
            subject_names,
            [
                {
                    "subject_id": sid,
                    "name": name,
                    "flagged": flagged,
                    "source_batch": self.batch_id,
                    "first_seen_at": self.now,
                }
                for (sid, name), flagged in sorted(self.variants.items())
            ],
        )


_REC_ID = COL["record_id"]
_VERSION = COL["version"]
_SUBJECT = COL["subject_id"]
_AUTHORITY = COL["deciding_authority"]
_DECISION_NO = COL["decision_no"]
_LINKED_TO = COL["linked_to"]
_DECIDED_ON = COL["decided_on"]
_BATCH = COL["batch_id"]
_RECORDED_AT = COL["recorded_at"]
_LAST_SEEN_AT = COL["last_seen_at"]
_SUPERSEDED_AT = COL["superseded_at"]
_CORRECTED = (
    "this record was corrected by a case outcome; the feed's content conflicts "
    "with the corrected version and was not applied"
)
#: a current version as the writer compares it: (record_id, version, hash, locked, linked_to)
_Current = tuple[str, int, str, bool, "str | None"]


def _process_chunk(tx: Tx, ctx: _Context, batch_id: str | None, chunk: Chunk) -> Counters:
    c = Counters(rows=chunk.rows)
    conn = tx.conn
    now = now_utc()
    # the instant as the engine stores it, for rows written below SQLAlchemy
    now_db = storage_datetime(now, conn)
    rejected: list[tuple[int, str, str, RawRow | str]] = list(chunk.refused)
    ready = chunk.ready

    # subjects (and legal representatives)
    subj = _Subjects(tx, batch_id, now, now_db, ctx.subjects)
    ctx.written = subj
    wanted: set[tuple[str, str]] = set()
    for r in ready:
        wanted.add((r[5], r[6]))  # id_scheme, id_value
        rep = r[9]
        if rep is not None and rep[1] and rep[2]:
            wanted.add((rep[1], rep[2]))
    subj.load(wanted)
    resolve = subj.resolve
    subject_of = [resolve(r[3], r[4], r[5], r[6], r[7], r[8]) for r in ready]

    # current versions of the natural keys in this chunk
    current: dict[tuple[str, str], _Current] = {}
    keys = sorted({r[1] for r in ready})
    for record_id, version, content_hash, locked, source_key, subject_id, linked_to in select_in(
        conn,
        "SELECT record_id, version, content_hash, locked, source_key, subject_id, linked_to "
        "FROM records WHERE reporting_agency = ? AND superseded_at IS NULL "
        "AND source_key IN ({in})",
        (ctx.agency.code,),
        keys,
    ):
        current[(source_key, subject_id)] = (
            record_id,
            int(version),
            content_hash,
            bool(locked),
            linked_to,
        )

    new_rows: list[list[Any]] = []
    # record versions whose superseded_at / last_seen_at this chunk sets to ``now_db``
    superseded: list[tuple[str, int]] = []
    seen_again: list[tuple[str, int]] = []
    role_rows: list[tuple[tuple[str, str | None, str | None, str | None], str | None, str, str]]
    role_rows = []
    pending: dict[tuple[str, int], list[Any]] = {}
    raws: list[RawRow | Values | str] | None = None
    for i, (row_no, source_key, content_hash, *_, rep, row) in enumerate(ready):
        sid = subject_of[i]
        key = (source_key, sid)
        cur = current.get(key)
        if cur is not None and cur[2] == content_hash:
            c.duplicates += 1
            if (cur[0], cur[1]) not in pending:
                seen_again.append((cur[0], cur[1]))
            continue
        if cur is not None and cur[3]:
            if raws is None:
                raws = chunk.raws()
            raw = ctx.prep.raw_of(raws[i])
            rejected.append((row_no, N.CONFLICTS_WITH_CORRECTED, _CORRECTED, raw))
            continue
        # ``row``: the prepared row's own record list, not used again
        if cur is None:
            record_id, version = new_id(), 1
            c.accepted += 1
            linked_to = None
        else:
            record_id, version = cur[0], cur[1] + 1
            c.superseded += 1
            linked_to = cur[4]
            earlier = pending.get((record_id, cur[1]))
            if earlier is not None:  # superseded within this chunk: not written yet
                earlier[_SUPERSEDED_AT] = now_db
            else:
                superseded.append((record_id, cur[1]))
        row[_REC_ID] = record_id
        row[_VERSION] = version
        row[_SUBJECT] = sid
        row[_LINKED_TO] = linked_to
        row[_BATCH] = batch_id
        row[_RECORDED_AT] = now_db
        row[_LAST_SEEN_AT] = now_db
        new_rows.append(row)
        pending[(record_id, version)] = row
        current[key] = (record_id, version, content_hash, False, linked_to)
        if rep is not None:
            role_rows.append((rep, row[_DECIDED_ON], sid, record_id))

    _link_channels(conn, ctx, new_rows, c)
    subj_roles = _roles(conn, subj, role_rows, ctx.today, now_db)
    subj.write()
    stamp_versions(conn, "superseded_at", now_db, superseded)
    insert_rows(conn, "records", RECORD_COLUMNS, new_rows)
    stamp_versions(conn, "last_seen_at", now_db, seen_again)
    insert_rows(conn, "roles", _ROLE_COLUMNS, subj_roles)
    for _, reason, _, _ in rejected:
        c.reject(reason)
    if rejected and batch_id is not None:
        conn.execute(
            insert(quarantine),
            [
                {
                    "batch_id": batch_id,
                    "row": row_no,
                    "reason": reason,
                    "message": message,
                    "raw": raw if isinstance(raw, dict) else {"_unparsed": raw},
                }
                for row_no, reason, message, raw in sorted(rejected, key=lambda t: t[0])
            ],
        )
    return c


def _link_channels(conn: Connection, ctx: _Context, new_rows: list[list[Any]], c: Counters) -> None:
    """Recognise the same decision (authority, document number, subject) from another channel."""
    fresh = [r for r in new_rows if r[_VERSION] == 1 and r[_DECISION_NO]]
    if not fresh:
        return
    by_authority: dict[str, set[str]] = {}
    for r in fresh:
        by_authority.setdefault(r[_AUTHORITY], set()).add(r[_DECISION_NO])
    found: dict[tuple[str, str, str], str] = {}
    for authority, nums in sorted(by_authority.items()):
        for record_id, decision_no, subject_id, linked_to in select_in(
            conn,
            "SELECT record_id, decision_no, subject_id, linked_to FROM records "
            "WHERE deciding_authority = ? AND superseded_at IS NULL "
            "AND reporting_agency <> ? AND decision_no IN ({in})",
            (authority, ctx.agency.code),
            sorted(nums),
        ):
            found[(authority, decision_no, subject_id)] = linked_to or record_id
    for r in fresh:
        target = found.get((r[_AUTHORITY], r[_DECISION_NO], r[_SUBJECT]))
        if target:
            r[_LINKED_TO] = target
            c.linked += 1


_ROLE_COLUMNS = (
    "org_subject_id",
    "role",
    "person_subject_id",
    "person_name",
    "valid_from",
    "valid_to",
    "source_record_id",
    "first_seen_at",
)
#: a legal representative's role as ``_roles`` weighs it: [role_id (None until written),
#: person subject, person name, valid_from, valid_to, organisation, source record],
#: dates as ISO strings (which order as the dates do)
_Held = list[Any]


def _roles(
    conn: Connection,
    subj: _Subjects,
    role_rows: list[tuple[tuple[str, str | None, str | None, str | None], str | None, str, str]],
    today: date,
    now_db: Any,
) -> list[tuple[Any, ...]]:
    """Dated legal-representative roles from registry and penalty rows, as ``roles`` rows.

    Only organisations that existed before this chunk can hold roles already, so only
    those are looked up.
    """
    if not role_rows:
        return []
    created = subj.created
    org_ids = sorted({sid for _, _, sid, _ in role_rows if sid not in created})
    existing: dict[str, list[_Held]] = {}
    for role_id, org, person, name, valid_from, valid_to in select_in(
        conn,
        "SELECT role_id, org_subject_id, person_subject_id, person_name, valid_from, valid_to "
        "FROM roles WHERE role = 'legal_representative' AND org_subject_id IN ({in}) "
        "ORDER BY role_id",
        (),
        org_ids,
    ):
        existing.setdefault(org, []).append(
            [role_id, person, name, _iso_date(valid_from), _iso_date(valid_to), org, None]
        )
    out: list[_Held] = []
    ended: list[tuple[str, int]] = []
    today_iso = today.isoformat()
    for (rep_name, scheme, value, legacy15), decided_on, org_sid, record_id in role_rows:
        person_sid = None
        if scheme and value:
            person_sid = subj.resolve(
                "person",
                rep_name,
                scheme,
                value,
                value[:6] if scheme == "ric" else None,
                legacy15,
            )
        since = decided_on or today_iso
        rows = existing.setdefault(org_sid, [])
        if any(
            held[1] == person_sid if person_sid and held[1] else held[2] == rep_name
            for held in rows
        ):
            continue
        valid_to = None
        for held in rows:
            if held[4] is not None:
                continue
            if held[3] is None or held[3] <= since:
                held[4] = since
                if held[0] is not None:
                    ended.append((since, held[0]))
            else:
                valid_to = held[3]  # an older representative learned late
        row = [None, person_sid, rep_name, since, valid_to, org_sid, record_id]
        rows.append(row)
        out.append(row)
    execute_many(conn, "UPDATE roles SET valid_to = ? WHERE role_id = ?", ended)
    return [
        (org, "legal_representative", person, name, since, to, record, now_db)
        for _, person, name, since, to, org, record in out
    ]


def _iso_date(v: date | str | None) -> str | None:
    """A date column's value as SQLite returns it (ISO text) from either engine."""
    return v.isoformat() if isinstance(v, date) else v
