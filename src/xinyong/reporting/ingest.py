"""Ingesting a lender's feed: rows → accounts and monthly statuses, in committed chunks.

The same guarantees as agency feeds (``xinyong.ingest.pipeline``): a bad row is
quarantined with its reason and the rest goes through; a row identical to what is stored
is a duplicate (an idempotent rerun changes nothing); each chunk — its accounts, statuses,
new subjects, quarantined rows, the batch's counters and next row, and its audit entry —
commits in one transaction, and a rerun of the same file resumes the interrupted batch
at its next row, so a SIGKILL at any point ends in the state a clean run gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, and_, bindparam, insert, select, text, update
from ulid import ULID

from xinyong.audit.log import now_utc
from xinyong.calendar import today_cst
from xinyong.errors import Conflict
from xinyong.ingest.counters import Counters
from xinyong.ingest.readers import RawRow, chunked, has_surrogates, open_source
from xinyong.reporting import feed as F
from xinyong.reporting.consent import collect_consents
from xinyong.reporting.lenders import get_lender
from xinyong.store.context import Store, Tx
from xinyong.store.tables import (
    credit_accounts,
    credit_statuses,
    reporting_batches,
    reporting_quarantine,
    subject_identifiers,
    subjects,
)

#: the advisory lock reporting chunks hold on PostgreSQL (subjects are created by lookup)
REPORTING_LOCK = 0x78696E7A


@dataclass
class FeedRequest:
    path: Path
    lender: str
    actor: str | None = None
    today: date | None = None
    chunk_rows: int | None = None
    #: test hook: called after each committed chunk with the next row
    after_chunk: Callable[[int], None] | None = None


class FeedReceipt(BaseModel):
    batch_id: str
    lender: str
    file_sha256: str
    rows: int
    accepted: int  # new account-months
    duplicates: int  # identical to what is stored
    superseded: int  # an account-month reported again with other content
    quarantined: int
    reasons: dict[str, int]


def new_id() -> str:
    return str(ULID())


def ingest_feed(store: Store, req: FeedRequest) -> FeedReceipt:
    """Ingest (or resume) one lender file; raises before writing for an unusable file."""
    src = open_source(req.path)
    cols = F.plan_columns(src.header)
    today = req.today or today_cst()
    with store.read() as conn:
        get_lender(conn, req.lender)
    actor = req.actor or store.default_actor()
    size = req.chunk_rows or store.settings.ingest_chunk_rows
    batch_id, next_row, total = _open_batch(store, req.lender, src.path.name, src.sha256, actor)
    parse = F.RowParser(cols, today)
    for chunk in chunked(src.rows(next_row), size):
        end_row = chunk[-1][0] + 1
        with store.write(actor) as tx:
            _guard(tx.conn, batch_id, next_row)
            delta = _process_chunk(tx, req.lender, parse, batch_id, chunk, today)
            total.add(delta)
            tx.conn.execute(
                update(reporting_batches)
                .where(reporting_batches.c.batch_id == batch_id)
                .values(next_row=end_row, **total.values())
            )
            tx.audit(
                "reporting.chunk",
                "reporting_batch",
                batch_id,
                {"rows": [chunk[0][0], chunk[-1][0]], **delta.values()},
            )
        next_row = end_row
        if req.after_chunk:
            req.after_chunk(next_row)
    with store.write(actor, checkpoint=True) as tx:
        tx.conn.execute(
            update(reporting_batches)
            .where(
                reporting_batches.c.batch_id == batch_id, reporting_batches.c.status == "running"
            )
            .values(status="done", finished_at=now_utc())
        )
        tx.audit("reporting.finished", "reporting_batch", batch_id, total.values())
    return FeedReceipt(
        batch_id=batch_id, lender=req.lender, file_sha256=src.sha256, **total.values()
    )


def _open_batch(
    store: Store, lender: str, file_name: str, sha256: str, actor: str
) -> tuple[str, int, Counters]:
    """Resume the running batch of this file, or start a new one."""
    with store.write(actor) as tx:
        row = tx.conn.execute(
            select(reporting_batches).where(
                reporting_batches.c.lender == lender,
                reporting_batches.c.file_sha256 == sha256,
                reporting_batches.c.status == "running",
            )
        ).first()
        if row is not None:
            r = row._mapping
            c = Counters.from_batch(r)
            return r["batch_id"], int(r["next_row"]), c
        batch_id = new_id()
        tx.conn.execute(
            insert(reporting_batches).values(
                batch_id=batch_id,
                lender=lender,
                file_name=file_name,
                file_sha256=sha256,
                actor=tx.actor,
                status="running",
                next_row=1,
                started_at=now_utc(),
                **Counters().values(),
            )
        )
        tx.audit(
            "reporting.started",
            "reporting_batch",
            batch_id,
            {"lender": lender, "file_sha256": sha256},
        )
    return batch_id, 1, Counters()


def _guard(conn: Connection, batch_id: str, expected_next: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REPORTING_LOCK})
    cur = conn.execute(
        select(reporting_batches.c.next_row, reporting_batches.c.status)
        .where(reporting_batches.c.batch_id == batch_id)
        .with_for_update()
    ).one()
    if cur.status != "running" or int(cur.next_row) != expected_next:
        raise Conflict(
            f"batch {batch_id} moved on under us (another ingest of the same file is running)",
            code="concurrent_ingest",
        )


Item = tuple[int, RawRow | str]


def _parts(items: list[Any], n: int = 900) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _process_chunk(
    tx: Tx, lender: str, parse: F.RowParser, batch_id: str, chunk: list[Item], today: date
) -> Counters:
    conn = tx.conn
    cols = parse.cols
    c = Counters(rows=len(chunk))
    now = now_utc()
    rejected: list[tuple[int, str, str, dict[str, Any]]] = []
    good: list[tuple[F.FeedRow, RawRow]] = []
    for row_no, raw in chunk:
        if isinstance(raw, str):
            rejected.append((row_no, F.MALFORMED_ROW, f"row {row_no} {raw}", {"_unparsed": raw}))
            continue
        if has_surrogates(raw):
            shown = {
                k: (
                    v.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                    if v
                    else v
                )
                for k, v in raw.items()
            }
            rejected.append(
                (row_no, F.BAD_ENCODING, "the row has bytes that are not valid text", shown)
            )
            continue
        res = parse(row_no, raw)
        if isinstance(res, F.Rejection):
            rejected.append((res.row, res.reason, res.message, F.redact(raw, cols)))
        else:
            good.append((res, raw))

    # subjects: look identifiers up, create the unknown ones
    known: dict[tuple[str, str], str] = {}
    wanted = sorted({(r.id_scheme, r.id_value) for r, _ in good})
    by_scheme: dict[str, list[str]] = {}
    for s, v in wanted:
        by_scheme.setdefault(s, []).append(v)
    for scheme, values in by_scheme.items():
        for part in _parts(values):
            for value, sid in conn.execute(
                select(subject_identifiers.c.value, subject_identifiers.c.subject_id).where(
                    subject_identifiers.c.scheme == scheme, subject_identifiers.c.value.in_(part)
                )
            ):
                known[(scheme, value)] = sid
    new_subjects: list[dict[str, Any]] = []
    new_idents: list[dict[str, Any]] = []

    def subject_of(r: F.FeedRow) -> str:
        key = (r.id_scheme, r.id_value)
        sid = known.get(key)
        if sid is None:
            sid = known[key] = new_id()
            new_subjects.append(
                {
                    "subject_id": sid,
                    "kind": r.subject_kind,
                    "name": r.borrower_name,
                    "region": r.id_value[:6] if r.id_scheme == "ric" else None,
                    "first_seen_at": now,
                    "first_batch": None,
                }
            )
            new_idents.append(
                {
                    "scheme": r.id_scheme,
                    "value": r.id_value,
                    "subject_id": sid,
                    "first_seen_at": now,
                }
            )
        return sid

    # accounts and statuses already stored for this chunk's account numbers
    accounts: dict[str, dict[str, Any]] = {}
    numbers = sorted({r.account_no for r, _ in good})
    for part in _parts(numbers):
        for arow in conn.execute(
            select(
                credit_accounts.c.account_id,
                credit_accounts.c.account_no,
                credit_accounts.c.subject_id,
                credit_accounts.c.content_hash,
                credit_accounts.c.version,
            ).where(credit_accounts.c.lender == lender, credit_accounts.c.account_no.in_(part))
        ):
            accounts[arow.account_no] = {
                "account_id": arow.account_id,
                "subject_id": arow.subject_id,
                "content_hash": arow.content_hash,
                "version": int(arow.version),
                "state": "stored",
            }
    statuses: dict[tuple[str, str], dict[str, Any]] = {}
    ids = sorted(a["account_id"] for a in accounts.values())
    months = sorted({r.month for r, _ in good})
    for part in _parts(ids):
        for srow in conn.execute(
            select(
                credit_statuses.c.account_id,
                credit_statuses.c.month,
                credit_statuses.c.content_hash,
                credit_statuses.c.version,
                credit_statuses.c.locked,
            ).where(credit_statuses.c.account_id.in_(part), credit_statuses.c.month.in_(months))
        ):
            statuses[(srow.account_id, srow.month)] = {
                "content_hash": srow.content_hash,
                "version": int(srow.version),
                "locked": bool(srow.locked),
                "state": "stored",
            }

    # Art. 14 items need the subject's written consent to this lender
    with_items = [r for r, _ in good if r.sensitive]
    allowed: dict[str, set[str]] = {}
    if with_items:
        sids = sorted(
            {
                known[(r.id_scheme, r.id_value)]
                for r in with_items
                if (r.id_scheme, r.id_value) in known
            }
        )
        allowed = collect_consents(conn, lender, sids, today)

    for r, raw in good:
        sid = subject_of(r)
        if r.sensitive:
            missing = sorted(set(r.sensitive) - allowed.get(sid, set()))
            if missing:
                rejected.append(
                    (
                        r.row,
                        F.NO_WRITTEN_CONSENT,
                        f"{', '.join(missing)} may be collected only with the borrower's "
                        "recorded written consent to this lender (Art. 14)",
                        F.redact(raw, cols),
                    )
                )
                continue
        acc = accounts.get(r.account_no)
        if acc is not None and acc["subject_id"] != sid:
            rejected.append(
                (
                    r.row,
                    F.OTHER_BORROWER,
                    f"account {r.account_no} was reported for another borrower",
                    F.redact(raw, cols),
                )
            )
            continue
        ahash = F.account_hash(r)
        svalues = r.status_values()
        shash = F.status_hash(r.status, r.balance_fen, r.overdue_fen, r.notified_on)
        if acc is not None:
            st = statuses.get((acc["account_id"], r.month))
            if st is not None and st["locked"] and st["content_hash"] != shash:
                rejected.append(
                    (
                        r.row,
                        F.CONFLICTS_WITH_CORRECTED,
                        f"{r.month} of account {r.account_no} was corrected after a dispute; "
                        "the feed's content conflicts with the correction and was not applied",
                        F.redact(raw, cols),
                    )
                )
                continue
        if acc is None:
            acc = accounts[r.account_no] = {
                "account_id": new_id(),
                "subject_id": sid,
                "content_hash": ahash,
                "version": 1,
                "state": "new",
                "values": r.account_values(),
            }
        elif acc["content_hash"] != ahash:
            acc["content_hash"] = ahash
            acc["values"] = r.account_values()
            if acc["state"] == "stored":
                acc["version"] += 1
                acc["state"] = "changed"
            elif acc["state"] == "changed":
                pass  # one version per chunk
        key = (acc["account_id"], r.month)
        st = statuses.get(key)
        if st is None:
            c.accepted += 1
            statuses[key] = {
                "content_hash": shash,
                "version": 1,
                "locked": False,
                "state": "new",
                "values": svalues,
            }
        elif st["content_hash"] == shash:
            c.duplicates += 1
        else:
            c.superseded += 1
            st["content_hash"] = shash
            st["values"] = svalues
            if st["state"] == "stored":
                st["version"] += 1
                st["state"] = "changed"

    # writes
    if new_subjects:
        conn.execute(insert(subjects), new_subjects)
        conn.execute(insert(subject_identifiers), new_idents)
    new_acc: list[dict[str, Any]] = []
    changed_acc: list[dict[str, Any]] = []
    for no, a in accounts.items():
        if a["state"] == "new":
            new_acc.append(
                {
                    "account_id": a["account_id"],
                    "lender": lender,
                    "account_no": no,
                    "subject_id": a["subject_id"],
                    **_dates(a["values"]),
                    "content_hash": a["content_hash"],
                    "version": a["version"],
                    "batch_id": batch_id,
                    "recorded_at": now,
                    "updated_at": now,
                }
            )
        elif a["state"] == "changed":
            changed_acc.append(
                {
                    "b_id": a["account_id"],
                    **_dates(a["values"]),
                    "content_hash": a["content_hash"],
                    "version": a["version"],
                    "batch_id": batch_id,
                    "updated_at": now,
                }
            )
    if new_acc:
        conn.execute(insert(credit_accounts), new_acc)
    if changed_acc:
        conn.execute(
            update(credit_accounts)
            .where(credit_accounts.c.account_id == bindparam("b_id"))
            .values({k: bindparam(k) for k in changed_acc[0] if k != "b_id"}),
            changed_acc,
        )
    new_st: list[dict[str, Any]] = []
    changed_st: list[dict[str, Any]] = []
    for (aid, month), st in statuses.items():
        if st["state"] == "new":
            new_st.append(
                {
                    "account_id": aid,
                    "month": month,
                    **_dates(st["values"]),
                    "content_hash": st["content_hash"],
                    "version": st["version"],
                    "locked": False,
                    "batch_id": batch_id,
                    "recorded_at": now,
                    "updated_at": now,
                }
            )
        elif st["state"] == "changed":
            changed_st.append(
                {
                    "b_id": aid,
                    "b_month": month,
                    **_dates(st["values"]),
                    "content_hash": st["content_hash"],
                    "version": st["version"],
                    "batch_id": batch_id,
                    "updated_at": now,
                }
            )
    if new_st:
        conn.execute(insert(credit_statuses), new_st)
    if changed_st:
        conn.execute(
            update(credit_statuses)
            .where(
                and_(
                    credit_statuses.c.account_id == bindparam("b_id"),
                    credit_statuses.c.month == bindparam("b_month"),
                )
            )
            .values({k: bindparam(k) for k in changed_st[0] if k not in ("b_id", "b_month")}),
            changed_st,
        )
    for _, reason, _, _ in rejected:
        c.reject(reason)
    if rejected:
        conn.execute(
            insert(reporting_quarantine),
            [
                {"batch_id": batch_id, "row": n, "reason": reason, "message": msg, "raw": raw}
                for n, reason, msg, raw in sorted(rejected, key=lambda t: t[0])
            ],
        )
    return c


def _dates(values: dict[str, Any]) -> dict[str, Any]:
    """Stored values from the hashed form (ISO dates back to ``date``)."""
    out = dict(values)
    for k in ("opened_on", "closed_on", "notified_on"):
        if k in out and out[k] is not None:
            out[k] = date.fromisoformat(out[k])
    return out


def quarantined(conn: Connection, batch_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(reporting_quarantine)
        .where(reporting_quarantine.c.batch_id == batch_id)
        .order_by(reporting_quarantine.c.row)
    )
    return [dict(r._mapping) for r in rows]
