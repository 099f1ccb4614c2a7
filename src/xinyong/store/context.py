"""``Store``: one handle on the system of record with its audit signer.

Every write goes through ``Store.write()``, whose ``Tx`` appends audit entries in the
same transaction as the change they record and, after commit, copies the signed
checkpoints to a file outside the store (so a truncated tail is caught even if the
checkpoint rows are deleted too).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

from xinyong.audit.log import AuditEntry, Checkpoint, append_many
from xinyong.audit.signing import Signer, load_or_create_signer, public_key_hex
from xinyong.settings import Settings, get_settings, key_path_for
from xinyong.store.engine import get_engine, is_sqlite, normalise_url, read_tx, write_tx

LOCAL_ADMIN = "admin"

_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _sqlite_write_lock(url: str) -> threading.RLock:
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(url)
        if lock is None:
            lock = _WRITE_LOCKS[url] = threading.RLock()
        return lock


@dataclass
class Tx:
    """A write transaction: the connection plus the audit chain, attributed to ``actor``."""

    conn: Connection
    store: Store
    actor: str
    pending: list[AuditEntry] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)

    def audit(
        self,
        action: str,
        entity_type: str,
        entity_id: str,
        detail: dict[str, Any] | None = None,
        *,
        actor: str | None = None,
    ) -> None:
        """Queue an audit entry; queued entries are chained before commit."""
        self.pending.append(
            AuditEntry(actor or self.actor, action, entity_type, entity_id, detail or {})
        )

    def flush_audit(self, *, checkpoint: bool = False) -> None:
        if not self.pending and not checkpoint:
            return
        self.checkpoints += append_many(
            self.conn,
            self.pending,
            signer=self.store.signer,
            checkpoint_every=self.store.settings.checkpoint_every,
            force_checkpoint=checkpoint,
        )
        self.pending.clear()


class Store:
    def __init__(self, url: str | None = None, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.url = normalise_url(url or self.settings.database_url)
        self.engine: Engine = get_engine(self.url)

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @cached_property
    def key_path(self) -> Path:
        return key_path_for(self.url, self.settings)

    @cached_property
    def signer(self) -> Signer:
        return load_or_create_signer(self.key_path)

    @cached_property
    def checkpoint_file(self) -> Path:
        """Signed checkpoints copied outside the store, one file per database."""
        if self.url.startswith("sqlite:///"):
            db_file = Path(self.url.removeprefix("sqlite:///"))
            return db_file.with_name(db_file.name + ".audit-checkpoints.jsonl")
        safe = make_url(self.url).render_as_string(hide_password=True)
        digest = hashlib.sha256(safe.encode()).hexdigest()[:12]
        return self.key_path.with_name(f"audit-{digest}.checkpoints.jsonl")

    def pinned_public_key(self) -> tuple[str, bool]:
        """The public key verification trusts, and whether it was pinned in settings."""
        if self.settings.audit_pubkey:
            return self.settings.audit_pubkey, True
        return public_key_hex(self.signer), False

    def default_actor(self) -> str:
        return self.settings.actor or LOCAL_ADMIN

    @contextmanager
    def write(self, actor: str | None = None, *, checkpoint: bool = False) -> Iterator[Tx]:
        # SQLite has one writer: threads of this process queue on a lock rather than in
        # SQLite's busy handler, whose growing sleeps turn contention into second-long tails
        lock = _sqlite_write_lock(self.url) if self.sqlite else nullcontext()
        with lock, write_tx(self.engine) as conn:
            tx = Tx(conn, self, actor or self.default_actor())
            yield tx
            tx.flush_audit(checkpoint=checkpoint)
        self._export(tx.checkpoints)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with read_tx(self.engine) as conn:
            yield conn

    def _export(self, checkpoints: list[Checkpoint]) -> None:
        if not checkpoints:
            return
        self.checkpoint_file.parent.mkdir(parents=True, exist_ok=True)
        with self.checkpoint_file.open("a", encoding="utf-8") as f:
            for c in checkpoints:
                f.write(json.dumps(c.as_json()) + "\n")

    def external_checkpoints(self) -> list[dict[str, Any]]:
        if not self.checkpoint_file.exists():
            return []
        out = []
        for line in self.checkpoint_file.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a torn last line after a crash
        return out
