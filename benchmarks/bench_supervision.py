"""Tax credit grades for a population of companies: compute time on DuckDB (and Spark).

Data is generated straight to Parquet in the store's export schema (what
``xinyong.batch.export_snapshot`` writes), so the figure is the job alone: read the
snapshot, grade every rated enterprise for one year (deductions with caps, direct D,
M, not-A conditions with the previous year's grade records, one-hop D spread through
the roles table) and collect the result as Arrow in subject order.

Per company: one registration record, indicator records of the year (Poisson: late
filings 2.4, late payments 1.0, invoice violations 0.8; serious violations 1 %,
abnormal-taxpayer designations 1.5 %, no income 10 %), a previous-year grade record
and one legal-representative role (persons shared by about 1.2 firms each).

Baseline in the same run on the same snapshot: the plainest pass over the same data
(count the year's records per subject and join them to the registrations), so the
ratio says what the grading logic costs on top of reading and grouping.

    python benchmarks/bench_supervision.py [--companies 1000000] [--spark-companies 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from xinyong.batch import Snapshot, collect, connect, load
from xinyong.batch.snapshot import table_schema
from xinyong.store.tables import metadata
from xinyong.supervision.rules import tax_credit_rules
from xinyong.supervision.tax_grades import tax_grade_job

OUT = Path(__file__).parent / "out" / "supervision.json"
YEAR = 2025
RATES = {"tax_late_filing": 2.4, "tax_late_payment": 1.0, "invoice_violation": 0.8}
SHARES = {"tax_evasion": 0.01, "tax_abnormal_household": 0.015, "tax_no_operating_income": 0.10}
NOW = datetime(2026, 4, 20, tzinfo=UTC)


def _table(name: str, cols: dict[str, Any], n: int) -> pa.Table:
    schema = table_schema(metadata.tables[name])
    arrays = []
    for f in schema:
        v = cols.get(f.name)
        arrays.append(
            pa.nulls(n, f.type)
            if v is None
            else pa.array(v, f.type)
            if not isinstance(v, pa.Array)
            else v.cast(f.type)
        )
    return pa.Table.from_arrays(arrays, schema=schema)


def generate(out: Path, n: int, seed: int = 1) -> Snapshot:
    names = ("records", "subject_identifiers", "roles", "agencies")
    if all((out / f"{x}.parquet").exists() for x in names):
        paths = {x: out / f"{x}.parquet" for x in names}
        rows = {x: pq.ParquetFile(p).metadata.num_rows for x, p in paths.items()}
        return Snapshot(out, NOW, paths, f"B{n}", rows)
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    sid = pa.array([f"S{i:09d}" for i in range(n)])
    uscc = pa.array([f"9137108{i:010d}X" for i in range(n)])
    reg_days = rng.integers(date(2005, 1, 1).toordinal(), date(2025, 12, 31).toordinal(), n)
    epoch = date(1970, 1, 1).toordinal()
    # records: kind per row, subject index per row, decision day per row
    kinds: list[np.ndarray] = [np.full(n, "registration", dtype=object)]
    subj: list[np.ndarray] = [np.arange(n)]
    days: list[np.ndarray] = [reg_days]
    attrs: list[np.ndarray] = [np.full(n, '{"registration_status":"存续"}', dtype=object)]
    level = np.exp(0.7 * rng.normal(size=n))
    y0, y1 = date(YEAR, 1, 1).toordinal(), date(YEAR, 12, 31).toordinal()
    for kind, mean in RATES.items():
        k = rng.poisson(mean * level)
        idx = np.repeat(np.arange(n), k)
        kinds.append(np.full(len(idx), kind, dtype=object))
        subj.append(idx)
        days.append(rng.integers(y0, y1 + 1, len(idx)))
        attrs.append(np.full(len(idx), f'{{"tax_year":"{YEAR}"}}', dtype=object))
    for kind, share in SHARES.items():
        idx = np.flatnonzero(rng.random(n) < share)
        kinds.append(np.full(len(idx), kind, dtype=object))
        subj.append(idx)
        days.append(rng.integers(y0, y1 + 1, len(idx)))
        attrs.append(np.full(len(idx), f'{{"tax_year":"{YEAR}"}}', dtype=object))
    prev = rng.choice(np.array(list("ABMCD")), size=n, p=[0.1, 0.6, 0.1, 0.13, 0.07])
    kinds.append(np.full(n, "tax_credit_grade", dtype=object))
    subj.append(np.arange(n))
    days.append(np.full(n, date(YEAR, 4, 21).toordinal()))
    attrs.append(
        np.array([f'{{"grade":"{g}","tax_year":"{YEAR - 1}"}}' for g in prev], dtype=object)
    )
    kind = np.concatenate(kinds)
    who = np.concatenate(subj)
    day = np.concatenate(days) - epoch
    m = len(kind)
    rec = _table(
        "records",
        {
            "record_id": pa.array([f"R{i:010d}" for i in range(m)]),
            "version": pa.array(np.ones(m, dtype=np.int64)),
            "reporting_agency": pa.array(
                np.where(kind == "registration", "samr", "tax").astype(object)
            ),
            "source_key": pa.array([f"K{i}" for i in range(m)]),
            "subject_id": pc.take(sid, pa.array(who)),
            "kind": pa.array(kind),
            "content_hash": pa.array(np.full(m, "x", dtype=object)),
            "deciding_authority": pa.array(
                np.where(kind == "registration", "samr", "tax").astype(object)
            ),
            "decided_on": pa.array(day.astype("int32"), pa.int32()).cast(pa.date32()),
            "status": pa.array(np.full(m, "in_force", dtype=object)),
            "publication": pa.array(np.full(m, "published", dtype=object)),
            "attributes": pa.array(np.concatenate(attrs)),
            "locked": pa.array(np.zeros(m, dtype=bool)),
            "recorded_at": pa.array(np.full(m, NOW), pa.timestamp("us", tz="UTC")),
            "last_seen_at": pa.array(np.full(m, NOW), pa.timestamp("us", tz="UTC")),
        },
        m,
    )
    ids = _table(
        "subject_identifiers",
        {"scheme": pa.array(np.full(n, "uscc", dtype=object)), "value": uscc, "subject_id": sid,
         "first_seen_at": pa.array(np.full(n, NOW), pa.timestamp("us", tz="UTC"))},
        n,
    )  # fmt: skip
    persons = rng.integers(0, int(n / 1.2), n)
    roles = _table(
        "roles",
        {"role_id": pa.array(np.arange(n, dtype=np.int64)), "org_subject_id": sid,
         "role": pa.array(np.full(n, "legal_representative", dtype=object)),
         "person_subject_id": pa.array([f"P{p:09d}" for p in persons]),
         "person_name": pa.array(np.full(n, "某某", dtype=object)),
         "valid_from": pa.array((reg_days - epoch).astype("int32"), pa.int32()).cast(pa.date32()),
         "first_seen_at": pa.array(np.full(n, NOW), pa.timestamp("us", tz="UTC"))},
        n,
    )  # fmt: skip
    ag = _table(
        "agencies",
        {"code": pa.array(["tax", "samr"]), "name_zh": pa.array(["税务局", "市场监管局"]),
         "sector": pa.array(["tax", "market_regulation"]), "kinds": pa.array(["[]", "[]"]),
         "created_at": pa.array([NOW, NOW], pa.timestamp("us", tz="UTC"))},
        2,
    )  # fmt: skip
    paths = {}
    for name, t in (
        ("records", rec),
        ("subject_identifiers", ids),
        ("roles", roles),
        ("agencies", ag),
    ):
        p = out / f"{name}.parquet"
        pq.write_table(t, p, row_group_size=1 << 20)
        paths[name] = p
    return Snapshot(out, NOW, paths, f"B{n}", {"records": m, "subject_identifiers": n, "roles": n})


def _baseline(tables: dict[str, Any]) -> Any:
    r = tables["records"]
    reg = r.filter(r.kind == "registration").select("subject_id", "decided_on")
    y = r.filter(r.decided_on.year() == YEAR)
    y = y.group_by("subject_id").aggregate(n=y.count())
    return reg.left_join(y, reg.subject_id == y.subject_id).select(
        reg.subject_id, reg.decided_on, n=y.n.fill_null(0)
    )


def _time(fn: Any, runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def measure(engine: str, snap: Snapshot, runs: int) -> dict[str, Any]:
    backend = connect(engine)  # type: ignore[arg-type]
    rules = tax_credit_rules()

    def job() -> pa.Table:
        t = load(backend, snap)
        return collect(
            tax_grade_job(t, year=YEAR, evaluated_on=date(YEAR + 1, 4, 20), rules=rules),
            backend,
            ["subject_id"],
        )

    def base() -> pa.Table:
        return collect(_baseline(load(backend, snap)), backend, ["subject_id"])

    base_s, _ = _time(base, runs)
    job_s, result = _time(job, runs)
    counts = dict(
        sorted(
            zip(
                *np.unique(
                    result.column("grade").to_numpy(zero_copy_only=False), return_counts=True
                ),
                strict=True,
            )
        )
    )
    return {
        "engine": engine,
        "companies": snap.rows["subject_identifiers"],
        "records": snap.rows["records"],
        "job_s": round(job_s, 2),
        "baseline_s": round(base_s, 2),
        "ratio": round(job_s / base_s, 2),
        "grades": {k: int(v) for k, v in counts.items()},
        "spread": int(pc.sum(pc.invert(pc.is_null(result.column("spread_from")))).as_py() or 0),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--companies", type=int, default=1_000_000)
    ap.add_argument("--spark-companies", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", type=Path, help="Keep (and reuse) the generated Parquet here.")
    ap.add_argument("--skip-spark", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-supervision-") as tmp:
        base = args.data or Path(tmp)
        t = time.perf_counter()
        big = generate(base / f"c{args.companies}", args.companies)
        print(f"generated {args.companies:,} companies in {time.perf_counter() - t:.1f} s")
        rows.append({**measure("duckdb", big, args.runs), "load": os.getloadavg()[0]})
        print(rows[-1])
        if args.spark_companies:
            small = generate(base / f"c{args.spark_companies}", args.spark_companies)
            rows.append({**measure("duckdb", small, args.runs), "load": os.getloadavg()[0]})
            print(rows[-1])
            if not args.skip_spark:
                rows.append({**measure("spark", small, args.runs), "load": os.getloadavg()[0]})
                print(rows[-1])
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"machine": platform.machine(), "cpus": os.cpu_count(),
                               "date": datetime.now(UTC).isoformat(), "rows": rows}, indent=2))  # fmt: skip
    print("| engine | companies | records | grades s | baseline s | ratio | load |")
    for r in rows:
        print(f"| {r['engine']} | {r['companies']:,} | {r['records']:,} | {r['job_s']} | "
              f"{r['baseline_s']} | {r['ratio']} | {r['load']:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
