"""Engines that run batch jobs: DuckDB in process, or PySpark in local or cluster mode.

A job is written once as an Ibis expression over the tables :func:`load` returns and
runs unchanged on either engine. :func:`collect` gives the result as Arrow with the
same schema and row order on both, so results can be compared for equality.

Spark is an optional extra (``pip install xinyong[spark]``); its session is created
once per process (``local[2]`` unless ``XINYONG_SPARK_MASTER`` says otherwise) and
reused, because starting one costs about 15 s.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from xinyong.batch.snapshot import Snapshot
from xinyong.errors import UsageError

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")

_spark_lock = threading.Lock()
_spark_backend: ibis.BaseBackend | None = None


def _spark_session() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:  # pragma: no cover - depends on the install
        raise UsageError(
            "the Spark engine needs the spark extra: pip install 'xinyong[spark]'",
            code="batch_no_spark",
        ) from e
    scratch = tempfile.mkdtemp(prefix="xinyong-spark-")
    builder = (
        SparkSession.builder.master(os.environ.get("XINYONG_SPARK_MASTER", "local[2]"))
        .appName("xinyong-batch")
        .config("spark.driver.memory", os.environ.get("XINYONG_SPARK_DRIVER_MEMORY", "4g"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("XINYONG_SPARK_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
        .config("spark.local.dir", scratch)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    # extra settings, "key=value;key=value" (tests switch code generation off for tiny data)
    for item in os.environ.get("XINYONG_SPARK_CONF", "").split(";"):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            builder = builder.config(key.strip(), value.strip())
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(engine: Engine) -> ibis.BaseBackend:
    """A backend to run jobs on: a new in-memory DuckDB, or this process's Spark session."""
    global _spark_backend
    if engine == "duckdb":
        return ibis.duckdb.connect()
    if engine == "spark":
        with _spark_lock:
            if _spark_backend is None:
                _spark_backend = ibis.pyspark.connect(_spark_session())
            return _spark_backend
    raise UsageError(
        f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}", code="batch_engine"
    )


def engine_name(backend: ibis.BaseBackend) -> Engine:
    name = backend.name
    if name == "duckdb":
        return "duckdb"
    if name == "pyspark":
        return "spark"
    raise UsageError(f"unsupported Ibis backend {name!r}", code="batch_engine")


def load(backend: ibis.BaseBackend, snapshot: Snapshot) -> dict[str, ir.Table]:
    """Register every table of ``snapshot`` with ``backend`` (lazily: nothing is read yet).

    View names carry the snapshot id, so several snapshots can live in one (shared)
    Spark session without replacing each other's tables.
    """
    tag = re.sub(r"\W", "", snapshot.snapshot_id.lower())[-10:] or "snap"
    out: dict[str, ir.Table] = {}
    for name, path in snapshot.tables.items():
        view = f"xy_{tag}_{name}"
        out[name] = cast(Any, backend).read_parquet(str(path), table_name=view)
    return out


def _normalise(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast to the expression's own schema; timestamps to UTC microseconds."""
    fields = []
    for f in schema:
        t = f.type
        if pa.types.is_timestamp(t):
            t = pa.timestamp("us", tz="UTC")
        fields.append(pa.field(f.name, t))
    target = pa.schema(fields)
    columns = []
    for f in target:
        col = table.column(f.name)
        if pa.types.is_timestamp(col.type) and col.type.tz is None:
            col = pc.cast(col, pa.timestamp("us"))  # naive values are UTC (session time zone)
        columns.append(pc.cast(col, f.type))
    return pa.Table.from_arrays(columns, schema=target).combine_chunks()


def _orderable(t: pa.DataType) -> bool:
    return not (
        pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_struct(t)
        or pa.types.is_map(t)
        or pa.types.is_binary(t)
    )


def collect(expr: ir.Table, backend: ibis.BaseBackend, order_by: Sequence[str]) -> pa.Table:
    """Run ``expr`` on ``backend``; Arrow in a deterministic order with the same schema
    on every engine.

    Rows are sorted by ``order_by`` and then by every other orderable column, in
    Python (Arrow's byte order for text), so ties never depend on the engine.
    """
    missing = [c for c in order_by if c not in expr.columns]
    if missing:
        raise UsageError(f"order_by names unknown columns {missing}", code="batch_order_by")
    schema = expr.schema().to_pyarrow()
    if engine_name(backend) == "spark":
        raw = _spark_to_arrow(expr, backend)
    else:
        raw = cast(Any, backend).to_pyarrow(expr)
    table = _normalise(raw, schema)
    keys = list(order_by) + [
        f.name for f in table.schema if f.name not in order_by and _orderable(f.type)
    ]
    if table.num_rows and keys:
        table = table.sort_by([(k, "ascending") for k in keys])
    return table


def _spark_to_arrow(expr: ir.Table, backend: ibis.BaseBackend) -> pa.Table:
    """Spark's own Arrow collection (``DataFrame.toArrow``), not Ibis's trip via pandas."""
    b = cast(Any, backend)
    if hasattr(b, "_run_pre_execute_hooks"):
        b._run_pre_execute_hooks(expr)
    df = b.raw_sql(b.compile(expr))
    if hasattr(df, "toArrow"):
        return cast(pa.Table, df.toArrow())
    return cast(pa.Table, b.to_pyarrow(expr))  # pragma: no cover - pyspark < 4


# --- portable expressions -----------------------------------------------------------

_KEY = re.compile(r"^[^\W\d]\w*$")


@ibis.udf.scalar.builtin(name="json_extract_string")  # type: ignore[untyped-decorator,misc]
def _duckdb_json_string(doc: str, path: str) -> str:  # type: ignore[empty-body]
    """DuckDB: the value at ``path`` as text."""


@ibis.udf.scalar.builtin(name="json_valid")  # type: ignore[untyped-decorator,misc]
def _duckdb_json_valid(doc: str) -> bool:  # type: ignore[empty-body]
    """DuckDB: whether the text parses as JSON (its extractors raise on bad text)."""


@ibis.udf.scalar.builtin(name="get_json_object")  # type: ignore[untyped-decorator,misc]
def _spark_json_string(doc: str, path: str) -> str:  # type: ignore[empty-body]
    """Spark SQL: the value at ``path`` as text."""


def json_field(column: ir.StringValue, key: str) -> ir.StringValue:
    """The scalar value under top-level ``key`` of a JSON-text column, as a string.

    Portable where Ibis's own JSON unwrapping is not: on PySpark, Ibis unwraps JSON
    strings through a pandas UDF that loses every string value. Missing keys, JSON
    null and unparsable text give NULL on both engines; numbers and booleans come back
    as their JSON text (``5``, ``true``). Objects and arrays are not supported (their
    text differs between engines). The engine is that of the table ``column`` belongs
    to.
    """
    if not _KEY.match(key):
        raise UsageError(f"json_field takes a plain key, not {key!r}", code="batch_json_key")
    path = f"$.{key}"
    backend = column._find_backend()
    engine = engine_name(backend)
    if engine == "spark":
        return cast(ir.StringValue, _spark_json_string(column, path))
    value = _duckdb_json_string(column, path)
    return cast(ir.StringValue, _duckdb_json_valid(column).ifelse(value, ibis.null("string")))


def sources(tables: Mapping[str, ir.Table], *names: str) -> list[ir.Table]:
    """The named tables of a job's input, with a clear error naming what is missing."""
    missing = [n for n in names if n not in tables]
    if missing:
        raise UsageError(
            f"the job needs the tables {missing}; export them in the snapshot",
            code="batch_missing_table",
        )
    return [tables[n] for n in names]
