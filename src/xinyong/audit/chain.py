"""Pure hash-chain arithmetic, shared by the writer and the verifier."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def format_ts(at: datetime) -> str:
    """A timestamp as hashed: UTC with microseconds, whatever the engine hands back.

    SQLite returns naive datetimes (stored as UTC), PostgreSQL aware ones; both must
    hash to the same text.
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    detail: Any,
) -> str:
    payload = canonical_json([prev_hash, seq, at, actor, action, entity_type, entity_id, detail])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def checkpoint_message(seq: int, hash_: str) -> bytes:
    return f"xinyong-audit-checkpoint:{seq}:{hash_}".encode()
