"""Stamping record versions on PostgreSQL: one ``UPDATE … FROM unnest`` against single rows.

The ingest marks every chunk's superseded and seen-again versions (decision 135). This
ingests the benchmark penalty feed once into a fresh PostgreSQL store, then times
``--keys`` ``last_seen_at`` stamps on random record versions both ways, each in its own
transaction rolled back afterwards, alternating, ``--repeat`` times.

    python benchmarks/bench_stamp.py --pg-url "$(.ci/pg-start)" --rows 200000 --repeat 7

Prints a markdown row and writes benchmarks/out/stamp.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench_ingest import TODAY, _drop, _new_db, _store
from sqlalchemy import Connection

from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.store.bulk import execute_many, stamp_versions
from xinyong.synth.bench_data import write_penalty_benchmark

_ONE_EACH = "UPDATE records SET last_seen_at = ? WHERE record_id = ? AND version = ?"


def _one_each(conn: Connection, now: datetime, keys: list[tuple[str, int]]) -> None:
    execute_many(conn, _ONE_EACH, [(now, rid, v) for rid, v in keys])


def _joined(conn: Connection, now: datetime, keys: list[tuple[str, int]]) -> None:
    stamp_versions(conn, "last_seen_at", now, keys)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pg-url", required=True)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--keys", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", default="benchmarks/out/stamp.json")
    args = ap.parse_args()
    ways: dict[str, Callable[[Connection, datetime, list[tuple[str, int]]], None]] = {
        "executemany": _one_each,
        "unnest": _joined,
    }
    times: dict[str, list[float]] = {k: [] for k in ways}
    with tempfile.TemporaryDirectory(prefix="xy-bench-") as tmp:
        work = Path(tmp)
        feed = work / "penalties.csv"
        info = write_penalty_benchmark(feed, rows=args.rows, seed=0, encoding="utf-8")
        url = _new_db("postgresql", work, args.pg_url, "stamp")
        try:
            store = _store(url, work, info["agencies"])
            req = IngestRequest(
                path=feed, agency=info["agency"]["code"], today=TODAY, parallel=False
            )
            ingest(store, req)
            with store.read() as conn:
                sql = "SELECT record_id, version FROM records ORDER BY record_id, version"
                keys = [(r[0], int(r[1])) for r in conn.exec_driver_sql(sql)]
            now = datetime.now(UTC)
            for i in range(args.repeat):
                sample = random.Random(i).sample(keys, args.keys)
                for name, way in ways.items():
                    with store.engine.connect() as conn:
                        tx = conn.begin()
                        t0 = time.perf_counter()
                        way(conn, now, sample)
                        times[name].append(time.perf_counter() - t0)
                        tx.rollback()
            store.engine.dispose()
        finally:
            _drop(url, args.pg_url)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["executemany"] / med["unnest"]
    load = os.getloadavg()[0]
    print("| store rows | keys | executemany s | unnest s | ratio | load |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.rows:,} | {args.keys:,} | {med['executemany']:.2f} | {med['unnest']:.2f} | "
        f"{ratio:.2f} | {load:.1f} |"
    )
    result: dict[str, Any] = {
        "machine": platform.platform(),
        "date": str(date.today()),
        "rows": args.rows,
        "keys": args.keys,
        "runs_s": times,
        "median_s": med,
        "ratio": ratio,
        "load_after": load,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
