"""Engine factory: SQLite (WAL, ``BEGIN IMMEDIATE`` for writes) or PostgreSQL by URL.

Write transactions on SQLite take the write lock up front (``BEGIN IMMEDIATE``) so a
transaction never fails half-way on a lock upgrade; read transactions stay deferred
so readers never block the writer (WAL).
"""

from __future__ import annotations

import atexit
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from xinyong.errors import UsageError
from xinyong.store.wal import checkpointer_for, stop_all

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def is_sqlite(engine_or_url: Engine | Connection | str) -> bool:
    if isinstance(engine_or_url, str):
        return normalise_url(engine_or_url).startswith("sqlite")
    return engine_or_url.dialect.name == "sqlite"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")
        # checkpoints run on the background checkpointer's thread, never in a commit
        cur.execute("PRAGMA wal_autocheckpoint=0")
        # after a big transaction the log is cut back to 64 MiB once it has been copied
        cur.execute("PRAGMA journal_size_limit=67108864")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # straight to the driver: SQLAlchemy's execution path costs ~50 µs per BEGIN,
        # a third of a short transaction's overhead (no statement event is lost: none
        # is listened for)
        raw = conn.connection.driver_connection
        assert raw is not None
        if conn.get_execution_options().get("xinyong_read"):
            raw.execute("BEGIN")
        else:
            raw.execute("BEGIN IMMEDIATE")

    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    checkpointer = checkpointer_for(Path(database))

    @event.listens_for(engine, "commit")
    def _on_commit(conn: Connection) -> None:
        if not conn.get_execution_options().get("xinyong_read"):
            checkpointer.poke()


def _dumps(value: Any) -> str:
    """JSON columns keep Chinese text as text (not \\u escapes): a third of the bytes."""
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` (tests and tools that need their own pool)."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception as e:
        raise UsageError(f"not a database URL: {url!r} ({e})", code="bad_database_url") from e
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, future=True, json_serializer=_dumps)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, future=True, pool_pre_ping=True, json_serializer=_dumps)
    raise UsageError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://",
        code="bad_database_url",
    )


def get_engine(url: str) -> Engine:
    """The process-wide engine for ``url``."""
    url = normalise_url(url)
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_all() -> None:
    with _lock:
        for e in _engines.values():
            e.dispose()
        _engines.clear()
    stop_all()


# at exit, the checkpointer's connection closes before the interpreter stops its
# thread, so the last connection to close checkpoints the log and removes it
atexit.register(stop_all)


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success."""
    with engine.begin() as conn:
        yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot, never takes the write lock."""
    with engine.connect().execution_options(xinyong_read=True) as conn, conn.begin():
        yield conn
