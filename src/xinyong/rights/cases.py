"""The case machine: objections, appeals and credit repair, each state change by a named
principal, on the deadline its rule sets, written to the case's events, the audit log and
the outbox (so the subject is told).

States: ``open`` → (repair only: ``forwarded`` by the platform) → ``decided`` with an
outcome; the subject may withdraw a live case. Deciding twice is a 409; deciding for
another authority a 403; a repair before its earliest date a 422 naming that date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update
from ulid import ULID

from xinyong.actors import PLATFORM_ORG, Principal, Role
from xinyong.audit.log import now_utc
from xinyong.calendar import WorkCalendar, today_cst
from xinyong.catalogue import Catalogue
from xinyong.catalogue.publicity import add_duration
from xinyong.errors import Conflict, Forbidden, NotFound, RuleRefused, UsageError
from xinyong.lists.history import get_entry
from xinyong.lists.model import Entry, EntryStatus
from xinyong.notify.outbox import emit
from xinyong.rights import effects
from xinyong.rights.model import (
    LIVE,
    OUTCOMES,
    Case,
    CaseKind,
    CaseStatus,
    Outcome,
    TargetType,
    case_from_row,
)
from xinyong.rights.rules import CaseRules
from xinyong.store.actors import get_agency
from xinyong.store.context import Tx
from xinyong.store.tables import case_events, cases

REPAIR_RULE = "repair"


# --------------------------------------------------------------------------- reading


def get_case(conn: Connection, case_id: str) -> Case:
    row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one_or_none()
    if row is None:
        raise NotFound(f"no case {case_id!r}", code="unknown_case")
    return case_from_row(row)


def list_cases(
    conn: Connection,
    *,
    subject_id: str | None = None,
    authority: str | None = None,
    status: CaseStatus | None = None,
    kind: CaseKind | None = None,
    limit: int = 1000,
) -> list[Case]:
    q = select(cases)
    if subject_id is not None:
        q = q.where(cases.c.subject_id == subject_id)
    if authority is not None:
        q = q.where(cases.c.deciding_authority == authority)
    if status is not None:
        q = q.where(cases.c.status == status.value)
    if kind is not None:
        q = q.where(cases.c.kind == kind.value)
    q = q.order_by(cases.c.opened_at, cases.c.case_id).limit(limit)
    return [case_from_row(r) for r in conn.execute(q)]


def overdue(conn: Connection, on: date, *, limit: int = 10_000) -> list[Case]:
    """Live cases past their deadline on ``on`` (supervisors watch these)."""
    q = (
        select(cases)
        .where(cases.c.status.in_([s.value for s in LIVE]), cases.c.due_on < on)
        .order_by(cases.c.due_on, cases.c.case_id)
        .limit(limit)
    )
    return [case_from_row(r) for r in conn.execute(q)]


def case_history(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    q = select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.seq)
    return [dict(r._mapping) for r in conn.execute(q)]


def open_objections(conn: Connection, subject_id: str | None = None) -> set[tuple[str, str]]:
    """(target type, target id) of every item under objection (open objection or appeal)."""
    q = select(cases.c.target_type, cases.c.target_id).where(
        cases.c.kind.in_([CaseKind.OBJECTION.value, CaseKind.APPEAL.value]),
        cases.c.status.in_([s.value for s in LIVE]),
    )
    if subject_id is not None:
        q = q.where(cases.c.subject_id == subject_id)
    return {(t, i) for t, i in conn.execute(q)}


# --------------------------------------------------------------------------- writing


def _event(tx: Tx, c: Case, *, actor: str, event: str, detail: dict[str, Any]) -> None:
    tx.conn.execute(
        insert(case_events).values(
            case_id=c.case_id,
            seq=c.version,
            at=now_utc(),
            actor=actor,
            event=event,
            status=c.status.value,
            detail={k: (v.isoformat() if isinstance(v, date) else v) for k, v in detail.items()},
        )
    )
    audit = {
        "kind": c.kind.value,
        "status": c.status.value,
        "due_on": c.due_on.isoformat(),
        **({"outcome": c.outcome.value} if c.outcome else {}),
        **{k: v for k, v in detail.items() if k in ("late", "removal_event", "target")},
    }
    tx.audit(f"case.{event}", "case", c.case_id, audit, actor=actor)
    emit(
        tx,
        f"case.{event}",
        subject_id=c.subject_id,
        payload={
            "case_id": c.case_id,
            "kind": c.kind.value,
            "status": c.status.value,
            "outcome": c.outcome.value if c.outcome else None,
            "due_on": c.due_on.isoformat(),
        },
    )


def _insert(tx: Tx, c: Case, *, event: str, detail: dict[str, Any]) -> Case:
    tx.conn.execute(insert(cases).values(**c.model_dump(), updated_at=now_utc()))
    _event(tx, c, actor=c.opened_by, event=event, detail=detail)
    return c


def _change(
    tx: Tx, c: Case, *, actor: str, event: str, detail: dict[str, Any], **changes: Any
) -> Case:
    new = c.model_copy(update={**changes, "version": c.version + 1})
    values = {k: v for k, v in new.model_dump().items() if k in changes or k == "version"}
    res = tx.conn.execute(
        update(cases)
        .where(cases.c.case_id == c.case_id, cases.c.version == c.version)
        .values(**values, updated_at=now_utc())
    )
    if res.rowcount != 1:
        raise Conflict(f"case {c.case_id} changed meanwhile; read it again", code="case_changed")
    _event(tx, new, actor=actor, event=event, detail=detail)
    return new


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise UsageError(f"{what} is required", code=f"{what.replace(' ', '_')}_required")
    return text


def _subject_acting(p: Principal, subject_id: str) -> None:
    """A subject acts on its own items only; an administrator may file on its behalf."""
    if Role.ADMIN in p.roles:
        return
    if Role.SUBJECT not in p.roles or p.subject_id != subject_id:
        raise Forbidden("a subject may object to or repair only its own items", code="not_own_item")


def _target(
    tx: Tx, target_type: TargetType, target_id: str
) -> tuple[str, str, dict[str, Any] | None, Entry | None]:
    """(subject id, deciding authority, record row or None, entry or None)."""
    if target_type is TargetType.ACCOUNT:
        raise RuleRefused(
            "credit reporting entries are disputed, not objected to or repaired "
            "(xinyong report dispute)",
            code="use_dispute",
        )
    if target_type is TargetType.RECORD:
        rec = effects.current_record(tx.conn, target_id)
        return rec["subject_id"], rec["deciding_authority"] or rec["reporting_agency"], rec, None
    entry = get_entry(tx.conn, target_id)
    return entry.subject_id, entry.deciding_authority, None, entry


def _no_live_case(tx: Tx, kind: CaseKind, target_type: TargetType, target_id: str) -> None:
    live = tx.conn.execute(
        select(cases.c.case_id).where(
            cases.c.kind == kind.value,
            cases.c.target_type == target_type.value,
            cases.c.target_id == target_id,
            cases.c.status.in_([s.value for s in LIVE]),
        )
    ).first()
    if live is not None:
        raise Conflict(
            f"a {kind.value} about this item is already open ({live[0]})", code="case_open"
        )


def _new_case(
    p: Principal,
    *,
    kind: CaseKind,
    rule_id: str,
    subject_id: str,
    target_type: TargetType,
    target_id: str,
    authority: str,
    reason: str,
    on: date,
    due: tuple[date, bool],
    parent: str | None = None,
    commitment: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Case:
    return Case(
        case_id=str(ULID()),
        kind=kind,
        rule_id=rule_id,
        subject_id=subject_id,
        target_type=target_type,
        target_id=target_id,
        parent_case_id=parent,
        deciding_authority=authority,
        status=CaseStatus.OPEN,
        reason=reason,
        commitment=commitment,
        opened_at=now_utc(),
        opened_by=p.principal_id,
        opened_on=on,
        due_on=due[0],
        due_provisional=due[1],
        detail=detail or {},
        version=1,
    )


def object_to(
    tx: Tx,
    rules: CaseRules,
    cal: WorkCalendar,
    p: Principal,
    *,
    target_type: TargetType,
    target_id: str,
    reason: str | None,
    on: date | None = None,
) -> Case:
    """A subject objects to one of its records or list entries; the item is marked
    "under objection" at once and the deciding authority must decide by the deadline."""
    subject_id, authority, rec, entry = _target(tx, target_type, target_id)
    _subject_acting(p, subject_id)
    text = _text(reason, "reason")
    _no_live_case(tx, CaseKind.OBJECTION, target_type, target_id)
    rule = rules.objection_rule(
        list_id=entry.list_id if entry else None, kind=rec["kind"] if rec else None
    )
    day = on or today_cst()
    d = cal.add(day, rule.decide_within)
    c = _new_case(
        p,
        kind=CaseKind.OBJECTION,
        rule_id=rule.id,
        subject_id=subject_id,
        target_type=target_type,
        target_id=target_id,
        authority=authority,
        reason=text,
        on=day,
        due=(d.due, d.provisional),
    )
    return _insert(tx, c, event="opened", detail={"target": f"{target_type.value}:{target_id}"})


def appeal(
    tx: Tx,
    rules: CaseRules,
    cal: WorkCalendar,
    p: Principal,
    objection_id: str,
    *,
    reason: str | None,
    on: date | None = None,
) -> Case:
    """Appeal an upheld objection where its rule gives an appeal (the court list: to the
    higher court within 10 days)."""
    obj = get_case(tx.conn, objection_id)
    _subject_acting(p, obj.subject_id)
    if obj.kind is not CaseKind.OBJECTION:
        raise RuleRefused("only an objection's decision can be appealed", code="not_appealable")
    rule = next((r for r in rules.objection.rules if r.id == obj.rule_id), None)
    if rule is None or rule.appeal is None:
        raise RuleRefused(
            f"the rules of this objection ({obj.rule_id}) give no appeal", code="no_appeal"
        )
    if obj.status is not CaseStatus.DECIDED or obj.outcome is not Outcome.UPHELD:
        raise RuleRefused("only an upheld objection can be appealed", code="not_upheld")
    assert obj.decided_on is not None
    last = add_duration(obj.decided_on, rule.appeal.file_within)
    day = on or today_cst()
    if day > last:
        raise RuleRefused(
            f"the appeal period ended on {last}",
            code="appeal_too_late",
            details={"last_day": last.isoformat()},
        )
    text = _text(reason, "reason")
    _no_live_case(tx, CaseKind.APPEAL, obj.target_type, obj.target_id)
    lower = get_agency(tx.conn, obj.deciding_authority)
    assert lower is not None
    if not lower.higher_authority:
        raise RuleRefused(
            f"no higher authority is registered for {lower.code} (xinyong agencies add … --higher)",
            code="no_higher_authority",
        )
    d = cal.add(day, rule.appeal.decide_within)
    c = _new_case(
        p,
        kind=CaseKind.APPEAL,
        rule_id=rule.id,
        subject_id=obj.subject_id,
        target_type=obj.target_type,
        target_id=obj.target_id,
        authority=lower.higher_authority,
        reason=text,
        on=day,
        due=(d.due, d.provisional),
        parent=obj.case_id,
        detail={"lower_authority": lower.code},
    )
    return _insert(
        tx,
        c,
        event="opened",
        detail={"target": f"{obj.target_type.value}:{obj.target_id}", "appeal_of": obj.case_id},
    )


def repair_earliest(cat: Catalogue, rec: dict[str, Any] | None, entry: Entry | None) -> date:
    """The first day a repair application is admissible, or RuleRefused why never."""
    if rec is not None:
        if rec["repair_from"] is None:
            raise RuleRefused(
                "this record cannot be repaired early: its regime gives no early end of publicity "
                "(or it is not published)",
                code="not_repairable",
            )
        return rec["repair_from"]  # type: ignore[no-any-return]
    assert entry is not None
    ld = cat.list_def(entry.list_id)
    if ld.early_removal is None:
        raise RuleRefused(
            f"{ld.id} has no early removal on application; its entries end on its removal "
            "events: " + ", ".join(e.id for e in ld.removal_events),
            code="not_repairable",
        )
    assert entry.term_start is not None
    return add_duration(entry.term_start, ld.early_removal.after)


def apply_repair(
    tx: Tx,
    cat: Catalogue,
    rules: CaseRules,
    cal: WorkCalendar,
    p: Principal,
    *,
    target_type: TargetType,
    target_id: str,
    reason: str | None,
    commitment: str | None,
    on: date | None = None,
) -> Case:
    """A subject applies (through the platform, in Credit China's role) to end a penalty's
    publicity early or to be removed from a list, with a signed credit commitment."""
    subject_id, authority, rec, entry = _target(tx, target_type, target_id)
    _subject_acting(p, subject_id)
    text = _text(reason, "reason")
    pledge = _text(commitment, "commitment")
    day = on or today_cst()
    if entry is not None and (
        entry.status is not EntryStatus.PUBLISHED or not entry.in_force_on(day)
    ):
        raise Conflict(f"entry {entry.entry_id} is not on the list on {day}", code="not_listed")
    if rec is not None:
        shown = rec["publication"] == "published" and (
            rec["display_until"] is None or rec["display_until"] >= day
        )
        if not shown:
            raise Conflict("this record is no longer shown to the public", code="not_public")
    earliest = repair_earliest(cat, rec, entry)
    if day < earliest:
        raise RuleRefused(
            f"a repair application is admissible from {earliest}",
            code="repair_too_early",
            details={"earliest": earliest.isoformat()},
        )
    _no_live_case(tx, CaseKind.REPAIR, target_type, target_id)
    d = cal.add(day, rules.repair.platform_reply_within)
    c = _new_case(
        p,
        kind=CaseKind.REPAIR,
        rule_id=REPAIR_RULE,
        subject_id=subject_id,
        target_type=target_type,
        target_id=target_id,
        authority=authority,
        reason=text,
        on=day,
        due=(d.due, d.provisional),
        commitment=pledge,
        detail={"earliest": earliest.isoformat()},
    )
    return _insert(tx, c, event="opened", detail={"target": f"{target_type.value}:{target_id}"})


def forward(
    tx: Tx,
    rules: CaseRules,
    cal: WorkCalendar,
    p: Principal,
    case_id: str,
    *,
    on: date | None = None,
) -> Case:
    """The platform (Credit China's role) passes a repair application to the deciding
    authority, which then has its own deadline."""
    c = get_case(tx.conn, case_id)
    if p.organisation != PLATFORM_ORG or not ({Role.REVIEWER, Role.SUPERVISOR} & p.roles):
        raise Forbidden(
            "repair applications are forwarded by the platform's reviewers", code="not_platform"
        )
    if c.kind is not CaseKind.REPAIR:
        raise RuleRefused("only repair applications are forwarded", code="not_a_repair")
    if c.status is not CaseStatus.OPEN:
        raise Conflict(f"case {case_id} is {c.status.value}", code="not_open")
    day = on or today_cst()
    d = cal.add(day, rules.repair.authority_decide_within)
    return _change(
        tx,
        c,
        actor=p.principal_id,
        event="forwarded",
        detail={"late": day > c.due_on, "platform_due": c.due_on},
        status=CaseStatus.FORWARDED,
        forwarded_on=day,
        due_on=d.due,
        due_provisional=d.provisional,
    )


def _may_decide(p: Principal, c: Case) -> None:
    if Role.REVIEWER not in p.roles:
        raise Forbidden(f"{p.principal_id} does not hold the reviewer role", code="not_reviewer")
    if p.organisation != c.deciding_authority:
        raise Forbidden(
            f"case {c.case_id} is decided by {c.deciding_authority}, not {p.organisation}",
            code="other_authority",
        )


def decide(
    tx: Tx,
    cat: Catalogue,
    rules: CaseRules,
    cal: WorkCalendar,
    p: Principal,
    case_id: str,
    *,
    outcome: Outcome | str,
    reason: str | None,
    corrections: dict[str, Any] | None = None,
    removal_event: str | None = None,
    on: date | None = None,
) -> Case:
    """The deciding authority's named reviewer decides; the outcome flows back at once."""
    c = get_case(tx.conn, case_id)
    if c.kind is CaseKind.DISPUTE:
        from xinyong.reporting.disputes import decide_dispute  # reporting owns the target

        return decide_dispute(
            tx, p, case_id, outcome=outcome, reason=reason, corrections=corrections, on=on
        )
    _may_decide(p, c)
    if c.status in (CaseStatus.DECIDED, CaseStatus.WITHDRAWN):
        raise Conflict(f"case {case_id} was already {c.status.value}", code="already_decided")
    if c.kind is CaseKind.REPAIR and c.status is CaseStatus.OPEN:
        raise Conflict("the platform has not forwarded this application yet", code="not_forwarded")
    try:
        out = Outcome(outcome)
    except ValueError:
        raise UsageError(f"unknown outcome {outcome!r}", code="unknown_outcome") from None
    if out not in OUTCOMES[c.kind]:
        raise RuleRefused(
            f"a {c.kind.value} ends {', '.join(o.value for o in OUTCOMES[c.kind])}, not {out.value}",
            code="outcome_not_allowed",
        )
    text = _text(reason, "reason")
    day = on or today_cst()
    detail: dict[str, Any] = {"late": day > c.due_on}
    if c.target_type is TargetType.RECORD:
        if out is Outcome.CORRECTED:
            effects.correct_record(tx, c.target_id, corrections or {})
        elif out is Outcome.WITHDRAWN:
            effects.withdraw_record(tx, c.target_id)
        elif out is Outcome.GRANTED:
            effects.end_publicity(tx, c.target_id, day)
    else:
        entry = get_entry(tx.conn, c.target_id)
        event = None
        if out in (Outcome.CORRECTED, Outcome.WITHDRAWN):
            rule = next((r for r in rules.objection.rules if r.id == c.rule_id), None)
            event = removal_event or (
                rule.entry_removal_events.get(entry.list_id) if rule else None
            )
        elif out is Outcome.GRANTED:
            ld = cat.list_def(entry.list_id)
            assert ld.early_removal is not None
            event = ld.early_removal.event
        changes_entry = event is not None or out in (Outcome.CORRECTED, Outcome.WITHDRAWN)
        if changes_entry and entry.status is EntryStatus.PUBLISHED:
            effects.remove_entry(
                tx,
                cat,
                cal,
                p,
                entry,
                event=event,
                event_on=day,
                reason=f"case {c.case_id}: {text}",
                on=day,
            )
            detail["removal_event"] = event
    return _change(
        tx,
        c,
        actor=p.principal_id,
        event="decided",
        detail={**detail, "reason": text},
        status=CaseStatus.DECIDED,
        outcome=out,
        decided_at=now_utc(),
        decided_by=p.principal_id,
        decided_on=day,
        decision_reason=text,
        late=detail["late"],
    )


def withdraw(tx: Tx, p: Principal, case_id: str) -> Case:
    """The subject withdraws its own live case."""
    c = get_case(tx.conn, case_id)
    _subject_acting(p, c.subject_id)
    if c.status not in LIVE:
        raise Conflict(f"case {case_id} is {c.status.value}", code="not_live")
    return _change(
        tx, c, actor=p.principal_id, event="withdrawn", detail={}, status=CaseStatus.WITHDRAWN
    )


# --------------------------------------------------------------------------- other modules


def open_case(tx: Tx, c: Case) -> Case:
    """Open a case whose target another module owns (credit reporting's disputes)."""
    return _insert(tx, c, event="opened", detail={"target": f"{c.target_type.value}:{c.target_id}"})


def new_case(p: Principal, **fields: Any) -> Case:
    """A case in its opening state (see ``_new_case``), for ``open_case``."""
    return _new_case(p, **fields)


def change_case(
    tx: Tx, c: Case, *, actor: str, event: str, detail: dict[str, Any], **changes: Any
) -> Case:
    """A state change of such a case, with its event, audit entry and notification."""
    return _change(tx, c, actor=actor, event=event, detail=detail, **changes)
