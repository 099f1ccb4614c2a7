"""Webhook registration: who may watch what, URL and topic validation, the HTTP API
(both engines)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.notify.conftest import OTHER_PERSON, PERSON, WARNED, World
from tests.support.feeds import org_uscc

from xinyong.api.app import create_app
from xinyong.errors import Forbidden, NotFound, UsageError
from xinyong.notify.webhooks import (
    check_entitlement,
    topic_matches,
    validate_topics,
    validate_url,
)
from xinyong.store.tables import audit_log, webhooks

ORG = org_uscc(1)


@pytest.fixture
def client(world: World) -> TestClient:
    app = create_app(world.store.url)
    app.state.store = world.store
    return TestClient(app, raise_server_exceptions=False)


def _auth(world: World, pid: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.keys[pid]}"}


def test_entitlement_rules(world: World) -> None:
    with world.store.read() as conn:

        def may(pid: str, subject: str | None) -> str | None:
            return check_entitlement(conn, world.principal(pid), subject)

        # administrators: any subject, or everything
        assert may("admin", None) is None
        assert may("admin", PERSON) == world.person
        assert may("admin", world.org) == world.org
        with pytest.raises(NotFound):
            may("admin", WARNED)  # a valid resident ID the platform does not know
        # a subject: its own file only, by default its own
        assert may("person-9", None) == world.person
        assert may("person-9", PERSON) == world.person
        assert may("person-9", world.person) == world.person
        for other in (ORG, OTHER_PERSON, WARNED):
            with pytest.raises(Forbidden):
                may("person-9", other)
        # an agency: subjects it reported records about, any of its principals
        assert may("rc-samr", ORG) == world.org
        assert may("samr-reviewer", PERSON) == world.person
        with pytest.raises(Forbidden):
            may("rc-samr", None)  # not everything
        with pytest.raises(Forbidden):
            may("rc-samr", OTHER_PERSON)  # reported by the police, not by SAMR
        with pytest.raises(Forbidden):
            may("rc-court", ORG)  # reported nothing about it
        with pytest.raises(Forbidden):
            may("rc-samr", WARNED)  # unknown: refused like not entitled (no oracle)
        with pytest.raises(Forbidden):
            may("lender-1", ORG)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://",
        "https://user:pw@example.org/hook",
        "example.org/hook",
        "http://exa mple.org/",
        "http://example.org:99999/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://0.0.0.0:8080/",
        "",
    ],
)
def test_urls_other_than_http_and_https_are_refused(url: str) -> None:
    with pytest.raises(UsageError):
        validate_url(url)


def test_urls_and_topics_that_are_accepted() -> None:
    assert validate_url(" https://hooks.example.org:8443/x?y=1 ") == (
        "https://hooks.example.org:8443/x?y=1"
    )
    assert validate_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"
    assert validate_topics(["case.*", "case.opened", "case.opened", "*"]) == [
        "*",
        "case.*",
        "case.opened",
    ]
    for bad in ([], [""], ["Case.Opened"], ["case..x"], ["case.*.x"], ["*.opened"]):
        with pytest.raises(UsageError):
            validate_topics(bad)
    assert topic_matches("*", "record.pending_publication")
    assert topic_matches("case.*", "case.opened")
    assert not topic_matches("case.*", "cases.opened")
    assert not topic_matches("case.opened", "case.decided")


def test_api_register_list_and_disable(world: World, client: TestClient) -> None:
    # a subject registers for its own file (subject omitted): 201 and the secret, once
    r = client.post(
        "/v1/webhooks",
        json={"url": "https://me.example/hook", "topics": ["case.*", "record.*"]},
        headers=_auth(world, "person-9"),
    )
    assert r.status_code == 201, r.text
    mine = r.json()
    assert mine["secret"].startswith("whsec_") and len(mine["secret"]) > 40
    hook = mine["webhook"]
    assert hook["subject_id"] == world.person and hook["principal_id"] == "person-9"
    assert hook["topics"] == ["case.*", "record.*"]
    # the secret is kept for signing but never shown again, nor audited
    listed = client.get("/v1/webhooks", headers=_auth(world, "person-9")).json()
    assert listed["next"] is None
    assert [w["webhook_id"] for w in listed["items"]] == [hook["webhook_id"]]
    assert "secret" not in listed["items"][0] and mine["secret"] not in str(listed)
    with world.store.read() as conn:
        stored = conn.execute(
            select(webhooks.c.secret).where(webhooks.c.webhook_id == hook["webhook_id"])
        ).scalar_one()
        assert stored == mine["secret"]
        details = [str(d) for (d,) in conn.execute(select(audit_log.c.detail))]
        assert not any(mine["secret"] in d for d in details)
        actions = [
            a
            for (a,) in conn.execute(
                select(audit_log.c.action).where(audit_log.c.entity_id == hook["webhook_id"])
            )
        ]
        assert actions == ["webhook.created"]

    # a resident ID in the body, never in the URL; another person's file: 403
    r = client.post(
        "/v1/webhooks",
        json={"url": "https://me.example/hook", "subject": OTHER_PERSON, "topics": ["*"]},
        headers=_auth(world, "person-9"),
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_entitled"
    # an agency: a subject it reported about, yes; everything, no
    r = client.post(
        "/v1/webhooks",
        json={"url": "http://samr.example/h", "subject": ORG, "topics": ["list.entry.*"]},
        headers=_auth(world, "rc-samr"),
    )
    assert r.status_code == 201, r.text
    samr_hook = r.json()["webhook"]["webhook_id"]
    r = client.post(
        "/v1/webhooks",
        json={"url": "http://samr.example/h", "topics": ["*"]},
        headers=_auth(world, "rc-samr"),
    )
    assert r.status_code == 403
    r = client.post(
        "/v1/webhooks",
        json={"url": "http://court.example/h", "subject": ORG, "topics": ["*"]},
        headers=_auth(world, "rc-court"),
    )
    assert r.status_code == 403
    r = client.post(
        "/v1/webhooks",
        json={"url": "http://bank.example/h", "subject": ORG, "topics": ["*"]},
        headers=_auth(world, "lender-1"),
    )
    assert r.status_code == 403
    # administrators: every subject
    r = client.post(
        "/v1/webhooks",
        json={"url": "https://ops.example/all", "topics": ["*"]},
        headers=_auth(world, "admin"),
    )
    assert r.status_code == 201 and r.json()["webhook"]["subject_id"] is None
    # bad input: 400 with the error body, never a 500
    for body in (
        {"url": "ftp://me.example/hook", "topics": ["*"]},
        {"url": "https://me.example/hook", "topics": []},
        {"url": "https://me.example/hook", "topics": ["NOT A TOPIC"]},
        {"url": "https://me.example/hook"},
        {"topics": ["*"]},
    ):
        r = client.post("/v1/webhooks", json=body, headers=_auth(world, "person-9"))
        assert r.status_code == 400, (body, r.text)
        assert set(r.json()["error"]) == {"code", "message", "details"}
    assert (
        client.post("/v1/webhooks", json={"url": "https://x.example", "topics": ["*"]}).status_code
        == 401
    )

    # listing: one's own; all only for administrators
    assert [
        w["webhook_id"]
        for w in client.get("/v1/webhooks", headers=_auth(world, "rc-samr")).json()["items"]
    ] == [samr_hook]
    assert client.get("/v1/webhooks?all=true", headers=_auth(world, "rc-samr")).status_code == 403
    everyone = client.get("/v1/webhooks?all=true", headers=_auth(world, "admin")).json()["items"]
    assert len(everyone) == 3

    # disabling: not someone else's (403), unknown (404), one's own, an admin anyone's
    url = f"/v1/webhooks/{hook['webhook_id']}"
    assert client.delete(url, headers=_auth(world, "rc-samr")).status_code == 403
    assert client.delete("/v1/webhooks/NOPE", headers=_auth(world, "person-9")).status_code == 404
    r = client.delete(url, headers=_auth(world, "person-9"))
    assert r.status_code == 200 and r.json()["disabled_at"] is not None
    assert client.delete(url, headers=_auth(world, "person-9")).status_code == 200  # idempotent
    r = client.delete(f"/v1/webhooks/{samr_hook}", headers=_auth(world, "admin"))
    assert r.status_code == 200
    assert client.get("/v1/webhooks", headers=_auth(world, "person-9")).json()["items"] == []
    gone = client.get(
        "/v1/webhooks?include_disabled=true", headers=_auth(world, "person-9")
    ).json()["items"]
    assert [w["webhook_id"] for w in gone] == [hook["webhook_id"]]
    with world.store.read() as conn:
        disabled = [
            (a, actor)
            for a, actor in conn.execute(
                select(audit_log.c.action, audit_log.c.actor).where(
                    audit_log.c.action == "webhook.disabled"
                )
            )
        ]
    assert sorted(disabled) == [("webhook.disabled", "admin"), ("webhook.disabled", "person-9")]
