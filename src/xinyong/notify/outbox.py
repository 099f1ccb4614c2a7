"""Writing events to the outbox, inside the caller's transaction (transactional outbox):
an event exists exactly when the change that caused it was committed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from ulid import ULID

from xinyong.audit.log import now_utc
from xinyong.store.context import Tx
from xinyong.store.tables import outbox


def emit(tx: Tx, topic: str, *, subject_id: str | None, payload: dict[str, Any]) -> str:
    """Queue one event (ids and dates only in ``payload``: adapters may send it out)."""
    event_id = str(ULID())
    tx.conn.execute(
        insert(outbox).values(
            event_id=event_id, at=now_utc(), topic=topic, subject_id=subject_id, payload=payload
        )
    )
    return event_id
