"""Subjects' rights end to end over HTTP, on SQLite and PostgreSQL.

A company and a person walk through what the rules give them: a key to their own file,
the agency's read in their query log, an objection that corrects a wrong penalty, an
appeal against an upheld court-list objection, and a credit repair that ends a penalty's
publicity and a list entry with its measures.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.support.audit import verify_store
from tests.support.feeds import (
    court_row,
    org_uscc,
    penalty_row,
    person_ric,
    register_agencies,
    write_csv,
)

from xinyong.actors import Agency, Principal, Role
from xinyong.api.app import create_app
from xinyong.catalogue import get_catalogue
from xinyong.errors import RuleRefused
from xinyong.rights.access import issue_subject_key
from xinyong.rights.cases import apply_repair
from xinyong.rights.model import TargetType
from xinyong.rights.rules import get_rules
from xinyong.store.actors import add_agency, add_principal, create_key, get_agency, get_principal
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store
from xinyong.store.tables import list_entries, records

WRONG = org_uscc(7)  # a general penalty with a wrong amount
REPAIRED = org_uscc(8)  # a serious penalty from 2025, listed, repaired
OTHER = org_uscc(9)
DEBTOR = person_ric(1, date(1985, 1, 1))


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _setup(store: Store, tmp: Path) -> dict[str, str]:
    register_agencies(store)
    with store.write() as tx:
        add_agency(
            tx, Agency(code="weihai-court", name_zh="威海市中级人民法院", sector="court", kinds=())
        )
        court = get_agency(tx.conn, "rc-court")
        assert court is not None
        add_agency(
            tx, court.model_copy(update={"higher_authority": "weihai-court"}), update_existing=True
        )
        add_agency(
            tx,
            Agency(
                code="rc-finance",
                name_zh="荣成市财政局",
                sector="other",
                kinds=(),
                implements=("government_procurement",),
            ),
        )
        add_agency(
            tx,
            Agency(
                code="air",
                name_zh="航空公司",
                sector="other",
                kinds=(),
                implements=("civil_aviation",),
            ),
        )
        people = (
            ("samr-reviewer", "rc-samr", Role.REVIEWER),
            ("court-reviewer", "rc-court", Role.REVIEWER),
            ("weihai-reviewer", "weihai-court", Role.REVIEWER),
            ("platform-reviewer", "platform", Role.REVIEWER),
            ("supervisor", "platform", Role.SUPERVISOR),
            ("finance-officer", "rc-finance", Role.IMPLEMENTING_OFFICER),
            ("air-officer", "air", Role.IMPLEMENTING_OFFICER),
            ("air-agent", "air", Role.AGENCY),
        )
        for pid, org, role in people:
            add_principal(
                tx,
                Principal(
                    principal_id=pid, display_name=pid, organisation=org, roles=frozenset({role})
                ),
            )
        keys = {pid: create_key(tx, pid)[1] for pid, _, _ in people}
        keys["rc-samr"] = create_key(tx, "rc-samr")[1]
        keys["admin"] = create_key(tx, "admin")[1]
    rows = [
        penalty_row(
            **{
                "统一社会信用代码": WRONG,
                "行政处罚决定书文号": "荣市监罚〔2026〕7号",
                "罚款金额（万元）": "50",
                "处罚决定日期": "2026-03-09",
            }
        ),
        penalty_row(
            **{
                "统一社会信用代码": REPAIRED,
                "行政处罚决定书文号": "荣市监罚〔2025〕8号",
                "处罚类别": "罚款;吊销营业执照",
                "罚款金额（万元）": "20",
                "处罚决定日期": "2025-05-01",
            }
        ),
        penalty_row(
            **{
                "统一社会信用代码": OTHER,
                "行政处罚决定书文号": "荣市监罚〔2026〕9号",
                "处罚决定日期": "2026-03-09",
            }
        ),
    ]
    from xinyong.ingest.pipeline import IngestRequest, ingest

    ingest(
        store,
        IngestRequest(
            path=write_csv(tmp / "p.csv", "penalty_national", rows),
            agency="rc-samr",
            today=date(2026, 11, 27),
        ),
    )
    court = tmp / "c.jsonl"
    court.write_text(
        json.dumps(court_row(1, grounds="3"), ensure_ascii=False) + "\n", encoding="utf-8"
    )
    ingest(
        store,
        IngestRequest(
            path=court, agency="rc-court", mapping="canonical_en", today=date(2026, 11, 27)
        ),
    )
    with store.write() as tx:
        for code in (WRONG, REPAIRED, DEBTOR):
            keys[code] = issue_subject_key(tx, code, verified_by="ID checked at the counter")[2]
    return keys


@pytest.fixture
def api(store: Store, tmp_path: Path) -> tuple[TestClient, dict[str, str]]:
    keys = _setup(store, tmp_path)
    app = create_app(store.url)
    app.state.store = store
    return TestClient(app, raise_server_exceptions=False), keys


def _record(store: Store, uscc: str) -> dict[str, Any]:
    from xinyong.credit_file.assemble import find_subject

    with store.read() as conn:
        sid = find_subject(conn, uscc)
        row = conn.execute(
            select(records).where(
                records.c.subject_id == sid,
                records.c.superseded_at.is_(None),
                records.c.kind == "administrative_penalty",
            )
        ).one()
    return dict(row._mapping)


def test_own_file_and_query_log(api: tuple[TestClient, dict[str, str]], store: Store) -> None:
    client, keys = api
    assert client.get("/v1/me/file").status_code == 401
    assert client.get("/v1/me/file", headers=_auth(keys["rc-samr"])).status_code == 401
    purpose = "licence renewal review"
    r = client.get(
        f"/v1/subjects/uscc/{WRONG}", params={"purpose": purpose}, headers=_auth(keys["rc-samr"])
    )
    assert r.status_code == 200
    mine = client.get("/v1/me/file", headers=_auth(keys[WRONG])).json()
    assert mine["audience"] == "subject" and mine["records"][0]["kind"] == "administrative_penalty"
    reads = client.get("/v1/me/queries", headers=_auth(keys[WRONG])).json()
    assert any(q["principal_id"] == "rc-samr" and q["purpose"] == purpose for q in reads)
    # the person's own file shows its court listing entry unmasked
    person = client.get("/v1/me/file", headers=_auth(keys[DEBTOR])).json()
    assert any(i["value"] == DEBTOR for i in person["identifiers"])


def test_objection_corrects_a_wrong_penalty(
    api: tuple[TestClient, dict[str, str]], store: Store
) -> None:
    client, keys = api
    rec = _record(store, WRONG)
    other = _record(store, OTHER)
    body = {
        "target_type": "record",
        "target_id": rec["record_id"],
        "reason": "罚款金额应为五万元，不是五十万元",
    }
    assert (
        client.post(
            "/v1/me/objections",
            json={**body, "target_id": other["record_id"]},
            headers=_auth(keys[WRONG]),
        ).status_code
        == 403
    )
    r = client.post("/v1/me/objections", json=body, headers=_auth(keys[WRONG]))
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["rule_id"] == "shandong" and case["deciding_authority"] == "rc-samr"
    assert (
        client.post("/v1/me/objections", json=body, headers=_auth(keys[WRONG])).status_code == 409
    )
    public = client.get(f"/v1/subjects/uscc/{WRONG}").json()
    assert public["records"][0]["under_objection"] is True

    # evidence: too large → 413, wrong type → 415, a PDF → 201
    url = f"/v1/me/cases/{case['case_id']}/evidence"
    big = b"%PDF" + b"0" * (get_rules().evidence.max_bytes + 1)
    assert (
        client.post(
            url, content=big, headers={**_auth(keys[WRONG]), "Content-Type": "application/pdf"}
        ).status_code
        == 413
    )
    r = client.post(
        url,
        content=b"MZ\x90",
        headers={**_auth(keys[WRONG]), "Content-Type": "application/x-msdownload"},
    )
    assert r.status_code == 415 and "application/pdf" in r.json()["error"]["message"]
    ok = client.post(
        url + "?file_name=receipt.pdf",
        content=b"%PDF-1.4 receipt",
        headers={**_auth(keys[WRONG]), "Content-Type": "application/pdf"},
    )
    assert ok.status_code == 201 and ok.json()["size"] == 16

    decision = {
        "outcome": "corrected",
        "reason": "金额录入错误，已更正",
        "corrections": {"amount_fen": 5_000_000},
    }
    dec = f"/v1/cases/{case['case_id']}/decision"
    assert client.post(dec, json=decision, headers=_auth(keys["court-reviewer"])).status_code == 403
    r = client.post(dec, json={**decision, "corrections": {}}, headers=_auth(keys["samr-reviewer"]))
    assert r.status_code == 422 and r.json()["error"]["code"] == "corrections_required"
    r = client.post(dec, json=decision, headers=_auth(keys["samr-reviewer"]))
    assert r.status_code == 200 and r.json()["outcome"] == "corrected"
    assert client.post(dec, json=decision, headers=_auth(keys["samr-reviewer"])).status_code == 409
    now = _record(store, WRONG)
    assert now["amount_fen"] == 5_000_000 and now["version"] == rec["version"] + 1 and now["locked"]
    public = client.get(f"/v1/subjects/uscc/{WRONG}").json()
    assert (
        public["records"][0]["amount_fen"] == 5_000_000
        and not public["records"][0]["under_objection"]
    )
    assert verify_store(store).ok


def test_upheld_court_objection_is_appealed(
    api: tuple[TestClient, dict[str, str]], store: Store
) -> None:
    client, keys = api
    sync = client.post("/v1/lists/sync", json={"on": "2026-11-27"}, headers=_auth(keys["admin"]))
    assert sync.status_code == 200
    with store.read() as conn:
        entry_id = conn.execute(
            select(list_entries.c.entry_id).where(
                list_entries.c.list_id == "court_dishonest_debtors"
            )
        ).scalar_one()
    # the airline's officer acknowledges: the flight restriction is in force
    notices = client.get("/v1/notices", headers=_auth(keys["air-officer"])).json()
    client.post(
        f"/v1/notices/{notices[0]['notice_id']}/acknowledgement",
        json={"on": "2026-02-02"},
        headers=_auth(keys["air-officer"]),
    )
    check = {"subject": DEBTOR, "measure": "consumption_flights", "on": "2026-11-27"}
    assert (
        client.post("/v1/check", json=check, headers=_auth(keys["air-agent"])).json()["restricted"]
        is True
    )

    r = client.post(
        "/v1/me/objections",
        json={"target_type": "entry", "target_id": entry_id, "reason": "我没有转移财产"},
        headers=_auth(keys[DEBTOR]),
    )
    obj = r.json()
    assert r.status_code == 201 and obj["rule_id"] == "court_list"
    public = client.get(
        "/v1/lists/court_dishonest_debtors/entries", params={"on": "2026-11-27"}
    ).json()
    assert [e["under_objection"] for e in public if e["entry_id"] == entry_id] == [True]
    opened = date.fromisoformat(obj["opened_on"])
    assert (date.fromisoformat(obj["due_on"]) - opened).days == 15  # calendar days
    # the appeal needs an upheld objection first
    r = client.post(
        "/v1/me/appeals",
        json={"objection_id": obj["case_id"], "reason": "x"},
        headers=_auth(keys[DEBTOR]),
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_upheld"
    r = client.post(
        f"/v1/cases/{obj['case_id']}/decision",
        json={"outcome": "upheld", "reason": "证据充分"},
        headers=_auth(keys["court-reviewer"]),
    )
    assert r.status_code == 200
    r = client.post(
        "/v1/me/appeals",
        json={"objection_id": obj["case_id"], "reason": "请求上级法院复议"},
        headers=_auth(keys[DEBTOR]),
    )
    assert r.status_code == 201, r.text
    app_case = r.json()
    assert (
        app_case["deciding_authority"] == "weihai-court"
        and app_case["parent_case_id"] == obj["case_id"]
    )
    assert (
        date.fromisoformat(app_case["due_on"]) - date.fromisoformat(app_case["opened_on"])
    ).days == 15
    dec = f"/v1/cases/{app_case['case_id']}/decision"
    assert (
        client.post(
            dec, json={"outcome": "withdrawn", "reason": "x"}, headers=_auth(keys["court-reviewer"])
        ).status_code
        == 403
    )
    r = client.post(
        dec,
        json={"outcome": "withdrawn", "reason": "原列入决定错误，予以纠正"},
        headers=_auth(keys["weihai-reviewer"]),
    )
    assert r.status_code == 200, r.text
    entry = client.get(f"/v1/lists/entries/{entry_id}", headers=_auth(keys[DEBTOR])).json()
    assert (
        entry["entry"]["status"] == "removed" and entry["entry"]["end_event"] == "listing_corrected"
    )
    later = {**check, "on": (date.fromisoformat(r.json()["decided_on"])).isoformat()}
    assert (
        client.post("/v1/check", json=later, headers=_auth(keys["air-agent"])).json()["restricted"]
        is False
    )
    assert verify_store(store).ok


def test_repair_ends_publicity_and_list_entry(
    api: tuple[TestClient, dict[str, str]], store: Store
) -> None:
    client, keys = api
    client.post("/v1/lists/sync", json={"on": "2025-05-20"}, headers=_auth(keys["admin"]))
    proposals = client.get("/v1/review/proposals", headers=_auth(keys["samr-reviewer"])).json()
    pid = next(p["entry_id"] for p in proposals if p["list_id"] == "samr_serious_illegal")
    r = client.post(
        f"/v1/review/proposals/{pid}/decision",
        json={"approve": True, "reason": "吊销营业执照", "on": "2025-06-01"},
        headers=_auth(keys["samr-reviewer"]),
    )
    assert r.status_code == 200 and r.json()["term_start"] == "2025-06-01"
    notices = client.get("/v1/notices", headers=_auth(keys["finance-officer"])).json()
    nid = next(n["notice_id"] for n in notices if n["measure_id"] == "eip_procurement_restriction")
    client.post(
        f"/v1/notices/{nid}/acknowledgement",
        json={"on": "2025-06-02"},
        headers=_auth(keys["finance-officer"]),
    )
    check = {"subject": REPAIRED, "measure": "eip_procurement_restriction", "on": "2026-11-27"}
    finance_key = create_key_for(store, "finance-officer")
    assert (
        client.post("/v1/check", json=check, headers=_auth(finance_key)).json()["restricted"]
        is True
    )

    # a subject may not repair another's entry; too early is refused with the earliest date
    cal = work_calendar(store)
    with store.read() as conn:
        subject_p = get_principal(conn, "subject-" + _record(store, REPAIRED)["subject_id"].lower())
    assert subject_p is not None
    with store.write(subject_p.principal_id) as tx, pytest.raises(RuleRefused) as too_early:
        apply_repair(
            tx,
            get_catalogue(),
            get_rules(),
            cal,
            subject_p,
            target_type=TargetType.ENTRY,
            target_id=pid,
            reason="已缴纳罚款",
            commitment="本单位承诺守法经营",
            on=date(2026, 5, 31),
        )
    assert too_early.value.details["earliest"] == "2026-06-01"
    body = {
        "target_type": "entry",
        "target_id": pid,
        "reason": "罚款已缴清，违法行为已纠正",
        "commitment": "本单位郑重承诺依法诚信经营",
    }
    assert client.post("/v1/me/repairs", json=body, headers=_auth(keys[WRONG])).status_code == 403
    assert (
        client.post(
            "/v1/me/repairs", json={**body, "commitment": ""}, headers=_auth(keys[REPAIRED])
        ).status_code
        == 400
    )
    r = client.post("/v1/me/repairs", json=body, headers=_auth(keys[REPAIRED]))
    assert r.status_code == 201, r.text
    case = r.json()
    dec = f"/v1/cases/{case['case_id']}/decision"
    r = client.post(
        dec, json={"outcome": "granted", "reason": "x"}, headers=_auth(keys["samr-reviewer"])
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_forwarded"
    assert (
        client.post(
            f"/v1/cases/{case['case_id']}/forwarding", json={}, headers=_auth(keys["samr-reviewer"])
        ).status_code
        == 403
    )
    r = client.post(
        f"/v1/cases/{case['case_id']}/forwarding", json={}, headers=_auth(keys["platform-reviewer"])
    )
    assert r.status_code == 200 and r.json()["status"] == "forwarded"
    r = client.post(
        dec,
        json={"outcome": "granted", "reason": "符合修复条件"},
        headers=_auth(keys["samr-reviewer"]),
    )
    assert r.status_code == 200, r.text
    entry = client.get(f"/v1/lists/entries/{pid}", headers=_auth(keys["samr-reviewer"])).json()[
        "entry"
    ]
    assert entry["status"] == "removed" and entry["end_event"] == "early_removal_granted"
    # the removal runs from the decision's day, which is today on the CST clock: check then
    ended = {**check, "on": entry["ended_on"]}
    assert date.fromisoformat(entry["ended_on"]) >= date(2026, 11, 27)
    assert (
        client.post("/v1/check", json=ended, headers=_auth(finance_key)).json()["restricted"]
        is False
    )

    # the penalty itself: repair ends its publicity (general penalty, eligible since 2026-06-09)
    rec = _record(store, WRONG)
    assert rec["repair_from"] is not None and rec["repair_from"] <= date(2026, 11, 27)
    r = client.post(
        "/v1/me/repairs",
        json={**body, "target_type": "record", "target_id": rec["record_id"]},
        headers=_auth(keys[WRONG]),
    )
    assert r.status_code == 201, r.text
    cid = r.json()["case_id"]
    client.post(f"/v1/cases/{cid}/forwarding", json={}, headers=_auth(keys["platform-reviewer"]))
    r = client.post(
        f"/v1/cases/{cid}/decision",
        json={"outcome": "granted", "reason": "已履行"},
        headers=_auth(keys["samr-reviewer"]),
    )
    assert r.status_code == 200
    assert client.get(f"/v1/subjects/uscc/{WRONG}").json()["records"] == []
    mine = client.get("/v1/me/file", headers=_auth(keys[WRONG])).json()
    assert any("repaired" in x["flags"] for x in mine["records"] + mine["expired"])
    assert {c["kind"] for c in mine["cases"]} == {"repair"}
    # supervisors see overdue cases; nobody else
    assert (
        client.get(
            "/v1/cases/overdue", params={"on": "2030-01-01"}, headers=_auth(keys["samr-reviewer"])
        ).status_code
        == 403
    )
    assert (
        client.get(
            "/v1/cases/overdue", params={"on": "2030-01-01"}, headers=_auth(keys["supervisor"])
        ).json()
        == []
    )
    assert verify_store(store).ok


def create_key_for(store: Store, pid: str) -> str:
    with store.write() as tx:
        return create_key(tx, pid)[1]
