"""A lender feed killed (SIGKILL) at random points, inside commits too, then rerun, equals
a clean run — receipt and a canonical dump of every table — on both engines."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.reporting.lenderfeeds import BANK, account_rows, months, register, row, write
from tests.support.dump import canonical_dump
from tests.support.feeds import person_ric

from xinyong.settings import Settings
from xinyong.store.actors import ensure_local_admin
from xinyong.store.context import Store
from xinyong.store.engine import dispose_all
from xinyong.store.migrate import upgrade

pytestmark = pytest.mark.slow

CHUNK = 100
WORKER = [sys.executable, "-m", "tests.reporting.kill_worker"]
ROOT = Path(__file__).resolve().parents[2]


def _feed(path: Path) -> Path:
    rnd = random.Random(11)
    rows: list[dict[str, str]] = []
    for i in range(60):
        codes = [rnd.choice("NNNNNNNN1*") for _ in range(16)]
        rows += account_rows(
            f"A{i:04d}",
            person_ric(i % 45),
            f"借款人{i % 45}",
            dict(zip(months("2025-06", 16), codes, strict=True)),
        )
    for _ in range(80):  # exact resends and changed resends inside the file
        r = dict(rnd.choice(rows))
        if rnd.random() < 0.5:
            r["balance_fen"] = str(rnd.randint(1, 10**6))
        rows.insert(rnd.randrange(len(rows)), r)
    rows.insert(500, row(account_no="X1", status="5"))  # no prior notice
    rows.insert(700, row(account_no="X2", month="2025-99"))
    return write(path, rows)


def _prepare(url: str, key: Path) -> None:
    store = Store(url, Settings(signing_key_path=key, checkpoint_every=50))
    upgrade(store)
    with store.write(checkpoint=True) as tx:
        ensure_local_admin(tx)
    register(store)
    dispose_all()


def _run(
    url: str, key: Path, feed: Path, mode: str = "none", n: int = 0, kill_after: float | None = None
):  # type: ignore[no-untyped-def]
    args = [*WORKER, url, str(key), str(feed), BANK, str(CHUNK), mode, str(n)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if kill_after is None:
        return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    p = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(kill_after)
    p.send_signal(signal.SIGKILL)
    return p.wait(timeout=60)


def _receipt(proc) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert isinstance(proc, subprocess.CompletedProcess)
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    r.pop("batch_id")
    return r  # type: ignore[no-any-return]


def _done(url: str, key: Path) -> bool:
    from sqlalchemy import select

    from xinyong.store.tables import reporting_batches

    with Store(url, Settings(signing_key_path=key)).read() as conn:
        found = conn.execute(
            select(reporting_batches.c.batch_id).where(reporting_batches.c.status == "done")
        ).first()
    dispose_all()
    return found is not None


def test_kill_at_random_points_then_rerun_equals_clean_run(
    engine: str, db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    feed = _feed(tmp_path / "lender.csv")
    key = tmp_path / "clean.key"
    _prepare(db_url, key)
    t0 = time.monotonic()
    clean = _receipt(_run(db_url, key, feed))
    seconds = time.monotonic() - t0
    assert clean["quarantined"] == 2 and clean["superseded"] > 0 and clean["duplicates"] > 0
    expected = canonical_dump(Store(db_url, Settings(signing_key_path=key)))
    assert expected["credit_statuses"] and expected["reporting_quarantine"]
    dispose_all()
    rows = int(clean["rows"])  # type: ignore[call-overload]
    rnd = random.Random(20261127)
    plan = (
        [("commit", rnd.randint(2, rows // CHUNK + 2)) for _ in range(2)]
        + [("after", rnd.randint(1, rows // CHUNK)) for _ in range(1)]
        + [("time", rnd.uniform(0.3, 0.9 * seconds)) for _ in range(2)]
    )
    make_url = request.getfixturevalue("fresh_db_url")
    for i, (mode, at) in enumerate(plan):
        for attempt in range(5):
            url = make_url(f"k{i}-{attempt}")
            k = tmp_path / f"k{i}-{attempt}.key"
            _prepare(url, k)
            if mode == "time":
                code = _run(url, k, feed, kill_after=at)
                if code == 0 or _done(url, k):
                    at *= 0.6
                    continue
                assert code == -signal.SIGKILL
            else:
                killed = _run(url, k, feed, mode, int(at))
                assert killed.returncode == -signal.SIGKILL, (mode, at, killed.stderr[-500:])
            break
        else:
            pytest.fail(f"no kill landed for {mode} {at}")
        assert _receipt(_run(url, k, feed)) == clean, (mode, at)
        got = canonical_dump(Store(url, Settings(signing_key_path=k)))
        for table in expected:
            assert got[table] == expected[table], (mode, at, table)
        dispose_all()
