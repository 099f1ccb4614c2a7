"""Delivering the outbox: the log adapter, signed webhooks, retries, no double delivery
(both engines)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from tests.notify.conftest import PERSON, Receiver, World
from tests.support.audit import verify_store

from xinyong.audit.log import now_utc
from xinyong.notify import delivery as delivery_mod
from xinyong.notify.adapters import Event, LogAdapter
from xinyong.notify.delivery import RetryPolicy, deliver_pending
from xinyong.notify.outbox import emit
from xinyong.notify.webhooks import CreatedWebhook, create_webhook, disable_webhook
from xinyong.store.context import Store
from xinyong.store.tables import audit_log, outbox, platform_meta, principals, webhook_deliveries


def _emit(store: Store, topic: str, subject_id: str | None, **payload: Any) -> str:
    with store.write() as tx:
        return emit(tx, topic, subject_id=subject_id, payload=payload or {"case_id": "C1"})


def _hook(world: World, url: str, topics: list[str], subject: str | None = None) -> CreatedWebhook:
    with world.store.write("admin") as tx:
        return create_webhook(tx, world.principal("admin"), url=url, subject=subject, topics=topics)


def _flush(store: Store) -> None:
    """Deliver whatever the world's set-up emitted, so counts below are this test's."""
    deliver_pending(store, adapters=[])


def _delivered_at(store: Store, event_id: str) -> datetime | None:
    with store.read() as conn:
        v: datetime | None = conn.execute(
            select(outbox.c.delivered_at).where(outbox.c.event_id == event_id)
        ).scalar_one()
        return v


def _delivery(store: Store, webhook_id: str, event_id: str) -> Any:
    with store.read() as conn:
        return conn.execute(
            select(webhook_deliveries).where(
                webhook_deliveries.c.webhook_id == webhook_id,
                webhook_deliveries.c.event_id == event_id,
            )
        ).one()


def _aware(ts: datetime) -> datetime:
    from datetime import UTC

    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _runs(store: Store) -> int:
    with store.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(audit_log)
                .where(audit_log.c.action == "notify.delivered")
            ).scalar_one()
        )


def test_log_adapter_delivers_and_marks_delivered(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    store = world.store
    _flush(store)
    runs = _runs(store)
    eid = _emit(store, "case.opened", world.person, case_id="01CASE", reason_len=3)
    caplog.set_level(logging.INFO, logger="xinyong.notify")
    rep = deliver_pending(store, adapters=[LogAdapter()])
    assert rep.events_seen == 1 and rep.events_completed == 1 and rep.adapter_ok == 1
    assert rep.pending_events == 0
    assert _delivered_at(store, eid) is not None
    lines = [json.loads(r.getMessage()) for r in caplog.records if eid in r.getMessage()]
    assert lines == [
        {
            "notify": "event",
            "event_id": eid,
            "topic": "case.opened",
            "at": lines[0]["at"],
            "subject_id": world.person,
            "payload.case_id": "01CASE",
        }
    ]
    assert all(r.name == "xinyong.notify" for r in caplog.records if eid in r.getMessage())
    # ids only: no names or identifiers, and not the payload's other fields
    text = caplog.text
    assert "赵六" not in text and PERSON not in text and "reason_len" not in text
    assert _runs(store) == runs + 1  # one summary entry for the run

    caplog.clear()
    again = deliver_pending(store, adapters=[LogAdapter()])
    assert again.events_seen == 0 and not again.did_work
    assert eid not in caplog.text
    assert _runs(store) == runs + 1  # an idle run writes no audit entry
    assert verify_store(store).ok


def test_webhook_receives_a_correctly_signed_body(world: World, receiver: Receiver) -> None:
    store = world.store
    _flush(store)
    created = _hook(world, receiver.url(), ["case.*"], subject=PERSON)
    assert created.secret.startswith("whsec_") and created.webhook.subject_id == world.person
    eid = _emit(store, "case.opened", world.person, case_id="01CASE")
    _emit(store, "case.opened", world.org)  # another subject
    _emit(store, "list.entry.published", world.person)  # another topic
    now = now_utc()
    rep = deliver_pending(store, adapters=[], now=now)
    assert rep.webhook_delivered == 1 and rep.events_completed == 3
    (hit,) = receiver.hits
    assert hit.path == "/hook"
    h = hit.headers
    assert h["content-type"] == "application/json"
    assert h["x-xinyong-event"] == "case.opened"
    assert h["x-xinyong-event-id"] == eid
    assert h["x-xinyong-webhook-id"] == created.webhook.webhook_id
    ts = h["x-xinyong-timestamp"]
    assert int(ts) == int(now.timestamp())
    # the receiver's check, written out independently of the platform's code
    expected = hmac.new(
        created.secret.encode(), ts.encode() + b"." + hit.body, hashlib.sha256
    ).hexdigest()
    assert h["x-xinyong-signature"] == f"sha256={expected}"
    body = hit.json()
    assert body == {
        "event_id": eid,
        "topic": "case.opened",
        "at": body["at"],
        "subject_id": world.person,
        "payload": {"case_id": "01CASE"},
    }
    assert body["at"].endswith("Z")
    from xinyong.notify.webhooks import verify_signature

    good = {"timestamp": ts, "signature": h["x-xinyong-signature"]}
    assert verify_signature(created.secret, body=hit.body, now=int(ts), **good)
    assert not verify_signature(created.secret, body=hit.body + b" ", now=int(ts), **good)
    assert not verify_signature("whsec_other", body=hit.body, now=int(ts), **good)
    assert not verify_signature(created.secret, body=hit.body, now=int(ts) + 301, **good)
    d = _delivery(store, created.webhook.webhook_id, eid)
    assert d.status == "delivered" and d.attempts == 1 and d.last_error is None
    assert d.next_attempt_at is None and d.delivered_at is not None


def test_failing_receiver_is_retried_with_backoff_then_failed(
    world: World, receiver: Receiver
) -> None:
    store = world.store
    _flush(store)
    receiver.status = 500
    created = _hook(world, receiver.url(), ["case.opened"])
    hid = created.webhook.webhook_id
    eid = _emit(store, "case.opened", world.person)
    t = now_utc()
    rep = deliver_pending(store, adapters=[LogAdapter()], now=t)
    assert rep.webhook_retrying == 1 and rep.events_completed == 0 and rep.pending_events == 1
    assert rep.errors and rep.errors[0]["error"] == "HTTP 500"
    d = _delivery(store, hid, eid)
    assert d.status == "pending" and d.attempts == 1 and d.last_error == "HTTP 500"
    assert _aware(d.next_attempt_at) == t + timedelta(seconds=30)
    assert _delivered_at(store, eid) is None

    # not due yet: nothing is sent, and the log adapter is not run again
    rep = deliver_pending(store, adapters=[LogAdapter()], now=t + timedelta(seconds=29))
    assert len(receiver.hits) == 1 and not rep.did_work and rep.adapter_ok == 0

    waits = []
    for attempt in range(2, 9):
        prev = t
        t = _aware(_delivery(store, hid, eid).next_attempt_at)
        waits.append(t - prev)
        rep = deliver_pending(store, adapters=[LogAdapter()], now=t)
        assert rep.adapter_ok == 0
        assert len(receiver.hits) == attempt
        d = _delivery(store, hid, eid)
        assert d.attempts == attempt
    assert waits == [
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=8),
        timedelta(minutes=32),
        timedelta(minutes=128),
        timedelta(hours=6),
        timedelta(hours=6),
    ]
    assert d.status == "failed" and d.next_attempt_at is None and d.last_error == "HTTP 500"
    assert rep.webhook_failed == 1 and rep.events_completed == 1
    assert _delivered_at(store, eid) is not None  # every delivery is final
    deliver_pending(store, adapters=[LogAdapter()], now=t + timedelta(days=7))
    assert len(receiver.hits) == 8
    # every attempt carried the same event id: receivers deduplicate on it
    assert {h.json()["event_id"] for h in receiver.hits} == {eid}


def test_no_double_delivery_on_rerun_and_at_most_one_resend_after_a_crash(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = world.store
    _flush(store)
    created = _hook(world, receiver.url(), ["*"])
    hid = created.webhook.webhook_id
    first = _emit(store, "case.decided", world.person)
    t = now_utc()
    deliver_pending(store, adapters=[], now=t)
    deliver_pending(store, adapters=[], now=t + timedelta(hours=1))
    assert [h.json()["event_id"] for h in receiver.hits] == [first]

    # a crash after the POST, before its result is recorded
    class Crash(BaseException):
        pass

    real_send = delivery_mod.send

    def send_then_crash(*args: Any, **kw: Any) -> int:
        real_send(*args, **kw)
        raise Crash

    second = _emit(store, "case.decided", world.person)
    monkeypatch.setattr(delivery_mod, "send", send_then_crash)
    with pytest.raises(Crash):
        deliver_pending(store, adapters=[], now=t)
    monkeypatch.setattr(delivery_mod, "send", real_send)
    d = _delivery(store, hid, second)
    assert d.status == "pending" and d.attempts == 1  # claimed, result unknown
    deliver_pending(store, adapters=[], now=t + timedelta(minutes=1))  # within the lease
    assert len(receiver.hits) == 2
    deliver_pending(store, adapters=[], now=t + RetryPolicy().lease)
    assert len(receiver.hits) == 3  # resent once
    assert _delivery(store, hid, second).status == "delivered"
    deliver_pending(store, adapters=[], now=t + timedelta(days=1))
    assert [h.json()["event_id"] for h in receiver.hits] == [first, second, second]


class Flaky:
    name = "flaky"

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.seen: list[str] = []

    def deliver(self, event: Event) -> None:
        self.seen.append(event.event_id)
        if self.fail > 0:
            self.fail -= 1
            raise ConnectionError("gateway down")


def test_a_failing_adapter_keeps_the_event_pending_and_others_are_not_rerun(
    world: World, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    store = world.store
    _flush(store)
    caplog.set_level(logging.INFO, logger="xinyong.notify")
    eid = _emit(store, "case.opened", world.person)
    flaky = Flaky(fail=1)
    t = now_utc()
    rep = deliver_pending(store, adapters=[LogAdapter(), flaky], now=t)
    assert rep.adapter_ok == 1 and rep.adapter_failed == 1 and rep.events_completed == 0
    assert _delivered_at(store, eid) is None
    with store.read() as conn:
        state = conn.execute(
            select(platform_meta.c.value).where(platform_meta.c.key == f"notify.adapters.{eid}")
        ).scalar_one()
    assert json.loads(state)["done"] == ["log"]
    deliver_pending(store, adapters=[LogAdapter(), flaky], now=t + timedelta(seconds=10))
    assert flaky.seen == [eid]  # not due yet
    rep = deliver_pending(store, adapters=[LogAdapter(), flaky], now=t + timedelta(seconds=30))
    assert flaky.seen == [eid, eid] and rep.events_completed == 1 and rep.adapter_ok == 1
    assert _delivered_at(store, eid) is not None
    assert sum(eid in r.getMessage() for r in caplog.records if r.levelno == logging.INFO) == 1
    with store.read() as conn:
        assert (
            conn.execute(
                select(func.count())
                .select_from(platform_meta)
                .where(platform_meta.c.key.like("notify.adapters.%"))
            ).scalar_one()
            == 0
        )


def test_which_webhooks_an_event_goes_to(world: World, receiver: Receiver) -> None:
    store = world.store
    _flush(store)
    early = _emit(store, "case.opened", world.person)  # before any webhook existed
    a = _hook(world, receiver.url("/a"), ["case.opened"])
    b = _hook(world, receiver.url("/b"), ["case.opened"])
    c = _hook(world, receiver.url("/c"), ["case.opened"], subject=PERSON)
    with store.write("admin") as tx:
        disable_webhook(tx, world.principal("admin"), b.webhook.webhook_id)
    eid = _emit(store, "case.opened", world.person)
    deliver_pending(store, adapters=[])
    assert sorted((h.path, h.json()["event_id"]) for h in receiver.hits) == [
        ("/a", eid),
        ("/c", eid),
    ]
    # the owner of a webhook is disabled: its webhooks get nothing; a pending delivery of a
    # webhook disabled later ends failed
    receiver.status = 500
    third = _emit(store, "case.opened", world.person)
    t = now_utc()
    deliver_pending(store, adapters=[], now=t)
    with store.write("admin") as tx:
        disable_webhook(tx, world.principal("admin"), a.webhook.webhook_id)
        tx.conn.execute(
            update(principals)
            .where(principals.c.principal_id == "admin")
            .values(disabled_at=now_utc())
        )
    d = _delivery(store, a.webhook.webhook_id, third)
    assert d.status == "failed" and d.last_error == "webhook disabled"
    hits = len(receiver.hits)
    rep = deliver_pending(store, adapters=[], now=t + timedelta(hours=1))
    assert len(receiver.hits) == hits and rep.events_completed == 1
    assert _delivered_at(store, third) is not None
    assert early not in {h.json()["event_id"] for h in receiver.hits}
    # c is not disabled, but its owner is: its pending delivery ends failed too
    d = _delivery(store, c.webhook.webhook_id, third)
    assert d.status == "failed" and d.last_error == "webhook inactive"


def test_limit_counts_events_with_work_and_order_is_oldest_first(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = world.store
    _flush(store)
    monkeypatch.setattr(delivery_mod, "PAGE", 2)  # several pages: the keyset is used
    caplog.set_level(logging.INFO, logger="xinyong.notify")
    ids = [_emit(store, "case.opened", world.person, case_id=f"C{i}") for i in range(5)]
    rep = deliver_pending(store, adapters=[LogAdapter()], limit=2)
    assert rep.events_completed == 2 and rep.pending_events == 3
    rep = deliver_pending(store, adapters=[LogAdapter()])
    assert rep.events_completed == 3
    order = [
        json.loads(r.getMessage())["event_id"]
        for r in caplog.records
        if r.name == "xinyong.notify" and r.getMessage().startswith("{")
    ]
    assert order == ids


def test_events_waiting_for_a_retry_do_not_hold_up_newer_ones(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = world.store
    _flush(store)
    monkeypatch.setattr(delivery_mod, "PAGE", 2)
    receiver.status = 500
    _hook(world, receiver.url(), ["case.stuck"])
    stuck = [_emit(store, "case.stuck", world.person) for _ in range(3)]
    t = now_utc()
    rep = deliver_pending(store, adapters=[LogAdapter()], now=t)
    assert rep.webhook_retrying == 3 and rep.pending_events == 3
    fresh = _emit(store, "case.opened", world.person)
    rep = deliver_pending(store, adapters=[LogAdapter()], now=t + timedelta(seconds=10), limit=1)
    assert rep.events_seen == 4 and rep.events_completed == 1
    assert _delivered_at(store, fresh) is not None
    assert all(_delivered_at(store, e) is None for e in stuck)
    assert len(receiver.hits) == 3
