"""The audit chain detects the four tamperings of CONTRACTS.md on both engines."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, text, update

from xinyong.audit.chain import entry_hash, format_ts
from xinyong.audit.verify import verify
from xinyong.store.context import Store
from xinyong.store.tables import audit_checkpoints, audit_head, audit_log


def _fill(store: Store, n: int) -> None:
    for i in range(n):
        with store.write() as tx:
            tx.audit("test.write", "thing", f"t{i}", {"i": i})


def _verify(store: Store):  # type: ignore[no-untyped-def]
    pub, _ = store.pinned_public_key()
    with store.read() as conn:
        return verify(conn, pub, store.external_checkpoints())


def _kinds(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.kind for p in report.problems}


def test_clean_chain_verifies(store: Store) -> None:
    _fill(store, 120)
    report = _verify(store)
    assert report.ok, report.problems
    assert report.entries >= 120
    # checkpoint_every=50 in the test settings: at least two signed on the way
    assert report.checkpoints >= 2


def test_edited_row_is_detected(store: Store) -> None:
    _fill(store, 60)
    with store.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 10).values(entity_id="forged"))
    report = _verify(store)
    assert not report.ok
    assert "edited_row" in _kinds(report)
    assert any(p.seq == 10 for p in report.problems)


def test_deleted_row_is_detected(store: Store) -> None:
    _fill(store, 60)
    with store.engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 20))
    report = _verify(store)
    assert "deleted_row" in _kinds(report)


def test_truncated_tail_is_detected(store: Store) -> None:
    _fill(store, 60)
    with store.write(checkpoint=True) as tx:
        tx.audit("test.write", "thing", "last", {})
    with store.read() as conn:
        last = conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq.desc())).scalar()
    # the attacker removes the tail and the checkpoint rows in the store and fixes the head
    with store.engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq > last - 5))
        conn.execute(delete(audit_checkpoints).where(audit_checkpoints.c.seq > last - 5))
        prev = conn.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).one()
        conn.execute(update(audit_head).values(seq=prev.seq, hash=prev.hash))
    report = _verify(store)
    assert "truncated_tail" in _kinds(report)


def test_recomputed_chain_is_detected(store: Store) -> None:
    _fill(store, 120)
    # rewrite entry 10 and re-hash everything after it consistently
    with store.engine.begin() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
        prev = rows[8].hash
        for r in rows[9:]:
            entity = "forged" if r.seq == 10 else r.entity_id
            h = entry_hash(
                prev, r.seq, format_ts(r.at), r.actor, r.action, r.entity_type, entity, r.detail
            )
            conn.execute(
                update(audit_log)
                .where(audit_log.c.seq == r.seq)
                .values(entity_id=entity, prev_hash=prev, hash=h)
            )
            prev = h
        conn.execute(update(audit_head).values(hash=prev))
    report = _verify(store)
    assert not report.ok
    assert "recomputed_chain" in _kinds(report)
    assert "edited_row" not in _kinds(report)  # the rows themselves are consistent


def test_resigned_checkpoint_fails_the_pinned_key(store: Store) -> None:
    _fill(store, 60)
    with store.engine.begin() as conn:
        cp = conn.execute(select(audit_checkpoints).limit(1)).one()
        forged = "00" * 64
        conn.execute(
            update(audit_checkpoints)
            .where(audit_checkpoints.c.seq == cp.seq)
            .values(signature=forged)
        )
    report = _verify(store)
    assert "bad_signature" in _kinds(report)


def test_audit_rows_hold_no_personal_data(store: Store) -> None:
    from xinyong.store.tables import audit_log as t

    _fill(store, 3)
    with store.read() as conn:
        for r in conn.execute(select(t.c.detail)):
            assert "ric" not in json.dumps(r.detail)


@pytest.mark.parametrize("n", [1, 3])
def test_external_checkpoint_file_written(store: Store, n: int) -> None:
    for _ in range(n):
        with store.write(checkpoint=True) as tx:
            tx.audit("test.write", "thing", "x", {})
    assert len(store.external_checkpoints()) >= n
    with store.read() as conn:
        assert conn.execute(text("select count(*) from audit_checkpoints")).scalar() >= n
