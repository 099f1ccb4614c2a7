"""Assembling a credit report from the store (read only; the query itself is ``queries``).

Parts, as in the PBoC's second-generation personal report: basic information, summary
(with the platform's score for persons), credit transactions (and guarantees given),
non-credit transactions, public information, personal statements, objection annotations,
query records. Negative months past their 5-year retention are not shown; query records
cover 2 years; a third party sees other lenders unnamed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import Connection, select

from xinyong.catalogue import Audience, Catalogue
from xinyong.errors import NotFound
from xinyong.identity import mask_identifier
from xinyong.reporting import codes
from xinyong.reporting.consent import PURPOSE_NAMES
from xinyong.reporting.features import REVOLVING, AccountHistory, features
from xinyong.reporting.model import (
    AccountView,
    AnnotationLine,
    BasicInfo,
    CreditReport,
    IdentifierLine,
    MonthLine,
    PublicInformation,
    PublicRecordLine,
    QueryLine,
    ReportHeader,
    StatementLine,
    Summary,
)
from xinyong.reporting.scoring import latest_card, score_view
from xinyong.rights.model import CaseKind, CaseStatus
from xinyong.store.tables import (
    cases,
    credit_accounts,
    credit_statuses,
    lenders,
    report_queries,
    report_statements,
    subject_identifiers,
    subjects,
)

SHOWN_MONTHS = 60
QUERY_YEARS = 2
OTHER_LENDER = "其他机构 (another institution)"


def mask_account_no(no: str) -> str:
    return "*" * max(len(no) - 4, 0) + no[-4:] if len(no) > 4 else "*" * len(no)


def _identifiers(conn: Connection, subject_id: str) -> list[IdentifierLine]:
    out = []
    for r in conn.execute(
        select(subject_identifiers.c.scheme, subject_identifiers.c.value)
        .where(subject_identifiers.c.subject_id == subject_id)
        .order_by(subject_identifiers.c.scheme)
    ):
        # resident IDs as the court list shows them; passports and others but their last 4
        style = (
            "none"
            if r.scheme == "uscc"
            else ("court_list" if r.scheme in ("ric", "ric15") else "full")
        )
        masked = mask_identifier(r.scheme, r.value, style)
        out.append(IdentifierLine(scheme=r.scheme, value=masked or ""))
    return out


def build_report(
    conn: Connection,
    cat: Catalogue,
    subject_id: str,
    *,
    header: ReportHeader,
    viewer_lender: str | None,
) -> CreditReport:
    """The report of ``subject_id`` as ``header.audience`` sees it on ``header.on``."""
    on = header.on
    srow = conn.execute(select(subjects).where(subjects.c.subject_id == subject_id)).one_or_none()
    if srow is None:
        raise NotFound(f"no subject {subject_id}", code="unknown_subject")
    names = {r.code: r.name_zh for r in conn.execute(select(lenders.c.code, lenders.c.name_zh))}

    # disputes: the account (and month) each names, open or decided
    disputes = conn.execute(
        select(cases)
        .where(
            cases.c.subject_id == subject_id,
            cases.c.kind == CaseKind.DISPUTE.value,
            cases.c.target_type == "account",
        )
        .order_by(cases.c.opened_on, cases.c.case_id)
    ).all()
    open_disputes: set[tuple[str, str | None]] = set()
    annotations: list[AnnotationLine] = []
    for d in disputes:
        month = (d.detail or {}).get("month")
        live = d.status in (CaseStatus.OPEN.value, CaseStatus.FORWARDED.value)
        if live:
            open_disputes.add((d.target_id, month))
            state = "under_dispute"
        else:
            state = d.outcome or d.status
        annotations.append(
            AnnotationLine(
                case_id=d.case_id,
                account_id=d.target_id,
                month=month,
                state=state,
                opened_on=d.opened_on,
                due_on=d.due_on,
                decided_on=d.decided_on,
                text=d.reason if live else (d.decision_reason or ""),
            )
        )

    accs = conn.execute(
        select(credit_accounts)
        .where(credit_accounts.c.subject_id == subject_id, credit_accounts.c.opened_on <= on)
        .order_by(credit_accounts.c.opened_on, credit_accounts.c.account_id)
    ).all()
    status_rows: dict[str, list[object]] = defaultdict(list)
    ids = [a.account_id for a in accs]
    if ids:
        for s in conn.execute(select(credit_statuses).where(credit_statuses.c.account_id.in_(ids))):
            status_rows[s.account_id].append(s)
    now_m = codes.month_of(on)
    credit: list[AccountView] = []
    guarantees: list[AccountView] = []
    hist: list[AccountHistory] = []
    limit = balance = guaranteed = overdue_now = ever = n_open = 0
    worst24 = "N"
    by_kind: dict[str, int] = defaultdict(int)
    for a in accs:
        closed = a.closed_on if a.closed_on is not None and a.closed_on <= on else None
        rows = [s for s in status_rows[a.account_id] if codes.parse_month(s.month) <= now_m]  # type: ignore[attr-defined]
        pairs = [(codes.parse_month(s.month), s.status) for s in rows]  # type: ignore[attr-defined]
        gone = codes.hidden_months(pairs, closed, on)
        hist.append(
            AccountHistory(
                a.kind,
                a.opened_on,
                a.closed_on,
                int(a.amount_fen),
                {codes.parse_month(s.month): (s.status, s.balance_fen) for s in rows},  # type: ignore[attr-defined]
            )
        )
        shown = sorted(
            (s for s in rows if codes.parse_month(s.month) not in gone),  # type: ignore[attr-defined]
            key=lambda s: s.month,  # type: ignore[attr-defined]
            reverse=True,
        )
        lines = [
            MonthLine(
                month=s.month,  # type: ignore[attr-defined]
                status=s.status,  # type: ignore[attr-defined]
                balance_fen=s.balance_fen,  # type: ignore[attr-defined]
                overdue_fen=s.overdue_fen,  # type: ignore[attr-defined]
                under_dispute=(a.account_id, s.month) in open_disputes,  # type: ignore[attr-defined]
                corrected=bool(s.locked),  # type: ignore[attr-defined]
            )
            for s in shown
        ]
        latest = lines[0] if lines else None
        w60 = codes.worst(
            m.status for m in lines if codes.parse_month(m.month) > now_m - SHOWN_MONTHS
        )
        view = AccountView(
            account_id=a.account_id,
            lender=names.get(a.lender, a.lender)
            if viewer_lender is None or viewer_lender == a.lender
            else OTHER_LENDER,
            account_no=mask_account_no(a.account_no),
            kind=a.kind,
            currency=a.currency,
            opened_on=a.opened_on,
            closed_on=closed,
            amount_fen=int(a.amount_fen),
            balance_fen=latest.balance_fen if latest else None,
            current_status=latest.status if latest else None,
            worst_status_60m=w60,
            months=lines,
            dropped_negative_months=len(gone),
            under_dispute=any(k[0] == a.account_id for k in open_disputes),
        )
        if a.kind == "guarantee":
            guarantees.append(view)
            if closed is None:
                guaranteed += int(a.amount_fen)
            continue
        credit.append(view)
        by_kind[a.kind] += 1
        if closed is None:
            n_open += 1
            balance += (latest.balance_fen or 0) if latest else 0
            if a.kind in REVOLVING:
                limit += int(a.amount_fen)
        if latest is not None and latest.status in codes.NEGATIVE:
            overdue_now += 1
        if any(m.status in codes.NEGATIVE for m in lines):
            ever += 1
        worst24 = codes.worst(
            [worst24, *(m.status for m in lines if codes.parse_month(m.month) > now_m - 24)]
        )
    revolving_balance = sum(
        (v.balance_fen or 0) for v in credit if v.kind in REVOLVING and v.closed_on is None
    )

    query_from = codes.add_years(on, -QUERY_YEARS)
    qrows = conn.execute(
        select(report_queries)
        .where(report_queries.c.subject_id == subject_id, report_queries.c.query_on > query_from)
        .where(report_queries.c.query_on <= on)
        .order_by(report_queries.c.at.desc(), report_queries.c.query_id.desc())
    ).all()
    queries = [
        QueryLine(
            on=q.query_on,
            organisation=(
                "本人 (self)"
                if q.kind == "self"
                else (
                    names.get(q.organisation, q.organisation)
                    if viewer_lender is None or viewer_lender == q.organisation
                    else OTHER_LENDER
                )
            ),
            purpose=PURPOSE_NAMES.get(q.purpose, (q.purpose, q.purpose))[0],
            kind=q.kind,
        )
        for q in qrows
    ]

    score = None
    if srow.kind == "person":
        found = latest_card(conn)
        if found is not None:
            inq = [
                q.query_on
                for q in qrows
                if q.kind == "third_party"
                and q.purpose in ("loan_approval", "credit_card_approval")
            ]
            score = score_view(found[0], found[1], features(hist, inq, on))

    statements = [
        StatementLine(
            statement_id=r.statement_id,
            account_id=r.account_id,
            text=r.text,
            added_on=_day(r.added_at),
        )
        for r in conn.execute(
            select(report_statements)
            .where(
                report_statements.c.subject_id == subject_id,
                report_statements.c.withdrawn_at.is_(None),
            )
            .order_by(report_statements.c.added_at, report_statements.c.statement_id)
        )
    ]

    return CreditReport(
        header=header.model_copy(update={"subject_kind": srow.kind}),
        basic=BasicInfo(
            subject_id=subject_id,
            name=srow.name,
            identifiers=_identifiers(conn, subject_id),
            region=srow.region,
        ),
        summary=Summary(
            accounts=len(credit),
            open_accounts=n_open,
            by_kind=dict(sorted(by_kind.items())),
            credit_limit_fen=limit,
            balance_fen=balance,
            utilisation=round(revolving_balance / limit, 4) if limit else None,
            accounts_overdue_now=overdue_now,
            accounts_ever_overdue=ever,
            worst_status_24m=worst24,
            guaranteed_fen=guaranteed,
            score=score,
        ),
        credit_transactions=credit,
        repayment_responsibilities=guarantees,
        public_information=_public(conn, cat, subject_id, on),
        statements=statements,
        annotations=annotations,
        query_records=queries,
    )


def _day(ts: datetime) -> date:
    from zoneinfo import ZoneInfo

    aware = ts if ts.tzinfo else ts.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(ZoneInfo("Asia/Shanghai")).date()


def _public(conn: Connection, cat: Catalogue, subject_id: str, on: date) -> PublicInformation:
    """The subject's published public credit records, as the public sees them on ``on``."""
    from xinyong.cli.common import parse_known_at
    from xinyong.credit_file.assemble import build_file

    try:
        f = build_file(
            conn, cat, subject_id, on=on, known_at=parse_known_at(None), audience=Audience.PUBLIC
        )
    except NotFound:
        return PublicInformation(records=[])
    return PublicInformation(
        records=[
            PublicRecordLine(
                record_id=r.record_id,
                kind=r.kind,
                kind_name_zh=r.kind_name_zh,
                kind_name_en=r.kind_name_en,
                decided_on=r.decided_on,
                deciding_authority=r.deciding_authority.name_zh if r.deciding_authority else None,
                decision_no=r.decision_no,
                amount_fen=r.amount_fen,
                display_until=r.display_until,
            )
            for r in f.records
        ]
    )
