"""Appending to the audit chain inside the caller's write transaction.

The append reads the single chain-head row with ``FOR UPDATE`` (PostgreSQL row lock;
SQLite already holds the database write lock from ``BEGIN IMMEDIATE``), so concurrent
writers serialise on the head and the chain never forks. Entries carry ids, counts and
hashes only, never personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from xinyong.audit.chain import entry_hash, entry_hash_prepared, format_ts, json_string
from xinyong.audit.plain_sql import is_sqlite, run, run_many, stored_json, stored_ts
from xinyong.audit.signing import Signer


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


_HEAD = "SELECT seq, hash, since_checkpoint FROM audit_head WHERE id = 1"
_INSERT = (
    "INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, detail, "
    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CHECKPOINT = (
    "INSERT INTO audit_checkpoints (seq, hash, signature, key_fingerprint, at) "
    "VALUES (?, ?, ?, ?, ?)"
)
_MOVE_HEAD = "UPDATE audit_head SET seq = ?, hash = ?, since_checkpoint = ? WHERE id = 1"


@dataclass(frozen=True)
class PreparedEntries:
    """Many entries sharing actor, action and entity type, their details encoded already.

    ``items`` yields ``(entity_id, canonical_json(detail), stored detail text)``; the
    stored text is what the engine's JSON serializer would write (any valid JSON of the
    same value verifies alike, since the verifier hashes the decoded value).
    """

    actor: str
    action: str
    entity_type: str
    items: Iterable[tuple[str, str, str]]


class _Chain:
    """The chain head, read with its lock, advanced entry by entry, then written back."""

    def __init__(self, conn: Connection, signer: Signer, checkpoint_every: int) -> None:
        self.conn, self.signer, self.every = conn, signer, checkpoint_every
        self.sqlite = is_sqlite(conn)
        seq, prev, since = run(conn, _HEAD if self.sqlite else _HEAD + " FOR UPDATE").fetchone()
        self.seq, self.prev, self.since = int(seq), str(prev), int(since)
        self.at = now_utc()
        self.at_text = format_ts(self.at)
        self.at_stored = stored_ts(self.sqlite, self.at)
        self.checkpoints: list[Checkpoint] = []

    def advanced(self, h: str) -> None:
        self.prev = h
        self.since += 1
        if self.since >= self.every:
            self.checkpoints.append(_sign(self.signer, self.seq, h, self.at))
            self.since = 0

    def close(self, force_checkpoint: bool) -> list[Checkpoint]:
        if force_checkpoint and self.since > 0:
            self.checkpoints.append(_sign(self.signer, self.seq, self.prev, self.at))
            self.since = 0
        if self.checkpoints:
            run_many(
                self.conn,
                _CHECKPOINT,
                [
                    (c.seq, c.hash, c.signature, c.key_fingerprint, stored_ts(self.sqlite, c.at))
                    for c in self.checkpoints
                ],
            )
        run(self.conn, _MOVE_HEAD, (self.seq, self.prev, self.since))
        return self.checkpoints


def append_many(
    conn: Connection,
    entries: Sequence[AuditEntry],
    *,
    signer: Signer,
    checkpoint_every: int,
    force_checkpoint: bool = False,
) -> list[Checkpoint]:
    """Append ``entries`` to the chain; return the checkpoints signed on the way."""
    chain = _Chain(conn, signer, checkpoint_every)
    at_text, at_stored = chain.at_text, chain.at_stored
    rows: list[tuple[Any, ...]] = []
    for e in entries:
        chain.seq += 1
        prev = chain.prev
        h = entry_hash(
            prev, chain.seq, at_text, e.actor, e.action, e.entity_type, e.entity_id, e.detail
        )
        rows.append(
            (
                chain.seq,
                at_stored,
                e.actor,
                e.action,
                e.entity_type,
                e.entity_id,
                stored_json(e.detail),
                prev,
                h,
            )
        )
        chain.advanced(h)
    if len(rows) == 1:
        run(conn, _INSERT, rows[0])
    elif rows:
        run_many(conn, _INSERT, rows)
    return chain.close(force_checkpoint)


class PreparedAppend:
    """A bulk append of like entries in two steps (the daily jobs, decision 105).

    The chain head is read (and locked) in the caller's transaction when this is made;
    :meth:`hash` chains the entries in pure Python without touching the connection, so
    it may run on another thread while the transaction's connection does other work
    (the driver releases the GIL while SQLite or PostgreSQL runs a statement);
    :meth:`write` then inserts the rows and moves the head, in the transaction.
    """

    def __init__(
        self, conn: Connection, batch: PreparedEntries, *, signer: Signer, checkpoint_every: int
    ) -> None:
        self.conn = conn
        self.batch = batch
        self.chain = _Chain(conn, signer, checkpoint_every)
        self.rows: list[tuple[Any, ...]] = []

    def hash(self) -> int:
        """Chain every entry of the batch; how many there were."""
        chain, batch = self.chain, self.batch
        head = ",".join(
            json_string(x) for x in (chain.at_text, batch.actor, batch.action, batch.entity_type)
        )
        fixed = (chain.at_stored, batch.actor, batch.action, batch.entity_type)
        rows = self.rows
        for entity_id, canonical, stored in batch.items:
            chain.seq += 1
            prev = chain.prev
            h = entry_hash_prepared(prev, chain.seq, head, entity_id, canonical)
            rows.append((chain.seq, *fixed, entity_id, stored, prev, h))
            chain.advanced(h)
        return len(rows)

    def write(self, chunk: int = 50_000) -> tuple[int, list[Checkpoint]]:
        """Insert the hashed rows and move the head; (count, checkpoints signed)."""
        rows, self.rows = self.rows, []
        for i in range(0, len(rows), chunk):
            run_many(self.conn, _INSERT, rows[i : i + chunk])
        return len(rows), self.chain.close(False)


def append_prepared(
    conn: Connection,
    batch: PreparedEntries,
    *,
    signer: Signer,
    checkpoint_every: int,
    chunk: int = 50_000,
) -> tuple[int, list[Checkpoint]]:
    """Append a large batch of like entries; same chain as :func:`append_many` would
    write for the same entries. Returns (count, checkpoints)."""
    prepared = PreparedAppend(conn, batch, signer=signer, checkpoint_every=checkpoint_every)
    prepared.hash()
    return prepared.write(chunk)


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
