"""Scheme evaluation at city scale (issue 6): DuckDB and Spark compute, store to store.

    python benchmarks/bench_schemes.py compute --residents 500000 --engine duckdb
    python benchmarks/bench_schemes.py compute --residents 500000 --engine spark --repeat 2
    python benchmarks/bench_schemes.py store --residents 500000
    python benchmarks/bench_schemes.py curve --residents 500000,2000000,10000000

Data: ``benchmarks/scheme_data.py`` (about 10 records per resident), generated once
per size under ``--work``. Compute = ``xinyong.schemes.evaluate.compute`` (the Ibis job,
collected to Arrow, per-person moves JSON, the residents count) from the Parquet
snapshot. Baseline in the same process: the engine's plain group-by of every record by
subject on the same file (DuckDB SQL), i.e. one pass over the data. Store = ``evaluate``
on a SQLite store holding the same records: export, compute, write back (timed per
phase). Times in process after imports; medians; peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from scheme_data import AS_OF, generate

from xinyong.batch import connect, load, open_snapshot

OUT = Path(__file__).with_name("out")


def _data(work: Path, residents: int) -> Path:
    d = work / f"schemes-{residents}"
    if not (d / "snapshot.json").exists():
        t = time.perf_counter()
        generate(d, residents)
        print(f"generated {d} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return d


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def compute_point(data: Path, engine: str, repeat: int) -> dict[str, Any]:
    import duckdb

    from xinyong.schemes import load_scheme
    from xinyong.schemes.evaluate import compute

    snap = open_snapshot(data)
    loaded = load_scheme("rongcheng")
    load_before = _load()
    base = []
    for _ in range(repeat):
        t = time.perf_counter()
        con = duckdb.connect()
        path = str(snap.tables["records"]).replace("'", "''")
        con.sql(
            f"SELECT subject_id, count(*) n FROM read_parquet('{path}') GROUP BY 1"
        ).to_arrow_table()
        base.append(time.perf_counter() - t)
        con.close()
    times = []
    scored = 0
    backend = connect(engine)  # type: ignore[arg-type]
    for _ in range(repeat):
        t = time.perf_counter()
        scores = compute(loaded, load(backend, snap), backend, AS_OF)
        times.append(time.perf_counter() - t)
        scored = scores.scored
    med, bmed = statistics.median(times), statistics.median(base)
    return {
        "figure": "scheme_compute",
        "engine": engine,
        "residents": int(data.name.split("-")[1]),
        "records": snap.rows.get("records"),
        "scored": scored,
        "repeat": repeat,
        "seconds": times,
        "median_s": round(med, 2),
        "baseline_groupby_median_s": round(bmed, 2),
        "ratio_to_baseline": round(med / bmed, 1) if bmed else None,
        "peak_rss_mib": round(_peak_mib()),
        "load_before": load_before,
        "load_after": _load(),
    }


def _build_store(data: Path, url: str) -> None:
    """A SQLite store holding the benchmark's records (not timed)."""
    import pyarrow.parquet as pq

    from xinyong.store.context import Store
    from xinyong.store.migrate import upgrade

    store = Store(url)
    upgrade(store)
    snap = open_snapshot(data)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with store.write() as tx:
        tx.conn.exec_driver_sql(
            "INSERT INTO agencies (code, name_zh, sector, kinds, created_at) "
            "VALUES ('bench', '基准', 'other', '[]', ?)",
            (now,),
        )
    rf = pq.ParquetFile(snap.tables["records"])
    seen = 0
    for batch in rf.iter_batches(batch_size=200_000):
        cols = batch.to_pydict()
        n = len(cols["record_id"])
        new_subjects = [
            (s, "person", s, now)
            for s, k in zip(cols["subject_id"], cols["kind"], strict=True)
            if k == "residence"
        ]
        rows = [
            (
                cols["record_id"][i],
                1,
                "bench",
                cols["record_id"][i],
                cols["subject_id"][i],
                cols["kind"][i],
                "h",
                cols["decided_on"][i].isoformat(),
                cols["status"][i],
                "unpublished",
                cols["severity"][i],
                cols["attributes"][i],
                0,
                now,
                now,
            )
            for i in range(n)
        ]
        with store.write() as tx:
            if new_subjects:
                tx.conn.exec_driver_sql(
                    "INSERT INTO subjects (subject_id, kind, name, first_seen_at) "
                    "VALUES (?, ?, ?, ?)",
                    new_subjects,
                )
            tx.conn.exec_driver_sql(
                "INSERT INTO records (record_id, version, reporting_agency, source_key, subject_id,"
                " kind, content_hash, decided_on, status, publication, severity, attributes, locked,"
                " recorded_at, last_seen_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
        seen += n
    cons = pq.read_table(snap.tables["scheme_consents"]).to_pydict()
    with store.write() as tx:
        tx.conn.exec_driver_sql(
            "INSERT INTO scheme_consents (consent_id, scheme_id, subject_id, given_on, withdrawn_on,"
            " recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?)",
            [
                (f"C{i:025d}", s, sid, g.isoformat(), w.isoformat() if w else None, now, "admin")
                for i, (s, sid, g, w) in enumerate(
                    zip(
                        cons["scheme_id"],
                        cons["subject_id"],
                        cons["given_on"],
                        cons["withdrawn_on"],
                        strict=True,
                    )
                )
            ],
        )
    print(f"store built: {seen} records", file=sys.stderr)


def store_point(data: Path, work: Path, repeat: int) -> dict[str, Any]:
    from xinyong.schemes import load_scheme
    from xinyong.schemes.evaluate import evaluate
    from xinyong.store.context import Store

    db = work / f"{data.name}.db"
    url = f"sqlite:///{db}"
    if not db.exists():
        t = time.perf_counter()
        partial = db.with_name(db.name + ".building")
        for leftover in work.glob(partial.name + "*"):
            leftover.unlink()
        _build_store(data, f"sqlite:///{partial}")
        from xinyong.store.engine import dispose_all

        dispose_all()
        partial.replace(db)
        print(f"built {db} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    store = Store(url)
    loaded = load_scheme("rongcheng")
    load_before = _load()
    # baseline: the driver alone fetching the rows and columns the export reads
    from xinyong.batch.snapshot import _columns, _select_sql
    from xinyong.schemes.evaluate import rule_kinds
    from xinyong.schemes.job import COLUMNS
    from xinyong.store.tables import records

    kinds = sorted({"residence", *rule_kinds(loaded)})
    cond = records.c.superseded_at.is_(None) & (records.c.status == "in_force")
    with store.read() as conn:
        sql = _select_sql(
            conn,
            records,
            _columns(records, COLUMNS["records"]),
            True,
            cond & records.c.kind.in_(kinds),
        )
        raw = conn.connection.driver_connection
        t = time.perf_counter()
        cur = raw.cursor()
        cur.execute(sql)
        fetched = 0
        while rows := cur.fetchmany(100_000):
            fetched += len(rows)
        baseline_fetch = time.perf_counter() - t
    runs = []
    for i in range(repeat):
        phases: dict[str, float] = {}
        t = time.perf_counter()
        ev = evaluate(store, loaded, AS_OF, work_dir=work / f"run-{i}", timings=phases)
        runs.append({"total": time.perf_counter() - t, **phases, "scored": ev.scores.scored})
    med = statistics.median(r["total"] for r in runs)
    return {
        "figure": "scheme_store_to_store",
        "engine": "duckdb",
        "store": "sqlite",
        "residents": int(data.name.split("-")[1]),
        "runs": runs,
        "median_s": round(med, 1),
        "baseline_driver_fetch_s": round(baseline_fetch, 1),
        "baseline_rows": fetched,
        "peak_rss_mib": round(_peak_mib()),
        "load_before": load_before,
        "load_after": _load(),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["compute", "store", "curve"])
    ap.add_argument("--residents", default="500000")
    ap.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/xinyong-bench-schemes"))
    ap.add_argument("--json-only", action="store_true")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(exist_ok=True)
    sizes = [int(x) for x in a.residents.split(",")]
    if a.what == "compute":
        res = compute_point(_data(a.work, sizes[0]), a.engine, a.repeat)
    elif a.what == "store":
        res = store_point(_data(a.work, sizes[0]), a.work, a.repeat)
    else:
        points = []
        for n in sizes:
            _data(a.work, n)
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "compute",
                    "--residents",
                    str(n),
                    "--repeat",
                    str(a.repeat),
                    "--work",
                    str(a.work),
                    "--json-only",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            points.append(json.loads(out.strip().splitlines()[-1]))
            p = points[-1]
            print(
                f"| {n:,} | {p['records']:,} | {p['median_s']} | {p['baseline_groupby_median_s']} | "
                f"{p['median_s'] / n * 1e6:.2f} | {p['peak_rss_mib']:,} | {p['load_before']} |"
            )
        res = {"figure": "scheme_scaling_curve", "date": date.today().isoformat(), "points": points}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (OUT / f"schemes-{a.what}-{stamp}.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(json.dumps(res) if a.json_only else json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
