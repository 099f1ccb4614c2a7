"""Disputes about credit report entries (征信业管理条例 Art. 25): cases of kind ``dispute``
in the rights case machine, targeting an account (and optionally one month).

The entry is marked "under dispute" in the report at once; the lender that reported it
verifies and answers within 20 calendar days (``cases.yaml``: dispute); the outcome is
annotated in the report. A correction rewrites the month's status and locks it, so the
lender's next feed cannot silently revert it (it is quarantined instead).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update

from xinyong.actors import Principal, Role
from xinyong.audit.log import now_utc
from xinyong.calendar import WorkCalendar, today_cst
from xinyong.errors import Conflict, Forbidden, NotFound, RuleRefused, UsageError
from xinyong.reporting import codes
from xinyong.reporting.feed import status_hash
from xinyong.rights import cases as machine
from xinyong.rights.model import LIVE, Case, CaseKind, CaseStatus, Outcome, TargetType
from xinyong.rights.rules import CaseRules
from xinyong.store.context import Tx
from xinyong.store.tables import cases, credit_accounts, credit_statuses

RULE_ID = "dispute"
DISPUTE_OUTCOMES = (Outcome.CORRECTED, Outcome.UPHELD)


def open_dispute(
    tx: Tx,
    rules: CaseRules,
    cal: WorkCalendar,
    p: Principal,
    *,
    account_id: str,
    month: str | None,
    reason: str | None,
    on: date | None = None,
) -> Case:
    acc = tx.conn.execute(
        select(credit_accounts.c.subject_id, credit_accounts.c.lender).where(
            credit_accounts.c.account_id == account_id
        )
    ).one_or_none()
    if acc is None:
        raise NotFound(f"no credit account {account_id!r}", code="unknown_account")
    if Role.ADMIN not in p.roles and (
        Role.SUBJECT not in p.roles or p.subject_id != acc.subject_id
    ):
        raise Forbidden("a subject disputes only its own report's entries", code="not_own_item")
    text = (reason or "").strip()
    if not text or len(text) > 4000 or "\x00" in text:
        raise UsageError(
            "a dispute needs a reason (at most 4000 characters)", code="reason_required"
        )
    if month is not None:
        try:
            codes.parse_month(month)
        except ValueError as e:
            raise UsageError(str(e), code="invalid_month") from None
        if (
            tx.conn.execute(
                select(credit_statuses.c.month).where(
                    credit_statuses.c.account_id == account_id, credit_statuses.c.month == month
                )
            ).first()
            is None
        ):
            raise NotFound(f"account {account_id} has no status for {month}", code="unknown_month")
    live = tx.conn.execute(
        select(cases.c.case_id, cases.c.detail).where(
            cases.c.kind == CaseKind.DISPUTE.value,
            cases.c.target_type == TargetType.ACCOUNT.value,
            cases.c.target_id == account_id,
            cases.c.status.in_([s.value for s in LIVE]),
        )
    ).all()
    for case_id, detail in live:
        if (detail or {}).get("month") == month:
            raise Conflict(
                f"a dispute about this entry is already open ({case_id})", code="case_open"
            )
    day = on or today_cst()
    due = cal.add(day, rules.dispute.decide_within)
    c = machine.new_case(
        p,
        kind=CaseKind.DISPUTE,
        rule_id=RULE_ID,
        subject_id=acc.subject_id,
        target_type=TargetType.ACCOUNT,
        target_id=account_id,
        authority=acc.lender,
        reason=text,
        on=day,
        due=(due.due, due.provisional),
        detail={"month": month},
    )
    return machine.open_case(tx, c)


def decide_dispute(
    tx: Tx,
    p: Principal,
    case_id: str,
    *,
    outcome: Outcome | str,
    reason: str | None,
    corrections: dict[str, Any] | None = None,
    on: date | None = None,
) -> Case:
    """The lender's named reviewer answers; a correction is applied and locked at once."""
    c = machine.get_case(tx.conn, case_id)
    if c.kind is not CaseKind.DISPUTE:
        raise RuleRefused("not a dispute", code="not_a_dispute")
    if Role.REVIEWER not in p.roles or p.organisation != c.deciding_authority:
        raise Forbidden(
            f"dispute {case_id} is answered by a reviewer of {c.deciding_authority}",
            code="other_authority",
        )
    if c.status not in LIVE:
        raise Conflict(f"case {case_id} was already {c.status.value}", code="already_decided")
    try:
        out = Outcome(outcome)
    except ValueError:
        raise UsageError(f"unknown outcome {outcome!r}", code="unknown_outcome") from None
    if out not in DISPUTE_OUTCOMES:
        raise RuleRefused("a dispute ends corrected or upheld", code="outcome_not_allowed")
    text = (reason or "").strip()
    if not text or len(text) > 4000 or "\x00" in text:
        raise UsageError(
            "the answer needs a reason (at most 4000 characters)", code="reason_required"
        )
    day = on or today_cst()
    detail: dict[str, Any] = {"late": day > c.due_on}
    if out is Outcome.CORRECTED:
        month = c.detail.get("month")
        if month is None:
            raise RuleRefused(
                "a correction names the month it corrects: dispute one month's status",
                code="no_month",
            )
        fix = dict(corrections or {})
        status = str(fix.pop("status", "")).upper()
        if status not in codes.CODES:
            raise UsageError(
                f"a correction gives the right status ({' '.join(codes.CODES)})",
                code="invalid_correction",
            )
        extra = {k: fix.pop(k) for k in ("balance_fen", "overdue_fen") if k in fix}
        if fix or not all(isinstance(v, int) and v >= 0 for v in extra.values()):
            raise UsageError(
                "a correction has status and optionally balance_fen/overdue_fen (whole fen)",
                code="invalid_correction",
            )
        row = tx.conn.execute(
            select(credit_statuses).where(
                credit_statuses.c.account_id == c.target_id, credit_statuses.c.month == month
            )
        ).one()
        values = {
            "balance_fen": extra.get("balance_fen", row.balance_fen),
            "overdue_fen": extra.get("overdue_fen", row.overdue_fen),
        }
        tx.conn.execute(
            update(credit_statuses)
            .where(credit_statuses.c.account_id == c.target_id, credit_statuses.c.month == month)
            .values(
                status=status,
                balance_fen=values["balance_fen"],
                overdue_fen=values["overdue_fen"],
                content_hash=status_hash(
                    status, values["balance_fen"], values["overdue_fen"], row.notified_on
                ),
                version=row.version + 1,
                locked=True,
                updated_at=now_utc(),
            )
        )
        detail["corrected"] = {"month": month, "from": row.status, "to": status}
        tx.audit("reporting.corrected", "account", c.target_id, {"month": month, "case": case_id})
    return machine.change_case(
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
