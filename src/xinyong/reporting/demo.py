"""The demo's credit reporting stage: lenders register and report, a subject authorises
a lender, the lender and the subject query, the subject adds a statement and disputes a
month, and the platform fits its person score. Seconds at ``--scale small``."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from xinyong.actors import Principal, Role
from xinyong.catalogue import get_catalogue
from xinyong.errors import Forbidden, RuleRefused
from xinyong.reporting.consent import Purpose, Scope, grant, revoke
from xinyong.reporting.disputes import open_dispute
from xinyong.reporting.ingest import FeedRequest, ingest_feed
from xinyong.reporting.lenders import Lender, add_lender
from xinyong.reporting.queries import obtain_report
from xinyong.reporting.scoring import fit_person_score
from xinyong.reporting.statements import add_statement
from xinyong.rights.rules import get_rules
from xinyong.store.actors import add_principal, get_principal
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store
from xinyong.store.tables import (
    credit_accounts,
    credit_statuses,
    subject_identifiers,
    subjects,
)
from xinyong.synth.reporting import LENDERS, Borrower, generate_lender_feeds


def reviewer_id(lender: str) -> str:
    return f"{lender}-reviewer"


def borrowers(store: Store) -> list[Borrower]:
    """Persons (resident ID) and organisations (USCC) of the store, in identifier order."""
    with store.read() as conn:
        rows = conn.execute(
            select(
                subject_identifiers.c.scheme,
                subject_identifiers.c.value,
                subjects.c.name,
                subjects.c.kind,
                subjects.c.subject_id,
            )
            .join(subjects, subjects.c.subject_id == subject_identifiers.c.subject_id)
            .where(subject_identifiers.c.scheme.in_(["ric", "uscc"]))
            .order_by(subject_identifiers.c.scheme, subject_identifiers.c.value)
        ).all()
    out = []
    for scheme, value, name, kind, sid in rows:
        if scheme == "ric" and kind == "person":
            out.append(Borrower("ric", value, name, "person", sid))
        elif scheme == "uscc" and kind == "organisation":
            out.append(Borrower("uscc", value, name, "organisation", sid))
    return out


def run_stage(store: Store, *, day: date, seed: int, data_dir: Path) -> dict[str, Any]:
    cat = get_catalogue()
    admin = get_admin(store)
    with store.write(checkpoint=True) as tx:
        for sl in LENDERS:
            add_lender(
                tx,
                Lender(
                    code=sl.code,
                    name_zh=sl.name_zh,
                    name_en=sl.name_en,
                    uscc=sl.uscc,
                    licence=sl.licence,
                ),
            )
            if get_principal(tx.conn, reviewer_id(sl.code), missing_ok=True) is None:
                add_principal(
                    tx,
                    Principal(
                        principal_id=reviewer_id(sl.code),
                        display_name=f"{sl.name_zh} 异议核查",
                        organisation=sl.code,
                        roles=frozenset({Role.LENDER, Role.REVIEWER}),
                    ),
                )
    synth = generate_lender_feeds(borrowers(store), data_dir / "lenders", seed=seed, as_of=day)
    # written consents for the income items some consumer-finance rows carry
    with store.write(admin.principal_id) as tx:
        for b, lender in synth.income_consents:
            assert b.subject_id is not None
            grant(
                tx,
                admin,
                subject_id=b.subject_id,
                grantee=lender,
                scope=Scope.COLLECT,
                purpose=None,
                items=["income"],
                valid_from=day - timedelta(days=365),
                valid_until=day + timedelta(days=365),
                evidence=f"synthetic signed form {lender}/{b.value[-4:]}",
                warned=True,
                today=day,
            )
    receipts = []
    for code, path in synth.files.items():
        receipts.append(ingest_feed(store, FeedRequest(path=path, lender=code, today=day)))
    version, _, metrics = fit_person_score(store, on=day, seed=seed)
    acts = _act_out(store, cat, admin, day)
    return {
        "receipts": receipts,
        "synth": synth,
        "score_version": version,
        "metrics": metrics,
        **acts,
    }


def get_admin(store: Store) -> Principal:
    with store.read() as conn:
        p = get_principal(conn, store.default_actor())
    assert p is not None
    return p


def _act_out(store: Store, cat: Any, admin: Principal, day: date) -> dict[str, Any]:
    """A person with a delinquency authorises a bank, which queries; the person queries
    too, adds a statement and disputes one month; another bank without consent is refused."""
    with store.read() as conn:
        row = conn.execute(
            select(
                credit_accounts.c.subject_id, credit_accounts.c.account_id, credit_statuses.c.month
            )
            .join(credit_statuses, credit_statuses.c.account_id == credit_accounts.c.account_id)
            .join(subjects, subjects.c.subject_id == credit_accounts.c.subject_id)
            .where(subjects.c.kind == "person", credit_statuses.c.status.in_(["1", "2"]))
            .order_by(credit_statuses.c.month.desc(), credit_accounts.c.account_no)
            .limit(1)
        ).first()
    if row is None:
        return {}
    sid, account_id, month = row
    bank = LENDERS[1].code
    other = LENDERS[0].code
    with store.write(admin.principal_id) as tx:
        c = grant(
            tx,
            admin,
            subject_id=sid,
            grantee=bank,
            scope=Scope.QUERY,
            purpose=Purpose.LOAN_APPROVAL,
            items=[],
            valid_from=day,
            valid_until=day + timedelta(days=90),
            evidence="synthetic signed authorisation, loan application",
            today=day,
        )
    with store.read() as conn:
        lender_p = get_principal(conn, bank)
        other_p = get_principal(conn, other)
    assert lender_p is not None and other_p is not None
    third = obtain_report(store, cat, lender_p, sid, purpose="loan_approval", channel="cli", on=day)
    refused = 0
    try:
        obtain_report(store, cat, other_p, sid, purpose="loan_approval", channel="cli", on=day)
    except (Forbidden, RuleRefused):
        refused += 1
    own = obtain_report(
        store, cat, admin, sid, purpose=None, channel="cli", self_query=True, on=day
    )
    cal = work_calendar(store)
    with store.write(admin.principal_id) as tx:
        add_statement(
            tx,
            admin,
            sid,
            "本人因出差未及时还款，已于次月还清。 I was travelling and repaid the next month.",
            account_id=account_id,
        )
        dispute = open_dispute(
            tx,
            get_rules(),
            cal,
            admin,
            account_id=account_id,
            month=month,
            reason="I repaid on time; the bank's system booked the payment late.",
            on=day,
        )
    # a consent revoked afterwards: the same bank is refused again
    with store.write(admin.principal_id) as tx:
        revoke(tx, admin, c.consent_id)
    try:
        obtain_report(store, cat, lender_p, sid, purpose="loan_approval", channel="cli", on=day)
    except (Forbidden, RuleRefused):
        refused += 1
    with store.read() as conn:
        code = conn.execute(
            select(subject_identifiers.c.value).where(
                subject_identifiers.c.subject_id == sid, subject_identifiers.c.scheme == "ric"
            )
        ).scalar_one()
    return {
        "subject_id": sid,
        "example_code": code,
        "lender_report": third.header.report_id,
        "self_report": own.header.report_id,
        "refused": refused,
        "dispute": dispute,
        "score": own.summary.score.score if own.summary.score else None,
    }


def print_summary(console: Console, res: dict[str, Any], url: str) -> None:
    t = Table(title="financial credit reporting (lender feeds)")
    t.add_column("lender", no_wrap=True)
    for col in ("rows", "new", "dup", "superseded", "quarantined"):
        t.add_column(col, justify="right")
    for r in res["receipts"]:
        t.add_row(
            r.lender,
            str(r.rows),
            str(r.accepted),
            str(r.duplicates),
            str(r.superseded),
            str(r.quarantined),
        )
    console.print(t)
    m = res["metrics"]
    shares = res["synth"].status_shares
    console.print(
        f"statuses: N {shares.get('N', 0):.1%}, overdue 1-7 "
        f"{sum(v for k, v in shares.items() if k.isdigit()):.2%}, D/Z "
        f"{shares.get('D', 0) + shares.get('Z', 0):.3%}, G {shares.get('G', 0):.3%}"
    )
    console.print(
        f"person score v{res['score_version']}: holdout AUC {m['auc']:.3f} on {m['rows']} "
        "synthetic persons (plumbing only)"
    )
    if "example_code" in res:
        console.print(
            f"reports: a lender query with consent, {res['refused']} refused (no consent / revoked), "
            f"a self-query, a statement, dispute {res['dispute'].case_id} due {res['dispute'].due_on}"
        )
        console.print(f"      xinyong report show {res['example_code']} --self --db {url}")
        console.print(
            f"      xinyong report show {res['example_code']} --self --format pdf --out report.pdf --db {url}"
        )


def reporting_stage(url: str, day: date, seed: int, out: Path, console: Console) -> dict[str, Any]:
    """The demo's stage (``xinyong demo``): run it, print its table and a hint."""
    store = Store(url)
    with console.status("financial credit reporting: lenders, feeds, consents, queries, score"):
        res = run_stage(store, day=day, seed=seed, data_dir=out)
    print_summary(console, res, url)
    return res
