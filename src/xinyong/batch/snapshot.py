"""Consistent Parquet snapshots of store tables, the input of every batch job.

DuckDB cannot attach the store here (its SQLite and PostgreSQL scanners are
extensions it cannot download), and Spark should not hold a database connection per
executor, so a job never reads the store: it reads a snapshot. All tables of one
snapshot are read inside one read transaction, so they agree with each other (a
record's subject exists, a consent precedes its withdrawal) as of ``taken_at``.

Rows are fetched in chunks through the driver's own cursor (a server-side cursor on
PostgreSQL) and written as Parquet row groups, so no table is ever held in Python
lists whole. Column types follow the table definition, not the driver:

- dates become ``date32`` (SQLite keeps ISO text);
- timestamps become UTC ``timestamp[us, tz=UTC]`` (SQLite keeps naive UTC text);
- JSON columns (``records.attributes``, ``flags`` …) stay JSON text (JSON ``null``
  becomes SQL NULL), read in a job with :func:`xinyong.batch.json_field`;
- booleans become ``bool`` (SQLite keeps 0/1); integers ``int64``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
)
from ulid import ULID

from xinyong.errors import NotFound, UsageError
from xinyong.store.context import Store
from xinyong.store.tables import metadata

CHUNK_ROWS = 100_000
MANIFEST = "snapshot.json"


@dataclass(frozen=True)
class Snapshot:
    """A directory of Parquet files, one per table, read in one read transaction."""

    dir: Path
    taken_at: datetime
    tables: Mapping[str, Path]
    snapshot_id: str = ""
    rows: Mapping[str, int] = field(default_factory=dict)


def arrow_type(column: Column[Any]) -> pa.DataType:
    """The Arrow type a store column is exported as (same on every engine)."""
    t = column.type
    if isinstance(t, JSON):
        return pa.string()
    if isinstance(t, Boolean):
        return pa.bool_()
    if isinstance(t, Integer | BigInteger):
        return pa.int64()
    if isinstance(t, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, Date):
        return pa.date32()
    if isinstance(t, Float):
        return pa.float64()
    if isinstance(t, Numeric):
        return pa.decimal128(t.precision or 38, t.scale or 10)
    if isinstance(t, LargeBinary):
        return pa.binary()
    if isinstance(t, String | Text):
        return pa.string()
    raise UsageError(
        f"column {column.table.name}.{column.name} has a type the batch export does not "
        f"know ({t!r})",
        code="batch_unsupported_type",
    )


def table_schema(table: Table, columns: Sequence[str] | None = None) -> pa.Schema:
    cols = _columns(table, columns)
    return pa.schema([pa.field(c.name, arrow_type(c)) for c in cols])


def _columns(table: Table, names: Sequence[str] | None) -> list[Column[Any]]:
    if names is None:
        return list(table.columns)
    unknown = [n for n in names if n not in table.c]
    if unknown:
        raise UsageError(f"{table.name} has no columns {unknown}", code="batch_unknown_column")
    return [table.c[n] for n in dict.fromkeys(names)]


def _store_table(name: str) -> Table:
    table = metadata.tables.get(name)
    if table is None:
        raise NotFound(f"no store table {name!r}", code="batch_unknown_table")
    return table


def _select_sql(
    conn: Connection,
    table: Table,
    columns: list[Column[Any]],
    sqlite: bool,
    where: ColumnElement[bool] | None = None,
) -> str:
    cols = []
    for c in columns:
        q = f'"{c.name}"'
        # psycopg would parse JSON into Python objects: take the text itself
        cols.append(f"CAST({q} AS TEXT)" if isinstance(c.type, JSON) and not sqlite else q)
    sql = f'SELECT {", ".join(cols)} FROM "{table.name}"'
    if where is not None:
        cond = where.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        sql += f" WHERE {cond}"
    return sql


def _chunks(conn: Connection, sql: str, sqlite: bool, chunk_rows: int) -> Iterator[list[Any]]:
    raw = conn.connection.driver_connection
    assert raw is not None
    # a named (server-side) cursor on PostgreSQL: the result streams in chunks
    cur = raw.cursor() if sqlite else raw.cursor(name=f"xy_export_{ULID()}".lower())
    try:
        cur.execute(sql)
        while rows := cur.fetchmany(chunk_rows):
            yield rows
    finally:
        cur.close()


def _to_arrow(values: list[Any], typ: pa.DataType, sqlite: bool, is_json: bool) -> pa.Array:
    if is_json:
        # SQLAlchemy stores a Python None in a JSON column as JSON null: export SQL NULL
        arr = pa.array(values, pa.string())
        return pc.if_else(pc.equal(arr, "null"), pa.scalar(None, pa.string()), arr)
    if sqlite and pa.types.is_date32(typ):
        return pc.cast(pa.array(values, pa.string()), typ)
    if sqlite and pa.types.is_timestamp(typ):
        # SQLAlchemy's SQLite format, naive UTC: parse naive, then declare it UTC
        naive = pc.cast(pa.array(values, pa.string()), pa.timestamp("us"))
        return pc.cast(naive, typ)
    if sqlite and pa.types.is_boolean(typ):
        return pc.cast(pa.array(values, pa.int64()), typ)
    return pa.array(values, typ)


def _export_table(
    conn: Connection,
    table: Table,
    path: Path,
    sqlite: bool,
    chunk_rows: int,
    names: Sequence[str] | None = None,
    where: ColumnElement[bool] | None = None,
) -> int:
    cols = _columns(table, names)
    schema = table_schema(table, names)
    json_cols = [isinstance(c.type, JSON) for c in cols]
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        for rows in _chunks(
            conn, _select_sql(conn, table, cols, sqlite, where), sqlite, chunk_rows
        ):
            values = list(zip(*rows, strict=True))
            arrays = [
                _to_arrow(list(values[i]), f.type, sqlite, json_cols[i])
                for i, f in enumerate(schema)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            n += len(rows)
        if n == 0:
            writer.write_table(schema.empty_table())
    return n


def export_snapshot(
    store: Store,
    out_dir: Path,
    tables: Sequence[str],
    *,
    chunk_rows: int = CHUNK_ROWS,
    actor: str | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
    where: Mapping[str, ColumnElement[bool]] | None = None,
) -> Snapshot:
    """Export ``tables`` of ``store`` to ``out_dir/<table>.parquet`` in one read transaction.

    ``columns`` may name, per table, the only columns a job needs (a city's records
    table has 30-odd columns; a scheme reads nine of them), and ``where`` a condition
    on a table's columns (SQLAlchemy, e.g. ``records.c.kind.in_([...])``) for the rows.

    The export is audited (who, which tables, how many rows; no personal data), as a
    bulk read of non-public data must be.
    """
    if not tables:
        raise UsageError("a snapshot needs at least one table", code="batch_no_tables")
    resolved = [_store_table(name) for name in dict.fromkeys(tables)]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    snapshot_id = str(ULID())
    paths: dict[str, Path] = {}
    counts: dict[str, int] = {}
    with store.read() as conn:
        taken_at = datetime.now(UTC)
        for table in resolved:
            path = out_dir / f"{table.name}.parquet"
            counts[table.name] = _export_table(
                conn,
                table,
                path,
                store.sqlite,
                chunk_rows,
                (columns or {}).get(table.name),
                (where or {}).get(table.name),
            )
            paths[table.name] = path
    snap = Snapshot(out_dir, taken_at, paths, snapshot_id, counts)
    (out_dir / MANIFEST).write_text(
        json.dumps(
            {
                "snapshot_id": snapshot_id,
                "taken_at": taken_at.isoformat(),
                "tables": {k: p.name for k, p in paths.items()},
                "rows": counts,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    with store.write(actor) as tx:
        tx.audit(
            "batch.snapshot",
            "snapshot",
            snapshot_id,
            {"tables": counts, "taken_at": taken_at.isoformat()},
        )
    return snap


def open_snapshot(directory: Path) -> Snapshot:
    """A snapshot exported earlier (or Parquet written in the same layout by a generator)."""
    directory = Path(directory)
    manifest = directory / MANIFEST
    if not manifest.exists():
        raise NotFound(
            f"{directory} holds no snapshot ({MANIFEST} missing)", code="batch_no_snapshot"
        )
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return Snapshot(
        directory,
        datetime.fromisoformat(data["taken_at"]),
        {k: directory / v for k, v in data["tables"].items()},
        data.get("snapshot_id", ""),
        data.get("rows", {}),
    )


def write_manifest(directory: Path, tables: Mapping[str, Path], taken_at: datetime) -> Snapshot:
    """Declare Parquet files written outside the store (benchmarks, tests) a snapshot."""
    directory = Path(directory)
    snapshot_id = str(ULID())
    rows = {k: pq.ParquetFile(p).metadata.num_rows for k, p in tables.items()}
    (directory / MANIFEST).write_text(
        json.dumps(
            {
                "snapshot_id": snapshot_id,
                "taken_at": taken_at.isoformat(),
                "tables": {k: Path(p).name for k, p in tables.items()},
                "rows": rows,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return Snapshot(directory, taken_at, dict(tables), snapshot_id, rows)
