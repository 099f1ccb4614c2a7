"""SQLite WAL checkpoints off the writers' path.

In WAL mode SQLite copies the log back into the database ("checkpoint") in whichever
commit pushes the log past ``wal_autocheckpoint`` pages: that one writer then pays for
copying and syncing everyone's pages, a few milliseconds, about one commit in a hundred
for the check service, which is its whole p99 (decision 102). So write transactions
only *poke* a per-database checkpointer; its thread, on its own connection, runs a
``PASSIVE`` checkpoint (which never blocks readers or the writer) at most every
``interval`` seconds while writes keep coming, and exits after ``idle`` seconds without
any, closing its connection. The engine pokes it on every committed write transaction
and turns SQLite's own automatic checkpoints off on its connections (``engine.py``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

_checkpointers: dict[str, WalCheckpointer] = {}
_guard = threading.Lock()


class WalCheckpointer:
    """One background checkpointing thread per database file, started on demand."""

    def __init__(self, path: Path, *, interval: float = 1.0, idle: float = 5.0) -> None:
        self.path = path
        self.interval = interval
        self.idle = idle
        self.checkpoints = 0  # completed checkpoint calls, for tests and benchmarks
        self._poked = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        """Record that a write committed; start the thread if it is not running."""
        if self._poked.is_set():
            return  # a checkpoint is already due; the thread that will run it is alive
        with self._lock:
            self._poked.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name=f"wal-checkpoint:{self.path.name}", daemon=True
                )
                self._thread.start()

    def running(self) -> bool:
        with self._lock:
            return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Let the thread finish its current checkpoint and exit (used on dispose)."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stopping.set()
            self._poked.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        with self._lock:
            self._stopping.clear()
            self._poked.clear()

    def _run(self) -> None:
        me = threading.current_thread()
        try:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            try:
                while True:
                    if not self._poked.wait(self.idle):
                        with self._lock:
                            if not self._poked.is_set():
                                return  # idle: the next poke starts a new thread
                    if self._stopping.wait(self.interval):  # let a burst of commits gather
                        return
                    self._poked.clear()
                    self._checkpoint(conn)
                    if self._stopping.is_set():
                        return
            finally:
                conn.close()
        finally:
            with self._lock:
                if self._thread is me:
                    self._thread = None
                    # stopped or failed: a poke still pending must start a new thread
                    self._poked.clear()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.Error:
            # a locked or vanished file: the writers' own backstop still checkpoints
            return


def _after_fork_in_child() -> None:
    # the parent's thread does not exist in the child: start from a clean state
    for c in _checkpointers.values():
        c._lock = threading.Lock()
        c._poked = threading.Event()
        c._stopping = threading.Event()
        c._thread = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def checkpointer_for(path: Path) -> WalCheckpointer:
    """The process-wide checkpointer of the database file at ``path``."""
    key = str(path.resolve())
    with _guard:
        c = _checkpointers.get(key)
        if c is None:
            c = _checkpointers[key] = WalCheckpointer(Path(key))
        return c


def stop_all() -> None:
    with _guard:
        found = list(_checkpointers.values())
        _checkpointers.clear()
    for c in found:
        c.stop()
