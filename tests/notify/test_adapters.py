"""Delivery adapters: the registry, choosing by name, the log adapter's line."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from xinyong.errors import UsageError
from xinyong.notify import adapters as adapters_mod
from xinyong.notify.adapters import (
    DeliveryAdapter,
    Event,
    LogAdapter,
    adapter_names,
    default_adapter_names,
    get_adapter,
    get_adapters,
    register_adapter,
)

EVENT = Event(
    event_id="01JEVENT00000000000000000A",
    topic="case.decided",
    at=datetime(2026, 11, 27, 8, 30, tzinfo=UTC),
    subject_id="01JSUBJECT0000000000000000",
    payload={"case_id": "01JCASE", "outcome": "corrected", "name": "张三", "n_id": 5},
)


class Sms:
    """What an operator writes: a name and deliver(event)."""

    name = "sms"
    sent: ClassVar[list[str]] = []

    def deliver(self, event: Event) -> None:
        Sms.sent.append(event.event_id)


@pytest.fixture(autouse=True)
def _clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adapters_mod, "_registry", dict(adapters_mod._registry))
    monkeypatch.delenv("XINYONG_NOTIFY_ADAPTERS", raising=False)


def test_log_adapter_writes_one_line_of_ids(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="xinyong.notify")
    LogAdapter().deliver(EVENT)
    (rec,) = caplog.records
    assert rec.name == "xinyong.notify" and rec.levelno == logging.INFO
    assert json.loads(rec.getMessage()) == {
        "notify": "event",
        "event_id": EVENT.event_id,
        "topic": "case.decided",
        "at": "2026-11-27T08:30:00Z",
        "subject_id": EVENT.subject_id,
        "payload.case_id": "01JCASE",
    }
    assert "张三" not in caplog.text and "corrected" not in caplog.text
    assert isinstance(LogAdapter(), DeliveryAdapter)


def test_adapters_by_name_registered_class_or_path(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [a.name for a in get_adapters()] == ["log"]
    assert default_adapter_names() == ["log"]
    with pytest.raises(UsageError, match="unknown delivery adapter 'sms'"):
        get_adapter("sms")
    register_adapter("sms", Sms)
    assert "sms" in adapter_names()
    assert [a.name for a in get_adapters(["log", "sms"])] == ["log", "sms"]
    monkeypatch.setenv("XINYONG_NOTIFY_ADAPTERS", "log, sms")
    assert [a.name for a in get_adapters()] == ["log", "sms"]
    with pytest.raises(UsageError, match="given twice"):
        get_adapters(["sms", "sms"])
    with pytest.raises(UsageError, match="already registered"):
        register_adapter("sms", LogAdapter)
    with pytest.raises(UsageError):
        register_adapter("bad name!", Sms)
    # a module:Class path needs no registration
    a = get_adapter(f"{__name__}:Sms")
    assert a.name == "sms"
    a.deliver(EVENT)
    assert Sms.sent[-1] == EVENT.event_id
    with pytest.raises(UsageError):
        get_adapter("no.such.module:Thing")
    with pytest.raises(UsageError, match="no name and deliver"):
        get_adapter("logging:getLogger")
    with pytest.raises(UsageError, match="cannot create"):
        get_adapter("json:dumps")


def test_event_body_shape() -> None:
    assert EVENT.as_json() == {
        "event_id": EVENT.event_id,
        "topic": "case.decided",
        "at": "2026-11-27T08:30:00Z",
        "subject_id": EVENT.subject_id,
        "payload": EVENT.payload,
    }
    naive = Event("E", "t", datetime(2026, 1, 1), None)
    assert naive.as_json()["at"] == "2026-01-01T00:00:00Z"
