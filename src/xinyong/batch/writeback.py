"""Writing a job's result back to the store: chunked, audited, idempotent on the key.

Each chunk is one write transaction: an upsert on the table's primary key
(``INSERT … ON CONFLICT (key) DO UPDATE``; on PostgreSQL through ``COPY`` into a
temporary table first), audited in the same transaction with its row count and a
hash of its keys. A run killed half-way leaves whole chunks behind, and running the
same write again converges on the same rows, never doubles them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table

from xinyong.errors import UsageError
from xinyong.store.bulk import dumps
from xinyong.store.context import Store


def _sqlite_value(col_type: Any) -> Any:
    if isinstance(col_type, JSON):
        return lambda v: v if isinstance(v, str) else dumps(v)
    if isinstance(col_type, DateTime):

        def ts(v: datetime | str) -> str:
            if isinstance(v, str):
                return v
            if v.tzinfo is not None:
                v = v.astimezone(UTC).replace(tzinfo=None)
            return v.strftime("%Y-%m-%d %H:%M:%S.%f")

        return ts
    if isinstance(col_type, Date):
        return lambda v: v if isinstance(v, str) else v.isoformat()
    if isinstance(col_type, Boolean):
        return int
    return None


def _pg_value(col_type: Any) -> Any:
    if isinstance(col_type, JSON):
        return lambda v: v if isinstance(v, str) else dumps(v)
    if isinstance(col_type, DateTime):
        return lambda v: (
            v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
        )
    if isinstance(col_type, Date):
        return lambda v: date.fromisoformat(v) if isinstance(v, str) else v
    return None


def _rows(chunk: pa.Table, table: Table, sqlite: bool) -> list[tuple[Any, ...]]:
    columns = []
    for name in chunk.column_names:
        values = chunk.column(name).to_pylist()
        f = (_sqlite_value if sqlite else _pg_value)(table.c[name].type)
        if f is not None:
            values = [None if v is None else f(v) for v in values]
        columns.append(values)
    return list(zip(*columns, strict=True))


def _upsert_sql(table: Table, names: list[str], key: list[str], source: str) -> str:
    cols = ", ".join(f'"{n}"' for n in names)
    rest = [n for n in names if n not in key]
    conflict = ", ".join(f'"{k}"' for k in key)
    action = (
        "DO UPDATE SET " + ", ".join(f'"{n}" = excluded."{n}"' for n in rest)
        if rest
        else "DO NOTHING"
    )
    return f'INSERT INTO "{table.name}" ({cols}) {source} ON CONFLICT ({conflict}) {action}'


def _write_chunk(
    conn: Connection,
    table: Table,
    names: list[str],
    key: list[str],
    rows: list[tuple[Any, ...]],
    sqlite: bool,
) -> None:
    if sqlite:
        marks = ", ".join("?" for _ in names)
        conn.exec_driver_sql(_upsert_sql(table, names, key, f"VALUES ({marks})"), rows)
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    cols = ", ".join(f'"{n}"' for n in names)
    tmp = f"xy_wb_{table.name}"
    with raw.cursor() as cur:
        cur.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "{tmp}" (LIKE "{table.name}" INCLUDING DEFAULTS) '
            "ON COMMIT DROP"
        )
        with cur.copy(f'COPY "{tmp}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(_upsert_sql(table, names, key, f'SELECT {cols} FROM "{tmp}"'))
        cur.execute(f'TRUNCATE "{tmp}"')


def write_back(
    store: Store,
    table: Table,
    rows: pa.Table,
    *,
    chunk_rows: int = 50_000,
    actor: str | None = None,
    action: str = "batch.write_back",
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Upsert ``rows`` (Arrow, columns named as ``table``'s) into ``table`` in chunks.

    Every column of the table's primary key must be present; columns left out keep
    their database defaults on insert and their values on update. Returns the number
    of rows written.
    """
    key = [c.name for c in table.primary_key.columns]
    unknown = [n for n in rows.column_names if n not in table.c]
    if unknown:
        raise UsageError(f"{table.name} has no columns {unknown}", code="batch_write_columns")
    missing = [k for k in key if k not in rows.column_names]
    if not key or missing:
        raise UsageError(
            f"write_back into {table.name} needs its key columns {key} (missing {missing})",
            code="batch_write_key",
        )
    if chunk_rows < 1:
        raise UsageError("chunk_rows must be positive", code="batch_write_chunk")
    if rows.num_rows:
        counts = rows.group_by(key).aggregate([([], "count_all")])
        if counts.num_rows != rows.num_rows:
            raise UsageError(
                f"rows for {table.name} repeat a key {key}: one row per key",
                code="batch_write_duplicate_key",
            )
    names = list(rows.column_names)
    written = 0
    for i, offset in enumerate(range(0, rows.num_rows, chunk_rows)):
        chunk = rows.slice(offset, chunk_rows)
        data = _rows(chunk, table, store.sqlite)
        keys = hashlib.sha256()
        for k in key:
            for v in chunk.column(k).to_pylist():
                keys.update(str(v).encode() + b"\x1f")
        with store.write(actor) as tx:
            _write_chunk(tx.conn, table, names, key, data, store.sqlite)
            tx.audit(
                action,
                "table",
                table.name,
                {**(detail or {}), "chunk": i, "rows": len(data), "keys_sha256": keys.hexdigest()},
            )
        written += len(data)
    return written
