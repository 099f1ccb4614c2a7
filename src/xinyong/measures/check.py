"""The check service: "may this subject be sold a flight ticket today?"

An implementing agency asks about one measure for one subject (or up to 1,000) on a
date. The subject is restricted when an entry of a list the measure attaches to is in
force on that date and the agency's officer has acknowledged its notice (CONTRACTS.md
"in force"); a listed unit's legal representative is restricted within the scope the
list's rules give (the court list: spending the unit's assets). An unknown subject is
not restricted and is said to be unknown. Every check is logged: on the subject's query
log when the subject is known, on the audit log in any case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, or_, select

from xinyong.actors import Principal, Role
from xinyong.catalogue import Catalogue
from xinyong.catalogue.model import MeasureDef, MeasureEffect
from xinyong.credit_file.assemble import find_subject
from xinyong.errors import Forbidden, NotFound
from xinyong.lists.model import WAS_PUBLISHED
from xinyong.measures.notices import NoticeStatus
from xinyong.store.actors import get_agency
from xinyong.store.context import Store, Tx
from xinyong.store.query_log import log_read
from xinyong.store.tables import list_entries, measure_notices, roles, subjects

MAX_BATCH = 1000
CHECK_RESOURCE = "check"


class CheckedEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    entry_id: str
    list_id: str
    ground: str | None
    deciding_authority: str
    term_start: date
    term_end: date | None
    in_force_from: date  # the later of the term start and the acknowledgement
    scope: str  # subject | unit_assets | personal
    via_unit: str | None = None  # the listed unit, for a representative


class CheckAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str  # as asked
    subject_id: str | None
    known: bool
    measure: str
    effect: MeasureEffect
    on: date
    restricted: bool
    granted: bool  # a reward measure that applies
    scope: str | None  # the widest scope of the entries found
    entries: list[CheckedEntry]
    legal_basis: list[str]


_LIVE = (NoticeStatus.ACKNOWLEDGED.value, NoticeStatus.REPORTED.value)
_SCOPE_ORDER = {"subject": 0, "personal": 1, "unit_assets": 2}


def may_check(conn: Connection, p: Principal, m: MeasureDef) -> bool:
    """An administrator, or a key of an agency that implements ``m``."""
    if Role.ADMIN in p.roles:
        return True
    if not ({Role.AGENCY, Role.IMPLEMENTING_OFFICER} & p.roles):
        return False
    agency = get_agency(conn, p.organisation, missing_ok=True)
    return agency is not None and m.implementing_agency.type in agency.implements


def require_checker(conn: Connection, p: Principal, m: MeasureDef) -> None:
    if not may_check(conn, p, m):
        raise Forbidden(
            f"{p.principal_id} may check only the measures its agency implements; "
            f"{m.id} is implemented by {m.implementing_agency.type} agencies",
            code="not_implementing_agency",
        )


def _entries(conn: Connection, subject_ids: Sequence[str], m: MeasureDef, on: date) -> list[Any]:
    e, n = list_entries.c, measure_notices.c
    q = (
        select(
            e.entry_id,
            e.list_id,
            e.ground,
            e.deciding_authority,
            e.term_start,
            e.term_end,
            e.subject_id,
            n.acknowledged_on,
        )
        .select_from(measure_notices.join(list_entries, e.entry_id == n.entry_id))
        .where(
            n.subject_id.in_(subject_ids)
            if len(subject_ids) > 1
            else n.subject_id == subject_ids[0],
            n.measure_id == m.id,
            n.status.in_(_LIVE),
            n.acknowledged_on <= on,
            # `status || ''` keeps SQLite (no statistics) from driving the join from the
            # status index and probing every published entry when several units are asked
            e.status.concat("").in_([s.value for s in WAS_PUBLISHED]),
            e.term_start <= on,
            or_(e.term_end.is_(None), e.term_end > on),
            or_(e.ended_on.is_(None), e.ended_on > on),
        )
    )
    return list(conn.execute(q))


def answer(conn: Connection, cat: Catalogue, m: MeasureDef, code: str, on: date) -> CheckAnswer:
    """The answer for one subject (no logging: see :func:`check`)."""
    try:
        sid: str | None = find_subject(conn, code)
    except NotFound:
        sid = None
    found: list[CheckedEntry] = []
    if sid is not None:
        kind = conn.execute(
            select(subjects.c.kind).where(subjects.c.subject_id == sid)
        ).scalar_one()
        direct = not m.representatives_only and (
            m.subject_kinds is None or kind in {k.value for k in m.subject_kinds}
        )
        if direct:
            for r in _entries(conn, [sid], m, on):
                found.append(_checked(r, "subject", None))
        if m.applies_to_unit_representatives and kind == "person":
            found += _via_units(conn, cat, m, sid, on)
    basis = [cat.cite(b) for b in m.legal_basis]
    for lid in sorted({f.list_id for f in found}):
        basis += [cat.cite(b) for b in cat.list_def(lid).legal_basis]
    applies = bool(found)
    scope = max((f.scope for f in found), key=_SCOPE_ORDER.__getitem__) if found else None
    return CheckAnswer(
        subject=code,
        subject_id=sid,
        known=sid is not None,
        measure=m.id,
        effect=m.effect,
        on=on,
        restricted=applies and m.effect is MeasureEffect.RESTRICT,
        granted=applies and m.effect is MeasureEffect.REWARD,
        scope=scope,
        entries=found,
        legal_basis=list(dict.fromkeys(basis)),
    )


def _checked(r: Any, scope: str, via_unit: str | None) -> CheckedEntry:
    return CheckedEntry(
        entry_id=r.entry_id,
        list_id=r.list_id,
        ground=r.ground,
        deciding_authority=r.deciding_authority,
        term_start=r.term_start,
        term_end=r.term_end,
        in_force_from=max(r.term_start, r.acknowledged_on),
        scope=scope,
        via_unit=via_unit,
    )


def _via_units(
    conn: Connection, cat: Catalogue, m: MeasureDef, person: str, on: date
) -> list[CheckedEntry]:
    """A person's roles at units on ``on``, and those units' entries reaching them."""
    rc = roles.c
    held = conn.execute(
        select(rc.org_subject_id, rc.role).where(
            rc.person_subject_id == person,
            or_(rc.valid_from.is_(None), rc.valid_from <= on),
            or_(rc.valid_to.is_(None), rc.valid_to > on),  # valid_to is exclusive
        )
    ).all()
    if not held:
        return []
    by_unit: dict[str, set[str]] = {}
    for org, role in held:
        by_unit.setdefault(org, set()).add(role)
    out = []
    for r in _entries(conn, sorted(by_unit), m, on):
        reps = cat.list_def(r.list_id).unit_representatives
        if reps is None or not by_unit[r.subject_id] & {x.value for x in reps.roles}:
            continue
        out.append(_checked(r, reps.scope.value, r.subject_id))
    return out


def _log(tx: Tx, p: Principal, a: CheckAnswer, channel: str) -> None:
    if a.subject_id is not None:
        log_read(
            tx,
            p,
            a.subject_id,
            purpose=f"check of measure {a.measure} on {a.on.isoformat()}",
            resource=CHECK_RESOURCE,
            audience="agency",
            channel=channel,
        )
    else:
        tx.audit(
            "check.unknown_subject",
            "measure",
            a.measure,
            {"code_sha256": hashlib.sha256(a.subject.encode()).hexdigest(), "on": a.on.isoformat()},
            actor=p.principal_id,
        )


def check(
    store: Store,
    cat: Catalogue,
    p: Principal,
    codes: Sequence[str],
    measure_id: str,
    on: date,
    *,
    channel: str,
) -> list[CheckAnswer]:
    """Answer and log a check of ``codes`` (at most 1,000) in one transaction."""
    from xinyong.errors import UsageError

    if not codes:
        raise UsageError("a check names at least one subject", code="no_subjects")
    if len(codes) > MAX_BATCH:
        raise UsageError(
            f"at most {MAX_BATCH} subjects per check; use bulk screening for more",
            code="batch_too_large",
        )
    m = cat.measure(measure_id)
    with store.write(p.principal_id) as tx:
        require_checker(tx.conn, p, m)
        answers = []
        for i, c in enumerate(codes, 1):
            try:
                answers.append(answer(tx.conn, cat, m, c, on))
            except UsageError as exc:
                raise UsageError(
                    f"subject #{i} ({c!r}) is not a usable code: {exc.message}",
                    code=exc.code,
                    details={"index": i},
                ) from exc
        for a in answers:
            _log(tx, p, a, channel)
    return answers


__all__ = [
    "MAX_BATCH",
    "CheckAnswer",
    "CheckedEntry",
    "answer",
    "check",
    "may_check",
    "require_checker",
]
