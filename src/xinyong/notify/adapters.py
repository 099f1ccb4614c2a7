"""Delivery adapters: the channels every outbox event goes through (besides webhooks).

An adapter is any object with a ``name`` and a ``deliver(event)`` that returns when the
event has been handed over and raises when it has not (the event is then retried on a
later run). The platform ships one, :class:`LogAdapter`, which writes one structured log
line per event; an operator adds an SMS or e-mail gateway by registering a class:

* in code: ``register_adapter("sms", SmsAdapter)``;
* as a package: an entry point in the group ``xinyong.notify.adapters``
  (``sms = "acme_sms.xinyong:SmsAdapter"``);
* ad hoc: ``--adapter acme_sms.xinyong:SmsAdapter`` (a ``module:attribute`` path).

Adapters are chosen by name: ``xinyong notify deliver --adapter log --adapter sms``, or the
environment variable ``XINYONG_NOTIFY_ADAPTERS=log,sms`` (default ``log``).

Delivery through an adapter is at least once: an event is handed to an adapter again when
the run crashed before recording that it was handed over. Adapters deduplicate on
``event.event_id``.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from xinyong.errors import UsageError

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_VAR",
    "LOGGER_NAME",
    "DeliveryAdapter",
    "Event",
    "LogAdapter",
    "adapter_names",
    "default_adapter_names",
    "get_adapter",
    "get_adapters",
    "register_adapter",
]

ENTRY_POINT_GROUP = "xinyong.notify.adapters"
ENV_VAR = "XINYONG_NOTIFY_ADAPTERS"
LOGGER_NAME = "xinyong.notify"


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def format_at(ts: datetime) -> str:
    """UTC, second-or-better precision, ``Z`` suffix: ``2026-11-27T08:00:00.123456Z``."""
    return _aware(ts).astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Event:
    """One outbox event, as adapters and webhook receivers see it."""

    event_id: str
    topic: str
    at: datetime
    subject_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The webhook body's fields (and the shape of ``notify outbox --json``)."""
        return {
            "event_id": self.event_id,
            "topic": self.topic,
            "at": format_at(self.at),
            "subject_id": self.subject_id,
            "payload": self.payload,
        }

    def ids(self) -> dict[str, str]:
        """The ids in the payload (keys ending in ``_id``): what may go into a log line."""
        return {
            k: v
            for k, v in sorted(self.payload.items())
            if k.endswith("_id") and isinstance(v, str) and len(v) <= 80
        }


@runtime_checkable
class DeliveryAdapter(Protocol):
    """A delivery channel. ``deliver`` raises on failure; the event is retried later."""

    name: str

    def deliver(self, event: Event) -> None: ...


class LogAdapter:
    """One structured line per event on the ``xinyong.notify`` logger (INFO).

    The line is a JSON object with ids only (event, topic, time, subject id and the
    payload's ``*_id`` fields), never names, identifiers or free text: log files travel
    further than the store. A log shipper or an operator's script can act on it.
    """

    name = "log"

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.log = logger or logging.getLogger(LOGGER_NAME)

    def deliver(self, event: Event) -> None:
        line = {
            "notify": "event",
            "event_id": event.event_id,
            "topic": event.topic,
            "at": format_at(event.at),
            "subject_id": event.subject_id,
            **{f"payload.{k}": v for k, v in event.ids().items()},
        }
        self.log.info(json.dumps(line, ensure_ascii=True, sort_keys=False))


AdapterFactory = Callable[[], DeliveryAdapter]

_registry: dict[str, AdapterFactory] = {"log": LogAdapter}


def register_adapter(name: str, factory: AdapterFactory, *, replace: bool = False) -> None:
    """Make ``factory`` (a class or a function without arguments) available as ``name``."""
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise UsageError(f"adapter name {name!r} must be letters, digits, '-' or '_'")
    if name in _registry and not replace and _registry[name] is not factory:
        raise UsageError(f"an adapter named {name!r} is already registered")
    _registry[name] = factory


def adapter_names() -> list[str]:
    """Names registered in code and through entry points."""
    names = set(_registry)
    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def _load_path(path: str) -> AdapterFactory:
    module, _, attr = path.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise UsageError(f"cannot load adapter {path!r}: {e}", code="unknown_adapter") from e
    if not callable(obj):
        raise UsageError(f"adapter {path!r} is not a class or factory", code="unknown_adapter")
    factory: AdapterFactory = obj
    return factory


def get_adapter(name: str) -> DeliveryAdapter:
    """An adapter by registered name, entry point name or ``module:attribute`` path."""
    name = name.strip()
    factory: AdapterFactory | None = _registry.get(name)
    if factory is None:
        for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
            factory = ep.load()
            break
    if factory is None and ":" in name:
        factory = _load_path(name)
    if factory is None:
        raise UsageError(
            f"unknown delivery adapter {name!r}; known: {', '.join(adapter_names())} "
            "(or give a module:Class path)",
            code="unknown_adapter",
        )
    try:
        adapter = factory()
    except Exception as e:
        raise UsageError(
            f"cannot create adapter {name!r}: {type(e).__name__}: {e}", code="unknown_adapter"
        ) from e
    if not isinstance(adapter, DeliveryAdapter):
        raise UsageError(f"adapter {name!r} has no name and deliver(event)", code="unknown_adapter")
    return adapter


def default_adapter_names() -> list[str]:
    """``$XINYONG_NOTIFY_ADAPTERS`` (comma-separated), else ``["log"]``."""
    raw = os.environ.get(ENV_VAR, "")
    names = [n.strip() for n in raw.split(",") if n.strip()]
    return names or ["log"]


def get_adapters(names: Iterable[str] | None = None) -> list[DeliveryAdapter]:
    """Adapters by name (default: :func:`default_adapter_names`); a name twice is refused."""
    chosen = list(names) if names is not None else default_adapter_names()
    adapters = [get_adapter(n) for n in chosen]
    seen: set[str] = set()
    for a in adapters:
        if a.name in seen:
            raise UsageError(f"adapter {a.name!r} is given twice", code="duplicate_adapter")
        seen.add(a.name)
    return adapters
