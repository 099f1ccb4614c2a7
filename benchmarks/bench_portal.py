"""Entity page render latency, server side, in process (issue 7: p99 ≤ 50 ms).

    python benchmarks/bench_portal.py --db sqlite:///demo-data/demo-small.db --pages 500

Samples organisations with public records (seeded), renders ``/entity/{id}`` (HTML) and
its JSON twin through the ASGI app with a TestClient, and reports p50/p90/p99/max per kind
of response. Baseline in the same run: ``/healthz`` through the same client (routing,
middleware, one trivial query), so the ratio says what the page itself costs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from xinyong.api.app import create_app
from xinyong.store.context import Store
from xinyong.store.tables import records, subjects


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    store = Store(args.db)
    with store.read() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                select(subjects.c.subject_id)
                .join(records, records.c.subject_id == subjects.c.subject_id)
                .where(subjects.c.kind == "organisation", records.c.publication == "published")
                .distinct()
            )
        ]
    rng = random.Random(args.seed)
    sample = [rng.choice(ids) for _ in range(args.pages)]
    client = TestClient(create_app(args.db))
    for sid in sample[:20]:  # warm-up
        client.get(f"/entity/{sid}")
    timings: dict[str, list[float]] = {"healthz": [], "entity html": [], "entity json": []}
    for sid in sample:
        for name, path in (
            ("healthz", "/healthz"),
            ("entity html", f"/entity/{sid}"),
            ("entity json", f"/entity/{sid}.json"),
        ):
            t = time.perf_counter()
            r = client.get(path)
            timings[name].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (path, r.status_code)
    rows = {
        k: {
            "p50_ms": statistics.median(v),
            "p90_ms": pct(v, 90),
            "p99_ms": pct(v, 99),
            "max_ms": max(v),
        }
        for k, v in timings.items()
    }
    base = rows["healthz"]["p50_ms"]
    print(f"store: {args.db}, organisations with public records: {len(ids)}, pages: {args.pages}")
    print("| response | p50 ms | p90 ms | p99 ms | max ms | p50 ÷ /healthz p50 |")
    print("|---|---:|---:|---:|---:|---:|")
    for k, v in rows.items():
        print(
            f"| {k} | {v['p50_ms']:.1f} | {v['p90_ms']:.1f} | {v['p99_ms']:.1f} | {v['max_ms']:.1f} | {v['p50_ms'] / base:.1f} |"
        )
    out = Path("benchmarks/out")
    out.mkdir(parents=True, exist_ok=True)
    (out / "portal.json").write_text(
        json.dumps({"db": args.db, "organisations": len(ids), "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
