"""Throughput of ``xinyong.identity.check_code`` over a mixed batch of codes.

200,000 codes (45 % USCC, 45 % resident IDs, 10 % corrupted copies of either),
generated with a fixed seed. Times are in process after imports, the median of
five runs. Baseline in the same run: ``stdnum.cn.uscc.is_valid`` over the USCC
subset, against ``check_code`` over that same subset (stdnum checks less: no
authority/category table, no region, no kind detection, no result model).

    PYTHONPATH=src python benchmarks/bench_id_check.py [--n 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import stdnum.cn.uscc

from xinyong.identity import (
    AUTHORITY_CATEGORIES,
    USCC_ALPHABET,
    address_codes,
    check_code,
    make_ric,
    make_uscc,
)

SEED = 20240601
RUNS = 5
OUT = Path(__file__).parent / "out" / "id_check.json"


def generate(n: int, seed: int = SEED) -> tuple[list[str], list[str]]:
    """``n`` mixed codes, and the valid USCCs among them (the baseline's subset)."""
    rng = random.Random(seed)
    counties = sorted(a.code for a in address_codes() if a.last_year is None)
    # market regulation dominates real registers; keep every authority present
    pairs = [a + c for a, (_, cats) in AUTHORITY_CATEGORIES.items() for c in cats]
    weights = [40.0 if p in ("91", "92") else 1.0 for p in pairs]
    start, span = date(1930, 1, 1), (date(2010, 12, 31) - date(1930, 1, 1)).days

    def uscc() -> str:
        pair = rng.choices(pairs, weights)[0]
        if rng.random() < 0.6:
            org = "MA" + "".join(rng.choices(USCC_ALPHABET, k=7))
        else:
            org = "".join(rng.choices("0123456789", k=9))
        return make_uscc(pair + rng.choice(counties) + org)

    def ric() -> str:
        born = start + timedelta(days=rng.randrange(span))
        return make_ric(rng.choice(counties), born, rng.randrange(1000))

    def corrupt(code: str) -> str:
        i = rng.randrange(len(code))
        if rng.random() < 0.8:  # a mistyped character
            pool = USCC_ALPHABET if rng.random() < 0.5 else "0123456789X"
            return code[:i] + rng.choice([c for c in pool if c != code[i]]) + code[i + 1 :]
        return code[:i] + code[i + 1 :]  # a dropped character

    codes: list[str] = []
    usccs: list[str] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.45:
            code = uscc()
            usccs.append(code)
        elif r < 0.90:
            code = ric()
        else:
            code = corrupt(uscc() if rng.random() < 0.5 else ric())
        codes.append(code)
    return codes, usccs


def median_seconds(fn: Callable[[Sequence[str]], object], items: Sequence[str]) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn(items)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_check_code(items: Sequence[str]) -> list[bool]:
    return [check_code(c).valid for c in items]


def run_stdnum(items: Sequence[str]) -> list[bool]:
    return [stdnum.cn.uscc.is_valid(c) for c in items]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    args = parser.parse_args()

    codes, usccs = generate(args.n)
    verdicts = run_check_code(codes)  # warm-up (address table, caches)
    run_stdnum(usccs)

    t_all = median_seconds(run_check_code, codes)
    t_ours = median_seconds(run_check_code, usccs)
    t_stdnum = median_seconds(run_stdnum, usccs)
    rate_all = len(codes) / t_all
    rate_ours, rate_stdnum = len(usccs) / t_ours, len(usccs) / t_stdnum
    ratio = rate_ours / rate_stdnum

    result = {
        "benchmark": "id_check",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        },
        "seed": SEED,
        "runs": RUNS,
        "codes": len(codes),
        "valid": sum(verdicts),
        "uscc_subset": len(usccs),
        "check_code_seconds": t_all,
        "check_code_per_second": rate_all,
        "check_code_uscc_per_second": rate_ours,
        "stdnum_uscc_per_second": rate_stdnum,
        "ratio_vs_stdnum_uscc": ratio,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")

    print(
        "| benchmark | codes | valid | median s | codes/s "
        "| USCC subset: ours/s | stdnum/s | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| id check_code | {len(codes):,} | {sum(verdicts):,} | {t_all:.3f} | {rate_all:,.0f} "
        f"| {rate_ours:,.0f} | {rate_stdnum:,.0f} | {ratio:.2f}× |"
    )


if __name__ == "__main__":
    main()
