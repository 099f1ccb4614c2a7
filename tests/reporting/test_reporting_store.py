"""Lender feeds, consent, queries, statements and disputes on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.reporting.lenderfeeds import (
    BANK,
    OTHER,
    TODAY,
    account_rows,
    months,
    register,
    row,
    write,
)
from tests.support.feeds import person_ric

from xinyong.catalogue import get_catalogue
from xinyong.errors import Conflict, Forbidden, RuleRefused
from xinyong.reporting.config import ReportingSettings
from xinyong.reporting.consent import Purpose, Scope, grant, revoke
from xinyong.reporting.disputes import open_dispute
from xinyong.reporting.ingest import FeedRequest, ingest_feed, quarantined
from xinyong.reporting.queries import obtain_report
from xinyong.reporting.statements import add_statement
from xinyong.rights import cases as machine
from xinyong.rights.rules import get_rules
from xinyong.store.actors import get_principal
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store
from xinyong.store.query_log import queries_about
from xinyong.store.tables import audit_log, credit_accounts, credit_statuses, report_queries

RIC = person_ric(1)


def _p(store: Store, pid: str):  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return get_principal(conn, pid)


def _ingest(store: Store, path: Path, lender: str = BANK, on: date = TODAY):  # type: ignore[no-untyped-def]
    return ingest_feed(store, FeedRequest(path=path, lender=lender, today=on))


def _subject(store: Store) -> str:
    with store.read() as conn:
        return str(conn.execute(select(credit_accounts.c.subject_id).limit(1)).scalar_one())


def _feed(tmp: Path) -> Path:
    rows = account_rows("L0001", RIC, "王小明", {m: "N" for m in months("2024-02", 10)})
    rows += account_rows(
        "C0002",
        RIC,
        "王小明",
        dict(zip(months("2025-01", 6), ["N", "1", "2", "N", "N", "N"], strict=True)),
        account_kind="credit_card",
        amount_fen="5000000",
        opened_on="2024-12-01",
    )
    rows.append(row(account_no="BAD1", status="3"))  # no prior notice
    rows.append(row(account_no="BAD2", status="Q"))
    rows.append(
        row(account_no="L0001", borrower_id=person_ric(2), month="2025-01")
    )  # other borrower
    return write(tmp / "feed.csv", rows)


def test_feed_quarantines_bad_rows_and_a_rerun_changes_nothing(
    store: Store, tmp_path: Path
) -> None:
    register(store)
    path = _feed(tmp_path)
    r1 = _ingest(store, path)
    assert r1.rows == 19 and r1.accepted == 16 and r1.quarantined == 3
    assert r1.reasons == {
        "account_of_other_borrower": 1,
        "no_prior_notice": 1,
        "unknown_status": 1,
    }
    with store.read() as conn:
        q = quarantined(conn, r1.batch_id)
        n_status = conn.execute(select(func.count()).select_from(credit_statuses)).scalar_one()
    assert [x["row"] for x in q] == [17, 18, 19] and n_status == 16
    # the same file again: a new batch of duplicates, nothing changes
    (tmp_path / "again.csv").write_bytes(path.read_bytes() + b"")
    r2 = _ingest(store, path)
    assert r2.batch_id != r1.batch_id
    assert r2.duplicates == 16 and r2.accepted == 0 and r2.superseded == 0


def test_a_resend_with_new_content_supersedes_and_art14_items_need_written_consent(
    store: Store, tmp_path: Path
) -> None:
    register(store)
    _ingest(store, _feed(tmp_path))
    sid = _subject(store)
    changed = [row(account_no="L0001", month="2024-02", status="N", balance_fen="1")]
    r = _ingest(store, write(tmp_path / "fix.csv", changed))
    assert r.superseded == 1
    income = [row(account_no="L0001", month="2024-03") | {"income_fen": "800000"}]
    path = write(tmp_path / "income.csv", income, ["income_fen"])
    r = _ingest(store, path)
    assert r.reasons == {"no_written_consent": 1}
    admin = _p(store, "admin")
    with store.write() as tx, pytest.raises(RuleRefused, match="warned"):
        grant(
            tx,
            admin,
            subject_id=sid,
            grantee=BANK,
            scope=Scope.COLLECT,
            purpose=None,
            items=["income"],
            valid_from=TODAY,
            valid_until=TODAY + timedelta(days=30),
            evidence="form 1",
            today=TODAY,
        )
    with store.write() as tx:
        grant(
            tx,
            admin,
            subject_id=sid,
            grantee=BANK,
            scope=Scope.COLLECT,
            purpose=None,
            items=["income"],
            valid_from=TODAY,
            valid_until=TODAY + timedelta(days=30),
            evidence="form 1",
            warned=True,
            today=TODAY,
        )
    r = _ingest(store, path)
    assert (
        r.quarantined == 0 and r.duplicates == 1
    )  # the month was already there; its account changed
    with store.read() as conn:
        sens = conn.execute(
            select(credit_accounts.c.sensitive).where(credit_accounts.c.account_no == "L0001")
        ).scalar_one()
    assert sens == {"income": 800000}


def test_lender_needs_consent_for_its_purpose_and_revocation_ends_it(
    store: Store, tmp_path: Path
) -> None:
    register(store)
    _ingest(store, _feed(tmp_path))
    sid = _subject(store)
    cat = get_catalogue()
    bank = _p(store, BANK)
    with pytest.raises(Forbidden, match="no authorisation"):
        obtain_report(store, cat, bank, sid, purpose="loan_approval", channel="cli", on=TODAY)
    subject_admin = _p(store, "admin")
    with store.write() as tx:
        c = grant(
            tx,
            subject_admin,
            subject_id=sid,
            grantee=BANK,
            scope=Scope.QUERY,
            purpose=Purpose.LOAN_APPROVAL,
            items=[],
            valid_from=TODAY,
            valid_until=TODAY + timedelta(days=60),
            evidence="signed form 7",
            today=TODAY,
        )
    # another purpose, another lender, a day outside the window: still refused
    with pytest.raises(Forbidden):
        obtain_report(
            store, cat, bank, sid, purpose="credit_card_approval", channel="cli", on=TODAY
        )
    with pytest.raises(Forbidden):
        obtain_report(
            store, cat, _p(store, OTHER), sid, purpose="loan_approval", channel="cli", on=TODAY
        )
    with pytest.raises(Forbidden):
        obtain_report(
            store,
            cat,
            bank,
            sid,
            purpose="loan_approval",
            channel="cli",
            on=TODAY + timedelta(days=61),
        )
    r = obtain_report(store, cat, bank, sid, purpose="loan_approval", channel="api", on=TODAY)
    assert r.header.audience == "third_party" and r.header.requested_by == BANK
    assert [q.kind for q in r.query_records] == ["third_party"]
    assert {a.lender for a in r.credit_transactions} == {"测试银行"}
    with store.write() as tx:
        revoke(tx, subject_admin, c.consent_id)
        with pytest.raises(Conflict):
            revoke(tx, subject_admin, c.consent_id)
    with pytest.raises(Forbidden):
        obtain_report(store, cat, bank, sid, purpose="loan_approval", channel="cli", on=TODAY)
    with store.read() as conn:
        log = queries_about(conn, sid)
    assert [(e.principal_id, e.purpose, e.resource) for e in log] == [
        (BANK, "loan_approval", "credit_report")
    ]


def test_self_queries_two_free_a_year_then_charged_or_refused(store: Store, tmp_path: Path) -> None:
    register(store)
    _ingest(store, _feed(tmp_path))
    sid = _subject(store)
    cat, admin = get_catalogue(), _p(store, "admin")
    charge = ReportingSettings(over_limit="charge", self_query_fee_fen=1000)
    got = [
        obtain_report(
            store,
            cat,
            admin,
            sid,
            purpose=None,
            channel="cli",
            self_query=True,
            on=TODAY,
            settings=charge,
        ).header
        for _ in range(3)
    ]
    assert [(h.chargeable, h.fee_fen) for h in got] == [(False, 0), (False, 0), (True, 1000)]
    refuse = ReportingSettings(over_limit="refuse")
    with pytest.raises(RuleRefused) as e:
        obtain_report(
            store,
            cat,
            admin,
            sid,
            purpose=None,
            channel="cli",
            self_query=True,
            on=TODAY,
            settings=refuse,
        )
    assert e.value.code == "self_query_limit"
    # a new calendar year starts again
    h = obtain_report(
        store,
        cat,
        admin,
        sid,
        purpose=None,
        channel="cli",
        self_query=True,
        on=date(2027, 1, 1),
        settings=refuse,
    ).header
    assert not h.chargeable
    with store.read() as conn:
        kinds = conn.execute(select(report_queries.c.kind, report_queries.c.chargeable)).all()
    assert sorted(kinds) == [("self", False)] * 3 + [("self", True)]
    # query records: 2 years back from the day asked
    later = obtain_report(
        store,
        cat,
        admin,
        sid,
        purpose=None,
        channel="cli",
        self_query=True,
        on=date(2028, 12, 1),
        settings=charge,
    )
    assert [q.on for q in later.query_records] == [date(2028, 12, 1), date(2027, 1, 1)]


def test_statement_and_dispute_marked_at_once_answered_in_20_calendar_days(
    store: Store, tmp_path: Path
) -> None:
    register(store)
    _ingest(store, _feed(tmp_path))
    sid = _subject(store)
    cat, admin = get_catalogue(), _p(store, "admin")
    with store.read() as conn:
        card = conn.execute(
            select(credit_accounts.c.account_id).where(credit_accounts.c.account_no == "C0002")
        ).scalar_one()
    cal = work_calendar(store)
    opened_on = date(2026, 9, 28)  # across National Day: calendar days ignore the holiday
    with store.write() as tx:
        add_statement(tx, admin, sid, "出差未及时还款", account_id=card)
        c = open_dispute(
            tx,
            get_rules(),
            cal,
            admin,
            account_id=card,
            month="2025-03",
            reason="paid on time",
            on=opened_on,
        )
        with pytest.raises(Conflict):
            open_dispute(
                tx,
                get_rules(),
                cal,
                admin,
                account_id=card,
                month="2025-03",
                reason="again",
                on=opened_on,
            )
    assert c.due_on == date(2026, 10, 18) and c.deciding_authority == BANK
    r = obtain_report(
        store, cat, admin, sid, purpose="dispute_verification", channel="cli", on=TODAY
    )
    acc = next(a for a in r.credit_transactions if a.account_id == card)
    assert acc.under_dispute
    assert [m.under_dispute for m in acc.months if m.month == "2025-03"] == [True]
    assert [x.state for x in r.annotations] == ["under_dispute"]
    assert [s.text for s in r.statements] == ["出差未及时还款"]
    # only the lender's reviewer answers; a correction flows through the rights machine
    with store.write() as tx, pytest.raises(Forbidden):
        machine.decide(
            tx,
            cat,
            get_rules(),
            cal,
            _p(store, BANK),
            c.case_id,
            outcome="corrected",
            reason="x",
            corrections={"status": "N"},
        )
    with store.write() as tx:
        done = machine.decide(
            tx,
            cat,
            get_rules(),
            cal,
            _p(store, f"{BANK}-reviewer"),
            c.case_id,
            outcome="corrected",
            reason="booking error",
            corrections={"status": "N"},
            on=date(2026, 10, 19),
        )
    assert done.late is True and done.outcome == "corrected"
    r = obtain_report(
        store, cat, admin, sid, purpose="dispute_verification", channel="cli", on=TODAY
    )
    acc = next(a for a in r.credit_transactions if a.account_id == card)
    m = next(x for x in acc.months if x.month == "2025-03")
    assert (m.status, m.corrected, m.under_dispute) == ("N", True, False)
    assert [x.state for x in r.annotations] == ["corrected"]
    # the lender's old content for that month no longer applies silently
    old = account_rows(
        "C0002",
        RIC,
        "王小明",
        {"2025-03": "2"},
        account_kind="credit_card",
        amount_fen="5000000",
        opened_on="2024-12-01",
    )
    res = _ingest(store, write(tmp_path / "old.csv", old))
    assert res.reasons == {"conflicts_with_corrected": 1}


def test_negative_information_leaves_the_report_five_years_after_the_cure(
    store: Store, tmp_path: Path
) -> None:
    register(store)
    statuses = dict(zip(months("2018-01", 5), ["N", "3", "4", "N", "N"], strict=True))
    rows = account_rows("OLD1", RIC, "王小明", statuses, opened_on="2017-12-01")
    _ingest(store, write(tmp_path / "old.csv", rows))
    sid = _subject(store)
    cat, admin = get_catalogue(), _p(store, "admin")

    def report(on: date):  # type: ignore[no-untyped-def]
        return obtain_report(store, cat, admin, sid, purpose="supervision", channel="cli", on=on)

    before = report(date(2023, 4, 29)).credit_transactions[0]
    assert "3" in [m.status for m in before.months] and before.dropped_negative_months == 0
    after = report(date(2023, 4, 30)).credit_transactions[0]
    assert {m.status for m in after.months} == {"N"}
    assert after.dropped_negative_months == 2 and after.worst_status_60m == "N"
    # the daily job deletes them from the store, with a tombstone in the audit log
    from xinyong.reporting.retention import purge_expired

    assert purge_expired(store, on=date(2023, 4, 29)) == {"accounts": 0, "months": 0}
    assert purge_expired(store, on=date(2023, 4, 30)) == {"accounts": 1, "months": 2}
    with store.read() as conn:
        left = conn.execute(select(credit_statuses.c.status)).scalars().all()
        tomb = conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "reporting.purged")
        ).scalar_one()
    assert sorted(left) == ["N", "N", "N"] and tomb["months"] == ["2018-02", "2018-03"]
    assert report(date(2023, 4, 30)).credit_transactions[0].months == after.months


def test_a_company_report_has_no_score_and_public_information_apart(
    store: Store, tmp_path: Path
) -> None:
    from tests.support.feeds import org_uscc, penalty_row, register_agencies, write_csv

    from xinyong.ingest.pipeline import IngestRequest, ingest

    register_agencies(store)
    register(store)
    feed = write_csv(tmp_path / "pen.csv", "penalty_national", [penalty_row()])
    ingest(store, IngestRequest(path=feed, agency="rc-samr", today=TODAY))
    rows = [
        row(
            account_no="CO1",
            borrower_id_type="uscc",
            borrower_id=org_uscc(1),
            borrower_name="荣成市海润水产有限公司",
        )
    ]
    _ingest(store, write(tmp_path / "co.csv", rows))
    from xinyong.credit_file.assemble import find_subject

    with store.read() as conn:
        sid = find_subject(conn, org_uscc(1))
    r = obtain_report(
        store,
        get_catalogue(),
        _p(store, "admin"),
        sid,
        purpose="supervision",
        channel="cli",
        on=TODAY,
    )
    assert r.header.subject_kind == "organisation" and r.summary.score is None
    assert [p.kind for p in r.public_information.records] == ["administrative_penalty"]
    assert r.basic.identifiers[0].value == org_uscc(1)
