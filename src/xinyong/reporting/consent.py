"""The subject's authorisations: to query its report for a stated purpose (Art. 18) and to
collect Art. 14 items (income, deposits, …) after a warning, each for a validity window,
revocable by the subject at any time.

Who records one: the subject itself (subject key), the lender that holds the signed form
(its reference is the ``evidence``), or an administrator at a counter. Who revokes: the
subject, an administrator, or the lender giving it up.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, insert, select, update
from ulid import ULID

from xinyong.actors import Principal, Role
from xinyong.audit.log import now_utc
from xinyong.errors import Conflict, Forbidden, NotFound, RuleRefused, UsageError
from xinyong.reporting.codes import add_years
from xinyong.reporting.feed import SENSITIVE_ITEMS
from xinyong.reporting.lenders import get_lender
from xinyong.store.context import Tx
from xinyong.store.tables import reporting_consents

MAX_YEARS = 5


class Scope(StrEnum):
    QUERY = "query"
    COLLECT = "collect"


class Purpose(StrEnum):
    """Purposes a third party may query for (the CRC's query reasons, simplified)."""

    LOAN_APPROVAL = "loan_approval"
    CREDIT_CARD_APPROVAL = "credit_card_approval"
    POST_LOAN_MANAGEMENT = "post_loan_management"
    GUARANTEE_QUALIFICATION = "guarantee_qualification"


PURPOSE_NAMES: dict[str, tuple[str, str]] = {
    "loan_approval": ("贷款审批", "loan approval"),
    "credit_card_approval": ("信用卡审批", "credit card approval"),
    "post_loan_management": ("贷后管理", "post-loan management"),
    "guarantee_qualification": ("担保资格审查", "guarantee qualification"),
    "self": ("本人查询", "own query"),
    "dispute_verification": ("异议核查", "dispute verification"),
    "supervision": ("监管查询", "supervision"),
}


class Consent(BaseModel):
    model_config = ConfigDict(frozen=True)

    consent_id: str
    subject_id: str
    grantee: str
    scope: Scope
    purpose: Purpose | None = None
    items: list[str]
    valid_from: date
    valid_until: date
    evidence: str
    granted_at: datetime
    granted_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def active_on(self, day: date) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until


def _consent(row: object) -> Consent:
    return Consent.model_validate(dict(row._mapping))  # type: ignore[attr-defined]


def _may_act(p: Principal, subject_id: str, grantee: str) -> None:
    if Role.ADMIN in p.roles:
        return
    if Role.SUBJECT in p.roles and p.subject_id == subject_id:
        return
    if Role.LENDER in p.roles and p.organisation == grantee:
        return
    raise Forbidden(
        "a consent is recorded or revoked by its subject, the lender it names, or an administrator",
        code="not_party",
    )


def grant(
    tx: Tx,
    p: Principal,
    *,
    subject_id: str,
    grantee: str,
    scope: Scope,
    purpose: Purpose | None,
    items: list[str],
    valid_from: date,
    valid_until: date,
    evidence: str,
    warned: bool = False,
    today: date,
) -> Consent:
    """Record an authorisation; refused when its shape does not fit its scope."""
    get_lender(tx.conn, grantee)
    _may_act(p, subject_id, grantee)
    text = evidence.strip()
    if not text or len(text) > 500 or "\x00" in text:
        raise UsageError(
            "name the signed authorisation (--evidence, at most 500 characters)",
            code="evidence_required",
        )
    if valid_until < valid_from:
        raise UsageError("the validity ends before it starts", code="invalid_validity")
    if valid_until < today:
        raise RuleRefused("the validity has already ended", code="consent_expired")
    if valid_until > add_years(valid_from, MAX_YEARS):
        raise RuleRefused(
            f"a consent is valid for at most {MAX_YEARS} years", code="validity_too_long"
        )
    if scope is Scope.QUERY:
        if purpose is None:
            raise UsageError(
                f"a query consent names its purpose: {', '.join(x.value for x in Purpose)}",
                code="purpose_required",
            )
        if items:
            raise UsageError("a query consent names no items", code="items_not_allowed")
        kept: list[str] = []
    else:
        if purpose is not None:
            raise UsageError("a collection consent names items, not a purpose")
        kept = sorted(set(items))
        bad = [i for i in kept if i not in SENSITIVE_ITEMS]
        if not kept or bad:
            raise UsageError(
                f"a collection consent names items among {', '.join(SENSITIVE_ITEMS)}",
                code="unknown_items",
            )
        if not warned:
            raise RuleRefused(
                "written consent to collect these items needs the subject to have been warned "
                "of the possible adverse consequences (Art. 14; --warned)",
                code="not_warned",
            )
    c = Consent(
        consent_id=str(ULID()),
        subject_id=subject_id,
        grantee=grantee,
        scope=scope,
        purpose=purpose,
        items=kept,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence=text,
        granted_at=now_utc(),
        granted_by=p.principal_id,
    )
    tx.conn.execute(insert(reporting_consents).values(**c.model_dump()))
    tx.audit(
        "consent.granted",
        "consent",
        c.consent_id,
        {
            "grantee": grantee,
            "scope": scope.value,
            "purpose": purpose.value if purpose else None,
            "items": kept,
            "valid_until": valid_until.isoformat(),
        },
    )
    return c


def get_consent(conn: Connection, consent_id: str) -> Consent:
    row = conn.execute(
        select(reporting_consents).where(reporting_consents.c.consent_id == consent_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no consent {consent_id!r}", code="unknown_consent")
    return _consent(row)


def revoke(tx: Tx, p: Principal, consent_id: str) -> Consent:
    c = get_consent(tx.conn, consent_id)
    _may_act(p, c.subject_id, c.grantee)
    if c.revoked_at is not None:
        raise Conflict(f"consent {consent_id} was already revoked", code="already_revoked")
    at = now_utc()
    tx.conn.execute(
        update(reporting_consents)
        .where(reporting_consents.c.consent_id == consent_id)
        .values(revoked_at=at, revoked_by=p.principal_id)
    )
    tx.audit("consent.revoked", "consent", consent_id, {"grantee": c.grantee})
    return c.model_copy(update={"revoked_at": at, "revoked_by": p.principal_id})


def list_consents(
    conn: Connection, *, subject_id: str | None = None, grantee: str | None = None
) -> list[Consent]:
    q = select(reporting_consents)
    if subject_id is not None:
        q = q.where(reporting_consents.c.subject_id == subject_id)
    if grantee is not None:
        q = q.where(reporting_consents.c.grantee == grantee)
    q = q.order_by(reporting_consents.c.granted_at, reporting_consents.c.consent_id)
    return [_consent(r) for r in conn.execute(q)]


def active_query_consent(
    conn: Connection, subject_id: str, grantee: str, purpose: Purpose, day: date
) -> Consent | None:
    for c in list_consents(conn, subject_id=subject_id, grantee=grantee):
        if c.scope is Scope.QUERY and c.purpose is purpose and c.active_on(day):
            return c
    return None


def collect_consents(
    conn: Connection, grantee: str, subject_ids: list[str], day: date
) -> dict[str, set[str]]:
    """Subject → the Art. 14 items ``grantee`` may collect on ``day``."""
    out: dict[str, set[str]] = {}
    for i in range(0, len(subject_ids), 900):
        part = subject_ids[i : i + 900]
        rows = conn.execute(
            select(reporting_consents).where(
                reporting_consents.c.grantee == grantee,
                reporting_consents.c.scope == Scope.COLLECT.value,
                reporting_consents.c.subject_id.in_(part),
                reporting_consents.c.revoked_at.is_(None),
            )
        )
        for r in rows:
            c = _consent(r)
            if c.active_on(day):
                out.setdefault(c.subject_id, set()).update(c.items)
    return out
