"""Webhooks: who may watch which subject, registration, signing and sending.

Entitlement (docs/notifications.md, "Who may watch what"):

* an administrator may watch any subject, or every event (no subject);
* a subject's own principal watches its own subject only (the default when no subject
  is given);
* a principal of an agency (any role) watches a subject only when that agency reported a
  record about it or decided one; it cannot watch everything.

Everyone else is refused (403). For anyone but an administrator an unknown identifier is
refused the same way as a subject they may not watch, so registration does not tell
whether a resident ID is known to the platform.

Delivery signs ``f"{timestamp}.".encode() + body`` with HMAC-SHA256 and the webhook's
secret (shown once, at creation); receivers verify it with :func:`verify_signature`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, insert, or_, select, update
from ulid import ULID

from xinyong import __version__
from xinyong.actors import PLATFORM_ORG, Principal, Role
from xinyong.audit.log import now_utc
from xinyong.errors import Forbidden, NotFound, UsageError
from xinyong.notify.adapters import Event
from xinyong.store.context import Tx
from xinyong.store.tables import agencies, records, webhook_deliveries, webhooks

__all__ = [
    "HEADER_EVENT",
    "HEADER_EVENT_ID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "HEADER_WEBHOOK_ID",
    "SECRET_PREFIX",
    "TIMEOUT_SECONDS",
    "CreatedWebhook",
    "Webhook",
    "WebhookError",
    "body_bytes",
    "check_entitlement",
    "create_webhook",
    "disable_webhook",
    "get_webhook",
    "list_webhooks",
    "send",
    "sign",
    "signed_headers",
    "topic_matches",
    "validate_topics",
    "validate_url",
    "verify_signature",
]

HEADER_EVENT = "X-Xinyong-Event"
HEADER_EVENT_ID = "X-Xinyong-Event-Id"
HEADER_WEBHOOK_ID = "X-Xinyong-Webhook-Id"
HEADER_TIMESTAMP = "X-Xinyong-Timestamp"
HEADER_SIGNATURE = "X-Xinyong-Signature"
SECRET_PREFIX = "whsec_"
#: seconds for connecting and for the whole response (a receiver should answer fast and
#: queue its own work)
TIMEOUT_SECONDS = 5.0
#: receivers should refuse a timestamp further than this from their clock (replays)
TOLERANCE_SECONDS = 300
MAX_URL = 2000
MAX_TOPICS = 50

_TOPIC = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$")


class Webhook(BaseModel):
    model_config = ConfigDict(frozen=True)

    webhook_id: str
    principal_id: str
    url: str
    subject_id: str | None
    topics: list[str]
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def matches(self, event: Event) -> bool:
        """Topic and subject match, and the event is not older than the webhook."""
        if not self.active:
            return False
        if self.subject_id is not None and event.subject_id != self.subject_id:
            return False
        if _aware(event.at) < _aware(self.created_at):
            return False
        return any(topic_matches(t, event.topic) for t in self.topics)


class CreatedWebhook(BaseModel):
    """A new webhook with its secret: the only time the secret is shown."""

    webhook: Webhook
    secret: str


class WebhookError(Exception):
    """A delivery attempt that did not end in a 2xx answer."""


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


# --- validation ------------------------------------------------------------------------


def validate_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials (400 otherwise)."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise UsageError(f"a webhook URL has 1–{MAX_URL} characters", code="invalid_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UsageError(f"not a valid URL: {e}", code="invalid_url") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UsageError("a webhook URL must use http or https", code="invalid_url")
    if not parts.hostname:
        raise UsageError("a webhook URL needs a host", code="invalid_url")
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            "a webhook URL may not carry credentials; verify the signature instead",
            code="invalid_url",
        )
    if port == 0:
        raise UsageError("a webhook URL needs a port other than 0", code="invalid_url")
    if any(c.isspace() for c in url):
        raise UsageError("a webhook URL may not contain spaces", code="invalid_url")
    try:
        ip = ipaddress.ip_address(parts.hostname)
    except ValueError:
        ip = None
    if ip is not None and (ip.is_link_local or ip.is_unspecified or ip.is_multicast):
        # 169.254.169.254 and friends: cloud metadata endpoints, never a receiver
        raise UsageError(
            "a webhook URL may not name a link-local, unspecified or multicast address",
            code="invalid_url",
        )
    return url


def validate_topics(topics: Iterable[str]) -> list[str]:
    """Exact topics (``case.opened``), prefixes (``case.*``) or ``*``; at least one."""
    out = sorted({t.strip() for t in topics if t and t.strip()})
    if not out:
        raise UsageError("name at least one topic (e.g. case.opened, case.*, *)", code="no_topics")
    if len(out) > MAX_TOPICS:
        raise UsageError(f"at most {MAX_TOPICS} topics per webhook", code="invalid_topic")
    bad = [t for t in out if not _TOPIC.match(t)]
    if bad:
        raise UsageError(
            f"not a topic: {', '.join(map(repr, bad))} (lower-case dotted names, "
            "optionally ending in .*, or *)",
            code="invalid_topic",
        )
    return out


def topic_matches(pattern: str, topic: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return topic.startswith(pattern[:-1])
    return pattern == topic


# --- entitlement -----------------------------------------------------------------------


def _is_admin(p: Principal) -> bool:
    return Role.ADMIN in p.roles


def _resolve(conn: Connection, code: str) -> str | None:
    from xinyong.credit_file.assemble import find_subject

    try:
        return find_subject(conn, code)
    except NotFound:
        return None


def check_entitlement(conn: Connection, p: Principal, subject: str | None) -> str | None:
    """The subject id ``p`` may watch for ``subject`` (a code or id; None: see below).

    Returns None only for an administrator watching every subject. Raises Forbidden
    when ``p`` may not watch it, NotFound (administrators only) for an unknown subject.
    """
    if _is_admin(p):
        if subject is None:
            return None
        sid = _resolve(conn, subject)
        if sid is None:
            raise NotFound("no subject with that identifier", code="unknown_subject")
        return sid
    if Role.SUBJECT in p.roles:
        if p.subject_id is None:
            raise Forbidden("this subject principal is not linked to a subject")
        if subject is None:
            return p.subject_id
        if _resolve(conn, subject) != p.subject_id:
            raise Forbidden("a subject may watch only its own file", code="not_entitled")
        return p.subject_id
    is_agency = p.organisation != PLATFORM_ORG and (
        conn.execute(
            select(agencies.c.code).where(agencies.c.code == p.organisation)
        ).scalar_one_or_none()
        is not None
    )
    if not is_agency:
        raise Forbidden(
            "only administrators, subjects and agencies' principals may register webhooks",
            code="not_entitled",
        )
    if subject is None:
        raise Forbidden(
            "only administrators may watch every subject; name a subject", code="not_entitled"
        )
    sid = _resolve(conn, subject)
    reported = (
        sid is not None
        and conn.execute(
            select(records.c.record_id)
            .where(
                records.c.subject_id == sid,
                or_(
                    records.c.reporting_agency == p.organisation,
                    records.c.deciding_authority == p.organisation,
                ),
            )
            .limit(1)
        ).first()
    )
    if sid is None or not reported:
        raise Forbidden(
            f"agency {p.organisation!r} may watch only subjects it reported or decided "
            "records about",
            code="not_entitled",
        )
    return sid


# --- registry --------------------------------------------------------------------------


def _webhook(row: Any) -> Webhook:
    r = row._mapping
    return Webhook(
        webhook_id=r["webhook_id"],
        principal_id=r["principal_id"],
        url=r["url"],
        subject_id=r["subject_id"],
        topics=list(r["topics"]),
        created_at=_aware(r["created_at"]),
        disabled_at=_aware(r["disabled_at"]) if r["disabled_at"] else None,
    )


def create_webhook(
    tx: Tx, p: Principal, *, url: str, subject: str | None, topics: Iterable[str]
) -> CreatedWebhook:
    """Register a webhook for ``p`` (entitlement checked); the secret is returned once."""
    url = validate_url(url)
    topic_list = validate_topics(topics)
    sid = check_entitlement(tx.conn, p, subject)
    webhook_id = str(ULID())
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    created = now_utc()
    tx.conn.execute(
        insert(webhooks).values(
            webhook_id=webhook_id,
            principal_id=p.principal_id,
            url=url,
            secret=secret,
            subject_id=sid,
            topics=topic_list,
            created_at=created,
        )
    )
    # ids only: the URL may name a private host, the secret never leaves this function
    tx.audit(
        "webhook.created",
        "webhook",
        webhook_id,
        {"principal": p.principal_id, "subject_id": sid, "topics": topic_list},
        actor=p.principal_id,
    )
    hook = Webhook(
        webhook_id=webhook_id,
        principal_id=p.principal_id,
        url=url,
        subject_id=sid,
        topics=topic_list,
        created_at=created,
    )
    return CreatedWebhook(webhook=hook, secret=secret)


def get_webhook(conn: Connection, webhook_id: str) -> Webhook:
    row = conn.execute(select(webhooks).where(webhooks.c.webhook_id == webhook_id)).one_or_none()
    if row is None:
        raise NotFound(f"no webhook {webhook_id!r}", code="unknown_webhook")
    return _webhook(row)


def list_webhooks(
    conn: Connection,
    p: Principal | None = None,
    *,
    include_disabled: bool = False,
) -> list[Webhook]:
    """``p``'s webhooks (every principal's when ``p`` is None), oldest first."""
    q = select(webhooks).order_by(webhooks.c.created_at, webhooks.c.webhook_id)
    if p is not None:
        q = q.where(webhooks.c.principal_id == p.principal_id)
    if not include_disabled:
        q = q.where(webhooks.c.disabled_at.is_(None))
    return [_webhook(r) for r in conn.execute(q)]


def secrets_of(conn: Connection, webhook_ids: Iterable[str]) -> dict[str, str]:
    ids = list(webhook_ids)
    if not ids:
        return {}
    rows = conn.execute(
        select(webhooks.c.webhook_id, webhooks.c.secret).where(webhooks.c.webhook_id.in_(ids))
    )
    return {r.webhook_id: r.secret for r in rows}


def disable_webhook(tx: Tx, p: Principal, webhook_id: str) -> Webhook:
    """Disable a webhook: its owner or an administrator (403 otherwise).

    Deliveries still pending for it end as failed ("webhook disabled"). Disabling a
    disabled webhook changes nothing and returns it.
    """
    hook = get_webhook(tx.conn, webhook_id)
    if hook.principal_id != p.principal_id and not _is_admin(p):
        raise Forbidden("only its owner or an administrator may disable a webhook")
    if not hook.active:
        return hook
    at = now_utc()
    tx.conn.execute(
        update(webhooks).where(webhooks.c.webhook_id == webhook_id).values(disabled_at=at)
    )
    res = tx.conn.execute(
        update(webhook_deliveries)
        .where(
            webhook_deliveries.c.webhook_id == webhook_id,
            webhook_deliveries.c.status == "pending",
        )
        .values(status="failed", next_attempt_at=None, last_error="webhook disabled")
    )
    tx.audit(
        "webhook.disabled",
        "webhook",
        webhook_id,
        {"owner": hook.principal_id, "pending_failed": res.rowcount or 0},
        actor=p.principal_id,
    )
    return hook.model_copy(update={"disabled_at": at})


# --- signing and sending ---------------------------------------------------------------


def body_bytes(event: Event) -> bytes:
    """The exact bytes POSTed (and signed): compact JSON, keys sorted, UTF-8."""
    return json.dumps(
        event.as_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``b"<timestamp>." + body`` keyed by ``secret``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    *,
    timestamp: str,
    signature: str,
    body: bytes,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does: recompute, compare in constant time, refuse stale timestamps."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature.strip())


def signed_headers(
    hook_id: str, secret: str, event: Event, body: bytes, *, timestamp: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": f"xinyong-webhooks/{__version__}",
        HEADER_EVENT: event.topic,
        HEADER_EVENT_ID: event.event_id,
        HEADER_WEBHOOK_ID: hook_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: sign(secret, timestamp, body),
    }


def new_client(timeout: float = TIMEOUT_SECONDS) -> httpx.Client:
    """No redirects (a redirect is a failure: a receiver names its final URL)."""
    return httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False)


def send(
    client: httpx.Client,
    url: str,
    hook_id: str,
    secret: str,
    event: Event,
    *,
    timestamp: int | None = None,
) -> int:
    """POST one event; returns the status code, raises WebhookError unless it is 2xx.

    The response body is not read (a receiver cannot make us download much).
    """
    body = body_bytes(event)
    ts = int(time.time()) if timestamp is None else timestamp
    headers = signed_headers(hook_id, secret, event, body, timestamp=ts)
    try:
        with client.stream("POST", url, content=body, headers=headers) as resp:
            status = resp.status_code
    except httpx.HTTPError as e:
        raise WebhookError(f"{type(e).__name__}: {e}"[:500]) from e
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status}")
    return status
