"""Lists, review, notices and the check service over HTTP (both engines).

One flow as the people involved act it: agencies report, the sync job publishes the
court's listing and proposes a market-regulation listing, the SAMR reviewer decides,
the airline's officer acknowledges, the airline checks; and every wrong hand gets its
4xx with a message.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
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
from xinyong.store.actors import add_agency, add_principal, create_key
from xinyong.store.context import Store
from xinyong.store.tables import audit_log, query_log

TODAY = date(2026, 11, 27)
SERIOUS = {
    "处罚类别": "罚款;吊销营业执照",
    "罚款金额（万元）": "20",
    "统一社会信用代码": org_uscc(7),
}


def _people(store: Store) -> dict[str, str]:
    register_agencies(store)
    with store.write() as tx:
        add_agency(
            tx,
            Agency(
                code="air-china",
                name_zh="中国国际航空股份有限公司",
                sector="other",
                kinds=(),
                implements=("civil_aviation",),
            ),
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
        for pid, org, role in (
            ("samr-reviewer", "rc-samr", Role.REVIEWER),
            ("court-reviewer", "rc-court", Role.REVIEWER),
            ("air-officer", "air-china", Role.IMPLEMENTING_OFFICER),
            ("finance-officer", "rc-finance", Role.IMPLEMENTING_OFFICER),
            ("air-china-agent", "air-china", Role.AGENCY),
        ):
            add_principal(
                tx,
                Principal(
                    principal_id=pid, display_name=pid, organisation=org, roles=frozenset({role})
                ),
            )
        ids = (
            "rc-samr",
            "rc-court",
            "samr-reviewer",
            "court-reviewer",
            "air-officer",
            "finance-officer",
            "air-china-agent",
            "admin",
        )
        return {p: create_key(tx, p)[1] for p in ids}


@pytest.fixture
def api(store: Store, tmp_path: Path) -> tuple[TestClient, dict[str, str]]:
    keys = _people(store)
    app = create_app(store.url)
    app.state.store = store
    client = TestClient(app, raise_server_exceptions=False)
    penalties = tmp_path / "penalties.csv"
    write_csv(penalties, "penalty_national", [penalty_row(**SERIOUS)])
    r = client.post(
        "/v1/agency/records",
        content=penalties.read_bytes(),
        headers={**_auth(keys["rc-samr"]), "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    court = tmp_path / "court.jsonl"
    court.write_text(
        "\n".join(
            json.dumps(court_row(n, grounds=g), ensure_ascii=False) for n, g in ((1, "1"), (2, "3"))
        )
        + "\n",
        encoding="utf-8",
    )
    r = client.post(
        "/v1/agency/records?mapping=canonical_en",
        content=court.read_bytes(),
        headers={**_auth(keys["rc-court"]), "Content-Type": "application/x-ndjson"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2
    return client, keys


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _sync(client: TestClient, keys: dict[str, str]) -> dict[str, Any]:
    r = client.post("/v1/lists/sync", json={"on": TODAY.isoformat()}, headers=_auth(keys["admin"]))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_review_flow_and_wrong_hands(api: tuple[TestClient, dict[str, str]], store: Store) -> None:
    client, keys = api
    assert (
        client.post("/v1/lists/sync", json={}, headers=_auth(keys["samr-reviewer"])).status_code
        == 403
    )
    rep = _sync(client, keys)
    assert rep["published"] == {"court_dishonest_debtors": 2}
    assert rep["proposed"].get("samr_serious_illegal") == 1
    assert _sync(client, keys)["published"] == {}  # idempotent

    assert client.get("/v1/review/proposals").status_code == 401
    assert client.get("/v1/review/proposals", headers=_auth(keys["rc-samr"])).status_code == 403
    mine = client.get("/v1/review/proposals", headers=_auth(keys["samr-reviewer"])).json()
    assert {p["list_id"] for p in mine} >= {"samr_serious_illegal"}
    assert all(p["deciding_authority"] == "rc-samr" for p in mine)
    assert client.get("/v1/review/proposals", headers=_auth(keys["court-reviewer"])).json() == []
    pid = next(p["entry_id"] for p in mine if p["list_id"] == "samr_serious_illegal")

    body = {"approve": True, "reason": "情节严重，符合列入条件", "on": TODAY.isoformat()}
    url = f"/v1/review/proposals/{pid}/decision"
    r = client.post(url, json=body, headers=_auth(keys["court-reviewer"]))
    assert r.status_code == 403 and r.json()["error"]["code"] == "other_authority"
    r = client.post(url, json=body, headers=_auth(keys["admin"]))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_reviewer"
    assert (
        client.post(
            url, json={"approve": True, "reason": ""}, headers=_auth(keys["samr-reviewer"])
        ).status_code
        == 400
    )
    r = client.post(url, json=body, headers=_auth(keys["samr-reviewer"]))
    assert r.status_code == 200, r.text
    entry = r.json()
    assert entry["status"] == "published" and entry["decided_by"] == "samr-reviewer"
    assert entry["term_start"] == "2026-11-27" and entry["term_end"] == "2029-11-27"
    r = client.post(url, json=body, headers=_auth(keys["samr-reviewer"]))
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_decided"
    assert (
        client.post(
            "/v1/review/proposals/NOPE/decision", json=body, headers=_auth(keys["samr-reviewer"])
        ).status_code
        == 404
    )

    # removal: no event → 422 with the list's events named; unknown event → 422
    rurl = f"/v1/lists/entries/{pid}/removal"
    r = client.post(rurl, json={"reason": "x"}, headers=_auth(keys["samr-reviewer"]))
    assert r.status_code == 422 and r.json()["error"]["code"] == "removal_event_required"
    assert "early_removal_granted" in r.json()["error"]["message"]
    r = client.post(
        rurl, json={"reason": "x", "event": "paid"}, headers=_auth(keys["samr-reviewer"])
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_removal_event"
    r = client.post(
        rurl,
        json={
            "reason": "处罚决定被撤销",
            "event": "basis_revoked",
            "event_on": "2026-12-01",
            "on": "2026-12-02",
        },
        headers=_auth(keys["samr-reviewer"]),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "removed" and r.json()["ended_on"] == "2026-12-02"
    hist = client.get(f"/v1/lists/entries/{pid}", headers=_auth(keys["samr-reviewer"])).json()[
        "history"
    ]
    assert [h["event"] for h in hist] == ["proposed", "published", "removed"]

    with store.read() as conn:
        actions = [
            a
            for (a,) in conn.execute(select(audit_log.c.action).where(audit_log.c.entity_id == pid))
        ]
    assert actions[:3] == ["list.entry.proposed", "list.entry.published", "measure.notices.sent"]
    assert actions[-1] == "list.entry.removed"
    assert verify_store(store).ok


def test_public_list_masks_and_reads_on_dates(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    _sync(client, keys)
    rows = client.get(
        "/v1/lists/court_dishonest_debtors/entries", params={"on": TODAY.isoformat()}
    ).json()
    assert len(rows) == 2
    ric = person_ric(1, date(1985, 1, 1))
    assert all(r["identifier"] != ric and "****" in r["identifier"] for r in rows)
    assert {r["identifier"] for r in rows} == {
        person_ric(n, date(1985, 1, 1))[:10] + "****" + person_ric(n, date(1985, 1, 1))[14:]
        for n in (1, 2)
    }
    # ground 3 has a 2-year term from the listing decision (2026-02-01): gone on 2028-02-01
    later = client.get(
        "/v1/lists/court_dishonest_debtors/entries", params={"on": "2028-02-01"}
    ).json()
    assert [r["ground"] for r in later] == ["able_but_refuses"]
    before = client.get(
        "/v1/lists/court_dishonest_debtors/entries", params={"on": "2026-01-31"}
    ).json()
    assert before == []
    assert (
        client.get(
            "/v1/lists/court_dishonest_debtors/entries", params={"known_at": "2000-01-01T00:00:00Z"}
        ).json()
        == []
    )
    assert client.get("/v1/lists/nope/entries").status_code == 404
    assert (
        client.get(
            "/v1/lists/court_dishonest_debtors/entries", params={"on": "yesterday"}
        ).status_code
        == 400
    )
    lists = {x["id"]: x for x in client.get("/v1/lists").json()}
    assert lists["court_dishonest_debtors"]["entries"] == {"published": 2}
    assert lists["court_dishonest_debtors"]["legal_basis"]


def test_notices_acknowledgement_and_check(
    api: tuple[TestClient, dict[str, str]], store: Store
) -> None:
    client, keys = api
    _sync(client, keys)
    ric = person_ric(1, date(1985, 1, 1))
    check = {"subject": ric, "measure": "consumption_flights", "on": TODAY.isoformat()}
    r = client.post("/v1/check", json=check, headers=_auth(keys["air-china-agent"]))
    assert r.status_code == 200, r.text
    assert r.json()["restricted"] is False  # nobody at the airline acknowledged yet

    queue = client.get("/v1/notices", headers=_auth(keys["air-officer"])).json()
    assert queue and {n["measure_id"] for n in queue} == {"consumption_flights"}
    assert client.get("/v1/notices", headers=_auth(keys["finance-officer"])).json() != queue
    nid = next(n["notice_id"] for n in queue if n["subject_id"] == r.json()["subject_id"])
    ack = f"/v1/notices/{nid}/acknowledgement"
    assert client.post(ack, json={}, headers=_auth(keys["finance-officer"])).status_code == 403
    assert client.post(ack, json={}, headers=_auth(keys["air-china-agent"])).status_code == 403
    r = client.post(ack, json={"on": "2026-11-20"}, headers=_auth(keys["air-officer"]))
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "air-officer"
    assert client.post(ack, json={}, headers=_auth(keys["air-officer"])).status_code == 409
    fb = client.post(
        f"/v1/notices/{nid}/feedback",
        json={"applied": True, "note": "已拦截购票"},
        headers=_auth(keys["air-officer"]),
    )
    assert fb.status_code == 200 and fb.json()["status"] == "reported"

    a = client.post("/v1/check", json=check, headers=_auth(keys["air-china-agent"])).json()
    assert a["restricted"] is True and a["known"] is True and a["scope"] == "subject"
    assert a["entries"][0]["in_force_from"] == "2026-11-20"
    assert any("失信被执行人" in b or "Dishonest" in b or "2017" in b for b in a["legal_basis"])
    early = client.post(
        "/v1/check", json={**check, "on": "2026-11-19"}, headers=_auth(keys["air-china-agent"])
    ).json()
    assert early["restricted"] is False

    # another agency's measure → 403; unknown subject → not restricted, marked unknown
    r = client.post(
        "/v1/check",
        json={**check, "measure": "court_procurement_restriction"},
        headers=_auth(keys["air-china-agent"]),
    )
    assert r.status_code == 403
    unknown = person_ric(99, date(1990, 1, 1))
    u = client.post(
        "/v1/check", json={**check, "subject": unknown}, headers=_auth(keys["air-china-agent"])
    ).json()
    assert u["restricted"] is False and u["known"] is False and u["subject_id"] is None
    bad = client.post(
        "/v1/check",
        json={**check, "subject": "110101199001011234"},
        headers=_auth(keys["air-china-agent"]),
    )
    assert bad.status_code == 400 and bad.json()["error"]["message"]
    assert (
        client.post(
            "/v1/check", json={**check, "measure": "nope"}, headers=_auth(keys["air-china-agent"])
        ).status_code
        == 404
    )
    assert client.post("/v1/check", json=check).status_code == 401

    batch = {
        "subjects": [ric, unknown, person_ric(2, date(1985, 1, 1))],
        "measure": "consumption_flights",
        "on": TODAY.isoformat(),
    }
    answers = client.post(
        "/v1/check/batch", json=batch, headers=_auth(keys["air-china-agent"])
    ).json()["answers"]
    assert [x["restricted"] for x in answers] == [True, False, False]
    too_many = {**batch, "subjects": [ric] * 1001}
    assert (
        client.post(
            "/v1/check/batch", json=too_many, headers=_auth(keys["air-china-agent"])
        ).status_code
        == 400
    )

    with store.read() as conn:
        logged = conn.execute(
            select(func.count())
            .select_from(query_log)
            .where(query_log.c.principal_id == "air-china-agent", query_log.c.resource == "check")
        ).scalar_one()
        unknown_logged = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.action == "check.unknown_subject")
        ).scalar_one()
    # known-subject checks: 3 singles + 2 in the batch (the 403/400/404 calls log nothing)
    assert logged == 5
    assert unknown_logged == 2
    assert verify_store(store).ok
