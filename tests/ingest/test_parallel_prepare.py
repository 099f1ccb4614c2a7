"""Rows prepared by a worker process give the store the single-process path gives (both engines).

The parallel path (``IngestRequest(parallel=True)``, automatic for large files) moves
prepared rows between processes as plain tuples; everything the store ends up with,
receipts, records, versions, hashes, quarantine, roles, audit, must be the same.
"""

from __future__ import annotations

import os
import random
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from tests.support.dump import canonical_dump
from tests.support.feeds import org_uscc, penalty_row, person_ric, register_agencies, write_csv

from xinyong.ingest import pipeline, worker
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.ingest.preparer import RECORD_COLUMNS, RowPreparer
from xinyong.ingest.receipt import Receipt
from xinyong.settings import Settings
from xinyong.store.actors import ensure_local_admin
from xinyong.store.context import Store
from xinyong.store.engine import dispose_all
from xinyong.store.migrate import upgrade
from xinyong.store.tables import records

TODAY = date(2026, 11, 27)
CHUNK = 40


def _feed(path: Path, rows: int, seed: int, fine_shift: int = 0) -> Path:
    rnd = random.Random(seed)
    out: list[dict[str, str]] = []
    for i in range(rows):
        roll = rnd.random()
        if out and roll < 0.10:
            out.append(dict(rnd.choice(out)))  # an exact duplicate
            continue
        if out and roll < 0.16:
            r = dict(rnd.choice(out))
            r["罚款金额（万元）"] = str(rnd.randint(1, 90) + fine_shift)  # a supersession
            out.append(r)
            continue
        over = {
            "行政处罚决定书文号": f"荣市监罚〔2026〕{i}号",
            "统一社会信用代码": org_uscc(i % 60),
            "罚款金额（万元）": str(rnd.randint(1, 50) + fine_shift),
            "法定代表人证件号码": person_ric(i % 45),
        }
        if roll > 0.97:
            over["罚款金额（万元）"] = "五万"  # quarantined: invalid_amount
        elif roll > 0.94:
            over["统一社会信用代码"] = org_uscc(i)[:-1] + "0"  # invalid_uscc (mostly)
        out.append(penalty_row(**over))
    return write_csv(path, "penalty_national", out)


def _store(url: str, key: Path) -> Store:
    store = Store(url, Settings(signing_key_path=key))
    upgrade(store)
    with store.write(checkpoint=True) as tx:
        ensure_local_admin(tx)
    register_agencies(store)
    return store


def _ingest(store: Store, feed: Path, parallel: bool, **kw: Any) -> dict[str, Any]:
    r: Receipt = ingest(
        store,
        IngestRequest(
            path=feed, agency="rc-samr", today=TODAY, chunk_rows=CHUNK, parallel=parallel, **kw
        ),
    )
    out = r.model_dump(mode="json")
    out.pop("batch_id")
    return out


def test_record_columns_follow_the_table() -> None:
    assert tuple(c.name for c in records.columns) == RECORD_COLUMNS


#: when the writer asks the worker for unprepared chunks: never, for every chunk, every
#: other chunk, or (the default) whenever no prepared chunk is waiting
ASK_POLICIES = {
    "never": lambda i, starving: False,
    "always": lambda i, starving: True,
    "every_other": lambda i, starving: i % 2 == 1,
    "when_starving": worker.ASK,
}


@pytest.mark.parametrize("ask", sorted(ASK_POLICIES))
def test_parallel_and_single_process_ingests_leave_the_same_store(
    engine: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    ask: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two feeds (the second supersedes, repeats and adds), a record corrected between
    them (its conflicting row quarantined from the worker's or the writer's raw rows),
    both paths, however the two processes split the preparing."""
    monkeypatch.setattr(worker, "ASK", ASK_POLICIES[ask])
    # chunks the writer's process prepares itself (in the parallel path: raw ones)
    prepared_here: list[int] = []
    chunk_parts = RowPreparer.chunk_parts

    def counted(self: RowPreparer, rows: list[Any], **kw: Any) -> Any:
        prepared_here.append(len(rows))
        return chunk_parts(self, rows, **kw)

    first = _feed(tmp_path / "a.csv", 700, seed=1)
    second = _feed(tmp_path / "b.csv", 500, seed=1, fine_shift=7)  # same keys, new fines
    make_url = request.getfixturevalue("fresh_db_url")
    dumps = []
    receipts = []
    for parallel in (False, True):
        if parallel:
            prepared_here.clear()
            monkeypatch.setattr(RowPreparer, "chunk_parts", counted)
        store = _store(make_url("par" if parallel else "one"), tmp_path / f"{parallel}.key")
        a = _ingest(store, first, parallel)
        with store.write() as tx:  # a case outcome corrects some records: locked
            tx.conn.execute(
                update(records)
                .where(records.c.superseded_at.is_(None), records.c.source_row < 200)
                .values(locked=True)
            )
        b = _ingest(store, second, parallel)
        again = _ingest(store, second, parallel)  # idempotent rerun: a new batch of dups
        receipts.append((a, b, again))
        dumps.append(canonical_dump(store))
        dispose_all()
    # requests are answered when the worker reaches its next chunk, so how many chunks
    # came raw depends on timing; that some did (and none unasked) does not
    if ask == "never":
        assert prepared_here == []
    elif ask in ("always", "every_other"):
        assert prepared_here
    single, parallel_ = receipts
    assert single == parallel_
    a, b, again = single
    assert a["quarantined"] > 0 and a["duplicates"] > 0 and a["superseded"] > 0
    assert b["reasons"].get("conflicts_with_corrected", 0) > 0
    assert again["accepted"] == 0 and again["duplicates"] > 0
    for table in dumps[0]:
        assert dumps[1][table] == dumps[0][table], table


def test_parallel_resume_after_a_failed_chunk_equals_clean_run(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A writer that fails mid-file stops its worker; the rerun resumes from the batch's
    next row with a new worker and ends as a clean single-process run."""
    feed = _feed(tmp_path / "a.csv", 600, seed=3)
    make_url = request.getfixturevalue("fresh_db_url")
    clean_store = _store(make_url("clean"), tmp_path / "clean.key")
    clean = _ingest(clean_store, feed, False)
    expected = canonical_dump(clean_store)
    dispose_all()

    store = _store(make_url("resumed"), tmp_path / "resumed.key")

    def fail_after_five(next_row: int) -> None:
        if next_row > 5 * CHUNK:
            raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError, match="writer failed"):
        _ingest(store, feed, True, after_chunk=fail_after_five)
    resumed = _ingest(store, feed, True)
    assert resumed == clean
    got = canonical_dump(store)
    for table in expected:
        assert got[table] == expected[table], table
    dispose_all()


def test_a_worker_is_used_only_for_large_files_with_two_idle_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = _feed(tmp_path / "a.csv", 50, seed=5)
    src, _, _ = pipeline.prepare(IngestRequest(path=feed, agency="rc-samr"))
    size = feed.stat().st_size

    def choice(cores: int, idle: float, min_bytes: int, **kw: Any) -> bool:
        monkeypatch.setattr(pipeline.os, "cpu_count", lambda: cores)
        monkeypatch.setattr(pipeline, "idle_cores", lambda: idle)
        monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", min_bytes)
        return pipeline._parallel(IngestRequest(path=feed, agency="rc-samr", **kw), src)

    assert choice(2, 1.9, size) is True
    assert choice(2, 1.1, size) is False  # another process has a core
    assert choice(1, 1.0, size) is False
    assert choice(2, 2.0, size + 1) is False  # small file
    assert choice(2, 0.0, size + 1, parallel=True) is True  # forced either way
    assert choice(2, 2.0, size, parallel=False) is False


def test_idle_cores_sees_a_busy_process_and_not_its_own_past(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Measured while this process sleeps: a spinning child takes a core off the count."""
    import subprocess
    import sys

    if not Path("/proc/stat").exists():
        pytest.skip("measured from /proc/stat (Linux)")
    cores = os.cpu_count() or 1
    quiet = pipeline.idle_cores(0.3)
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        busy = pipeline.idle_cores(0.5)
    finally:
        spin.kill()
        spin.wait()
    assert 0 <= busy <= cores and 0 <= quiet <= cores
    assert busy <= quiet - 0.5 or quiet < 1.2  # a busy machine may leave too little to see
    # without /proc/stat: cores less the load average
    monkeypatch.setattr(pipeline, "_cpu_times", lambda: (_ for _ in ()).throw(OSError()))
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (0.5, 0.5, 0.5))
    assert pipeline.idle_cores(0) == cores - 0.5
