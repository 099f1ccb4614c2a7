"""SIGKILL at 20+ random points (inside commits too) then rerun = a clean run, on both engines.

Each kill is a real ``SIGKILL`` of a separate process: at a random moment, inside the
n-th database commit (before it lands), or right after the n-th chunk committed. The
same command then runs to the end, and its receipt and a canonical dump of every table
must equal those of a clean run of the same file.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.support.dump import canonical_dump
from tests.support.feeds import org_uscc, penalty_row, person_ric, register_agencies, write_csv

from xinyong.settings import Settings
from xinyong.store.actors import ensure_local_admin
from xinyong.store.context import Store
from xinyong.store.engine import dispose_all
from xinyong.store.migrate import upgrade

pytestmark = pytest.mark.slow

ROWS = 1500
CHUNK = 100
WORKER = [sys.executable, "-m", "tests.ingest.kill_worker"]
ROOT = Path(__file__).resolve().parents[2]


def _feed(path: Path) -> Path:
    rnd = random.Random(7)
    rows = []
    for i in range(ROWS):
        roll = rnd.random()
        if rows and roll < 0.10:
            rows.append(dict(rnd.choice(rows)))  # an exact duplicate
            continue
        if rows and roll < 0.15:
            r = dict(rnd.choice(rows))
            r["罚款金额（万元）"] = str(rnd.randint(1, 90))  # a supersession
            rows.append(r)
            continue
        over = {
            "行政处罚决定书文号": f"荣市监罚〔2026〕{i}号",
            "统一社会信用代码": org_uscc(i % 400),
            "罚款金额（万元）": str(rnd.randint(1, 50)),
            "法定代表人证件号码": person_ric(i % 300),
        }
        if roll > 0.98:
            over["罚款金额（万元）"] = "五万"  # bad row
        rows.append(penalty_row(**over))
    return write_csv(path, "penalty_national", rows)


def _prepare(url: str, key: Path) -> Store:
    store = Store(url, Settings(signing_key_path=key, checkpoint_every=50))
    upgrade(store)
    with store.write(checkpoint=True) as tx:
        ensure_local_admin(tx)
    register_agencies(store)
    return store


def _run(
    url: str,
    key: Path,
    feed: Path,
    mode: str = "none",
    n: int = 0,
    kill_after: float | None = None,
    parallel: bool = False,
) -> subprocess.CompletedProcess[str] | int:
    args = [*WORKER, url, str(key), str(feed), "rc-samr", str(CHUNK), mode, str(n)]
    if parallel:
        args.append("parallel")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if kill_after is None:
        return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    p = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(kill_after)
    p.send_signal(signal.SIGKILL)
    return p.wait(timeout=60)


def _finished(url: str, key: Path) -> bool:
    from sqlalchemy import select

    from xinyong.store.tables import ingest_batches

    store = Store(url, Settings(signing_key_path=key))
    with store.read() as conn:
        done = conn.execute(
            select(ingest_batches.c.batch_id).where(ingest_batches.c.status == "done")
        ).first()
    dispose_all()
    return done is not None


def _receipt(proc: subprocess.CompletedProcess[str] | int) -> dict[str, object]:
    assert isinstance(proc, subprocess.CompletedProcess)
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    r.pop("batch_id")
    return r


def _clean_run(db_url: str, tmp_path: Path, feed: Path) -> tuple[dict[str, Any], float, Any]:
    """The uninterrupted single-process run: its receipt, its duration and its store."""
    clean_key = tmp_path / "clean.key"
    _prepare(db_url, clean_key)
    t0 = time.monotonic()
    clean = _receipt(_run(db_url, clean_key, feed))
    clean_seconds = time.monotonic() - t0
    expected = canonical_dump(Store(db_url, Settings(signing_key_path=clean_key)))
    dispose_all()
    return clean, clean_seconds, expected


def _kill_then_rerun_each(
    plan: list[tuple[str, float]],
    *,
    feed: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    clean: dict[str, Any],
    expected: Any,
    tag: str,
    parallel: bool = False,
) -> None:
    """For each (mode, at) of the plan: kill an ingest there on a fresh store, rerun it,
    and compare the receipt and every table with the clean run's."""
    make_url = request.getfixturevalue("fresh_db_url")
    for i, (mode, at) in enumerate(plan):
        for attempt in range(5):
            url = make_url(f"{tag}{i}-{attempt}")
            key = tmp_path / f"{tag}{i}-{attempt}.key"
            _prepare(url, key)
            dispose_all()
            if mode == "time":
                code = _run(url, key, feed, kill_after=at, parallel=parallel)
                if code == 0 or _finished(url, key):  # the work was done before the kill
                    at *= 0.6
                    continue
                assert code == -signal.SIGKILL
            else:
                killed = _run(url, key, feed, mode, int(at), parallel=parallel)
                assert isinstance(killed, subprocess.CompletedProcess)
                assert killed.returncode == -signal.SIGKILL, (mode, at, killed.stderr[-500:])
            break
        else:
            pytest.fail(f"no kill landed for {mode} {at}")
        resumed = _receipt(_run(url, key, feed, parallel=parallel))
        assert resumed == clean, (mode, at)
        got = canonical_dump(Store(url, Settings(signing_key_path=key)))
        for table in expected:
            assert got[table] == expected[table], (mode, at, table)
        dispose_all()


def test_kill_at_random_points_then_rerun_equals_clean_run(
    engine: str, db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    feed = _feed(tmp_path / "penalties.csv")
    clean, clean_seconds, expected = _clean_run(db_url, tmp_path, feed)
    assert clean["rows"] == ROWS and clean["quarantined"] > 0 and clean["superseded"] > 0

    rnd = random.Random(20261127)
    commits_per_run = ROWS // CHUNK + 3
    plan: list[tuple[str, float]] = (
        [("commit", rnd.randint(1, commits_per_run)) for _ in range(8)]
        + [("after", rnd.randint(1, ROWS // CHUNK)) for _ in range(6)]
        + [("time", rnd.uniform(0.3, 0.9 * clean_seconds)) for _ in range(8)]
    )
    assert len(plan) >= 20
    _kill_then_rerun_each(
        plan, feed=feed, tmp_path=tmp_path, request=request, clean=clean, expected=expected, tag="k"
    )


def test_kill_with_a_preparing_worker_then_rerun_equals_clean_single_process_run(
    engine: str, db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The parallel path (a worker process preparing rows) is as kill-safe: the writer is
    killed inside a commit, after a chunk and at a random moment, its worker goes with it,
    and a parallel rerun ends as a clean single-process run does."""
    feed = _feed(tmp_path / "penalties.csv")
    clean, clean_seconds, expected = _clean_run(db_url, tmp_path, feed)

    rnd = random.Random(20261128)
    plan: list[tuple[str, float]] = [
        ("commit", rnd.randint(2, ROWS // CHUNK)),
        ("commit", rnd.randint(2, ROWS // CHUNK)),
        ("after", rnd.randint(1, ROWS // CHUNK - 1)),
        ("after", rnd.randint(1, ROWS // CHUNK - 1)),
        ("time", rnd.uniform(0.5, 0.9 * clean_seconds)),
    ]
    _kill_then_rerun_each(
        plan,
        feed=feed,
        tmp_path=tmp_path,
        request=request,
        clean=clean,
        expected=expected,
        tag="p",
        parallel=True,
    )
