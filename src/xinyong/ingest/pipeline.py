"""The ingest pipeline: file → mapping → normalised rows → records, in committed chunks.

Kill safety: each chunk (its records, subjects, roles, quarantined rows, the batch's
counters and next row, and its audit entry) commits in one transaction. A rerun of
the same file for the same agency finds the running batch by the file's SHA-256 and
resumes at its next row, so a SIGKILL at any point, during a commit too, ends in the
state a clean run gives.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from xinyong.actors import Agency
from xinyong.audit.log import now_utc
from xinyong.calendar import today_cst
from xinyong.catalogue import Catalogue, get_catalogue
from xinyong.catalogue.publicity import PublicityEngine, PublicityFields
from xinyong.errors import Conflict, RuleRefused, UnusableInput
from xinyong.ingest import normalise as N
from xinyong.ingest.counters import Counters
from xinyong.ingest.ids import new_id
from xinyong.ingest.mapping import Mapping, detect_mapping, load_mapping
from xinyong.ingest.readers import RawRow, SourceFile, Values, open_source
from xinyong.ingest.receipt import Receipt
from xinyong.store.actors import get_agency, list_agencies
from xinyong.store.bulk import bulk_insert, dumps, storage_datetime
from xinyong.store.context import Store, Tx
from xinyong.store.tables import (
    ingest_batches,
    quarantine,
    records,
    roles,
    subject_identifiers,
    subject_names,
    subjects,
)

Progress = Callable[[int], None]
INGEST_LOCK = 0x78696E79  # "xiny": the advisory lock ingest chunks hold on PostgreSQL


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
    src, mapping, plan = prepare(req)
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
        cat=cat,
        agency=agency,
        agencies=all_agencies,
        mapping=mapping,
        plan=plan,
        normaliser=N.Normaliser(mapping, cat, today),
        today=today,
        chunk_rows=req.chunk_rows or store.settings.ingest_chunk_rows,
        header=src.header,
    )
    actor = req.actor or store.default_actor()
    if req.dry_run:
        return _dry_run(ctx, src, actor, progress)

    batch_id, next_row, counters = _open_batch(store, ctx, src, req, actor)
    prepared = _prepared_chunks(ctx, src, next_row)
    for chunk in prepared:
        end_row = chunk[-1][0] + 1
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
                    "rows": [chunk[0][0], chunk[-1][0]],
                    "accepted": delta.accepted,
                    "duplicates": delta.duplicates,
                    "superseded": delta.superseded,
                    "quarantined": delta.quarantined,
                },
            )
        next_row = end_row
        if progress:
            progress(len(chunk))
        if req.after_chunk:
            req.after_chunk(next_row)
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


def _chunks(
    rows: Iterator[tuple[int, RawRow | Values | str]], size: int
) -> Iterator[list[tuple[int, RawRow | Values | str]]]:
    chunk: list[tuple[int, RawRow | Values | str]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepared_chunks(ctx: _Context, src: SourceFile, start_row: int) -> Iterator[list[Prepared]]:
    prep = _prepare
    for chunk in _chunks(src.raw_rows(start_row), ctx.chunk_rows):
        yield [prep(ctx, row_no, raw) for row_no, raw in chunk]


def _dry_run(ctx: _Context, src: SourceFile, actor: str, progress: Progress | None) -> Receipt:
    counters = Counters()
    conn = ctx.store.engine.connect()
    trans = conn.begin()
    try:
        tx = Tx(conn, ctx.store, actor)
        for chunk in _prepared_chunks(ctx, src, 1):
            counters.add(_process_chunk(tx, ctx, None, chunk))
            if progress:
                progress(len(chunk))
    finally:
        trans.rollback()
        conn.close()
    return _receipt(None, ctx, src, counters)


# --- one chunk ----------------------------------------------------------------------


@dataclass
class _Context:
    store: Store
    cat: Catalogue
    agency: Agency
    agencies: list[Agency]
    mapping: Mapping
    plan: list[tuple[str, str]]
    normaliser: N.Normaliser
    today: date
    chunk_rows: int
    header: list[str] = field(default_factory=list)
    kinds_ok: frozenset[str] = frozenset()
    by_uscc: dict[str, Agency] = field(default_factory=dict)
    by_name: dict[str, Agency] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.kinds_ok = frozenset(self.agency.kinds)
        for a in self.agencies:
            if a.uscc:
                self.by_uscc[a.uscc] = a
            self.by_name[_fold_name(a.name_zh)] = a
            if a.name_en:
                self.by_name[_fold_name(a.name_en)] = a
        self.today_iso = self.today.isoformat()
        # the catalogue's publicity rule without a model per row; each (kind, sector) pair
        # goes through ``Catalogue.publicity`` once, for its checks and errors
        self.engine: PublicityEngine = self.cat._engine
        self.publicity_checked: set[tuple[str, str | None]] = set()
        self.flags_json: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
        self.authority_of: dict[tuple[str | None, str | None], Agency | None] = {}
        # a CSV row's mapped fields straight from its values (see ``fields_of``)
        last = {h: i for i, h in enumerate(self.header)}
        self.plan_fields = tuple(f for _, f in self.plan)
        idx = [last.get(h, -1) for h, _ in self.plan]
        self.plan_all = idx == list(range(len(self.header)))
        self.plan_known = -1 not in idx
        self.plan_get: Callable[[Values], tuple[str | None, ...]] | None = (
            itemgetter(*idx) if len(idx) > 1 and self.plan_known else None
        )

    def fields_of(self, values: Values) -> dict[str, str | None]:
        """The mapped fields of a CSV row, as ``{f: row.get(h) for h, f in plan}`` gives them."""
        if self.plan_all:
            return dict(zip(self.plan_fields, values, strict=True))
        if self.plan_get is not None:
            return dict(zip(self.plan_fields, self.plan_get(values), strict=True))
        row = dict(zip(self.header, values, strict=True))
        return {f: row.get(h) for h, f in self.plan}

    def publicity(self, cand: N.Candidate) -> PublicityFields:
        decided_on = cand.decided_on or self.today
        penalty_types = cand.attributes.get("penalty_types")
        if (cand.kind, cand.authority_sector) not in self.publicity_checked:
            self.cat.publicity(
                cand.kind,
                severity=cand.severity,
                decided_on=decided_on,
                sector=cand.authority_sector,
                feed_display_until=cand.feed_display_until,
                valid_to=cand.valid_to,
                today=self.today,
                penalty_types=penalty_types,
            )
            self.publicity_checked.add((cand.kind, cand.authority_sector))
        return self.engine.fields(
            cand.kind,
            cand.severity,
            decided_on,
            cand.authority_sector,
            cand.feed_display_until,
            cand.valid_to,
            self.today,
            None,
            penalty_types,
        )

    def flags(self, own: list[str], derived: tuple[str, ...]) -> str:
        key = (tuple(own), derived)
        out = self.flags_json.get(key)
        if out is None:
            out = self.flags_json[key] = dumps(sorted(set(own) | set(derived)))
        return out

    def raw_of(self, raw: RawRow | Values | str) -> RawRow | str:
        """A row's raw content as the quarantine keeps it (header → value)."""
        if isinstance(raw, tuple):
            return dict(zip(self.header, raw, strict=True))
        return raw

    def authority(self, c: N.Candidate) -> Agency | None:
        key = (c.authority_uscc, c.authority_name)
        try:
            return self.authority_of[key]
        except KeyError:
            pass
        found: Agency | None
        if c.authority_uscc:
            code = unicodedata.normalize("NFKC", c.authority_uscc).strip().upper()
            found = self.by_uscc.get(code)
        elif c.authority_name:
            found = self.by_name.get(_fold_name(c.authority_name))
        else:
            found = self.agency
        self.authority_of[key] = found
        return found


def _fold_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


def _has_surrogates(raw: RawRow) -> bool:
    for v in raw.values():
        if v is not None and not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def _values_have_surrogates(values: Values) -> bool:
    text = "".join([v for v in values if v])
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _show_bytes(v: str | None) -> str | None:
    """Undecodable bytes (kept as surrogates) shown as \\xNN escapes in the quarantine."""
    if v is None:
        return None
    return v.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


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


class _Subjects:
    """Resolves identifiers to subjects for one chunk, creating the new ones."""

    def __init__(self, tx: Tx, batch_id: str | None, now: datetime, now_db: Any) -> None:
        self.tx = tx
        self.batch_id = batch_id
        self.now = now
        self.now_db = now_db  # ``now`` in storage form (see ``bulk.storage_datetime``)
        self.known: dict[tuple[str, str], str] = {}
        self.names: dict[str, str] = {}
        self.new_subjects: list[dict[str, Any]] = []
        self.new_identifiers: list[dict[str, Any]] = []
        self.variants: dict[tuple[str, str], bool] = {}

    def load(self, wanted: set[tuple[str, str]]) -> None:
        by_scheme: dict[str, list[str]] = {}
        for scheme, value in wanted:
            by_scheme.setdefault(scheme, []).append(value)
        ids: set[str] = set()
        conn = self.tx.conn
        for scheme, values in by_scheme.items():
            for value, sid in _select_in(
                conn,
                "SELECT value, subject_id FROM subject_identifiers "
                "WHERE scheme = ? AND value IN ({in})",
                (scheme,),
                sorted(values),
            ):
                self.known[(scheme, value)] = sid
                ids.add(sid)
        for sid, name in _select_in(
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
        sid = self.known.get((scheme, value))
        if sid is None:
            sid = new_id()
            self.known[(scheme, value)] = sid
            self.names[sid] = name
            self.new_subjects.append(
                {
                    "subject_id": sid,
                    "kind": kind,
                    "name": name,
                    "region": region,
                    "first_seen_at": self.now_db,
                    "first_batch": self.batch_id,
                }
            )
            self.new_identifiers.append(
                {"scheme": scheme, "value": value, "subject_id": sid, "first_seen_at": self.now_db}
            )
            if legacy15 and ("ric15", legacy15) not in self.known:
                self.known[("ric15", legacy15)] = sid
                self.new_identifiers.append(
                    {
                        "scheme": "ric15",
                        "value": legacy15,
                        "subject_id": sid,
                        "first_seen_at": self.now_db,
                    }
                )
        elif self.names.get(sid) != name:
            current = self.names.get(sid, "")
            self.variants[(sid, name)] = _material_name(current) != _material_name(name)
        return sid

    def write(self) -> None:
        conn = self.tx.conn
        bulk_insert(conn, subjects, self.new_subjects, ready=True)
        bulk_insert(conn, subject_identifiers, self.new_identifiers, ready=True)
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


def _parts(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _select_in(
    conn: Connection, sql: str, fixed: tuple[Any, ...], values: list[str]
) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (``{in}`` marks the IN list) for ``values`` in parts of 900.

    Plain driver SQL: SQLAlchemy compiles an expanding IN anew for every part, which cost
    more than the lookups themselves. ``fixed`` are the parameters before the IN list.
    """
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    for part in _parts(values, 900):
        stmt = sql.replace("?", mark).replace("{in}", ", ".join([mark] * len(part)))
        yield from conn.exec_driver_sql(stmt, (*fixed, *part))


Prepared = tuple[int, "N.Candidate | N.Rejection", "RawRow | Values | str"]


def _prepare(ctx: _Context, row_no: int, raw: RawRow | Values | str) -> Prepared:
    """Everything about a row that needs no database: map, normalise, permissions."""
    if isinstance(raw, str):
        return row_no, N.Rejection(row_no, N.MALFORMED_ROW, f"row {row_no} {raw}"), raw
    if isinstance(raw, tuple):
        if _values_have_surrogates(raw):
            shown = {k: _show_bytes(v) for k, v in zip(ctx.header, raw, strict=True)}
            msg = "the row has bytes that are not valid text"
            return row_no, N.Rejection(row_no, N.BAD_ENCODING, msg), shown
        fields = ctx.fields_of(raw)
    else:
        if _has_surrogates(raw):
            shown = {k: _show_bytes(v) for k, v in raw.items()}
            msg = "the row has bytes that are not valid text"
            return row_no, N.Rejection(row_no, N.BAD_ENCODING, msg), shown
        fields = {f: raw.get(h) for h, f in ctx.plan}
    res = ctx.normaliser(row_no, fields)
    if isinstance(res, N.Rejection):
        return row_no, res, raw
    if res.kind not in ctx.kinds_ok:
        msg = f"agency {ctx.agency.code} may not report {res.kind} records"
        return row_no, N.Rejection(row_no, N.KIND_NOT_PERMITTED, msg), raw
    auth = ctx.authority(res)
    if auth is None:
        who = res.authority_uscc or res.authority_name
        msg = (
            f"deciding authority {who!r} is not a registered agency "
            "(register it with `xinyong agencies add`)"
        )
        return row_no, N.Rejection(row_no, N.UNREGISTERED_AUTHORITY, msg), raw
    res.authority_code = auth.code
    res.authority_sector = auth.sector
    res.template = _record_template(ctx, res)
    return row_no, res, raw


def _record_template(ctx: _Context, cand: N.Candidate) -> dict[str, Any]:
    """The record row as far as it follows from the row alone (no store state).

    Values are in storage form already (ISO dates, encoded JSON), which both engines
    accept as they are.
    """
    pub = ctx.publicity(cand)
    revoked = cand.status == "revoked"
    decided_on = cand.decided_on
    valid_from = cand.valid_from
    valid_to = cand.valid_to
    display_until = pub.display_until
    repair_from = pub.repair_from
    return {
        "record_id": None,  # a new record's id is drawn when it is written
        "reporting_agency": ctx.agency.code,
        "source_key": cand.source_key,
        "kind": cand.kind,
        "content_hash": cand.content_hash,
        "deciding_authority": cand.authority_code,
        "decision_no": cand.decision_no,
        "decided_on": None if decided_on is None else decided_on.isoformat(),
        "published_on": ctx.today_iso,
        "valid_from": None if valid_from is None else valid_from.isoformat(),
        "valid_to": None if valid_to is None else valid_to.isoformat(),
        "legal_basis_text": cand.legal_basis_text,
        "severity": cand.severity,
        "severity_derived": cand.severity_derived,
        "amount_fen": cand.amount_fen,
        "status": cand.status,
        "ended_on": ctx.today_iso if revoked else None,
        "publication": "withdrawn"
        if revoked
        else ("published" if pub.published else "unpublished"),
        "regime_id": pub.regime_id,
        "display_until": None if display_until is None else display_until.isoformat(),
        "repair_from": None if repair_from is None else repair_from.isoformat(),
        "repair_regime_id": pub.repair_regime_id,
        "flags": ctx.flags(cand.flags, pub.flags),
        "attributes": cand.attributes_json,
        "locked": False,
        "source_row": cand.row,
        "superseded_at": None,
    }


def _process_chunk(tx: Tx, ctx: _Context, batch_id: str | None, items: list[Prepared]) -> Counters:
    c = Counters(rows=len(items))
    now = now_utc()
    # the instant as the engine stores it, for rows written below SQLAlchemy
    now_db = storage_datetime(now, tx.conn)
    rejected: list[tuple[int, str, str, RawRow | str]] = []
    cands: list[tuple[N.Candidate, RawRow | Values | str]] = []
    for row_no, res, raw in items:
        if isinstance(res, N.Rejection):
            rejected.append((row_no, res.reason, res.message, ctx.raw_of(raw)))
        else:
            cands.append((res, raw))

    # subjects (and legal representatives)
    subj = _Subjects(tx, batch_id, now, now_db)
    wanted: set[tuple[str, str]] = set()
    for cand, _ in cands:
        wanted.add((cand.id_scheme, cand.id_value))
        if cand.legal_rep and cand.legal_rep.scheme and cand.legal_rep.value:
            wanted.add((cand.legal_rep.scheme, cand.legal_rep.value))
    subj.load(wanted)
    subject_of: list[str] = []
    for cand, _ in cands:
        subject_of.append(
            subj.resolve(
                cand.subject_kind,
                cand.subject_name,
                cand.id_scheme,
                cand.id_value,
                cand.region,
                cand.legacy15,
            )
        )

    # current versions of the natural keys in this chunk
    current: dict[tuple[str, str], dict[str, Any]] = {}
    keys = sorted({cand.source_key for cand, _ in cands})
    for record_id, version, content_hash, locked, source_key, subject_id, linked_to in _select_in(
        tx.conn,
        "SELECT record_id, version, content_hash, locked, source_key, subject_id, linked_to "
        "FROM records WHERE reporting_agency = ? AND superseded_at IS NULL "
        "AND source_key IN ({in})",
        (ctx.agency.code,),
        keys,
    ):
        current[(source_key, subject_id)] = {
            "record_id": record_id,
            "version": version,
            "content_hash": content_hash,
            "locked": bool(locked),
            "linked_to": linked_to,
        }

    new_rows: list[dict[str, Any]] = []
    superseded: list[dict[str, Any]] = []
    seen_again: list[dict[str, Any]] = []
    role_rows: list[tuple[N.Candidate, str, str]] = []
    pending: dict[tuple[str, int], dict[str, Any]] = {}
    for (cand, raw), sid in zip(cands, subject_of, strict=True):
        key = (cand.source_key, sid)
        cur = current.get(key)
        if cur is not None and cur["content_hash"] == cand.content_hash:
            c.duplicates += 1
            if (cur["record_id"], int(cur["version"])) not in pending:
                seen_again.append({"b_rid": cur["record_id"], "b_v": cur["version"], "b_now": now})
            continue
        if cur is not None and cur["locked"]:
            rejected.append(
                (
                    cand.row,
                    N.CONFLICTS_WITH_CORRECTED,
                    "this record was corrected by a case outcome; the feed's content conflicts "
                    "with the corrected version and was not applied",
                    ctx.raw_of(raw),
                )
            )
            continue
        row = cand.template  # the candidate's own: not used again
        if cur is None:
            record_id, version = new_id(), 1
            c.accepted += 1
            linked_to = None
        else:
            record_id, version = cur["record_id"], int(cur["version"]) + 1
            c.superseded += 1
            linked_to = cur["linked_to"]
            earlier = pending.get((record_id, int(cur["version"])))
            if earlier is not None:  # superseded within this chunk: not written yet
                earlier["superseded_at"] = now_db
            else:
                superseded.append({"b_rid": record_id, "b_v": cur["version"], "b_now": now})
        row["record_id"] = record_id
        row["version"] = version
        row["subject_id"] = sid
        row["linked_to"] = linked_to
        row["batch_id"] = batch_id
        row["recorded_at"] = now_db
        row["last_seen_at"] = now_db
        new_rows.append(row)
        pending[(record_id, version)] = row
        current[key] = {
            "record_id": record_id,
            "version": version,
            "content_hash": cand.content_hash,
            "locked": False,
            "linked_to": linked_to,
        }
        if cand.legal_rep is not None and cand.subject_kind != "person":
            role_rows.append((cand, sid, record_id))

    _link_channels(tx.conn, ctx, new_rows, c)
    subj_roles = _roles(tx.conn, subj, role_rows, ctx.today, now)
    subj.write()
    conn = tx.conn
    _stamp_versions(conn, "superseded_at", superseded)
    bulk_insert(conn, records, new_rows, ready=True)
    _stamp_versions(conn, "last_seen_at", seen_again)
    bulk_insert(conn, roles, subj_roles)
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


def _stamp_versions(conn: Connection, column: str, rows: list[dict[str, Any]]) -> None:
    """Set a transaction-time column on record versions ``(b_rid, b_v)`` to ``b_now``."""
    if rows:
        conn.execute(
            update(records)
            .where(
                and_(
                    records.c.record_id == bindparam("b_rid"),
                    records.c.version == bindparam("b_v"),
                )
            )
            .values({column: bindparam("b_now")}),
            rows,
        )


def _link_channels(
    conn: Connection, ctx: _Context, new_rows: list[dict[str, Any]], c: Counters
) -> None:
    """Recognise the same decision (authority, document number, subject) from another channel."""
    fresh = [r for r in new_rows if r["version"] == 1 and r["decision_no"]]
    if not fresh:
        return
    by_authority: dict[str, set[str]] = {}
    for r in fresh:
        by_authority.setdefault(r["deciding_authority"], set()).add(r["decision_no"])
    found: dict[tuple[str, str, str], str] = {}
    for authority, nums in sorted(by_authority.items()):
        for record_id, decision_no, subject_id, linked_to in _select_in(
            conn,
            "SELECT record_id, decision_no, subject_id, linked_to FROM records "
            "WHERE deciding_authority = ? AND superseded_at IS NULL "
            "AND reporting_agency <> ? AND decision_no IN ({in})",
            (authority, ctx.agency.code),
            sorted(nums),
        ):
            found[(authority, decision_no, subject_id)] = linked_to or record_id
    for r in fresh:
        target = found.get((r["deciding_authority"], r["decision_no"], r["subject_id"]))
        if target:
            r["linked_to"] = target
            c.linked += 1


def _roles(
    conn: Connection,
    subj: _Subjects,
    role_rows: list[tuple[N.Candidate, str, str]],
    today: date,
    now: datetime,
) -> list[dict[str, Any]]:
    """Dated legal-representative roles from registry and penalty rows."""
    if not role_rows:
        return []
    org_ids = sorted({sid for _, sid, _ in role_rows})
    existing: dict[str, list[dict[str, Any]]] = {}
    for part in _parts(org_ids, 900):
        for r in conn.execute(
            select(roles).where(
                roles.c.org_subject_id.in_(part), roles.c.role == "legal_representative"
            )
        ):
            existing.setdefault(r.org_subject_id, []).append(dict(r._mapping))
    out: list[dict[str, Any]] = []
    ended: list[dict[str, Any]] = []
    for cand, org_sid, record_id in role_rows:
        rep = cand.legal_rep
        assert rep is not None
        person_sid = None
        if rep.scheme and rep.value:
            person_sid = subj.resolve(
                "person",
                rep.name,
                rep.scheme,
                rep.value,
                rep.value[:6] if rep.scheme == "ric" else None,
                rep.legacy15,
            )
        since = cand.decided_on or today
        rows = existing.setdefault(org_sid, [])
        known = False
        for held in rows:
            if person_sid and held["person_subject_id"]:
                known = held["person_subject_id"] == person_sid
            else:
                known = held["person_name"] == rep.name
            if known:
                break
        if known:
            continue
        valid_to = None
        for held in rows:
            if held["valid_to"] is not None:
                continue
            if held["valid_from"] is None or held["valid_from"] <= since:
                held["valid_to"] = since
                if "role_id" in held:
                    ended.append({"b_id": held["role_id"], "b_to": since})
            else:
                valid_to = held["valid_from"]  # an older representative learned late
        row = {
            "org_subject_id": org_sid,
            "role": "legal_representative",
            "person_subject_id": person_sid,
            "person_name": rep.name,
            "valid_from": since,
            "valid_to": valid_to,
            "source_record_id": record_id,
            "first_seen_at": now,
        }
        rows.append(row)
        out.append(row)
    if ended:
        conn.execute(
            update(roles)
            .where(roles.c.role_id == bindparam("b_id"))
            .values(valid_to=bindparam("b_to")),
            ended,
        )
    return out
