"""Run records of batch jobs (``batch_runs``): what ran, where, over which snapshot.

A run is opened before its results are written and closed with its counts after, so
a run killed half-way stays ``running`` and its partial results are recognisable
(they cite a run that never finished) and replaceable by running again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import update
from ulid import ULID

from xinyong.batch.snapshot import Snapshot
from xinyong.store.context import Store
from xinyong.store.tables import batch_runs


def start_run(
    store: Store,
    job: str,
    *,
    engine: str,
    snapshot: Snapshot,
    params: Mapping[str, Any] | None = None,
    as_of: date | None = None,
    actor: str | None = None,
) -> str:
    """Open a run (status ``running``) and audit it; returns its id."""
    run_id = str(ULID())
    with store.write(actor) as tx:
        tx.conn.execute(
            batch_runs.insert().values(
                run_id=run_id,
                job=job,
                params=dict(params or {}),
                engine=engine,
                snapshot_id=snapshot.snapshot_id or "-",
                snapshot_at=snapshot.taken_at,
                as_of=as_of,
                status="running",
                counts=None,
                started_at=datetime.now(UTC),
                actor=tx.actor,
            )
        )
        tx.audit("batch.run.start", "batch_run", run_id, {"job": job, "engine": engine})
    return run_id


def finish_run(
    store: Store, run_id: str, counts: Mapping[str, Any], *, actor: str | None = None
) -> None:
    """Close a run with its counts (ids and numbers only: the audit log keeps them too)."""
    with store.write(actor) as tx:
        tx.conn.execute(
            update(batch_runs)
            .where(batch_runs.c.run_id == run_id)
            .values(status="done", counts=dict(counts), finished_at=datetime.now(UTC))
        )
        tx.audit("batch.run.finish", "batch_run", run_id, dict(counts))
