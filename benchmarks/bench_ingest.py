"""Ingest throughput against a same-run baseline, on SQLite and PostgreSQL.

Measured: ``xinyong.ingest.pipeline.ingest`` from the CSV on disk to the receipt (in
process, after imports), into a freshly migrated store with the agencies registered.

Baseline, on the same rows already parsed: the rows the measured run wrote to every
table (records with their superseded versions, subjects, identifiers, name variants,
roles, quarantine, batch, audit log) are read back and inserted into a second freshly
migrated store (identical tables and indexes): SQLite with ``executemany`` per table in
transactions of the same chunk size, PostgreSQL with one ``COPY`` per table.

    python benchmarks/bench_ingest.py --rows 1000000 --engines sqlite,postgresql \
        --pg-url "$(.ci/pg-start)" --repeat 3

``--parallel auto`` (the default) lets ``ingest`` choose whether a worker process prepares
rows (large file and a free core, see ``pipeline._parallel``); ``on``/``off`` force it.
The load average before and after each measured ingest is kept with the run (the machine
may be shared). Prints a markdown table and writes benchmarks/out/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from xinyong.actors import Agency
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.settings import Settings
from xinyong.store.actors import add_agency, ensure_local_admin
from xinyong.store.context import Store
from xinyong.store.engine import dispose_all
from xinyong.store.migrate import upgrade
from xinyong.store.tables import (
    audit_checkpoints,
    audit_log,
    ingest_batches,
    quarantine,
    records,
    roles,
    subject_identifiers,
    subject_names,
    subjects,
)
from xinyong.synth.bench_data import write_penalty_benchmark

TODAY = date(2026, 11, 27)
WRITTEN: list[Table] = [
    ingest_batches,
    subjects,
    subject_identifiers,
    subject_names,
    roles,
    records,
    quarantine,
    audit_log,
    audit_checkpoints,
]
#: the baseline's SQLite transactions are as large as the ingest's chunks
CHUNK = Settings().ingest_chunk_rows


def _new_db(engine: str, work: Path, pg_url: str | None, tag: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{work / f'{tag}-{uuid.uuid4().hex[:6]}.db'}"
    import psycopg

    assert pg_url, "--pg-url is needed for PostgreSQL"
    name = f"xy_bench_{tag}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
    return pg_url.rsplit("/", 1)[0] + "/" + name


def _drop(url: str, pg_url: str | None) -> None:
    dispose_all()
    if url.startswith("postgresql") and pg_url:
        import psycopg

        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def _store(url: str, work: Path, agencies: list[dict[str, Any]]) -> Store:
    store = Store(url, Settings(signing_key_path=work / f"{uuid.uuid4().hex}.key"))
    upgrade(store)
    with store.write(checkpoint=True) as tx:
        ensure_local_admin(tx)
        for a in agencies:
            add_agency(tx, Agency(**a))
    return store


def _written_rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for t in WRITTEN:
            cols = ", ".join(f'"{c.name}"' for c in t.columns)
            cur = raw.cursor()
            cur.execute(f'SELECT {cols} FROM "{t.name}"')
            out[t.name] = [
                tuple(
                    json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                    for v in r
                )
                for r in cur.fetchall()
            ]
            cur.close()
    return out


def _baseline(store: Store, data: dict[str, list[tuple[Any, ...]]]) -> float:
    """Insert the same rows with the engine's fastest plain path; seconds."""
    by_name = {t.name: t for t in WRITTEN}
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        # the fixture rows the measured run started from (admin, agencies) are already there;
        # the audit chain rows are replaced wholesale
        cur = raw.cursor()
        cur.execute("DELETE FROM audit_checkpoints")
        cur.execute("DELETE FROM audit_log")
        raw.commit()
        t0 = time.perf_counter()
        if store.sqlite:
            for name, rows in data.items():
                cols = [c.name for c in by_name[name].columns]
                sql = (
                    f'INSERT INTO "{name}" ({", ".join(cols)}) '
                    f"VALUES ({', '.join('?' for _ in cols)})"
                )
                for i in range(0, len(rows), CHUNK):
                    raw.execute("BEGIN IMMEDIATE")
                    raw.executemany(sql, rows[i : i + CHUNK])
                    raw.execute("COMMIT")
        else:
            with raw.cursor() as c:
                for name, rows in data.items():
                    cols = ", ".join(f'"{c2.name}"' for c2 in by_name[name].columns)
                    with c.copy(f'COPY "{name}" ({cols}) FROM STDIN') as cp:
                        for r in rows:
                            cp.write_row(r)
            raw.commit()
        return time.perf_counter() - t0


def run_once(
    engine: str,
    feed: Path,
    agencies: list[dict[str, Any]],
    work: Path,
    pg_url: str | None,
    agency: str,
    parallel: bool | None = None,
) -> dict[str, Any]:
    url = _new_db(engine, work, pg_url, "m")
    store = _store(url, work, agencies)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    c0 = time.process_time()
    receipt = ingest(store, IngestRequest(path=feed, agency=agency, today=TODAY, parallel=parallel))
    measured = time.perf_counter() - t0
    cpu = time.process_time() - c0
    load_after = os.getloadavg()
    data = _written_rows(store)
    _drop(url, pg_url)
    burl = _new_db(engine, work, pg_url, "b")
    bstore = _store(burl, work, agencies)
    base = _baseline(bstore, data)
    _drop(burl, pg_url)
    return {
        "measured_s": measured,
        "measured_cpu_s": cpu,
        "load_before": load_before,
        "load_after": load_after,
        "baseline_s": base,
        "rows": receipt.rows,
        "receipt": receipt.model_dump(mode="json"),
        "rows_written": {k: len(v) for k, v in data.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--engines", default="sqlite")
    ap.add_argument("--pg-url", default=None)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--encodings", default="utf-8,gb18030")
    ap.add_argument("--out", default="benchmarks/out/ingest.json")
    ap.add_argument("--parallel", choices=["auto", "on", "off"], default="auto")
    args = ap.parse_args()
    parallel = {"auto": None, "on": True, "off": False}[args.parallel]
    results = []
    with tempfile.TemporaryDirectory(prefix="xy-bench-") as tmp:
        work = Path(tmp)
        for enc in args.encodings.split(","):
            feed = work / f"penalties-{enc}.csv"
            info = write_penalty_benchmark(feed, rows=args.rows, seed=0, encoding=enc)
            agencies = info["agencies"]
            agency = info["agency"]["code"]
            for engine in args.engines.split(","):
                runs = [
                    run_once(engine, feed, agencies, work, args.pg_url, agency, parallel)
                    for _ in range(args.repeat)
                ]
                m = statistics.median(r["measured_s"] for r in runs)
                b = statistics.median(r["baseline_s"] for r in runs)
                row = {
                    "engine": engine,
                    "encoding": enc,
                    "rows": args.rows,
                    "feed": {k: v for k, v in info.items() if k not in ("agencies",)},
                    "measured_median_s": m,
                    "baseline_median_s": b,
                    "rows_per_s": args.rows / m,
                    "baseline_rows_per_s": args.rows / b,
                    "ratio": b / m,
                    "runs": runs,
                }
                results.append(row)
                loads = [f"{r['load_before'][0]:.1f}–{r['load_after'][0]:.1f}" for r in runs]
                print(
                    f"| {engine} | {enc} | {args.rows:,} | {m:.1f} | {args.rows / m:,.0f} | "
                    f"{b:.1f} | {args.rows / b:,.0f} | {b / m:.2f} | {', '.join(loads)} |",
                    flush=True,
                )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"machine": platform.platform(), "date": str(date.today()), "results": results},
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
