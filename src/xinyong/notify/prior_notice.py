"""Prior notice: a person hears of negative information before the public sees it.

The rule (``rights/data/cases.yaml``, ``prior_notice``) names a period (5 working days)
and the record kinds it covers. A current, published record of such a kind that the
catalogue marks negative, about a person (not an organisation or an individual
business), may be displayed publicly from :func:`publish_from` of the CST date the
platform first recorded it. :func:`scan` finds such records recorded since its last run
and emits one ``record.pending_publication`` event each, so the subject is notified
(by the delivery adapters and the subject's webhooks) before the public sees it.

The scan keeps a watermark (the latest ``recorded_at`` it has seen) in ``platform_meta``
and looks back an hour behind it, skipping records it already announced: a record
committed late by a long ingest transaction is not missed, and a rerun emits nothing
twice. The first run (no watermark) announces only records still inside their notice
period; older ones are already public.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, delete, exists, func, insert, select, text
from sqlalchemy.orm import aliased

from xinyong.calendar import CST, Deadline, Duration, WorkCalendar, today_cst
from xinyong.catalogue import Catalogue, get_catalogue
from xinyong.notify.outbox import emit
from xinyong.rights.rules import PriorNotice, get_rules
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store
from xinyong.store.tables import outbox, platform_meta, records, subjects

__all__ = [
    "LOOKBACK",
    "TOPIC",
    "WATERMARK_KEY",
    "needs_prior_notice",
    "notice_kinds",
    "publish_from",
    "publish_from_deadline",
    "recorded_on",
    "scan",
]

TOPIC = "record.pending_publication"
WATERMARK_KEY = "prior_notice.watermark"
#: how far behind the watermark each run looks again (records committed late)
LOOKBACK = timedelta(hours=1)
_LOCK_KEY = 0x78795F706E  # "xy_pn": PostgreSQL advisory lock serialising scans


def _rule(rule: PriorNotice | None) -> PriorNotice:
    return rule or get_rules().prior_notice


def recorded_on(recorded_at: datetime) -> date:
    """The CST date of a transaction timestamp (naive timestamps are UTC, as stored)."""
    ts = recorded_at if recorded_at.tzinfo else recorded_at.replace(tzinfo=UTC)
    return ts.astimezone(CST).date()


def publish_from_deadline(
    recorded_on: date, calendar: WorkCalendar, period: Duration | None = None
) -> Deadline:
    """Like :func:`publish_from`, with the ``provisional`` flag of the working-day count."""
    return calendar.add(recorded_on, period or _rule(None).period)


def publish_from(recorded_on: date, calendar: WorkCalendar, period: Duration | None = None) -> date:
    """The first date a held-back record may be shown to the public.

    ``recorded_on`` is the CST date the platform first recorded the record (its first
    version: a later correction does not restart the period); the period is the prior
    notice rule's (5 working days on the PRC calendar), counted from the day after. The
    record is public *on* the returned date, not after it.
    """
    return publish_from_deadline(recorded_on, calendar, period).due


def notice_kinds(rule: PriorNotice | None = None, cat: Catalogue | None = None) -> list[str]:
    """The rule's record kinds that the catalogue marks negative."""
    c = cat or get_catalogue()
    return sorted(k for k in _rule(rule).kinds if k in c.kinds and c.kind(k).negative)


def needs_prior_notice(
    kind: str,
    subject_kind: str,
    *,
    rule: PriorNotice | None = None,
    cat: Catalogue | None = None,
) -> bool:
    """Whether a record of ``kind`` about a subject of ``subject_kind`` is held back."""
    return subject_kind == "person" and kind in notice_kinds(rule, cat)


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _watermark(conn: Connection) -> datetime | None:
    raw = conn.execute(
        select(platform_meta.c.value).where(platform_meta.c.key == WATERMARK_KEY)
    ).scalar_one_or_none()
    if not raw:
        return None
    try:
        return _aware(datetime.fromisoformat(raw))
    except ValueError:
        return None


def _announced(conn: Connection, since: datetime | None) -> set[str]:
    q = select(outbox.c.payload).where(outbox.c.topic == TOPIC)
    if since is not None:
        q = q.where(outbox.c.at > since)
    out: set[str] = set()
    for (payload,) in conn.execute(q):
        if isinstance(payload, dict) and isinstance(payload.get("record_id"), str):
            out.add(payload["record_id"])
    return out


def scan(
    store: Store,
    *,
    on: date | None = None,
    rule: PriorNotice | None = None,
    calendar: WorkCalendar | None = None,
    actor: str | None = None,
) -> int:
    """Emit ``record.pending_publication`` for new held-back records; returns how many.

    ``on`` (default: today in CST) is the run's date: records recorded after that CST day
    are left for a later run, and an event says ``late`` when its ``publish_from`` is not
    after ``on`` (the job did not run in time).
    """
    r = _rule(rule)
    run_on = on or today_cst()
    kinds = notice_kinds(r)
    cal = calendar or work_calendar(store)
    end = datetime.combine(run_on + timedelta(days=1), time(0), tzinfo=CST).astimezone(UTC)
    emitted = 0
    with store.write(actor) as tx:
        conn = tx.conn
        if not store.sqlite:  # one scan at a time (SQLite's BEGIN IMMEDIATE already is)
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        mark = _watermark(conn)
        cutoff = mark - LOOKBACK if mark is not None else None
        rows: list[Any] = []
        if kinds:
            earlier = aliased(records)
            q = (
                select(
                    records.c.record_id,
                    records.c.version,
                    records.c.kind,
                    records.c.subject_id,
                    records.c.recorded_at,
                )
                .join(subjects, subjects.c.subject_id == records.c.subject_id)
                .where(
                    records.c.superseded_at.is_(None),
                    records.c.kind.in_(kinds),
                    records.c.status != "revoked",
                    records.c.publication == "published",
                    subjects.c.kind == "person",
                    records.c.recorded_at < end,
                )
                .order_by(records.c.recorded_at, records.c.record_id)
            )
            if cutoff is not None:
                q = q.where(
                    records.c.recorded_at > cutoff,
                    ~exists(
                        select(earlier.c.record_id).where(
                            earlier.c.record_id == records.c.record_id,
                            earlier.c.recorded_at <= cutoff,
                        )
                    ),
                )
            rows = list(conn.execute(q))
        first_seen: dict[str, datetime] = {}
        if rows:
            ids = sorted({row.record_id for row in rows})
            for i in range(0, len(ids), 500):
                for rid, first in conn.execute(
                    select(records.c.record_id, func.min(records.c.recorded_at))
                    .where(records.c.record_id.in_(ids[i : i + 500]))
                    .group_by(records.c.record_id)
                ):
                    first_seen[rid] = _aware(first)
        done = _announced(conn, cutoff) if rows else set()
        skipped_old = 0
        for row in rows:
            if row.record_id in done:
                continue
            day = recorded_on(first_seen.get(row.record_id, _aware(row.recorded_at)))
            deadline = publish_from_deadline(day, cal, r.period)
            if mark is None and deadline.due <= run_on:
                skipped_old += 1  # first run: already public, nothing to announce
                continue
            payload: dict[str, Any] = {
                "record_id": row.record_id,
                "version": int(row.version),
                "kind": row.kind,
                "recorded_on": day.isoformat(),
                "publish_from": deadline.due.isoformat(),
                "provisional": deadline.provisional,
                "period": str(r.period),
                "late": deadline.due <= run_on,
            }
            emit(tx, TOPIC, subject_id=row.subject_id, payload=payload)
            done.add(row.record_id)
            emitted += 1
        latest = conn.execute(
            select(func.max(records.c.recorded_at)).where(records.c.recorded_at < end)
        ).scalar_one_or_none()
        new_mark = mark
        if latest is not None and (mark is None or _aware(latest) > mark):
            new_mark = _aware(latest)
        if new_mark is not None and new_mark != mark:
            conn.execute(delete(platform_meta).where(platform_meta.c.key == WATERMARK_KEY))
            conn.execute(
                insert(platform_meta).values(
                    key=WATERMARK_KEY, value=new_mark.astimezone(UTC).isoformat()
                )
            )
        if emitted or new_mark != mark:
            tx.audit(
                "prior_notice.scanned",
                "job",
                "prior_notice",
                {
                    "on": run_on.isoformat(),
                    "emitted": emitted,
                    "skipped_already_public": skipped_old,
                    "watermark": new_mark.astimezone(UTC).isoformat() if new_mark else None,
                },
            )
    return emitted
