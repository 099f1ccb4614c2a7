"""Notices of a published entry's measures to their implementing agencies, acknowledged
and reported back on by named officers (抄告/反馈)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, insert, select, update
from ulid import ULID

from xinyong.actors import Principal, Role
from xinyong.audit.log import now_utc
from xinyong.calendar import today_cst
from xinyong.catalogue import Catalogue
from xinyong.errors import Conflict, Forbidden, NotFound
from xinyong.lists.model import Entry
from xinyong.store.actors import get_agency
from xinyong.store.context import Tx
from xinyong.store.tables import measure_notices


class NoticeStatus(StrEnum):
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REPORTED = "reported"


class Notice(BaseModel):
    model_config = ConfigDict(frozen=True)

    notice_id: str
    entry_id: str
    measure_id: str
    implementing_type: str
    subject_id: str
    status: NoticeStatus
    sent_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_on: date | None = None
    acknowledged_by: str | None = None
    acknowledging_agency: str | None = None
    applied: bool | None = None
    feedback: str | None = None
    reported_at: datetime | None = None
    reported_by: str | None = None


def applicable_measures(cat: Catalogue, list_id: str, subject_kind: str) -> list[str]:
    """Measures of ``list_id`` that can reach a subject of ``subject_kind``: directly, or
    through its representatives when the subject is a unit."""
    out = []
    for m in cat.measures_for_list(list_id):
        kind_ok = m.subject_kinds is None or subject_kind in {k.value for k in m.subject_kinds}
        direct = not m.representatives_only and kind_ok
        # a measure reaching a unit's representatives still names the units it covers
        via_reps = m.applies_to_unit_representatives and subject_kind != "person" and kind_ok
        if direct or via_reps:
            out.append(m.id)
    return out


def issue_notices(tx: Tx, cat: Catalogue, entry: Entry, subject_kind: str) -> int:
    """One notice per applicable measure of a newly published entry; returns how many."""
    at = now_utc()
    rows: list[dict[str, Any]] = []
    for mid in applicable_measures(cat, entry.list_id, subject_kind):
        m = cat.measure(mid)
        rows.append(
            {
                "notice_id": str(ULID()),
                "entry_id": entry.entry_id,
                "measure_id": mid,
                "implementing_type": m.implementing_agency.type,
                "subject_id": entry.subject_id,
                "status": NoticeStatus.SENT.value,
                "sent_at": at,
            }
        )
    if rows:
        tx.conn.execute(insert(measure_notices), rows)
        tx.audit(
            "measure.notices.sent",
            "list_entry",
            entry.entry_id,
            {
                "measures": [r["measure_id"] for r in rows],
                "notices": [r["notice_id"] for r in rows],
            },
        )
    return len(rows)


def get_notice(conn: Connection, notice_id: str) -> Notice:
    row = conn.execute(
        select(measure_notices).where(measure_notices.c.notice_id == notice_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no notice {notice_id!r}", code="unknown_notice")
    return Notice.model_validate(dict(row._mapping))


def officer_types(conn: Connection, officer: Principal) -> set[str]:
    """Implementing types ``officer`` acts for: its agency's, if it holds the role."""
    if Role.IMPLEMENTING_OFFICER not in officer.roles:
        return set()
    agency = get_agency(conn, officer.organisation, missing_ok=True)
    return set(agency.implements) if agency else set()


def _require_officer(conn: Connection, officer: Principal, n: Notice) -> None:
    if Role.IMPLEMENTING_OFFICER not in officer.roles:
        raise Forbidden(
            f"{officer.principal_id} is not an implementing officer",
            code="not_implementing_officer",
        )
    if n.implementing_type not in officer_types(conn, officer):
        raise Forbidden(
            f"notice {n.notice_id} is for {n.implementing_type} agencies; "
            f"{officer.organisation} does not implement it",
            code="other_agency",
        )


def acknowledge(tx: Tx, officer: Principal, notice_id: str, *, on: date | None = None) -> Notice:
    """A named officer of the implementing agency acknowledges: the measure is in force
    for the entry's subject from ``on`` (default today) until the entry ends."""
    n = get_notice(tx.conn, notice_id)
    _require_officer(tx.conn, officer, n)
    if n.status is not NoticeStatus.SENT:
        raise Conflict(f"notice {notice_id} was already acknowledged", code="already_acknowledged")
    day = on or today_cst()
    at = now_utc()
    tx.conn.execute(
        update(measure_notices)
        .where(measure_notices.c.notice_id == notice_id)
        .values(
            status=NoticeStatus.ACKNOWLEDGED.value,
            acknowledged_at=at,
            acknowledged_on=day,
            acknowledged_by=officer.principal_id,
            acknowledging_agency=officer.organisation,
        )
    )
    tx.audit(
        "measure.notice.acknowledged",
        "notice",
        notice_id,
        {"entry": n.entry_id, "measure": n.measure_id, "on": day.isoformat()},
        actor=officer.principal_id,
    )
    return get_notice(tx.conn, notice_id)


def report_back(
    tx: Tx, officer: Principal, notice_id: str, *, applied: bool, note: str | None = None
) -> Notice:
    """The officer reports whether the measure was applied (the 反馈 of the loop)."""
    n = get_notice(tx.conn, notice_id)
    _require_officer(tx.conn, officer, n)
    if n.status is NoticeStatus.SENT:
        raise Conflict(f"notice {notice_id} must be acknowledged first", code="not_acknowledged")
    if n.status is NoticeStatus.REPORTED:
        raise Conflict(f"notice {notice_id} was already reported on", code="already_reported")
    tx.conn.execute(
        update(measure_notices)
        .where(measure_notices.c.notice_id == notice_id)
        .values(
            status=NoticeStatus.REPORTED.value,
            applied=applied,
            feedback=note,
            reported_at=now_utc(),
            reported_by=officer.principal_id,
        )
    )
    tx.audit(
        "measure.notice.reported",
        "notice",
        notice_id,
        {"entry": n.entry_id, "measure": n.measure_id, "applied": applied},
        actor=officer.principal_id,
    )
    return get_notice(tx.conn, notice_id)


def notices_for(
    conn: Connection,
    *,
    types: set[str] | None = None,
    status: NoticeStatus | None = None,
    entry_id: str | None = None,
    limit: int = 1000,
) -> list[Notice]:
    """Notices, oldest first: an agency's queue (``types``), or an entry's."""
    q = select(measure_notices).order_by(measure_notices.c.sent_at, measure_notices.c.notice_id)
    if types is not None:
        q = q.where(measure_notices.c.implementing_type.in_(sorted(types)))
    if status is not None:
        q = q.where(measure_notices.c.status == status.value)
    if entry_id is not None:
        q = q.where(measure_notices.c.entry_id == entry_id)
    return [Notice.model_validate(dict(r._mapping)) for r in conn.execute(q.limit(limit))]
