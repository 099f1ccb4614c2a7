"""Appending to the audit chain inside the caller's write transaction.

The append reads the single chain-head row with ``FOR UPDATE`` (PostgreSQL row lock;
SQLite already holds the database write lock from ``BEGIN IMMEDIATE``), so concurrent
writers serialise on the head and the chain never forks. Entries carry ids, counts and
hashes only, never personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from xinyong.audit.chain import entry_hash, format_ts
from xinyong.audit.signing import Signer
from xinyong.store.tables import audit_checkpoints, audit_head, audit_log


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    entity_type: str
    entity_id: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    signature: str
    key_fingerprint: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "signature": self.signature,
            "key_fingerprint": self.key_fingerprint,
            "at": format_ts(self.at),
        }


def now_utc() -> datetime:
    return datetime.now(UTC)


def append_many(
    conn: Connection,
    entries: Sequence[AuditEntry],
    *,
    signer: Signer,
    checkpoint_every: int,
    force_checkpoint: bool = False,
) -> list[Checkpoint]:
    """Append ``entries`` to the chain; return the checkpoints signed on the way."""
    head = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash, audit_head.c.since_checkpoint)
        .where(audit_head.c.id == 1)
        .with_for_update()
    ).one()
    seq, prev, since = int(head.seq), str(head.hash), int(head.since_checkpoint)
    at = now_utc()
    at_text = format_ts(at)
    rows: list[dict[str, Any]] = []
    checkpoints: list[Checkpoint] = []
    for e in entries:
        seq += 1
        h = entry_hash(prev, seq, at_text, e.actor, e.action, e.entity_type, e.entity_id, e.detail)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": e.actor,
                "action": e.action,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
                "detail": e.detail,
                "prev_hash": prev,
                "hash": h,
            }
        )
        prev = h
        since += 1
        if since >= checkpoint_every:
            checkpoints.append(_sign(signer, seq, h, at))
            since = 0
    if force_checkpoint and since > 0:
        checkpoints.append(_sign(signer, seq, prev, at))
        since = 0
    if rows:
        conn.execute(insert(audit_log), rows)
    if checkpoints:
        conn.execute(
            insert(audit_checkpoints),
            [
                {
                    "seq": c.seq,
                    "hash": c.hash,
                    "signature": c.signature,
                    "key_fingerprint": c.key_fingerprint,
                    "at": c.at,
                }
                for c in checkpoints
            ],
        )
    conn.execute(
        update(audit_head)
        .where(audit_head.c.id == 1)
        .values(seq=seq, hash=prev, since_checkpoint=since)
    )
    return checkpoints


def append(
    conn: Connection,
    entry: AuditEntry,
    *,
    signer: Signer,
    checkpoint_every: int,
) -> list[Checkpoint]:
    return append_many(conn, [entry], signer=signer, checkpoint_every=checkpoint_every)


def _sign(signer: Signer, seq: int, h: str, at: datetime) -> Checkpoint:
    return Checkpoint(seq, h, signer.sign_checkpoint(seq, h), signer.fingerprint, at)
