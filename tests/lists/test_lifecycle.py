"""The life of list entries in the store, on SQLite and PostgreSQL: sync, decisions,
extension, removal, expiry, "as known at" and the audit chain behind all of it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import String, func, select
from tests.lists._world import (
    ADULT,
    COURT,
    COURT_LIST,
    ENV,
    SHANDONG_LIST,
    TAX,
    TAX_LIST,
    People,
    audit_chain,
    audit_count,
    court_listing,
    entries_about,
    entry_about,
    env_penalty,
    feed,
    populate,
    tax_grade_a,
)
from tests.support.feeds import org_uscc, person_ric

from xinyong.actors import Principal
from xinyong.calendar import CST, Duration
from xinyong.catalogue import get_catalogue
from xinyong.errors import Conflict, Forbidden, RuleRefused, UsageError
from xinyong.lists import expiry as expiry_module
from xinyong.lists.decisions import decide, extend, remove
from xinyong.lists.expiry import expire
from xinyong.lists.history import entry_history
from xinyong.lists.model import Entry, EntryStatus, Via
from xinyong.lists.proposals import SyncReport, sync
from xinyong.lists.queries import counts, entries_of, entries_on, pending
from xinyong.measures.notices import acknowledge, notices_for
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store
from xinyong.store.tables import (
    audit_log,
    list_entries,
    list_entry_history,
    measure_notices,
    records,
)

CAT = get_catalogue()
TODAY = date(2026, 3, 20)  # a Friday

P1 = person_ric(1, ADULT)  # ground 1: no fixed term
P2 = person_ric(2, ADULT)  # ground 2: 2026-02-01 until 2028-02-01
P3 = person_ric(3, ADULT)  # ground 2 decided 2024-01-10: term over on 2026-01-10
P4 = person_ric(4, ADULT)  # ground 3 decided 2024-03-01: term over on 2026-03-01
P6 = person_ric(6, ADULT)  # ground 6 decided 2026-03-01: until 2028-03-01
MINOR_LISTING = person_ric(5, date(2010, 1, 1))  # no decision date: 16 on the sync day
Q1 = person_ric(11, ADULT)  # a serious environmental penalty: Shandong proposal
Q2 = person_ric(12, date(2009, 6, 1))  # the same, but a minor
Q3 = person_ric(13, ADULT)  # a general penalty: no proposal
T1 = org_uscc(21)  # tax grade A: red list proposal


@dataclass(frozen=True)
class World:
    store: Store
    people: People
    report: SyncReport
    synced_at: datetime


@pytest.fixture
def world(store: Store, tmp_path: Path) -> World:
    people = populate(store)
    court = [
        court_listing(1, grounds="1"),
        court_listing(2, grounds="2"),
        court_listing(3, grounds="2", decided_on=date(2024, 1, 10)),
        court_listing(4, grounds="3", decided_on=date(2024, 3, 1)),
        court_listing(6, grounds="6", decided_on=date(2026, 3, 1)),
        court_listing(5, grounds="1", decided_on=None, born=date(2010, 1, 1)),
    ]
    feed(store, tmp_path / "court.jsonl", COURT, court)
    penalties = [
        env_penalty(11),
        env_penalty(12, born=date(2009, 6, 1)),
        env_penalty(13, severity="general"),
    ]
    feed(store, tmp_path / "env.jsonl", ENV, penalties)
    feed(store, tmp_path / "tax.jsonl", TAX, [tax_grade_a(21)])
    with store.write() as tx:
        report = sync(tx, CAT, on=TODAY)
    return World(store, people, report, datetime.now(UTC))


def _entry(w: World, code: str, list_id: str = COURT_LIST) -> Entry:
    return entry_about(w.store, code, list_id)


MONDAY = date(2026, 3, 23)


def _decide(
    w: World,
    who: Principal,
    code: str,
    list_id: str,
    approve: bool,
    *,
    reason: str | None = "事实清楚，证据确凿",
    on: date = MONDAY,
) -> Entry:
    e = _entry(w, code, list_id)
    with w.store.write(who.principal_id) as tx:
        return decide(tx, CAT, who, e.entry_id, approve=approve, reason=reason, on=on)


def _extend(
    w: World,
    who: Principal,
    code: str,
    by: str,
    *,
    reason: str | None = "以暴力方法抗拒执行，情节严重",
    on: date = MONDAY,
) -> Entry:
    e = _entry(w, code)
    with w.store.write(who.principal_id) as tx:
        return extend(tx, CAT, who, e.entry_id, by=Duration.parse(by), reason=reason, on=on)


def _remove(
    w: World,
    who: Principal,
    code: str,
    event: str | None,
    *,
    event_on: date | None = TODAY,
    reason: str | None = "被执行人已履行完毕",
    on: date = MONDAY,
) -> Entry:
    e = _entry(w, code)
    with w.store.write(who.principal_id) as tx:
        return remove(
            tx,
            CAT,
            work_calendar(w.store),
            who,
            e.entry_id,
            event=event,
            event_on=event_on,
            reason=reason,
            on=on,
        )


def _table_counts(store: Store) -> list[int]:
    with store.read() as conn:
        return [
            int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (list_entries, list_entry_history, measure_notices)
        ]


def _court_measures_for_a_person() -> set[str]:
    return {
        m.id
        for m in CAT.measures.values()
        if COURT_LIST in m.lists
        and not m.representatives_only
        and (m.subject_kinds is None or "person" in {k.value for k in m.subject_kinds})
    }


# --------------------------------------------------------------------------- sync


def test_sync_publishes_direct_entries_and_proposes(world: World) -> None:
    rep = world.report
    assert rep.published == {COURT_LIST: 5}
    assert rep.proposed == {SHANDONG_LIST: 1, TAX_LIST: 1}
    assert rep.refused_minor == {COURT_LIST: 1, SHANDONG_LIST: 1}
    per_person = _court_measures_for_a_person()
    assert {"consumption_flights", "court_procurement_restriction"} <= per_person
    assert rep.notices == 5 * len(per_person)

    p2 = _entry(world, P2)
    assert (p2.via, p2.status, p2.ground) == (
        Via.DIRECT,
        EntryStatus.PUBLISHED,
        "obstructs_enforcement",
    )
    assert p2.deciding_authority == p2.decided_by == p2.proposed_by == COURT
    assert (p2.decided_on, p2.term_start, p2.term_end) == (
        date(2026, 2, 1),
        date(2026, 2, 1),
        date(2028, 2, 1),
    )
    assert p2.version == 1 and p2.reason
    p1 = _entry(world, P1)
    assert (p1.ground, p1.term_start, p1.term_end) == ("able_but_refuses", date(2026, 2, 1), None)
    p4 = _entry(world, P4)
    assert (p4.ground, p4.term_end) == ("evades_enforcement", date(2026, 3, 1))

    with world.store.read() as conn:
        sent = notices_for(conn, entry_id=p2.entry_id)
        assert {n.measure_id for n in sent} == per_person
        assert all(n.status.value == "sent" and n.subject_id == p2.subject_id for n in sent)
        assert all(
            n.implementing_type == CAT.measure(n.measure_id).implementing_agency.type for n in sent
        )
        (h,) = entry_history(conn, p2.entry_id)
        assert (h["event"], h["status"], h["seq"], h["actor"]) == (
            "published",
            "published",
            1,
            COURT,
        )
        assert audit_count(conn, "list.entry.published", p2.entry_id) == 1
        assert audit_count(conn, "measure.notices.sent", p2.entry_id) == 1
        assert audit_count(conn, "lists.sync") == 1

        q1 = entries_about(conn, Q1)
        t1 = entries_about(conn, T1)
        assert entries_about(conn, Q3) == []
        assert _ids(pending(conn)) == _ids(q1 + t1)
        assert [e.entry_id for e in pending(conn, authority=ENV)] == [q1[0].entry_id]
        assert notices_for(conn, entry_id=q1[0].entry_id) == []
    (q,) = q1
    assert (q.list_id, q.via, q.status, q.deciding_authority) == (
        SHANDONG_LIST,
        Via.PROPOSAL,
        EntryStatus.PROPOSED,
        ENV,
    )
    assert q.proposed_by == "system:lists" and q.term_start is None and q.decided_by is None
    assert q.ground == "serious_dishonest_conduct"
    assert (t1[0].list_id, t1[0].deciding_authority, t1[0].ground) == (TAX_LIST, TAX, "grade_a")


def test_sync_is_idempotent(world: World) -> None:
    before = _table_counts(world.store)
    for on in (TODAY, date(2026, 3, 25)):
        with world.store.write() as tx:
            again = sync(tx, CAT, on=on)
        assert again.published == {} and again.proposed == {} and again.notices == 0
    assert _table_counts(world.store) == before


def test_minors_are_never_listed(world: World) -> None:
    with world.store.write() as tx:
        sync(tx, CAT, on=date(2026, 4, 1))
    with world.store.read() as conn:
        assert entries_about(conn, MINOR_LISTING) == []
        assert entries_about(conn, Q2) == []


def test_a_subject_with_a_live_proposal_is_not_proposed_again(world: World, tmp_path: Path) -> None:
    second = env_penalty(11, decided_on=date(2026, 3, 10), key="威环罚〔2026〕99号")
    feed(world.store, tmp_path / "env2.jsonl", ENV, [second])
    with world.store.write() as tx:
        rep = sync(tx, CAT, on=TODAY)
    assert rep.proposed == {} and rep.already_open == {SHANDONG_LIST: 1}
    assert len(entries_about_store(world, Q1)) == 1
    # once the live proposal is rejected, the other record may be proposed
    _decide(world, world.people.env_reviewer, Q1, SHANDONG_LIST, approve=False)
    with world.store.write() as tx:
        rep = sync(tx, CAT, on=TODAY)
    assert rep.proposed == {SHANDONG_LIST: 1}
    assert [e.status for e in entries_about_store(world, Q1)] == [
        EntryStatus.REJECTED,
        EntryStatus.PROPOSED,
    ]


def test_only_the_latest_grade_is_a_ground_for_the_red_list(store: Store, tmp_path: Path) -> None:
    """A grade is current until the next evaluation: last year's A, replaced by this
    year's B, proposes nothing; a firm whose latest grade is A is proposed once."""
    populate(store)
    older_a = tax_grade_a(31, decided_on=date(2025, 4, 20)) | {
        "source_key": "NSXY-2024-31",
        "tax_year": "2024",
    }
    newer_b = tax_grade_a(31, decided_on=date(2026, 4, 20)) | {"grade": "B"}
    a_then_a = [
        tax_grade_a(32, decided_on=date(2025, 4, 20)) | {"source_key": "NSXY-2024-32"},
        tax_grade_a(32, decided_on=date(2026, 4, 20)),
    ]
    feed(store, tmp_path / "tax.jsonl", TAX, [older_a, newer_b, *a_then_a], today=date(2026, 5, 1))
    with store.write() as tx:
        rep = sync(tx, CAT, on=date(2026, 5, 1))
    assert rep.proposed == {TAX_LIST: 1}
    with store.read() as conn:
        assert entries_about(conn, org_uscc(31)) == []
        (entry,) = entries_about(conn, org_uscc(32))
        latest = conn.execute(
            select(records.c.record_id).where(
                records.c.source_key == "NSXY-2025-32", records.c.superseded_at.is_(None)
            )
        ).scalar_one()
    assert entry.source_record_id == latest


def entries_about_store(w: World, code: str) -> list[Entry]:
    with w.store.read() as conn:
        return entries_about(conn, code)


# --------------------------------------------------------------------------- decisions


def test_approve_and_reject_with_a_reason(world: World) -> None:
    env, tax = world.people.env_reviewer, world.people.tax_reviewer
    q = _decide(world, env, Q1, SHANDONG_LIST, approve=True, reason="情节严重，符合列入条件")
    assert (q.status, q.decided_by, q.decided_on) == (
        EntryStatus.PUBLISHED,
        env.principal_id,
        date(2026, 3, 23),
    )
    assert (q.term_start, q.term_end, q.version) == (date(2026, 3, 23), date(2029, 3, 23), 2)
    assert q.reason == "情节严重，符合列入条件"
    stamps = {"proposed_at", "decided_at"}  # SQLite gives back naive UTC timestamps
    assert _entry(world, Q1, SHANDONG_LIST).model_dump(exclude=stamps) == q.model_dump(
        exclude=stamps
    )

    t = _decide(world, tax, T1, TAX_LIST, approve=False, reason="  纳税信用级别已复评调整  ")
    assert (t.status, t.decided_by, t.reason) == (
        EntryStatus.REJECTED,
        tax.principal_id,
        "纳税信用级别已复评调整",
    )
    assert t.term_start is None and t.term_end is None

    with world.store.read() as conn:
        shandong = {m.id for m in CAT.measures_for_list(SHANDONG_LIST)}
        assert {n.measure_id for n in notices_for(conn, entry_id=q.entry_id)} == shandong
        assert notices_for(conn, entry_id=t.entry_id) == []
        hq = entry_history(conn, q.entry_id)
        assert [(h["seq"], h["event"], h["status"]) for h in hq] == [
            (1, "proposed", "proposed"),
            (2, "published", "published"),
        ]
        assert hq[1]["actor"] == env.principal_id
        assert hq[1]["detail"]["reason"] == "情节严重，符合列入条件"
        assert hq[1]["term_end"] == date(2029, 3, 23)
        assert [h["event"] for h in entry_history(conn, t.entry_id)] == ["proposed", "rejected"]
        # the reason stays in the entry's history, out of the audit chain
        (detail,) = conn.execute(
            select(audit_log.c.detail).where(
                audit_log.c.action == "list.entry.published", audit_log.c.entity_id == q.entry_id
            )
        ).scalars()
        assert "reason" not in detail and "情节严重" not in str(detail)
        assert detail["term_start"] == "2026-03-23"


def test_only_a_reviewer_of_the_deciding_authority_decides(world: World) -> None:
    for who in ("admin", "env_key", "court_reviewer", "tax_reviewer"):
        p: Principal = getattr(world.people, who)
        with pytest.raises(Forbidden) as exc:
            _decide(world, p, Q1, SHANDONG_LIST, approve=True)
        assert exc.value.http_status == 403
        assert exc.value.code == ("other_authority" if who.endswith("reviewer") else "not_reviewer")
        e = _entry(world, Q1, SHANDONG_LIST)
        assert (e.status, e.version) == (EntryStatus.PROPOSED, 1)
        if who == "court_reviewer":
            continue
        # the same for an extension and a removal of the court's entries
        with pytest.raises(Forbidden):
            _extend(world, p, P2, "1 years")
        with pytest.raises(Forbidden):
            _remove(world, p, P1, "performed")
        assert (_entry(world, P2).version, _entry(world, P1).version) == (1, 1)


def test_deciding_twice_conflicts(world: World) -> None:
    env, tax = world.people.env_reviewer, world.people.tax_reviewer
    _decide(world, env, Q1, SHANDONG_LIST, approve=True)
    for approve in (True, False):
        with pytest.raises(Conflict) as exc:
            _decide(world, env, Q1, SHANDONG_LIST, approve=approve, on=date(2026, 3, 24))
        assert (exc.value.code, exc.value.http_status) == ("already_decided", 409)
    _decide(world, tax, T1, TAX_LIST, approve=False)
    with pytest.raises(Conflict):
        _decide(world, tax, T1, TAX_LIST, approve=True)
    # a direct entry was decided by the court itself
    with pytest.raises(Conflict):
        _decide(world, world.people.court_reviewer, P2, COURT_LIST, approve=False)
    assert _entry(world, Q1, SHANDONG_LIST).version == 2
    assert _entry(world, T1, TAX_LIST).status is EntryStatus.REJECTED


def test_a_decision_needs_its_reason(world: World) -> None:
    env, court = world.people.env_reviewer, world.people.court_reviewer
    for reason in (None, "", "   \t"):
        for approve in (True, False):
            with pytest.raises(UsageError) as exc:
                _decide(world, env, Q1, SHANDONG_LIST, approve=approve, reason=reason)
            assert (exc.value.code, exc.value.http_status) == ("reason_required", 400)
        with pytest.raises(UsageError):
            _extend(world, court, P2, "1 years", reason=reason)
        with pytest.raises(UsageError):
            _remove(world, court, P1, "performed", reason=reason)
    assert _entry(world, Q1, SHANDONG_LIST).status is EntryStatus.PROPOSED
    assert (_entry(world, P2).version, _entry(world, P1).version) == (1, 1)
    with world.store.read() as conn:
        assert len(entry_history(conn, _entry(world, Q1, SHANDONG_LIST).entry_id)) == 1


# --------------------------------------------------------------------------- extension


def test_extension_within_its_bounds_once(world: World) -> None:
    court = world.people.court_reviewer
    for by in ("4 years", "6 months"):
        with pytest.raises(RuleRefused) as exc:
            _extend(world, court, P2, by)
        assert (exc.value.code, exc.value.http_status) == ("extension_refused", 422)
    e = _extend(world, court, P2, "3 years")
    assert (e.term_end, e.extensions, e.version) == (date(2031, 2, 1), 1, 2)
    assert e.term_start == date(2026, 2, 1)
    with pytest.raises(RuleRefused) as exc:
        _extend(world, court, P2, "1 years", on=date(2026, 4, 1))
    assert "already extended" in exc.value.message
    assert _entry(world, P2).term_end == date(2031, 2, 1)

    one = _extend(world, court, P6, "1 years")
    assert (one.term_end, one.extensions) == (date(2029, 3, 1), 1)
    with world.store.read() as conn:
        (h,) = [h for h in entry_history(conn, one.entry_id) if h["event"] == "extended"]
    assert h["detail"]["by"] == "1 years" and h["term_end"] == date(2029, 3, 1)


def test_no_extension_without_a_term_or_after_it(world: World) -> None:
    court = world.people.court_reviewer
    with pytest.raises(RuleRefused) as refused:
        _extend(world, court, P1, "1 years")  # ground 1: no fixed term
    assert refused.value.code == "extension_refused"
    with pytest.raises(Conflict) as over:
        _extend(world, court, P3, "1 years", on=TODAY)  # its term ended on 2026-01-10
    assert (over.value.code, over.value.http_status) == ("not_in_force", 409)
    # the last day of a term may still extend it; the day it ends may not
    with pytest.raises(Conflict):
        _extend(world, court, P4, "1 years", on=date(2026, 3, 1))
    assert _extend(world, court, P4, "1 years", on=date(2026, 2, 28)).term_end == date(2027, 3, 1)


# --------------------------------------------------------------------------- removal


def test_removal_needs_one_of_the_lists_events(world: World) -> None:
    for event, code in (
        (None, "removal_event_required"),
        ("", "removal_event_required"),
        ("bogus", "unknown_removal_event"),
        ("grade_changed", "unknown_removal_event"),  # the tax list's event
    ):
        with pytest.raises(RuleRefused) as exc:
            _remove(world, world.people.court_reviewer, P1, event)
        assert (exc.value.code, exc.value.http_status) == (code, 422)
    e = _entry(world, P1)
    assert (e.status, e.version, e.ended_on) == (EntryStatus.PUBLISHED, 1, None)


def test_removal_ends_the_entry_from_its_day(world: World) -> None:
    court = world.people.court_reviewer
    with pytest.raises(RuleRefused) as no_date:
        _remove(world, court, P1, "performed", event_on=None)
    assert no_date.value.code == "event_date_required"
    e = _remove(world, court, P1, "performed", event_on=TODAY, on=date(2026, 3, 23))
    assert (e.status, e.ended_on, e.end_event, e.event_on) == (
        EntryStatus.REMOVED,
        date(2026, 3, 23),
        "performed",
        TODAY,
    )
    # Friday 20 March: Monday 23, Tuesday 24, Wednesday 25
    assert (e.removal_due, e.removal_late) == (date(2026, 3, 25), False)
    assert not e.in_force_on(date(2026, 3, 23)) and e.in_force_on(date(2026, 3, 22))
    with pytest.raises(Conflict) as again:
        _remove(world, court, P1, "settlement_performed", on=date(2026, 3, 24))
    assert (again.value.code, again.value.http_status) == ("not_published", 409)
    with world.store.read() as conn:
        assert [h["event"] for h in entry_history(conn, e.entry_id)] == ["published", "removed"]
        assert audit_count(conn, "list.entry.removed", e.entry_id) == 1


# --------------------------------------------------------------------------- expiry


@pytest.mark.parametrize("plan", ["due_index", "table_pass"])
def test_expiry_ends_due_entries_with_one_history_row_and_audit_entry_each(
    world: World, plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # both of the job's plans on SQLite (by the share of due entries) do the same
    monkeypatch.setattr(expiry_module, "SCAN_SHARE", 2.0 if plan == "due_index" else 0.0)
    store = world.store
    time.sleep(0.01)
    before_expiry = datetime.now(UTC)
    time.sleep(0.01)
    with store.write() as tx:
        rep = expire(tx, on=TODAY)
    assert rep.expired == 2  # P3 (ended 2026-01-10) and P4 (ended 2026-03-01)
    p3, p4 = _entry(world, P3), _entry(world, P4)
    for e, end in ((p3, date(2026, 1, 10)), (p4, date(2026, 3, 1))):
        assert (e.status, e.ended_on, e.end_event, e.version) == (
            EntryStatus.EXPIRED,
            end,
            "term_expired",
            2,
        )
    for code in (P1, P2, P6):
        assert (_entry(world, code).status, _entry(world, code).version) == (
            EntryStatus.PUBLISHED,
            1,
        )
    with store.read() as conn:
        (then,) = entries_of(conn, p3.subject_id, known_at=before_expiry)
        assert (then.status, then.ended_on, then.version) == (EntryStatus.PUBLISHED, None, 1)
        (now,) = entries_of(conn, p3.subject_id, known_at=datetime.now(UTC))
        assert (now.status, now.ended_on, now.version) == (
            EntryStatus.EXPIRED,
            date(2026, 1, 10),
            2,
        )
        for e in (p3, p4):
            hist = entry_history(conn, e.entry_id)
            assert [(h["seq"], h["event"], h["status"]) for h in hist] == [
                (1, "published", "published"),
                (2, "expired", "expired"),
            ]
            assert hist[1]["actor"] == "system:expiry" and hist[1]["detail"]["run"] == rep.run_id
            assert hist[1]["ended_on"] == e.term_end
            assert audit_count(conn, "list.entry.expired", e.entry_id) == 1
        assert audit_count(conn, "list.entry.expired") == 2
        assert audit_count(conn, "lists.expire") == 1
        n_history = conn.execute(select(func.count()).select_from(list_entry_history)).scalar_one()

    # rerunning for the same day finds nothing left to do
    with store.write() as tx:
        assert expire(tx, on=TODAY).expired == 0
    with store.read() as conn:
        assert (
            conn.execute(select(func.count()).select_from(list_entry_history)).scalar_one()
            == n_history
        )
        assert audit_count(conn, "list.entry.expired") == 2

    # the term end is exclusive: P2 ends at the start of 2028-02-01, P6 on 2028-03-01
    with store.write() as tx:
        assert expire(tx, on=date(2028, 1, 31)).expired == 0
    with store.write() as tx:
        assert expire(tx, on=date(2028, 2, 1)).expired == 1
    assert _entry(world, P2).status is EntryStatus.EXPIRED
    assert _entry(world, P6).status is EntryStatus.PUBLISHED
    assert _entry(world, P1).status is EntryStatus.PUBLISHED  # no fixed term: never expires


def test_expiry_audit_entries_follow_queued_ones_in_entry_order_and_verify(
    world: World,
) -> None:
    """The job writes its per-entry audit rows in bulk (benchmarks/README.md): the chain
    still holds, in order, what was queued before it, one entry per expired entry by
    entry id with the detail {list, ended_on, run}, then the job's summary."""
    store = world.store
    with store.read() as conn:
        start = conn.execute(select(func.max(audit_log.c.seq))).scalar_one()
    with store.write() as tx:
        tx.audit("test.before_expiry", "thing", "t1", {"n": 1})
        rep = expire(tx, on=TODAY)
    due = sorted((_entry(world, P3), _entry(world, P4)), key=lambda e: e.entry_id)
    with store.read() as conn:
        rows = conn.execute(
            select(audit_log.c.action, audit_log.c.entity_id, audit_log.c.detail)
            .where(audit_log.c.seq > start)
            .order_by(audit_log.c.seq)
        ).all()
        stored = (
            conn.execute(
                select(func.cast(audit_log.c.detail, String))
                .where(audit_log.c.seq > start, audit_log.c.action == "list.entry.expired")
                .order_by(audit_log.c.seq)
            )
            .scalars()
            .all()
        )
    expected = [
        {"list": e.list_id, "ended_on": e.term_end.isoformat(), "run": rep.run_id}  # type: ignore[union-attr]
        for e in due
    ]
    assert [tuple(r) for r in rows] == [
        ("test.before_expiry", "t1", {"n": 1}),
        *[("list.entry.expired", e.entry_id, d) for e, d in zip(due, expected, strict=True)],
        ("lists.expire", "lists", {"on": TODAY.isoformat(), "run": rep.run_id, "expired": 2}),
    ]
    # stored as the engine's JSON serializer writes it (keys in this order, ", " and ": ")
    assert stored == [json.dumps(d, ensure_ascii=False) for d in expected]
    report = audit_chain(store)
    assert report.ok, report.problems


# --------------------------------------------------------------------------- as known at


def _ids(entries: list[Entry]) -> set[str]:
    return {e.entry_id for e in entries}


def test_entries_on_a_day_as_known_at_a_time(world: World) -> None:
    store = world.store
    p1, p2, p4, p6 = (_entry(world, c).entry_id for c in (P1, P2, P4, P6))
    with store.read() as conn:
        assert _ids(entries_on(conn, COURT_LIST, on=date(2026, 3, 24))) == {p1, p2, p6}
        assert _ids(entries_on(conn, COURT_LIST, on=date(2026, 2, 15))) == {p1, p2, p4}
        assert entries_on(conn, SHANDONG_LIST, on=date(2026, 3, 24)) == []  # only proposed
    time.sleep(0.01)
    before_removal = datetime.now(UTC)
    time.sleep(0.01)
    _remove(world, world.people.court_reviewer, P1, "performed", on=date(2026, 3, 23))
    with store.read() as conn:
        assert _ids(entries_on(conn, COURT_LIST, on=date(2026, 3, 24))) == {p2, p6}
        assert _ids(entries_on(conn, COURT_LIST, on=date(2026, 3, 22))) == {p1, p2, p6}
        then = entries_on(conn, COURT_LIST, on=date(2026, 3, 24), known_at=before_removal)
        assert _ids(then) == {p1, p2, p6}
        # the same instant written in Beijing time gives the same answer, on both engines
        in_cst = before_removal.astimezone(CST)
        assert _ids(entries_on(conn, COURT_LIST, on=date(2026, 3, 24), known_at=in_cst)) == _ids(
            then
        )
        (shown,) = [e for e in then if e.entry_id == p1]
        assert (shown.status, shown.ended_on, shown.version) == (EntryStatus.PUBLISHED, None, 1)
        now = entries_on(conn, COURT_LIST, on=date(2026, 3, 24), known_at=datetime.now(UTC))
        assert _ids(now) == {p2, p6}
        before_sync = datetime(2026, 1, 1, tzinfo=UTC)
        assert entries_on(conn, COURT_LIST, on=date(2026, 3, 24), known_at=before_sync) == []
        assert _ids(entries_on(conn, COURT_LIST, on=date(2026, 3, 24), limit=1)) <= {p2, p6}


# --------------------------------------------------------------------------- all of it


def test_a_whole_lifecycle_leaves_the_audit_chain_intact(world: World) -> None:
    people, store = world.people, world.store
    _decide(world, people.env_reviewer, Q1, SHANDONG_LIST, approve=True)
    _decide(world, people.tax_reviewer, T1, TAX_LIST, approve=False)
    _extend(world, people.court_reviewer, P2, "2 years")
    _remove(world, people.court_reviewer, P1, "performed")
    with store.write() as tx:
        expire(tx, on=TODAY)
    with store.read() as conn:
        (flights,) = [
            n
            for n in notices_for(conn, entry_id=_entry(world, P2).entry_id)
            if n.measure_id == "consumption_flights"
        ]
    with store.write(people.aviation_officer.principal_id) as tx:
        acknowledge(tx, people.aviation_officer, flights.notice_id, on=TODAY)

    with store.read() as conn:
        assert counts(conn) == {
            COURT_LIST: {"published": 2, "removed": 1, "expired": 2},
            SHANDONG_LIST: {"published": 1},
            TAX_LIST: {"rejected": 1},
        }
        # every state an entry reached is one history row and one audit entry
        n_history = conn.execute(select(func.count()).select_from(list_entry_history)).scalar_one()
        n_audit = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.action.like("list.entry.%"))
        ).scalar_one()
        assert n_history == n_audit == 7 + 1 + 1 + 1 + 1 + 2
    report = audit_chain(store)
    assert report.ok, report.problems
    assert report.entries > n_audit
