"""The daily expiry job (``xinyong.lists.expiry.expire``) over 1M due entries.

The store (built fast by bench_check.py's builder, cached under ``/tmp/xinyong-bench``)
holds ``--entries`` published ``court_dishonest_debtors`` entries whose term ended 0–364
days before the run date (2026-11-27), each with its ``published`` history row and
acknowledged notice, plus a tenth as many entries still in force, and their subjects.

Measured, on a fresh copy of that store: ``expire(tx, on=...)`` inside one
``store.write()`` transaction, until the commit has returned (the final audit flush with
its checkpoints is part of it). Afterwards the run is verified: exactly ``--entries``
entries moved to ``expired``, history and audit rows grew by exactly that many (+1 audit
entry, the job's summary).

Baselines from the same run, each on its own fresh copy, in one write transaction with
commit: ``update`` — the job's own first statement alone (the same ``UPDATE`` of the
same rows, no history, no audit); ``update+history`` — that and the job's set-based
``INSERT … SELECT`` of the history rows (all of it but the per-entry audit entries).

    python benchmarks/bench_expiry.py                      # 1,000,000 due entries, SQLite
    python benchmarks/bench_expiry.py --entries 100000 --repeat 3
    XINYONG_BENCH_PG_URL="$(bash .ci/pg-start)" python benchmarks/bench_expiry.py --engines sqlite,postgresql

Prints a markdown table and writes benchmarks/out/expiry.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import func, select
from ulid import ULID

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import ON, Population, Prepared, prepare

from xinyong.audit.log import now_utc
from xinyong.lists.expiry import EXPIRY_ACTOR, _mark, _plan, _write_history, expire
from xinyong.store.context import Store
from xinyong.store.tables import audit_checkpoints, audit_log, list_entries, list_entry_history

TARGET_S = 30.0


def _counts(store: Store) -> dict[str, int]:
    with store.read() as conn:
        c = list_entries.c
        by_status = dict(
            conn.execute(select(c.status, func.count()).group_by(c.status)).all()  # type: ignore[arg-type]
        )
        return {
            "history": conn.execute(
                select(func.count()).select_from(list_entry_history)
            ).scalar_one(),
            "audit": conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
            "checkpoints": conn.execute(
                select(func.count()).select_from(audit_checkpoints)
            ).scalar_one(),
            "expired_audit": conn.execute(
                select(func.count())
                .select_from(audit_log)
                .where(audit_log.c.action == "list.entry.expired")
            ).scalar_one(),
            "published": int(by_status.get("published", 0)),
            "expired": int(by_status.get("expired", 0)),
        }


class SqlClock:
    """Time spent in the driver's execute, by statement kind (the rest is Python; rows
    fetched later from a cursor count as Python here)."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine
        self.spent: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._t: list[float] = []

    @staticmethod
    def kind(statement: str) -> str:
        words = statement.split()
        verb = words[0].upper()
        table = ""
        for kw in ("INTO", "UPDATE", "FROM"):
            if kw in (w.upper() for w in words):
                i = [w.upper() for w in words].index(kw)
                table = words[i + 1].strip('"') if kw != "UPDATE" else words[1].strip('"')
                break
        return f"{verb} {table}".strip()

    def _before(self, *_a: Any) -> None:
        self._t.append(time.perf_counter())

    def _after(self, _conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        k = self.kind(statement)
        self.spent[k] += time.perf_counter() - self._t.pop()
        self.calls[k] += 1

    def __enter__(self) -> SqlClock:
        sqlalchemy.event.listen(self.engine, "before_cursor_execute", self._before)
        sqlalchemy.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_exc: Any) -> None:
        sqlalchemy.event.remove(self.engine, "before_cursor_execute", self._before)
        sqlalchemy.event.remove(self.engine, "after_cursor_execute", self._after)


def run_expire(prep: Prepared, due: int) -> dict[str, Any]:
    store = prep.store()
    before = _counts(store)
    assert before["published"] >= due, before
    _ = store.signer  # load the signing key before the clock starts
    with SqlClock(store) as clock:
        t0 = time.perf_counter()
        with store.write(EXPIRY_ACTOR) as tx:
            report = expire(tx, on=ON)
            t1 = time.perf_counter()
        seconds = time.perf_counter() - t0
    # SQLite: the log is copied back by the background checkpointer, after the commit
    # (store/wal.py); how long until it is all in the database file, for the record
    wal_copied_after_s = _wal_copied_after(store) if store.sqlite else None
    after = _counts(store)
    verified = {
        "expired_entries": report.expired == due,
        "status_expired": after["expired"] - before["expired"] == due,
        "history_plus_n": after["history"] - before["history"] == due,
        "audit_plus_n_plus_1": after["audit"] - before["audit"] == due + 1,
        "expired_audit_entries": after["expired_audit"] - before["expired_audit"] == due,
    }
    # a rerun for the same day finds nothing left to do
    with store.write(EXPIRY_ACTOR) as tx:
        verified["rerun_finds_nothing"] = expire(tx, on=ON).expired == 0
    # and the chain, with the job's million entries, verifies as ``xinyong audit verify``
    from xinyong.audit.verify import verify

    t_verify = time.perf_counter()
    with store.read() as conn:
        chain = verify(conn, store.pinned_public_key()[0], store.external_checkpoints())
    verified["audit_verify_ok"] = chain.ok
    verify_s = time.perf_counter() - t_verify
    return {
        "seconds": seconds,
        "in_job_s": t1 - t0,
        "final_flush_and_commit_s": seconds - (t1 - t0),
        "wal_copied_after_commit_s": wal_copied_after_s,
        "expired": report.expired,
        "before": before,
        "after": after,
        "new_checkpoints": after["checkpoints"] - before["checkpoints"],
        "verified": verified,
        "audit_verify_s": verify_s,
        # statements the job runs through SQLAlchemy; its driver-SQL audit rows are not seen
        "sql_s_by_statement": dict(clock.spent),
        "sql_calls_by_statement": dict(clock.calls),
    }


def _wal_copied_after(store: Any) -> float:
    """Seconds from now until every frame of the log is in the database file."""
    db = store.url.removeprefix("sqlite:///")
    t0 = time.perf_counter()
    with sqlite3.connect(db) as c:
        while True:
            busy, log, done = c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if not busy and log == done:
                return time.perf_counter() - t0
            time.sleep(0.05)


def run_baseline(prep: Prepared, due: int, *, with_history: bool) -> dict[str, Any]:
    """The job's UPDATE (and its history INSERT … SELECT), no audit; one transaction."""
    store = prep.store()
    run, at = str(ULID()), now_utc()
    t0 = time.perf_counter()
    with store.write(EXPIRY_ACTOR) as tx:
        n = _mark(tx, ON, run, at, _plan(tx, ON))  # the job's own statement and plan
        if with_history:
            _write_history(tx, run, at, EXPIRY_ACTOR)  # the job's own history rows
    seconds = time.perf_counter() - t0
    assert n == due, (n, due)
    return {"seconds": seconds, "rows": n}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--entries", type=int, default=1_000_000, help="due entries")
    ap.add_argument(
        "--not-due", type=int, default=None, help="entries still in force (default: a tenth)"
    )
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--engines", default="sqlite")
    ap.add_argument("--pg-url", default=os.environ.get("XINYONG_BENCH_PG_URL"))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--out", default="benchmarks/out/expiry.json")
    args = ap.parse_args()
    load_before = os.getloadavg()
    n = args.entries
    not_due = n // 10 if args.not_due is None else args.not_due
    pop = Population.of(n + not_due, due=n)
    results = []
    print(
        "| engine | due entries | expire s | entries/s | update s | update+history s | "
        "ratio update/expire | ratio update+history/expire | verified |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        flush=True,
    )
    for engine in args.engines.split(","):
        runs, base_u, base_uh = [], [], []
        build: dict[str, Any] = {}
        for i in range(args.repeat):
            for what in ("expire", "update", "update+history"):
                prep = prepare(
                    engine,
                    pop,
                    "expiry",
                    pg_url=args.pg_url,
                    rebuild=args.rebuild and i == 0 and what == "expire",
                    log=lambda s: print(s, file=sys.stderr, flush=True),
                )
                build = prep.info
                try:
                    if what == "expire":
                        runs.append(run_expire(prep, n))
                    elif what == "update":
                        base_u.append(run_baseline(prep, n, with_history=False))
                    else:
                        base_uh.append(run_baseline(prep, n, with_history=True))
                finally:
                    prep.cleanup()
        m = statistics.median(r["seconds"] for r in runs)
        bu = statistics.median(r["seconds"] for r in base_u)
        buh = statistics.median(r["seconds"] for r in base_uh)
        ok = all(all(r["verified"].values()) for r in runs)
        row = {
            "engine": engine,
            "due": n,
            "not_due": not_due,
            "population": {"listed": pop.listed, "unlisted": pop.unlisted, "due": pop.due},
            "build": build,
            "expire_median_s": m,
            "entries_per_s": n / m,
            "baseline_update_median_s": bu,
            "baseline_update_history_median_s": buh,
            "ratio_update_to_expire": bu / m,
            "ratio_update_history_to_expire": buh / m,
            "target_s": TARGET_S,
            "target_met": m < TARGET_S,
            "verified": ok,
            "runs": runs,
            "baseline_update_runs": base_u,
            "baseline_update_history_runs": base_uh,
        }
        results.append(row)
        print(
            f"| {engine} | {n:,} | {m:.1f} | {n / m:,.0f} | {bu:.1f} | {buh:.1f} | "
            f"{bu / m:.2f} | {buh / m:.2f} | {'yes' if ok else 'NO'} |",
            flush=True,
        )
        sql = runs[-1]["sql_s_by_statement"]
        print(
            f"  last run: in job {runs[-1]['in_job_s']:.1f} s, final flush + commit "
            f"{runs[-1]['final_flush_and_commit_s']:.1f} s; log copied back by the "
            f"background checkpointer {runs[-1]['wal_copied_after_commit_s'] or 0:.1f} s after "
            "the commit; SQLAlchemy statements: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(sql.items(), key=lambda kv: -kv[1]))
            + f"; verified {runs[-1]['verified']}",
            flush=True,
        )
    print(f"load average before {load_before}, after {os.getloadavg()} (2 vCPUs)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "date": str(date.today()),
                "on": ON.isoformat(),
                "args": vars(args) | {"pg_url": bool(args.pg_url)},
                # the machine is shared: other work's load, 1/5/15-minute averages
                "loadavg_before": load_before,
                "loadavg_after": os.getloadavg(),
                "results": results,
            },
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
