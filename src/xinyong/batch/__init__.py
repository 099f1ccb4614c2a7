"""Population-scale batch jobs, written once as Ibis expressions, run on DuckDB or Spark.

The flow of every job::

    snap = export_snapshot(store, out_dir, ["records", "subjects"])   # one read tx → Parquet
    backend = connect("duckdb")                                       # or "spark"
    tables = load(backend, snap)                                      # lazy views
    result = collect(job(tables, **params), backend, order_by=[...])  # Arrow, deterministic
    write_back(store, some_table, result)                             # chunked upsert, audited

A *job* is a plain function ``(tables: Mapping[str, ibis.Table], **params) ->
ibis.Table``. Rules for jobs, so both engines give identical results:

- read JSON attributes with :func:`json_field` (scalar values only), never with
  Ibis's ``.cast("json")[...]`` (wrong on PySpark);
- nothing random inside an expression: draw in Python from the seed and hand the
  draw to the job as data (an Arrow table or a parameter);
- sort with :func:`collect`'s ``order_by``, not inside the expression;
- no floating-point aggregates whose summation order could differ; keep points and
  money in integers.
"""

from xinyong.batch.engines import (
    ENGINES,
    Engine,
    collect,
    connect,
    engine_name,
    json_field,
    load,
    sources,
)
from xinyong.batch.runs import finish_run, start_run
from xinyong.batch.snapshot import Snapshot, export_snapshot, open_snapshot, write_manifest
from xinyong.batch.writeback import write_back

__all__ = [
    "ENGINES",
    "Engine",
    "Snapshot",
    "collect",
    "connect",
    "engine_name",
    "export_snapshot",
    "finish_run",
    "json_field",
    "load",
    "open_snapshot",
    "sources",
    "start_run",
    "write_back",
    "write_manifest",
]
