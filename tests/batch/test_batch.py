"""The batch engine: snapshots from both stores, portable expressions, identical results
on DuckDB and PySpark, and an idempotent chunked write-back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from xinyong.batch import (
    collect,
    connect,
    export_snapshot,
    json_field,
    load,
    open_snapshot,
    write_back,
    write_manifest,
)
from xinyong.errors import NotFound, UsageError
from xinyong.store.context import Store
from xinyong.store.tables import audit_log, calendar_schedules, records, subjects

NOW = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _seed(store: Store, n: int) -> None:
    """``n`` persons, each with one record whose attributes vary (and one with none)."""
    with store.write() as tx:
        tx.conn.execute(
            subjects.insert(),
            [
                {
                    "subject_id": f"S{i:05d}",
                    "kind": "person",
                    "name": f"张{i}",
                    "region": None,
                    "first_seen_at": NOW,
                }
                for i in range(n)
            ],
        )
        tx.conn.exec_driver_sql(
            "INSERT INTO agencies (code, name_zh, sector, kinds, created_at) "
            "VALUES ('psb', '公安局', 'public_security', '[\"residence\"]', '2026-01-01')"
            if store.sqlite
            else "INSERT INTO agencies (code, name_zh, sector, kinds, created_at) "
            "VALUES ('psb', '公安局', 'public_security', '[\"residence\"]', now())"
        )
        tx.conn.execute(
            records.insert(),
            [
                {
                    "record_id": f"R{i:05d}",
                    "version": 1,
                    "reporting_agency": "psb",
                    "source_key": f"k{i}",
                    "subject_id": f"S{i:05d}",
                    "kind": "residence",
                    "content_hash": "h",
                    "decided_on": date(2020, 1, 1 + i % 28),
                    "status": "in_force",
                    "publication": "unpublished",
                    "severity_derived": i % 2 == 0,
                    "amount_fen": 100 * i,
                    "flags": None if i % 3 else ["x"],
                    "attributes": {
                        "region": "371082" if i % 2 else "350100",
                        "seq": i,
                        "note": "荣成",
                    }
                    if i
                    else {},
                    "recorded_at": NOW,
                    "last_seen_at": NOW,
                    "locked": False,
                }
                for i in range(n)
            ],
        )


def test_snapshot_types_chunks_and_audit(store: Store, tmp_path: Path) -> None:
    _seed(store, 7)
    snap = export_snapshot(store, tmp_path / "snap", ["records", "subjects"], chunk_rows=3)
    assert snap.rows == {"records": 7, "subjects": 7}
    f = pq.ParquetFile(snap.tables["records"])
    assert f.metadata.num_row_groups == 3  # chunks of 3, 3, 1: never the whole table at once
    t = pq.read_table(snap.tables["records"]).sort_by("record_id")
    assert t.schema.field("decided_on").type == pa.date32()
    assert t.schema.field("recorded_at").type == pa.timestamp("us", tz="UTC")
    assert t.schema.field("severity_derived").type == pa.bool_()
    assert t.schema.field("attributes").type == pa.string()
    row = t.slice(3, 1).to_pylist()[0]
    assert row["decided_on"] == date(2020, 1, 4)
    assert row["recorded_at"] == NOW
    assert row["severity_derived"] is False and row["amount_fen"] == 300
    assert json.loads(row["attributes"]) == {"region": "371082", "seq": 3, "note": "荣成"}
    assert json.loads(t.slice(0, 1).to_pylist()[0]["flags"]) == ["x"]
    assert t.slice(1, 1).to_pylist()[0]["flags"] is None
    again = open_snapshot(tmp_path / "snap")
    assert again.snapshot_id == snap.snapshot_id and again.tables == snap.tables
    with store.read() as conn:
        detail = conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "batch.snapshot")
        ).scalar_one()
    assert detail["tables"] == {"records": 7, "subjects": 7}


def test_snapshot_of_some_columns(store: Store, tmp_path: Path) -> None:
    _seed(store, 3)
    snap = export_snapshot(
        store, tmp_path / "c", ["records"], columns={"records": ["record_id", "attributes"]}
    )
    t = pq.read_table(snap.tables["records"])
    assert t.column_names == ["record_id", "attributes"] and t.num_rows == 3
    with pytest.raises(UsageError, match="no columns"):
        export_snapshot(store, tmp_path / "d", ["records"], columns={"records": ["nope"]})
    some = export_snapshot(
        store,
        tmp_path / "e",
        ["records"],
        where={"records": records.c.record_id.in_(["R00001", "R00002", "x'y"])},
    )
    assert pq.read_table(some.tables["records"]).column("record_id").to_pylist() == [
        "R00001",
        "R00002",
    ]


def test_snapshot_refuses_unknown_table(store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no store table 'nope'"):
        export_snapshot(store, tmp_path / "s", ["records", "nope"])
    with pytest.raises(UsageError):
        export_snapshot(store, tmp_path / "s", [])


def _sample_snapshot(tmp_path: Path) -> Any:
    docs = [
        '{"region":"371082","n":5}',
        '{"region": "350100", "b": true}',
        None,
        '{"x":{"y":"z"}}',
        "not json",
        '{"region":null}',
        '{"region":"荣成"}',
        '{"n":-2}',
    ]
    n = len(docs)
    t = pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "grp": ["a", "b", "a", "b", "a", "b", "a", "c"],
            "attributes": docs,
            "on": [date(2024, 1, i + 1) for i in range(n)],
            "at": pa.array([NOW] * n, pa.timestamp("us", tz="UTC")),
        }
    )
    pq.write_table(t, tmp_path / "t.parquet")
    return write_manifest(tmp_path, {"t": tmp_path / "t.parquet"}, NOW)


def _job(tables: dict[str, Any]) -> Any:
    t = tables["t"]
    t = t.mutate(region=json_field(t.attributes, "region"), n=json_field(t.attributes, "n"))
    return t.group_by(["grp", "region"]).aggregate(
        rows=t.count(), n_sum=t.n.cast("int64").sum(), first_on=t.on.min(), last_at=t.at.max()
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _sample_snapshot(tmp_path_factory.mktemp("sample"))


def test_json_field_on_duckdb(sample: Any) -> None:
    b = connect("duckdb")
    t = load(b, sample)["t"]
    out = collect(
        t.select("id", r=json_field(t.attributes, "region"), b=json_field(t.attributes, "b")),
        b,
        ["id"],
    )
    assert out.column("r").to_pylist() == ["371082", "350100", None, None, None, None, "荣成", None]
    assert out.column("b").to_pylist() == [None, "true", None, None, None, None, None, None]
    with pytest.raises(UsageError):
        json_field(t.attributes, "a.b")


def test_collect_orders_and_checks_columns(sample: Any) -> None:
    b = connect("duckdb")
    out = collect(_job(load(b, sample)), b, ["grp"])
    keys = list(zip(out.column("grp").to_pylist(), out.column("region").to_pylist(), strict=True))
    assert keys == sorted(keys, key=lambda k: (k[0], k[1] is None, k[1] or ""))
    with pytest.raises(UsageError, match="unknown columns"):
        collect(_job(load(b, sample)), b, ["nope"])


def test_same_result_on_duckdb_and_spark(sample: Any, spark_backend: Any) -> None:
    duck = connect("duckdb")
    a = collect(_job(load(duck, sample)), duck, ["grp", "region"])
    s = collect(_job(load(spark_backend, sample)), spark_backend, ["grp", "region"])
    assert a.schema == s.schema
    assert a.equals(s), (a.to_pylist(), s.to_pylist())
    assert a.num_rows == 6
    # and the JSON reader agrees value for value
    t = load(spark_backend, sample)["t"]
    out = collect(t.select("id", r=json_field(t.attributes, "region")), spark_backend, ["id"])
    assert out.column("r").to_pylist() == ["371082", "350100", None, None, None, None, "荣成", None]


def _schedules(years: range, source: str) -> pa.Table:
    return pa.table(
        {
            "year": pa.array(list(years), pa.int64()),
            "schedule": [json.dumps({"holidays": [f"{y}-01-01"]}) for y in years],
            "source": [source] * len(years),
            "loaded_at": pa.array([NOW] * len(years), pa.timestamp("us", tz="UTC")),
            "loaded_by": ["admin"] * len(years),
        }
    )


def test_write_back_is_chunked_idempotent_and_audited(store: Store) -> None:
    n = write_back(store, calendar_schedules, _schedules(range(2000, 2011), "first"), chunk_rows=4)
    assert n == 11
    # again, partly overlapping with new values: upserted on the key, never doubled
    write_back(store, calendar_schedules, _schedules(range(2008, 2013), "second"), chunk_rows=4)
    with store.read() as conn:
        rows = conn.execute(select(calendar_schedules).order_by(calendar_schedules.c.year)).all()
        chunks = conn.execute(
            select(func.count()).where(audit_log.c.action == "batch.write_back")
        ).scalar_one()
    assert [r.year for r in rows] == list(range(2000, 2013))
    assert {r.year: r.source for r in rows}[2007] == "first"
    assert {r.year: r.source for r in rows}[2009] == "second"
    assert rows[0].schedule == {"holidays": ["2000-01-01"]}
    assert rows[0].loaded_at.replace(tzinfo=UTC) == NOW
    assert chunks == 3 + 2


def test_write_back_refuses_bad_rows(store: Store) -> None:
    rows = _schedules(range(2000, 2003), "x")
    with pytest.raises(UsageError, match="key columns"):
        write_back(store, calendar_schedules, rows.drop_columns(["year"]))
    with pytest.raises(UsageError, match="repeat a key"):
        write_back(store, calendar_schedules, pa.concat_tables([rows, rows]))
    with pytest.raises(UsageError, match="no columns"):
        write_back(store, calendar_schedules, rows.append_column("zz", pa.array([1, 2, 3])))
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(calendar_schedules)).scalar_one() == 0


def test_connect_refuses_unknown_engine() -> None:
    with pytest.raises(UsageError):
        connect("polars")  # type: ignore[arg-type]
    assert ibis.duckdb.connect().name == "duckdb"
