"""Getting a credit report: who may, for what, and the record every query leaves.

* **self**: the subject with its own key, or an administrator serving the subject at a
  counter (``--self``). 2 free reports a calendar year (CST); the next is refused or
  marked chargeable, as ``XINYONG_REPORTING_OVER_LIMIT`` says (Art. 17).
* **third party**: a lender's principal, for a purpose the subject authorised in a consent
  valid that day and not revoked (Art. 18); post-loan management also needs an account
  of that lender with the subject. Otherwise 403 / exit 3, and the refusal is audited.
* **staff**: an administrator with a staff purpose (dispute verification, supervision).

Every query is written in the same transaction as the report is built: a
``report_queries`` row (the report number; the subject's query records) and an entry in
the platform's query log (who, when, why) chained into the audit log (Art. 22).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, insert, select

from xinyong.actors import Principal, Role
from xinyong.audit.log import now_utc
from xinyong.calendar import today_cst
from xinyong.catalogue import Catalogue
from xinyong.errors import Forbidden, RuleRefused, UsageError
from xinyong.reporting.config import ReportingSettings, get_reporting_settings
from xinyong.reporting.consent import Purpose, active_query_consent
from xinyong.reporting.model import CreditReport, ReportHeader
from xinyong.reporting.report import build_report
from xinyong.store.context import Store
from xinyong.store.query_log import log_read
from xinyong.store.tables import credit_accounts, report_queries

STAFF_PURPOSES = ("dispute_verification", "supervision")


def self_queries_in_year(conn: object, subject_id: str, year: int) -> int:
    from sqlalchemy import Connection

    assert isinstance(conn, Connection)
    return int(
        conn.execute(
            select(func.count())
            .select_from(report_queries)
            .where(
                report_queries.c.subject_id == subject_id,
                report_queries.c.kind == "self",
                report_queries.c.query_on >= date(year, 1, 1),
                report_queries.c.query_on <= date(year, 12, 31),
            )
        ).scalar_one()
    )


def _refuse(
    store: Store,
    p: Principal,
    subject_id: str,
    code: str,
    message: str,
    exc: type[Exception] = Forbidden,
) -> None:
    """Audit a refused query (ids only), then raise."""
    with store.write(p.principal_id) as tx:
        tx.audit("report.refused", "subject", subject_id, {"code": code})
    raise exc(message, code=code)  # type: ignore[call-arg]


def obtain_report(
    store: Store,
    cat: Catalogue,
    p: Principal,
    subject_id: str,
    *,
    purpose: str | None,
    channel: str,
    self_query: bool = False,
    on: date | None = None,
    settings: ReportingSettings | None = None,
) -> CreditReport:
    """Authorise, count, log and build one report."""
    cfg = settings or get_reporting_settings()
    day = on or today_cst()
    if not 1900 <= day.year <= 2999:
        raise UsageError(f"a report describes a day between 1900 and 2999, not {day}")
    consent_id: str | None = None
    viewer_lender: str | None = None
    if (Role.SUBJECT in p.roles and p.subject_id == subject_id) or (
        self_query and Role.ADMIN in p.roles
    ):
        kind, why = "self", "self"
    elif self_query:
        raise Forbidden("only the subject or an administrator at a counter makes a self-query")
    elif Role.LENDER in p.roles and Role.ADMIN not in p.roles:
        kind = "third_party"
        try:
            want = Purpose(purpose or "")
        except ValueError:
            raise UsageError(
                f"a lender names its purpose: {', '.join(x.value for x in Purpose)}",
                code="purpose_required",
            ) from None
        why = want.value
        viewer_lender = p.organisation
        with store.read() as conn:
            consent = active_query_consent(conn, subject_id, p.organisation, want, day)
            has_account = (
                conn.execute(
                    select(credit_accounts.c.account_id).where(
                        credit_accounts.c.subject_id == subject_id,
                        credit_accounts.c.lender == p.organisation,
                    )
                ).first()
                is not None
            )
        if consent is None:
            _refuse(
                store,
                p,
                subject_id,
                "no_consent",
                f"no authorisation from the subject for {p.organisation} to query for "
                f"{want.value} on {day} (none recorded, expired or revoked)",
            )
        assert consent is not None
        if want is Purpose.POST_LOAN_MANAGEMENT and not has_account:
            _refuse(
                store,
                p,
                subject_id,
                "no_account",
                f"post-loan management needs an account of {p.organisation} with the subject",
                RuleRefused,
            )
        consent_id = consent.consent_id
    elif Role.ADMIN in p.roles:
        if purpose not in STAFF_PURPOSES:
            raise UsageError(
                "an administrator reads a report for a staff purpose "
                f"({', '.join(STAFF_PURPOSES)}) or serves a self-query (--self)",
                code="purpose_required",
            )
        kind, why = "staff", purpose
    else:
        raise Forbidden(
            f"{p.principal_id} may not read credit reports (subject, lender or admin only)",
            code="not_permitted",
        )

    with store.write(p.principal_id) as tx:
        chargeable = False
        fee = 0
        if kind == "self":
            used = self_queries_in_year(tx.conn, subject_id, day.year)
            if used >= cfg.free_self_queries_per_year:
                if cfg.over_limit == "refuse":
                    raise RuleRefused(
                        f"{used} self-queries already in {day.year}: "
                        f"{cfg.free_self_queries_per_year} a year are free and this platform "
                        "refuses further ones",
                        code="self_query_limit",
                        details={"used": used, "free": cfg.free_self_queries_per_year},
                    )
                chargeable, fee = True, cfg.self_query_fee_fen
        entry = log_read(
            tx,
            p,
            subject_id,
            purpose=why,
            resource="credit_report",
            audience=kind,
            channel=channel,
        )
        report_id = entry.query_id
        tx.conn.execute(
            insert(report_queries).values(
                query_id=report_id,
                subject_id=subject_id,
                at=now_utc(),
                query_on=day,
                principal_id=p.principal_id,
                organisation=p.organisation,
                kind=kind,
                purpose=why,
                consent_id=consent_id,
                chargeable=chargeable,
                fee_fen=fee,
                channel=channel,
            )
        )
        tx.audit(
            "report.issued",
            "subject",
            subject_id,
            {"report_id": report_id, "kind": kind, "purpose": why, "chargeable": chargeable},
        )
        header = ReportHeader(
            report_id=report_id,
            generated_at=now_utc(),
            on=day,
            subject_kind="",
            audience=kind,
            requested_by=p.organisation,
            purpose=why,
            chargeable=chargeable,
            fee_fen=fee,
        )
        return build_report(tx.conn, cat, subject_id, header=header, viewer_lender=viewer_lender)
