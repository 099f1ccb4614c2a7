"""Bulk inserts for the hot paths (ingest), below SQLAlchemy's per-row processing.

SQLite gets one ``executemany`` of plain tuples with values converted the way
SQLAlchemy itself stores them (so reads through SQLAlchemy see the same values);
PostgreSQL gets ``COPY … FROM STDIN`` inside the caller's transaction. Both write in
the transaction of ``conn``, so a chunk stays all-or-nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sqlite_date(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


def _sqlite_datetime(v: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME storage format; timestamps are UTC throughout
    return None if v is None else v.strftime("%Y-%m-%d %H:%M:%S.%f")


def _bool(v: bool | None) -> int | None:
    return None if v is None else int(v)


def _json(v: Any) -> str | None:
    return None if v is None else dumps(v)


def _converter(col_type: Any, sqlite: bool) -> Callable[[Any], Any] | None:
    if isinstance(col_type, JSON):
        return _json
    if not sqlite:
        return None
    if isinstance(col_type, DateTime):
        return _sqlite_datetime
    if isinstance(col_type, Date):
        return _sqlite_date
    if isinstance(col_type, Boolean):
        return _bool
    return None


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with every column named the same) into ``table``."""
    if not rows:
        return
    names = [c.name for c in table.columns if c.name in rows[0]]
    sqlite = conn.dialect.name == "sqlite"
    convs = [_converter(table.c[n].type, sqlite) for n in names]
    pairs = list(zip(names, convs, strict=True))
    data = [tuple(f(r[n]) if f else r[n] for n, f in pairs) for r in rows]
    cols = ", ".join(f'"{n}"' for n in names)
    if sqlite:
        marks = ", ".join("?" for _ in names)
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})', data)
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
        for row in data:
            copy.write_row(row)
