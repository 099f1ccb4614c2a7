"""Pure hash-chain arithmetic, shared by the writer and the verifier."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


#: ``json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
#: default=str)`` with its encoder built once (json.dumps builds one per call)
_canonical = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
).encode
#: a string as ``canonical_json`` writes it
json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def canonical_json(value: Any) -> str:
    return _canonical(value)


def format_ts(at: datetime) -> str:
    """A timestamp as hashed: UTC with microseconds, whatever the engine hands back.

    SQLite returns naive datetimes (stored as UTC), PostgreSQL aware ones; both must
    hash to the same text.
    """
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    if at.year < 1000:  # strftime does not pad such years; isoformat would
        return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return at.isoformat(timespec="microseconds") + "Z"  # the same text, ~5x faster


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
    payload = _canonical([prev_hash, seq, at, actor, action, entity_type, entity_id, detail])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def entry_hash_prepared(
    prev_hash: str, seq: int, head: str, entity_id: str, detail_json: str
) -> str:
    """``entry_hash`` from parts encoded once for many entries (the bulk appends).

    ``head``: ``canonical_json`` of ``at``, ``actor``, ``action`` and ``entity_type``
    joined by commas; ``detail_json``: ``canonical_json(detail)``. A canonical array is
    its elements' canonical forms joined by commas, so the payload is the same text.
    """
    payload = f'["{prev_hash}",{seq},{head},{json_string(entity_id)},{detail_json}]'
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def checkpoint_message(seq: int, hash_: str) -> bytes:
    return f"xinyong-audit-checkpoint:{seq}:{hash_}".encode()
