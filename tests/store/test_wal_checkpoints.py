"""SQLite checkpoints run on the background checkpointer, never inside a commit."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from xinyong.settings import Settings
from xinyong.store.context import Store
from xinyong.store.engine import dispose_all
from xinyong.store.migrate import upgrade
from xinyong.store.wal import WalCheckpointer, checkpointer_for


def _store(tmp_path: Path) -> tuple[Store, Path]:
    db = tmp_path / "wal.db"
    settings = Settings(
        database_url="sqlite:///unused.db", signing_key_path=tmp_path / "signing.key"
    )
    store = Store(f"sqlite:///{db}", settings)
    upgrade(store)
    return store, db


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_commits_do_not_checkpoint_and_the_thread_does(tmp_path: Path) -> None:
    store, db = _store(tmp_path)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        cp = checkpointer_for(db)
        cp.idle = 0.3  # so that "idle" (every poke answered) comes soon
        before = cp.checkpoints
        for i in range(300):
            with store.write() as tx:
                tx.conn.execute(text("CREATE TABLE IF NOT EXISTS t (i INTEGER)"))
                tx.conn.execute(text("INSERT INTO t VALUES (:i)"), {"i": i})
        assert cp.running()
        # the thread exits only after a quiet spell with every poke answered
        assert _wait(lambda: not cp.running())
        assert cp.checkpoints > before
        # so the database file alone, copied without its -wal file, has every row
        copy = tmp_path / "copy.db"
        copy.write_bytes(db.read_bytes())
        with sqlite3.connect(copy) as c:
            assert c.execute("SELECT count(*) FROM t").fetchone()[0] == 300
    finally:
        dispose_all()


def test_read_transactions_do_not_wake_the_checkpointer(tmp_path: Path) -> None:
    store, db = _store(tmp_path)
    try:
        cp = checkpointer_for(db)
        cp.stop()
        for _ in range(20):
            with store.read() as conn:
                conn.exec_driver_sql("SELECT 1").fetchall()
        assert not cp.running()
        with store.write() as tx:
            tx.conn.exec_driver_sql("SELECT 1")
        assert cp.running()
    finally:
        dispose_all()


def test_idle_thread_exits_and_a_poke_restarts_it(tmp_path: Path) -> None:
    db = tmp_path / "idle.db"
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE t (i INTEGER)")
    cp = WalCheckpointer(db, interval=0.01, idle=0.1)
    cp.poke()
    assert cp.running()
    assert _wait(lambda: cp.checkpoints == 1)
    assert _wait(lambda: not cp.running())
    cp.poke()
    assert _wait(lambda: cp.checkpoints == 2)
    cp.stop()
    assert not cp.running()
    cp.poke()  # a stopped checkpointer starts again on the next write
    assert _wait(lambda: cp.checkpoints == 3)
    cp.stop()


def _child_writes(db: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    cp = checkpointer_for(Path(db))
    before = cp.checkpoints
    cp.poke()
    out.put(_wait(lambda: cp.checkpoints > before, timeout=5.0))


def test_a_forked_child_checkpoints_on_its_own(tmp_path: Path) -> None:
    db = tmp_path / "fork.db"
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA journal_mode=WAL")
    cp = checkpointer_for(db)
    cp.poke()  # the parent's thread is running and a poke is pending when it forks
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child_writes, args=(str(db), q))
    p.start()
    p.join(20)
    assert q.get(timeout=1) is True
    cp.stop()
