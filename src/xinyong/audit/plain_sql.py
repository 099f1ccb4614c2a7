"""Plain DBAPI statements for the hot paths: audit appends, query-log rows, checks.

Building, caching and binding a SQLAlchemy Core statement costs 50–400 µs per call on
this class of machine; the DBAPI connection under the same ``Connection``, in the same
transaction, runs a (driver-cached) statement in about 20 µs. Statements are written
once with ``?`` placeholders (sqlite3) and translated to ``%s`` for psycopg. Values go
in the form SQLAlchemy itself stores them (dates as ISO text, timestamps as UTC
``%Y-%m-%d %H:%M:%S.%f`` text and JSON as text on SQLite; ``date``/``datetime`` objects
on PostgreSQL), so reads through SQLAlchemy see the same values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

#: the engine's JSON serializer (store/engine.py ``_dumps``), as one reusable encoder
stored_json = json.JSONEncoder(ensure_ascii=False).encode


def is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


@lru_cache(maxsize=256)
def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


def run(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """Execute ``sql`` (``?`` placeholders) on ``conn``'s DBAPI connection; the cursor."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        return raw.execute(sql, params)  # type: ignore[union-attr]
    return raw.execute(_pg(sql), params)  # type: ignore[union-attr]


def run_many(conn: Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    if conn.dialect.name == "sqlite":
        raw.executemany(sql, rows)
        return
    with raw.cursor() as cur:
        cur.executemany(_pg(sql), list(rows))


def stored_ts(sqlite: bool, at: datetime) -> Any:
    """A UTC timestamp as SQLAlchemy stores it (SQLite: naive text; the zone is UTC)."""
    if not sqlite:
        return at
    if at.year < 1000:
        return at.strftime("%Y-%m-%d %H:%M:%S.%f")
    return at.replace(tzinfo=None).isoformat(" ", "microseconds")


def stored_date(sqlite: bool, d: date) -> Any:
    return d.isoformat() if sqlite else d


def read_date(v: Any) -> date | None:
    """A date column as read: ISO text on SQLite, a ``date`` on PostgreSQL."""
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(v)


def read_ts(v: Any) -> datetime | None:
    """A timestamp column as read: naive UTC text on SQLite, aware on PostgreSQL."""
    if v is None:
        return None
    at = datetime.fromisoformat(v) if isinstance(v, str) else v
    assert isinstance(at, datetime)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def read_json(v: Any) -> Any:
    """A JSON column as read: text on SQLite, decoded already by psycopg."""
    return json.loads(v) if isinstance(v, str | bytes) else v
