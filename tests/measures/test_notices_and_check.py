"""Notices to implementing agencies, their acknowledgement, and the check service
(one subject, batches, unit representatives, logging, bulk screening)."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import func, select
from tests.lists._world import (
    ADULT,
    COURT,
    COURT_LIST,
    COURT_PROCUREMENT,
    ENV,
    FLIGHTS,
    SHANDONG_FLIGHTS,
    SHANDONG_LIST,
    People,
    audit_chain,
    audit_count,
    court_listing,
    court_unit_listing,
    entry_about,
    env_penalty,
    feed,
    feed_penalties,
    populate,
    samr_penalty,
)
from tests.support.feeds import org_uscc, person_ric

from xinyong.actors import Principal
from xinyong.api.app import create_app
from xinyong.audit.signing import public_key_hex
from xinyong.catalogue import get_catalogue
from xinyong.credit_file.assemble import find_subject
from xinyong.errors import Conflict, Forbidden, NotFound, UsageError
from xinyong.lists.decisions import decide, remove
from xinyong.lists.expiry import expire
from xinyong.lists.model import Entry
from xinyong.lists.proposals import sync
from xinyong.measures.check import MAX_BATCH, CheckAnswer, answer, check, find_subject_kind
from xinyong.measures.notices import Notice, NoticeStatus, acknowledge, notices_for, report_back
from xinyong.measures.screening import screen, signature_path, verify_result
from xinyong.store.actors import create_key, revoke_key
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store
from xinyong.store.tables import audit_log, query_log, subjects

CAT = get_catalogue()
TODAY = date(2026, 3, 20)

P1 = person_ric(1, ADULT)  # court, ground 2: 2026-02-01 until 2028-02-01
P2 = person_ric(2, ADULT)  # court, ground 1: no fixed term
P3 = person_ric(3, ADULT)  # court, ground 2 decided 2024-01-10: term over on 2026-01-10
UNIT = org_uscc(30)  # court, ground 1, legal representative REP
REP = person_ric(31)
NEW_REP = person_ric(32)  # takes over as legal representative on 2026-04-01
K = person_ric(13, ADULT)  # known (a general penalty), on no list
Q1 = person_ric(11, ADULT)  # serious environmental penalty: a Shandong proposal
SAMR_ORG = org_uscc(40)  # serious market-regulation penalty: SAMR and Shandong proposals
UNKNOWN = person_ric(99)  # a valid resident ID nobody reported


@dataclass(frozen=True)
class World:
    store: Store
    people: People


@pytest.fixture
def world(store: Store, tmp_path: Path) -> World:
    people = populate(store)
    court = [
        court_listing(1, grounds="2"),
        court_listing(2, grounds="1"),
        court_listing(3, grounds="2", decided_on=date(2024, 1, 10)),
        court_unit_listing(30, rep=31),
    ]
    feed(store, tmp_path / "court.jsonl", COURT, court)
    feed(store, tmp_path / "env.jsonl", ENV, [env_penalty(11), env_penalty(13, severity="general")])
    feed_penalties(
        store,
        tmp_path / "samr.csv",
        [samr_penalty(40, 41, decided_on=date(2026, 3, 9), serious=True)],
    )
    with store.write() as tx:
        sync(tx, CAT, on=TODAY)
    return World(store, people)


def _entry(w: World, code: str, list_id: str = COURT_LIST) -> Entry:
    return entry_about(w.store, code, list_id)


def _notice(w: World, code: str, measure: str, list_id: str = COURT_LIST) -> Notice:
    e = _entry(w, code, list_id)
    with w.store.read() as conn:
        (n,) = [n for n in notices_for(conn, entry_id=e.entry_id) if n.measure_id == measure]
    return n


def _ack(
    w: World, officer: Principal, code: str, measure: str, on: date, list_id: str = COURT_LIST
) -> Notice:
    n = _notice(w, code, measure, list_id)
    with w.store.write(officer.principal_id) as tx:
        return acknowledge(tx, officer, n.notice_id, on=on)


def _answer(w: World, code: str, on: date, measure: str = FLIGHTS) -> CheckAnswer:
    with w.store.read() as conn:
        return answer(conn, CAT, CAT.measure(measure), code, on)


def _restricted(w: World, code: str, on: date, measure: str = FLIGHTS) -> bool:
    return _answer(w, code, on, measure).restricted


def _query_log_rows(store: Store) -> list[dict[str, object]]:
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(query_log).order_by(query_log.c.at))]


# --------------------------------------------------------------------------- notices


def test_one_notice_per_applicable_measure(world: World) -> None:
    court_measures = {m.id for m in CAT.measures.values() if COURT_LIST in m.lists}
    assert {FLIGHTS, COURT_PROCUREMENT, "consumption_premium_rail"} <= court_measures
    with world.store.read() as conn:
        for code in (P1, P2, P3, UNIT):
            e = _entry(world, code)
            sent = notices_for(conn, entry_id=e.entry_id)
            assert sorted(n.measure_id for n in sent) == sorted(court_measures)
            for n in sent:
                assert n.status is NoticeStatus.SENT and n.subject_id == e.subject_id
                assert n.implementing_type == CAT.measure(n.measure_id).implementing_agency.type
                assert n.acknowledged_on is None
        # an agency's queue: one notice per published entry for its measure only
        queue = notices_for(conn, types={"civil_aviation"})
        assert sorted(n.entry_id for n in queue) == sorted(
            _entry(world, c).entry_id for c in (P1, P2, P3, UNIT)
        )
        assert {n.measure_id for n in queue} == {FLIGHTS}
        # a proposal has no notices until it is approved
        assert notices_for(conn, entry_id=_entry(world, Q1, SHANDONG_LIST).entry_id) == []

    # approving a unit's SAMR listing notifies the measures that reach only its
    # representatives too (the ban on serving as another enterprise's legal representative)
    samr = _entry(world, SAMR_ORG, "samr_serious_illegal")
    with world.store.write() as tx:
        decide(
            tx,
            CAT,
            world.people.samr_reviewer,
            samr.entry_id,
            approve=True,
            reason="情节严重",
            on=TODAY,
        )
    with world.store.read() as conn:
        got = {n.measure_id for n in notices_for(conn, entry_id=samr.entry_id)}
    assert got == {m.id for m in CAT.measures_for_list("samr_serious_illegal")}
    assert "samr_legal_rep_ban" in got and "eip_procurement_restriction" in got


def test_acknowledgement_by_an_officer_of_an_implementing_agency(world: World) -> None:
    people = world.people
    n = _notice(world, P1, FLIGHTS)
    for who, code in (
        (people.railway_officer, "other_agency"),  # an officer, of another kind of agency
        (people.procurement_officer, "other_agency"),
        (people.aviation_key, "not_implementing_officer"),  # the agency's key, not an officer
        (people.court_reviewer, "not_implementing_officer"),
        (people.admin, "not_implementing_officer"),
    ):
        with pytest.raises(Forbidden) as exc, world.store.write(who.principal_id) as tx:
            acknowledge(tx, who, n.notice_id, on=TODAY)
        assert (exc.value.http_status, exc.value.code) == (403, code)
    assert _notice(world, P1, FLIGHTS).status is NoticeStatus.SENT

    officer = people.aviation_officer
    with pytest.raises(Conflict) as early, world.store.write(officer.principal_id) as tx:
        report_back(tx, officer, n.notice_id, applied=True)
    assert early.value.code == "not_acknowledged"

    acked = _ack(world, officer, P1, FLIGHTS, on=date(2026, 3, 10))
    assert acked.status is NoticeStatus.ACKNOWLEDGED
    assert (acked.acknowledged_on, acked.acknowledged_by, acked.acknowledging_agency) == (
        date(2026, 3, 10),
        officer.principal_id,
        officer.organisation,
    )
    with pytest.raises(Conflict) as twice:
        _ack(world, officer, P1, FLIGHTS, on=date(2026, 3, 11))
    assert (twice.value.http_status, twice.value.code) == (409, "already_acknowledged")
    assert _notice(world, P1, FLIGHTS).acknowledged_on == date(2026, 3, 10)

    with world.store.write(officer.principal_id) as tx:
        rep = report_back(tx, officer, n.notice_id, applied=True, note="已拦截购票 1 次")
    assert (rep.status, rep.applied, rep.feedback, rep.reported_by) == (
        NoticeStatus.REPORTED,
        True,
        "已拦截购票 1 次",
        officer.principal_id,
    )
    with pytest.raises(Conflict), world.store.write(officer.principal_id) as tx:
        report_back(tx, officer, n.notice_id, applied=False)
    with world.store.read() as conn:
        assert audit_count(conn, "measure.notice.acknowledged", n.notice_id) == 1
        assert audit_count(conn, "measure.notice.reported", n.notice_id) == 1
    # a reported notice keeps the measure in force
    assert _restricted(world, P1, TODAY)


# --------------------------------------------------------------------------- in force


def test_restricted_from_acknowledgement_within_the_term(world: World) -> None:
    officer = world.people.aviation_officer
    # published, not yet acknowledged: not in force
    a = _answer(world, P1, TODAY)
    assert a.known and not a.restricted and a.entries == []
    _ack(world, officer, P1, FLIGHTS, on=date(2026, 3, 10))
    assert not _restricted(world, P1, date(2026, 3, 9))
    a = _answer(world, P1, date(2026, 3, 10))
    assert a.restricted and not a.granted and a.scope == "subject"
    (e,) = a.entries
    assert (e.list_id, e.ground, e.term_start, e.term_end, e.in_force_from) == (
        COURT_LIST,
        "obstructs_enforcement",
        date(2026, 2, 1),
        date(2028, 2, 1),
        date(2026, 3, 10),
    )
    assert a.legal_basis and len(a.legal_basis) == len(set(a.legal_basis))
    assert _restricted(world, P1, date(2028, 1, 31))
    assert not _restricted(world, P1, date(2028, 2, 1))  # the term end is exclusive
    # another measure of the same entry, not acknowledged, is not in force
    assert not _restricted(world, P1, TODAY, "consumption_premium_rail")
    # the subject's other codes: its subject id, the resident ID pasted with spaces
    with world.store.read() as conn:
        sid = find_subject(conn, P1)
    by_id = _answer(world, sid, TODAY)
    assert (by_id.subject, by_id.subject_id, by_id.restricted) == (sid, sid, True)
    assert _answer(world, f" {P1} ", TODAY).restricted

    # acknowledged before the term started: in force from the term start
    _ack(world, world.people.aviation_officer, P2, FLIGHTS, on=date(2026, 1, 15))
    assert not _restricted(world, P2, date(2026, 1, 31))
    (e,) = _answer(world, P2, date(2026, 2, 1)).entries
    assert e.in_force_from == date(2026, 2, 1) and e.term_end is None
    assert _restricted(world, P2, date(2035, 1, 1))  # ground 1: until an event ends it


def test_not_restricted_after_removal_or_expiry(world: World) -> None:
    people = world.people
    _ack(world, people.aviation_officer, P2, FLIGHTS, on=date(2026, 3, 2))
    _ack(world, people.aviation_officer, P3, FLIGHTS, on=date(2025, 1, 2))
    p2 = _entry(world, P2)
    with world.store.write() as tx:
        remove(
            tx,
            CAT,
            work_calendar(world.store),
            people.court_reviewer,
            p2.entry_id,
            event="performed",
            event_on=TODAY,
            reason="已履行",
            on=date(2026, 3, 23),
        )
    assert _restricted(world, P2, date(2026, 3, 22))
    assert not _restricted(world, P2, date(2026, 3, 23))
    assert not _restricted(world, P2, date(2027, 1, 1))

    for when in ("before the expiry job", "after it"):
        assert not _restricted(world, P3, date(2025, 1, 1)), when
        assert _restricted(world, P3, date(2026, 1, 9)), when
        assert not _restricted(world, P3, date(2026, 1, 10)), when
        with world.store.write() as tx:
            expire(tx, on=TODAY)


def test_proposals_restrict_only_once_approved_and_acknowledged(world: World) -> None:
    # a serious penalty is only a proposal: no restriction before a reviewer approves it
    samr = _answer(world, SAMR_ORG, TODAY, "eip_procurement_restriction")
    assert samr.known and not samr.restricted
    assert not _restricted(world, Q1, TODAY, SHANDONG_FLIGHTS)
    q = _entry(world, Q1, SHANDONG_LIST)
    with world.store.write() as tx:
        decide(
            tx,
            CAT,
            world.people.env_reviewer,
            q.entry_id,
            approve=True,
            reason="情节严重",
            on=date(2026, 3, 23),
        )
    assert not _restricted(world, Q1, date(2026, 3, 24), SHANDONG_FLIGHTS)
    _ack(
        world,
        world.people.aviation_officer,
        Q1,
        SHANDONG_FLIGHTS,
        on=date(2026, 3, 20),
        list_id=SHANDONG_LIST,
    )
    assert not _restricted(world, Q1, date(2026, 3, 22), SHANDONG_FLIGHTS)
    assert _restricted(world, Q1, date(2026, 3, 23), SHANDONG_FLIGHTS)
    assert not _restricted(world, Q1, date(2026, 3, 23), FLIGHTS)  # a measure of another list


# --------------------------------------------------------------------------- the service


def test_unknown_subject_is_not_restricted_and_goes_to_the_audit_log(world: World) -> None:
    officer = world.people.aviation_officer
    (a,) = check(world.store, CAT, officer, [UNKNOWN], FLIGHTS, TODAY, channel="api")
    assert (a.known, a.restricted, a.granted, a.subject_id, a.scope, a.entries) == (
        False,
        False,
        False,
        None,
        None,
        [],
    )
    assert _query_log_rows(world.store) == []
    with world.store.read() as conn:
        (row,) = conn.execute(
            select(audit_log.c.actor, audit_log.c.entity_id, audit_log.c.detail).where(
                audit_log.c.action == "check.unknown_subject"
            )
        ).all()
    assert row.actor == officer.principal_id and row.entity_id == FLIGHTS
    assert row.detail["code_sha256"] == hashlib.sha256(UNKNOWN.encode()).hexdigest()
    assert UNKNOWN not in json.dumps(row.detail)  # never the code itself


def test_every_check_of_a_known_subject_goes_to_its_query_log(world: World) -> None:
    officer = world.people.aviation_officer
    _ack(world, officer, P1, FLIGHTS, on=TODAY)
    answers = check(world.store, CAT, officer, [P1, K, UNKNOWN, P1], FLIGHTS, TODAY, channel="api")
    assert [(a.subject, a.known, a.restricted) for a in answers] == [
        (P1, True, True),
        (K, True, False),
        (UNKNOWN, False, False),
        (P1, True, True),
    ]
    rows = _query_log_rows(world.store)
    with world.store.read() as conn:
        p1, k = find_subject(conn, P1), find_subject(conn, K)
        assert audit_count(conn, "query.read") == 3
        assert audit_count(conn, "check.unknown_subject") == 1
    assert sorted(str(r["subject_id"]) for r in rows) == sorted([p1, p1, k])
    for r in rows:
        assert (
            r["principal_id"],
            r["organisation"],
            r["resource"],
            r["audience"],
            r["channel"],
        ) == (
            officer.principal_id,
            officer.organisation,
            "check",
            "agency",
            "api",
        )
        assert FLIGHTS in str(r["purpose"])
    # each query-log row is chained into the audit log, which stays intact
    report = audit_chain(world.store)
    assert report.ok, report.problems


def test_only_agencies_implementing_the_measure_may_check(world: World) -> None:
    people = world.people
    for who in (
        people.court_key,
        people.railway_officer,
        people.railway_key,
        people.court_reviewer,
        people.env_reviewer,
    ):
        with pytest.raises(Forbidden) as exc:
            check(world.store, CAT, who, [P1, UNKNOWN], FLIGHTS, TODAY, channel="api")
        assert (exc.value.http_status, exc.value.code) == (403, "not_implementing_agency")
    assert _query_log_rows(world.store) == []
    with world.store.read() as conn:
        assert audit_count(conn, "check.unknown_subject") == 0
    # the railway may ask about its own measure; the aviation agency's key and an
    # administrator about flights
    check(
        world.store, CAT, people.railway_key, [P1], "consumption_premium_rail", TODAY, channel="api"
    )
    check(world.store, CAT, people.aviation_key, [P1], FLIGHTS, TODAY, channel="api")
    check(world.store, CAT, people.admin, [P1], SHANDONG_FLIGHTS, TODAY, channel="cli")
    assert len(_query_log_rows(world.store)) == 3


def test_unit_representative_is_restricted_in_the_units_assets(
    world: World, tmp_path: Path
) -> None:
    people = world.people
    _ack(world, people.aviation_officer, UNIT, FLIGHTS, on=date(2026, 3, 1))
    _ack(world, people.procurement_officer, UNIT, COURT_PROCUREMENT, on=date(2026, 3, 1))
    unit = _entry(world, UNIT)
    assert not _restricted(world, REP, date(2026, 2, 28))
    (a,) = check(
        world.store, CAT, people.aviation_officer, [REP], FLIGHTS, date(2026, 3, 2), channel="api"
    )
    assert (a.known, a.restricted, a.scope) == (True, True, "unit_assets")
    (e,) = a.entries
    assert (e.entry_id, e.via_unit, e.scope, e.list_id) == (
        unit.entry_id,
        unit.subject_id,
        "unit_assets",
        COURT_LIST,
    )
    # the unit itself is restricted as the subject; the person was never listed
    assert _answer(world, UNIT, date(2026, 3, 2)).scope == "subject"
    with world.store.read() as conn:
        assert (
            conn.execute(
                select(func.count())
                .select_from(audit_log)
                .where(
                    audit_log.c.action == "list.entry.published",
                    audit_log.c.entity_id == find_subject(conn, REP),
                )
            ).scalar_one()
            == 0
        )
    # a measure that does not reach representatives: the unit only
    assert _restricted(world, UNIT, date(2026, 3, 2), COURT_PROCUREMENT)
    assert not _restricted(world, REP, date(2026, 3, 2), COURT_PROCUREMENT)

    # a new legal representative from 1 April: the old one is no longer reached that day
    feed_penalties(
        world.store, tmp_path / "samr-rep.csv", [samr_penalty(30, 32, decided_on=date(2026, 4, 1))]
    )
    assert _restricted(world, REP, date(2026, 3, 31))
    assert not _restricted(world, NEW_REP, date(2026, 3, 31))
    assert _restricted(world, NEW_REP, date(2026, 4, 1))
    assert not _restricted(world, REP, date(2026, 4, 1))


def test_batch_limits_and_malformed_codes(world: World) -> None:
    officer = world.people.aviation_officer
    with pytest.raises(UsageError) as big:
        check(world.store, CAT, officer, [UNKNOWN] * (MAX_BATCH + 1), FLIGHTS, TODAY, channel="api")
    assert (big.value.code, big.value.http_status) == ("batch_too_large", 400)
    with pytest.raises(UsageError) as empty:
        check(world.store, CAT, officer, [], FLIGHTS, TODAY, channel="api")
    assert empty.value.code == "no_subjects"
    bad = P1[:-1] + ("0" if P1[-1] != "0" else "1")  # a wrong check digit
    with pytest.raises(UsageError) as malformed:
        check(world.store, CAT, officer, [K, bad, UNKNOWN], FLIGHTS, TODAY, channel="api")
    assert malformed.value.details == {"index": 2} and malformed.value.http_status == 400
    # a refused batch answers nothing and logs nothing
    assert _query_log_rows(world.store) == []
    with world.store.read() as conn:
        assert audit_count(conn, "check.unknown_subject") == 0


def test_the_checks_lookup_finds_what_find_subject_finds(world: World) -> None:
    """``find_subject_kind`` (one statement on the check's hot path) answers as
    ``find_subject`` does, with the subject's kind, for every shape of input."""
    with world.store.read() as conn:
        ids = {c: find_subject(conn, c) for c in (P1, UNIT, REP, K)}
        kinds = dict(
            conn.execute(
                select(subjects.c.subject_id, subjects.c.kind).where(
                    subjects.c.subject_id.in_(ids.values())
                )
            ).all()
        )
        codes = [
            *ids,
            *ids.values(),  # subject ids
            f" {P1.lower()} ",  # case and blanks
            P1[:6] + P1[8:17],  # its legacy 15-digit form
            UNKNOWN,
            P1[:-1] + ("0" if P1[-1] != "0" else "1"),  # a wrong check digit
            UNIT[:-1] + ("0" if UNIT[-1] != "0" else "1"),
            "E12345678",  # a passport number of nobody
            "x" * 65,
            "a\x00b",
            "01" + "Z" * 24,  # shaped like a subject id, of nobody
            "??",
        ]
        for code in codes:
            try:
                expected: object = find_subject(conn, code)
            except NotFound:
                expected = None
            except UsageError as exc:
                expected = ("refused", exc.code, exc.message)
            try:
                hit = find_subject_kind(conn, code)
                got: object = None if hit is None else hit[0]
                if hit is not None:
                    assert hit[1] == kinds[hit[0]], code
            except UsageError as exc:
                got = ("refused", exc.code, exc.message)
            assert got == expected, code


def test_check_over_http_sends_what_the_response_model_would(world: World) -> None:
    """The check endpoints send the answer's own JSON (no second validation): the same
    bytes FastAPI's response model produces; a bad key still wins over a bad body."""
    officer = world.people.aviation_officer
    _ack(world, officer, P1, FLIGHTS, on=TODAY)
    _ack(world, officer, UNIT, FLIGHTS, on=TODAY)
    with world.store.write() as tx:
        key_id, token = create_key(tx, officer.principal_id)
    app = create_app(world.store.url)
    app.state.store = world.store
    client = TestClient(app, raise_server_exceptions=False)
    auth = {"Authorization": f"Bearer {token}"}
    codes = [P1, REP, K, UNKNOWN]
    for code in codes:
        r = client.post(
            "/v1/check",
            json={"subject": code, "measure": FLIGHTS, "on": TODAY.isoformat()},
            headers=auth,
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        expected = _answer(world, code, TODAY)
        assert r.content == TypeAdapter(CheckAnswer).dump_json(expected, by_alias=True)
    assert [
        CheckAnswer.model_validate_json(
            client.post(
                "/v1/check",
                json={"subject": c, "measure": FLIGHTS, "on": TODAY.isoformat()},
                headers=auth,
            ).content
        ).restricted
        for c in codes
    ] == [True, True, False, False]
    r = client.post(
        "/v1/check/batch",
        json={"subjects": codes, "measure": FLIGHTS, "on": TODAY.isoformat()},
        headers=auth,
    )
    assert r.status_code == 200
    batch = [_answer(world, c, TODAY) for c in codes]
    assert r.json() == {"answers": [a.model_dump(mode="json") for a in batch]}
    # authentication is still decided before the body is looked at
    assert client.post("/v1/check", json={"subject": ""}).status_code == 401
    with world.store.write() as tx:
        revoke_key(tx, key_id)
    assert client.post("/v1/check", json={"subject": ""}, headers=auth).status_code == 401
    body = {"subject": P1, "measure": FLIGHTS}
    assert client.post("/v1/check", json=body, headers=auth).status_code == 401


def test_bulk_screening_writes_a_signed_result(world: World, tmp_path: Path) -> None:
    officer = world.people.aviation_officer
    _ack(world, officer, P1, FLIGHTS, on=TODAY)
    _ack(world, officer, UNIT, FLIGHTS, on=TODAY)
    src = tmp_path / "bidders.csv"
    src.write_text(
        "Code,name\n" + "".join(f"{c},x\n" for c in (P1, UNKNOWN, REP, K, " ")), encoding="utf-8"
    )
    out = tmp_path / "result.csv"
    rep = screen(world.store, CAT, officer, src, out, measure_id=FLIGHTS, on=TODAY)
    assert (rep.rows, rep.restricted, rep.unknown) == (4, 2, 1)
    assert rep.out == out and rep.signature == signature_path(out) and rep.signature.exists()
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["code"], r["known"], r["restricted"], r["scope"]) for r in rows] == [
        (P1, "true", "true", "subject"),
        (UNKNOWN, "false", "false", ""),
        (REP, "true", "true", "unit_assets"),
        (K, "true", "false", ""),
    ]
    assert rows[0]["lists"] == COURT_LIST and rows[0]["entries"] == _entry(world, P1).entry_id
    assert len(_query_log_rows(world.store)) == 3  # each screened subject is logged like a check

    meta = json.loads(rep.signature.read_text(encoding="utf-8"))
    assert (meta["measure"], meta["on"], meta["rows"], meta["requested_by"]) == (
        FLIGHTS,
        TODAY.isoformat(),
        4,
        officer.principal_id,
    )
    key = public_key_hex(world.store.signer)
    assert verify_result(out) == (True, "ok")
    assert verify_result(out, key) == (True, "ok")
    assert verify_result(out, "00" * 32)[0] is False  # pinned to another key

    data = bytearray(out.read_bytes())
    i = data.index(b"true")
    data[i] = ord("T")  # one byte
    out.write_bytes(bytes(data))
    ok, why = verify_result(out, key)
    assert not ok and "changed" in why

    out.write_bytes(bytes(data[:i]) + b"t" + bytes(data[i + 1 :]))  # restored
    assert verify_result(out, key) == (True, "ok")
    meta["rows"] = 5  # a forged signature file
    rep.signature.write_text(json.dumps(meta), encoding="utf-8")
    assert verify_result(out, key) == (False, "bad signature")
