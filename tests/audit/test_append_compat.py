"""The driver-SQL audit appends write the same chain as the SQLAlchemy Core appender they
replaced (commit 89206c6), so stores written before verify after, and a chain written
partly by each verifies as one.

``_old_append_many`` is that appender, kept here verbatim as the oracle.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, insert, select, text, update

import xinyong.audit.log as audit_log_module
from xinyong.audit.chain import canonical_json, entry_hash, format_ts
from xinyong.audit.log import (
    AuditEntry,
    Checkpoint,
    PreparedEntries,
    append_many,
    append_prepared,
)
from xinyong.audit.signing import Signer
from xinyong.audit.verify import verify
from xinyong.store.context import Store
from xinyong.store.tables import audit_checkpoints, audit_head, audit_log

AT = datetime(2026, 11, 27, 3, 4, 5, 60708, tzinfo=UTC)


def _old_append_many(
    conn: Connection,
    entries: list[AuditEntry],
    *,
    signer: Signer,
    checkpoint_every: int,
    force_checkpoint: bool = False,
) -> list[Checkpoint]:
    head = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash, audit_head.c.since_checkpoint)
        .where(audit_head.c.id == 1)
        .with_for_update()
    ).one()
    seq, prev, since = int(head.seq), str(head.hash), int(head.since_checkpoint)
    at = AT
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


def _sign(signer: Signer, seq: int, h: str, at: datetime) -> Checkpoint:
    return Checkpoint(seq, h, signer.sign_checkpoint(seq, h), signer.fingerprint, at)


# awkward text: quotes, backslashes, control characters, CJK, astral planes
_TEXT = st.text(
    alphabet=st.sampled_from(['"', "\\", "\n", "\x01", "/", "a", "Z", "0", "信", "用", "😀", " "]),
    max_size=12,
)
_DETAIL = st.dictionaries(
    st.sampled_from(["list", "ended_on", "run", "n", "z", "键", "a b"]),
    st.one_of(_TEXT, st.integers(-(2**40), 2**40), st.booleans(), st.none(), st.lists(_TEXT)),
    max_size=4,
)
_ENTRY = st.builds(AuditEntry, _TEXT, _TEXT, _TEXT, _TEXT, _DETAIL)


def _rows(conn: Connection, after: int) -> list[tuple[Any, ...]]:
    """The audit rows after ``after`` as stored, the detail also as its raw text."""
    raw = {
        int(s): d
        for s, d in conn.execute(
            text("SELECT seq, CAST(detail AS TEXT) FROM audit_log WHERE seq > :s"), {"s": after}
        )
    }
    return [
        (*r, raw[int(r.seq)])
        for r in conn.execute(select(audit_log).where(audit_log.c.seq > after).order_by("seq"))
    ]


def _head(conn: Connection) -> tuple[Any, ...]:
    return tuple(conn.execute(select(audit_head)).one())


def _verify(store: Store) -> Any:
    with store.read() as conn:
        return verify(conn, store.pinned_public_key()[0], store.external_checkpoints())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=st.lists(_ENTRY, min_size=1, max_size=60), force=st.booleans())
def test_append_many_writes_what_the_old_appender_wrote(
    store: Store, monkeypatch: pytest.MonkeyPatch, entries: list[AuditEntry], force: bool
) -> None:
    monkeypatch.setattr(audit_log_module, "now_utc", lambda: AT)
    every = store.settings.checkpoint_every
    signer = store.signer
    # the same entries appended from the same head, once by each appender (rolled back)
    results = []
    for appender in (_old_append_many, append_many):
        conn = store.engine.connect()
        tx = conn.begin()
        try:
            start = _head(conn)[1]
            cps = appender(
                conn, entries, signer=signer, checkpoint_every=every, force_checkpoint=force
            )
            results.append((_rows(conn, start), _head(conn), cps))
        finally:
            tx.rollback()
            conn.close()
    (old_rows, old_head, old_cps), (new_rows, new_head, new_cps) = results
    assert new_rows == old_rows  # every column, the detail's stored text included
    assert new_head == old_head
    assert [(c.seq, c.hash, c.signature) for c in new_cps] == [
        (c.seq, c.hash, c.signature) for c in old_cps
    ]
    for *_, detail, _prev, _h, raw in new_rows:
        assert json.loads(raw) == detail


def test_a_chain_written_by_the_old_appender_verifies_and_extends(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a store written before the change: some writes through the old appender ...
    monkeypatch.setattr("xinyong.store.context.append_many", _old_append_many)
    for i in range(70):
        with store.write() as tx:
            tx.audit("test.old", "thing", f"t{i}", {"i": i, "名": "信用"})
    assert _verify(store).ok
    # ... then through the new one, in one chain
    monkeypatch.setattr("xinyong.store.context.append_many", append_many)
    for i in range(70):
        with store.write() as tx:
            tx.audit("test.new", "thing", f"t{i}", {"i": i, "名": "信用"})
    report = _verify(store)
    assert report.ok, report.problems
    assert report.entries >= 140 and report.checkpoints >= 2


def test_append_prepared_is_append_many_for_like_entries(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_log_module, "now_utc", lambda: AT)
    details = [
        {"list": f"l{i % 3}", "ended_on": "2026-11-2" + str(i % 10), "run": 'r"\\信'}
        for i in range(130)
    ]
    ids = [f"E{i:03d}😀" for i in range(130)]
    entries = [
        AuditEntry("system:expiry", "list.entry.expired", "list_entry", e, d)
        for e, d in zip(ids, details, strict=True)
    ]
    signer, every = store.signer, store.settings.checkpoint_every
    results = []
    for prepared in (False, True):
        conn = store.engine.connect()
        tx = conn.begin()
        try:
            start = _head(conn)[1]
            if prepared:
                items = [
                    (e, canonical_json(d), json.dumps(d, ensure_ascii=False))
                    for e, d in zip(ids, details, strict=True)
                ]
                n, cps = append_prepared(
                    conn,
                    PreparedEntries("system:expiry", "list.entry.expired", "list_entry", items),
                    signer=signer,
                    checkpoint_every=every,
                    chunk=40,
                )
                assert n == len(entries)
            else:
                cps = append_many(conn, entries, signer=signer, checkpoint_every=every)
            results.append((_rows(conn, start), _head(conn), [c.seq for c in cps]))
        finally:
            tx.rollback()
            conn.close()
    assert results[0] == results[1]
    assert len(results[0][2]) >= 2  # checkpoints signed on the way (every 50 in tests)
