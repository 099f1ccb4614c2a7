"""The HTTP API: agency ingest, credit files per audience, keys, and error bodies (both engines)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.support.feeds import (
    court_row,
    org_uscc,
    penalty_row,
    person_ric,
    register_agencies,
    write_csv,
)

from xinyong.actors import Principal, Role
from xinyong.api.app import create_app
from xinyong.store.actors import add_principal, create_key, revoke_key
from xinyong.store.context import Store
from xinyong.store.tables import query_log


@pytest.fixture
def api(store: Store, tmp_path: Path):  # type: ignore[no-untyped-def]
    register_agencies(store)
    app = create_app(store.url)
    app.state.store = store  # same settings (signing key) as the fixture
    with store.write() as tx:
        add_principal(
            tx,
            Principal(
                principal_id="samr-reviewer",
                display_name="审核员",
                organisation="rc-samr",
                roles=frozenset({Role.REVIEWER}),
            ),
        )
        keys = {p: create_key(tx, p)[1] for p in ("rc-samr", "rc-court", "samr-reviewer", "admin")}
    client = TestClient(app, raise_server_exceptions=False)
    return client, keys


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(client: TestClient, token: str, path: Path, ctype: str = "text/csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/agency/records",
        content=path.read_bytes(),
        headers={**auth(token), "Content-Type": ctype},
    )


def test_health_and_openapi(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/v1/agency/records" in spec["paths"] and "/v1/subjects/lookup" in spec["paths"]


def test_agency_posts_a_feed_and_gets_a_receipt(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    bad = penalty_row(**{"行政处罚决定书文号": "荣市监罚〔2026〕9号", "罚款金额（万元）": "abc"})
    p = write_csv(tmp_path / "p.csv", "penalty_national", [penalty_row(), bad])
    r = upload(client, keys["rc-samr"], p)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["accepted"], body["quarantined"]) == (2, 1, 1)
    assert body["reasons"] == {"invalid_amount": 1}
    q = client.get(
        f"/v1/agency/batches/{body['batch_id']}/quarantine", headers=auth(keys["rc-samr"])
    )
    assert q.status_code == 200 and q.json()["items"][0]["row"] == 2
    # another agency may not read this agency's quarantine
    other = client.get(
        f"/v1/agency/batches/{body['batch_id']}/quarantine", headers=auth(keys["rc-court"])
    )
    assert other.status_code == 403
    again = upload(client, keys["rc-samr"], p).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)


def test_agency_endpoint_refusals(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    p = write_csv(tmp_path / "p.csv", "penalty_national", [penalty_row()])
    assert (
        client.post(
            "/v1/agency/records", content=b"x", headers={"Content-Type": "text/csv"}
        ).status_code
        == 401
    )
    assert upload(client, "xy_not-a-key", p).status_code == 401
    assert upload(client, keys["samr-reviewer"], p).status_code == 403
    r = upload(client, keys["rc-court"], p)  # the court may not report penalties
    assert r.status_code == 422 and r.json()["error"]["code"] == "kind_not_permitted"
    assert upload(client, keys["rc-samr"], p, "application/pdf").status_code == 415
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    assert upload(client, keys["rc-samr"], empty).status_code == 400
    junk = tmp_path / "j.csv"
    junk.write_text("a,b\n1,2\n")
    r = upload(client, keys["rc-samr"], junk)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_header"


def test_public_agency_and_subject_audiences(api, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    upload(
        client, keys["rc-samr"], write_csv(tmp_path / "p.csv", "penalty_national", [penalty_row()])
    )
    r = client.get(f"/v1/subjects/uscc/{org_uscc(1)}")
    assert r.status_code == 200, r.text
    pub = r.json()
    assert pub["audience"] == "public" and pub["records"][0]["kind"] == "administrative_penalty"
    sid = pub["subject_id"]
    # a non-public read needs a purpose, and is logged
    r = client.get(f"/v1/subjects/{sid}", headers=auth(keys["samr-reviewer"]))
    assert r.status_code == 400 and r.json()["error"]["code"] == "purpose_required"
    r = client.get(
        f"/v1/subjects/{sid}?purpose=licence%20review", headers=auth(keys["samr-reviewer"])
    )
    assert r.status_code == 200 and r.json()["audience"] == "agency"
    with store.read() as conn:
        rows = conn.execute(select(query_log)).all()
    assert [(q.principal_id, q.purpose, q.channel) for q in rows] == [
        ("samr-reviewer", "licence review", "api")
    ]
    # a subject key reads its own file only
    with store.write() as tx:
        add_principal(
            tx,
            Principal(
                principal_id="subject-1",
                display_name="x",
                organisation="platform",
                roles=frozenset({Role.SUBJECT}),
                subject_id="01ARZ3NDEKTSV4RRFFQ69G5FAV",
            ),
        )
        _, token = create_key(tx, "subject-1")
    assert client.get(f"/v1/subjects/{sid}", headers=auth(token)).status_code == 403


def test_resident_ids_go_in_the_body(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    from tests.support.feeds import write_jsonl

    upload(
        client,
        keys["rc-court"],
        write_jsonl(tmp_path / "c.jsonl", [court_row(1)]),
        "application/x-ndjson",
    )
    ric = person_ric(1, date(1985, 1, 1))
    r = client.post("/v1/subjects/lookup", json={"code": ric})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["identifiers"][0]["value"] == ric[:10] + "****" + ric[-4:]
    assert ric not in r.text


def test_errors_are_4xx_with_the_contract_body(api) -> None:  # type: ignore[no-untyped-def]
    client, _keys = api
    r = client.get("/v1/subjects/uscc/91110000600037341L")  # valid, unknown here
    assert r.status_code == 404 and set(r.json()["error"]) == {"code", "message", "details"}
    assert client.get("/v1/subjects/uscc/not-a-code").status_code == 400
    assert client.get("/v1/subjects/01ARZ3NDEKTSV4RRFFQ69G5FAV?on=yesterday").status_code == 400
    assert client.post("/v1/subjects/lookup", json={"nope": 1}).status_code == 400
    assert (
        client.post(
            "/v1/subjects/lookup", content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert client.get("/v1/catalogue/kinds/no_such_kind").status_code == 404
    assert client.get("/v1/nowhere").status_code == 404


def test_revoked_and_expired_keys(api, store: Store) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    with store.write() as tx:
        key_id, token = create_key(tx, "rc-samr")
    r = client.get(f"/v1/subjects/uscc/{org_uscc(1)}", headers=auth(token))
    assert r.status_code in (200, 404)
    with store.write() as tx:
        revoke_key(tx, key_id)
    r = client.get(f"/v1/subjects/uscc/{org_uscc(1)}", headers=auth(token))
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]
