"""Verifying a test store's audit chain as ``xinyong audit verify`` does."""

from __future__ import annotations

from xinyong.audit.verify import VerifyReport, verify
from xinyong.store.context import Store


def verify_store(store: Store) -> VerifyReport:
    pub, _ = store.pinned_public_key()
    with store.read() as conn:
        return verify(conn, pub, store.external_checkpoints())
