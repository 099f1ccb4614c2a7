"""Delivering the outbox: every adapter, then every matching webhook, with retries.

``deliver_pending`` walks undelivered events oldest first. For each event it

1. hands the event to every adapter not yet done with it (a failing adapter is retried
   on a later run with backoff, and never given up: the platform's own channels must be
   repaired, not skipped);
2. fans it out to every active webhook whose topics and subject match and which existed
   when the event was emitted: each attempt is *claimed* in one committed transaction
   (attempts + 1, a short lease) before the POST and its result recorded in another, so
   a delivered delivery is never sent again, two runs never send the same attempt, and a
   crash between sending and recording resends at most once, after the lease;
3. marks ``outbox.delivered_at`` once every adapter succeeded and every webhook delivery
   is ``delivered`` or ``failed``.

Per-adapter progress of an event still waiting (e.g. for a webhook retry) is kept in
``platform_meta`` under ``notify.adapters.<event_id>`` and removed when the event is
done, so a successful adapter is not run again for it. One audit entry summarises each
run that did any work; deliveries themselves are state, not audit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from ulid import ULID

from xinyong.audit.log import now_utc
from xinyong.notify.adapters import DeliveryAdapter, Event, format_at
from xinyong.notify.webhooks import Webhook, new_client, secrets_of, send
from xinyong.store.context import Store
from xinyong.store.tables import outbox, platform_meta, principals, webhook_deliveries, webhooks

__all__ = [
    "DeliveryReport",
    "RetryPolicy",
    "deliver_pending",
    "list_outbox",
]

log = logging.getLogger("xinyong.notify")

META_PREFIX = "notify.adapters."
PAGE = 200
MAX_ERROR = 500


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then every 6 h.

    A webhook delivery is ``failed`` after ``max_attempts`` attempts (about 15 hours
    after the first with the defaults). ``lease`` is how long a claimed attempt is
    reserved: a run that crashed after claiming is retried after it.
    """

    first: timedelta = timedelta(seconds=30)
    factor: int = 4
    cap: timedelta = timedelta(hours=6)
    max_attempts: int = 8
    lease: timedelta = timedelta(minutes=2)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1-based)."""
        n = max(attempts, 1) - 1
        if n > 32:  # avoid huge numbers; the cap applies long before
            return self.cap
        return min(self.first * int(self.factor**n), self.cap)


@dataclass
class DeliveryReport:
    run_id: str
    at: datetime
    adapters: list[str]
    events_seen: int = 0
    events_completed: int = 0
    adapter_ok: int = 0
    adapter_failed: int = 0
    webhook_delivered: int = 0
    webhook_retrying: int = 0
    webhook_failed: int = 0
    pending_events: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def did_work(self) -> bool:
        return bool(
            self.adapter_ok
            + self.adapter_failed
            + self.webhook_delivered
            + self.webhook_retrying
            + self.webhook_failed
            + self.events_completed
        )

    def counts(self) -> dict[str, int]:
        return {
            k: v for k, v in asdict(self).items() if isinstance(v, int) and not isinstance(v, bool)
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "at": format_at(self.at),
            "adapters": self.adapters,
            **self.counts(),
            "errors": self.errors,
        }

    def _error(self, **kw: Any) -> None:
        if len(self.errors) < 100:
            self.errors.append(kw)


@dataclass
class _AdapterState:
    done: set[str] = field(default_factory=set)
    attempts: dict[str, int] = field(default_factory=dict)
    next: dict[str, str] = field(default_factory=dict)
    error: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, raw: str | None) -> _AdapterState:
        if not raw:
            return cls()
        try:
            d = json.loads(raw)
        except json.JSONDecodeError:
            return cls()
        return cls(
            done=set(d.get("done", [])),
            attempts=dict(d.get("attempts", {})),
            next=dict(d.get("next", {})),
            error=dict(d.get("error", {})),
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "done": sorted(self.done),
                "attempts": self.attempts,
                "next": self.next,
                "error": self.error,
            },
            sort_keys=True,
        )

    def due(self, name: str, now: datetime) -> bool:
        nxt = self.next.get(name)
        return nxt is None or datetime.fromisoformat(nxt) <= now


@dataclass
class _Delivery:
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _utc(ts: datetime) -> datetime:
    return _aware(ts).astimezone(UTC)


def _event(row: Any) -> Event:
    r = row._mapping
    payload = r["payload"]
    if isinstance(payload, str):  # a driver that hands JSON back as text
        payload = json.loads(payload)
    return Event(
        event_id=r["event_id"],
        topic=r["topic"],
        at=_aware(r["at"]),
        subject_id=r["subject_id"],
        payload=dict(payload or {}),
    )


def _active_webhooks(conn: Connection) -> list[Webhook]:
    rows = conn.execute(
        select(webhooks)
        .join(principals, principals.c.principal_id == webhooks.c.principal_id)
        .where(webhooks.c.disabled_at.is_(None), principals.c.disabled_at.is_(None))
        .order_by(webhooks.c.created_at, webhooks.c.webhook_id)
    )
    out = []
    for r in rows:
        m = r._mapping
        out.append(
            Webhook(
                webhook_id=m["webhook_id"],
                principal_id=m["principal_id"],
                url=m["url"],
                subject_id=m["subject_id"],
                topics=list(m["topics"]),
                created_at=_aware(m["created_at"]),
            )
        )
    return out


def _page(conn: Connection, after: tuple[datetime, str] | None) -> list[tuple[Event, datetime]]:
    """A page of undelivered events after the keyset ``after`` (with ``at`` as stored)."""
    q = select(outbox).where(outbox.c.delivered_at.is_(None))
    if after is not None:
        at, eid = after
        q = q.where(or_(outbox.c.at > at, and_(outbox.c.at == at, outbox.c.event_id > eid)))
    q = q.order_by(outbox.c.at, outbox.c.event_id).limit(PAGE)
    return [(_event(r), r.at) for r in conn.execute(q)]


def _meta_key(event_id: str) -> str:
    return META_PREFIX + event_id


class _Run:
    def __init__(
        self,
        store: Store,
        adapters: Sequence[DeliveryAdapter],
        now: datetime,
        policy: RetryPolicy,
        client: httpx.Client,
        report: DeliveryReport,
    ) -> None:
        self.store = store
        self.adapters = adapters
        self.now = now
        self.policy = policy
        self.client = client
        self.report = report
        with store.read() as conn:
            self.hooks = _active_webhooks(conn)
            self.active_ids = {h.webhook_id for h in self.hooks}
            self.secrets = secrets_of(conn, (h.webhook_id for h in self.hooks))

    # -- one event ---------------------------------------------------------------

    def event(
        self,
        ev: Event,
        state: _AdapterState,
        had_state: bool,
        deliveries: dict[str, _Delivery],
    ) -> bool:
        """Process one event; True when anything was due (work done)."""
        worked = False
        changed = False
        for a in self.adapters:
            if a.name in state.done or not state.due(a.name, self.now):
                continue
            worked = changed = True
            try:
                a.deliver(ev)
            except Exception as e:
                n = state.attempts.get(a.name, 0) + 1
                state.attempts[a.name] = n
                state.next[a.name] = (self.now + self.policy.delay(n)).isoformat()
                state.error[a.name] = f"{type(e).__name__}: {e}"[:MAX_ERROR]
                self.report.adapter_failed += 1
                self.report._error(event_id=ev.event_id, adapter=a.name, error=type(e).__name__)
                log.warning(
                    "notify adapter %s failed for event %s (attempt %d): %s",
                    a.name,
                    ev.event_id,
                    n,
                    type(e).__name__,
                )
                continue
            state.done.add(a.name)
            state.next.pop(a.name, None)
            state.error.pop(a.name, None)
            self.report.adapter_ok += 1
        adapters_done = all(a.name in state.done for a in self.adapters)

        hooks_final = True
        for hook in self.hooks:
            if not hook.matches(ev):
                continue
            d = deliveries.get(hook.webhook_id)
            if d is not None and d.status != "pending":
                continue
            if d is not None and d.next_attempt_at and _utc(d.next_attempt_at) > self.now:
                hooks_final = False
                continue
            worked = True
            if self._attempt(hook, ev, d) == "pending":
                hooks_final = False

        # deliveries of webhooks no longer active (disabled, or their owner disabled)
        orphans = [
            wid
            for wid, d in deliveries.items()
            if d.status == "pending" and wid not in self.active_ids
        ]
        if orphans:
            with self.store.write() as tx:
                tx.conn.execute(
                    update(webhook_deliveries)
                    .where(
                        webhook_deliveries.c.event_id == ev.event_id,
                        webhook_deliveries.c.webhook_id.in_(orphans),
                        webhook_deliveries.c.status == "pending",
                    )
                    .values(status="failed", next_attempt_at=None, last_error="webhook inactive")
                )
            self.report.webhook_failed += len(orphans)
            worked = True

        if adapters_done and hooks_final:
            with self.store.write() as tx:
                res = tx.conn.execute(
                    update(outbox)
                    .where(outbox.c.event_id == ev.event_id, outbox.c.delivered_at.is_(None))
                    .values(delivered_at=self.now)
                )
                if had_state:
                    tx.conn.execute(
                        delete(platform_meta).where(platform_meta.c.key == _meta_key(ev.event_id))
                    )
            if res.rowcount:
                self.report.events_completed += 1
            return True
        if changed:
            key = _meta_key(ev.event_id)
            try:
                with self.store.write() as tx:
                    tx.conn.execute(delete(platform_meta).where(platform_meta.c.key == key))
                    tx.conn.execute(insert(platform_meta).values(key=key, value=state.dump()))
            except IntegrityError:
                pass  # a concurrent run recorded its own progress; adapters are at least once
        return worked

    # -- one webhook delivery ----------------------------------------------------

    def _attempt(self, hook: Webhook, ev: Event, d: _Delivery | None) -> str:
        """Claim, send, record; returns the delivery's status afterwards."""
        p = self.policy
        key = (
            webhook_deliveries.c.webhook_id == hook.webhook_id,
            webhook_deliveries.c.event_id == ev.event_id,
        )
        lease_until = self.now + p.lease
        if d is not None and d.attempts >= p.max_attempts:
            # the last attempt was claimed but its result never recorded (a crash)
            with self.store.write() as tx:
                tx.conn.execute(
                    update(webhook_deliveries)
                    .where(*key, webhook_deliveries.c.status == "pending")
                    .values(
                        status="failed",
                        next_attempt_at=None,
                        last_error=d.last_error or "no result recorded for the last attempt",
                    )
                )
            self.report.webhook_failed += 1
            return "failed"
        try:
            with self.store.write() as tx:
                if d is None:
                    tx.conn.execute(
                        insert(webhook_deliveries).values(
                            webhook_id=hook.webhook_id,
                            event_id=ev.event_id,
                            status="pending",
                            attempts=1,
                            next_attempt_at=lease_until,
                        )
                    )
                    attempts = 1
                else:
                    res = tx.conn.execute(
                        update(webhook_deliveries)
                        .where(
                            *key,
                            webhook_deliveries.c.status == "pending",
                            webhook_deliveries.c.attempts == d.attempts,
                        )
                        .values(attempts=d.attempts + 1, next_attempt_at=lease_until)
                    )
                    if res.rowcount != 1:
                        return "pending"  # another run claimed it meanwhile
                    attempts = d.attempts + 1
        except IntegrityError:
            return "pending"  # another run created (and claimed) it meanwhile

        error: str | None = None
        try:
            send(
                self.client,
                hook.url,
                hook.webhook_id,
                self.secrets[hook.webhook_id],
                ev,
                timestamp=int(self.now.timestamp()),
            )
        except Exception as e:
            error = (str(e) or type(e).__name__)[:MAX_ERROR]

        if error is None:
            values: dict[str, Any] = {
                "status": "delivered",
                "delivered_at": self.now,
                "next_attempt_at": None,
                "last_error": None,
            }
            status = "delivered"
            self.report.webhook_delivered += 1
        elif attempts >= p.max_attempts:
            values = {"status": "failed", "next_attempt_at": None, "last_error": error}
            status = "failed"
            self.report.webhook_failed += 1
        else:
            values = {
                "status": "pending",
                "next_attempt_at": self.now + p.delay(attempts),
                "last_error": error,
            }
            status = "pending"
            self.report.webhook_retrying += 1
        if error is not None:
            self.report._error(
                event_id=ev.event_id, webhook_id=hook.webhook_id, attempt=attempts, error=error
            )
            log.warning(
                "webhook %s: event %s attempt %d failed: %s",
                hook.webhook_id,
                ev.event_id,
                attempts,
                error,
            )
        with self.store.write() as tx:
            tx.conn.execute(
                update(webhook_deliveries)
                .where(
                    *key,
                    webhook_deliveries.c.status == "pending",
                    webhook_deliveries.c.attempts == attempts,
                )
                .values(**values)
            )
        return status


def deliver_pending(
    store: Store,
    *,
    adapters: Sequence[DeliveryAdapter],
    now: datetime | None = None,
    limit: int = 1000,
    policy: RetryPolicy | None = None,
    client: httpx.Client | None = None,
    actor: str | None = None,
) -> DeliveryReport:
    """Deliver up to ``limit`` events with due work, oldest first (see the module doc).

    ``now`` (timezone-aware) is the run's clock for due times, backoff and the
    signature timestamp; tests advance it to replay retries.
    """
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise ValueError("deliver_pending(now=...) needs a timezone-aware datetime")
    clock = _utc(now) if now is not None else now_utc()
    report = DeliveryReport(run_id=str(ULID()), at=clock, adapters=[a.name for a in adapters])
    own_client = client is None
    http = client or new_client()
    try:
        run = _Run(store, adapters, clock, policy or RetryPolicy(), http, report)
        processed = 0
        after: tuple[datetime, str] | None = None
        while processed < limit:
            with store.read() as conn:
                page = _page(conn, after)
                if not page:
                    break
                ids = [e.event_id for e, _ in page]
                states = {
                    r.key.removeprefix(META_PREFIX): r.value
                    for r in conn.execute(
                        select(platform_meta.c.key, platform_meta.c.value).where(
                            platform_meta.c.key.in_([_meta_key(i) for i in ids])
                        )
                    )
                }
                dels: dict[str, dict[str, _Delivery]] = {}
                for r in conn.execute(
                    select(webhook_deliveries).where(webhook_deliveries.c.event_id.in_(ids))
                ):
                    dels.setdefault(r.event_id, {})[r.webhook_id] = _Delivery(
                        r.status, int(r.attempts), r.next_attempt_at, r.last_error
                    )
            for ev, _ in page:
                report.events_seen += 1
                raw = states.get(ev.event_id)
                if run.event(
                    ev, _AdapterState.load(raw), raw is not None, dels.get(ev.event_id, {})
                ):
                    processed += 1
                    if processed >= limit:
                        break
            after = (page[-1][1], page[-1][0].event_id)
            if len(page) < PAGE:
                break
    finally:
        if own_client:
            http.close()
    with store.read() as conn:
        report.pending_events = int(
            conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.delivered_at.is_(None))
            ).scalar_one()
        )
    if report.did_work:
        with store.write(actor) as tx:
            tx.audit(
                "notify.delivered",
                "delivery_run",
                report.run_id,
                {"adapters": report.adapters, **report.counts()},
            )
    return report


def list_outbox(
    conn: Connection, *, pending: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """Events newest first, with when they were delivered and their webhook deliveries."""
    q = select(outbox).order_by(outbox.c.at.desc(), outbox.c.event_id.desc()).limit(limit)
    if pending:
        q = q.where(outbox.c.delivered_at.is_(None))
    rows = list(conn.execute(q))
    ids = [r.event_id for r in rows]
    by_event: dict[str, dict[str, int]] = {}
    if ids:
        for r in conn.execute(
            select(webhook_deliveries.c.event_id, webhook_deliveries.c.status, func.count())
            .where(webhook_deliveries.c.event_id.in_(ids))
            .group_by(webhook_deliveries.c.event_id, webhook_deliveries.c.status)
        ):
            by_event.setdefault(r[0], {})[r[1]] = int(r[2])
    out = []
    for r in rows:
        ev = _event(r)
        out.append(
            {
                **ev.as_json(),
                "delivered_at": format_at(r.delivered_at) if r.delivered_at else None,
                "webhooks": by_event.get(ev.event_id, {}),
            }
        )
    return out
