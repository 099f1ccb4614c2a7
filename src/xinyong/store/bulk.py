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
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sqlite_date(v: date | str) -> str:
    return v if isinstance(v, str) else v.isoformat()


@lru_cache(maxsize=64)
def _sqlite_datetime(v: datetime) -> str:
    # SQLAlchemy's SQLite DATETIME storage format; timestamps are UTC throughout (and a
    # chunk stamps all its rows with one instant, hence the cache)
    return v.strftime("%Y-%m-%d %H:%M:%S.%f")


def _bool(v: bool) -> int:
    return int(v)


def _json(v: Any) -> str:
    # a str is JSON already encoded upstream (our JSON columns hold objects and lists)
    return v if isinstance(v, str) else dumps(v)


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


def storage_datetime(value: datetime, conn: Connection) -> Any:
    """A timestamp as ``bulk_insert(..., ready=True)`` takes it on ``conn``'s engine."""
    return _sqlite_datetime(value) if conn.dialect.name == "sqlite" else value


def bulk_insert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, ready: bool = False
) -> None:
    """Insert ``rows`` (dicts with the same keys, each a column of ``table``).

    ``ready``: the values are in storage form already (dates as ISO strings, JSON
    encoded, timestamps through ``storage_datetime``, booleans as bool), so no value
    is converted.
    """
    if not rows:
        return
    names = [c.name for c in table.columns if c.name in rows[0]]
    sqlite = conn.dialect.name == "sqlite"
    getter = itemgetter(*names)
    convert = (
        []
        if ready
        else [
            (i, f)
            for i, n in enumerate(names)
            if (f := _converter(table.c[n].type, sqlite)) is not None
        ]
    )
    data: list[tuple[Any, ...]] = []
    append = data.append
    if convert:
        for r in rows:
            values = list(getter(r))
            for i, f in convert:
                v = values[i]
                if v is not None:
                    values[i] = f(v)
            append(tuple(values))
    elif len(names) == 1:
        data = [(getter(r),) for r in rows]
    else:
        data = [getter(r) for r in rows]
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


def _driver(conn: Connection) -> Any:
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows already in storage form and ``columns`` order, on ``conn``'s transaction.

    The driver's own ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), the paths the
    ingest benchmark's baseline takes too.
    """
    if not rows:
        return
    raw = _driver(conn)
    cols = ", ".join(f'"{n}"' for n in columns)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
        return
    with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        write = copy.write_row
        for row in rows:
            write(row)


def execute_many(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """One driver ``executemany`` of ``sql`` (``?`` marks) on ``conn``'s transaction."""
    if not rows:
        return
    raw = _driver(conn)
    if conn.dialect.name == "sqlite":
        raw.executemany(sql, rows)
        return
    with raw.cursor() as cur:
        cur.executemany(sql.replace("?", "%s"), rows)


def stamp_versions(
    conn: Connection, column: str, value: Any, versions: Sequence[tuple[str, int]]
) -> None:
    """Set ``records.<column>`` to ``value`` on each (record_id, version), on ``conn``.

    SQLite: one ``executemany`` (each statement is a cheap call into the library).
    PostgreSQL: one ``UPDATE … FROM unnest`` joining the keys sent as two arrays, a
    little faster than as many single-row statements (decision 135): the time goes to
    writing the new row versions and their index entries, not to the statements.
    """
    if not versions:
        return
    raw = _driver(conn)
    if conn.dialect.name == "sqlite":
        raw.executemany(
            f'UPDATE records SET "{column}" = ? WHERE record_id = ? AND version = ?',
            [(value, rid, v) for rid, v in versions],
        )
        return
    ids, numbers = zip(*versions, strict=True)
    with raw.cursor() as cur:
        cur.execute(
            f'UPDATE records AS r SET "{column}" = %s '
            "FROM unnest(%s::text[], %s::int[]) AS k(record_id, version) "
            "WHERE r.record_id = k.record_id AND r.version = k.version",
            (value, list(ids), list(numbers)),
        )


#: values per IN list on SQLite (its default limit on parameters is far above)
IN_PART = 900


def select_in(
    conn: Connection, sql: str, fixed: Sequence[Any], values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` for every value of its IN list (written ``IN ({in})``).

    ``sql`` marks parameters with ``?``; ``fixed`` are those before the IN list. Driver
    cursors, not SQLAlchemy: compiling an expanding IN and wrapping each result row cost
    more than the lookups themselves on the ingest's hot path. SQLite gets the list in
    parts of ``IN_PART`` parameters; PostgreSQL gets it whole as one array
    (``= ANY(%s)``): parsing and planning a 900-parameter IN list took it longer than the
    900 index probes.
    """
    out: list[tuple[Any, ...]] = []
    if not values:
        return out
    raw = _driver(conn)
    cur = raw.cursor()
    try:
        if conn.dialect.name != "sqlite":
            sql = sql.replace("?", "%s").replace("IN ({in})", "= ANY(%s)")
            cur.execute(sql, (*fixed, list(values)))
            return list(cur.fetchall())
        for i in range(0, len(values), IN_PART):
            part = values[i : i + IN_PART]
            cur.execute(sql.replace("{in}", ", ".join(["?"] * len(part))), (*fixed, *part))
            out.extend(cur.fetchall())
    finally:
        cur.close()
    return out
