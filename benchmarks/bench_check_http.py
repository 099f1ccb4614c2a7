"""HTTP check throughput on loopback: ``POST /v1/check`` against the trivial health endpoint.

The server is ``uvicorn --factory xinyong.api.app:create_app`` in a subprocess (one
worker, ``--log-level warning`` as ``xinyong serve`` runs it), on a copy of a store built
by bench_check.py's builder (default 100,000 listed subjects, cached under
``/tmp/xinyong-bench``), with the database URL in ``XINYONG_DATABASE_URL``. The key is
created with ``create_key`` for the principal of an agency that implements
``civil_aviation``.

The load is bounded: ``--requests`` requests (default 3,000) at a fixed concurrency
(``--concurrency``, default 8 keep-alive connections), first against the trivial
endpoint (``GET /v1/health``, or ``GET /healthz`` where that is the only one), then
against ``POST /v1/check`` with ``{"subject", "measure": "consumption_flights", "on"}``,
alternating ``--rounds`` times (default 3, after a warm-up of each). Reported: the
median requests/s of each and their ratio (target: check >= 50 % of trivial), latency
percentiles, and the CPU seconds the server and the load generator used (both share
the machine's two vCPUs). Every response must be 200.

The checked subjects are bench_check.py's mix (50 % listed, 10 % representatives of one
listed unit, 20 % known unlisted, 20 % unknown). The default client is a minimal
asyncio HTTP/1.1 keep-alive client (least CPU taken from the server);
``--client httpx`` uses ``httpx.AsyncClient`` instead.

    python benchmarks/bench_check_http.py                  # 100,000 entries, SQLite
    python benchmarks/bench_check_http.py --entries 1000000 --requests 5000
    XINYONG_BENCH_PG_URL="$(bash .ci/pg-start)" python benchmarks/bench_check_http.py

Prints a markdown table and writes benchmarks/out/check_http.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import CAAC, MEASURE, ON, Population, prepare, sample_codes, summary

from xinyong.store.actors import create_key
from xinyong.store.engine import dispose_all

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# --- a minimal keep-alive HTTP/1.1 client -------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, chunked = 0, False
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        k = k.strip().lower()
        if k == b"content-length":
            length = int(v)
        elif k == b"transfer-encoding" and b"chunked" in v.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


class Load:
    """``total`` requests over ``concurrency`` connections; ``make(i)`` gives request i."""

    def __init__(self, port: int, total: int, concurrency: int, client: str) -> None:
        self.port, self.total, self.concurrency, self.client = port, total, concurrency, client

    async def _raw(self, make: Callable[[int], bytes]) -> tuple[list[float], Counter[int], bytes]:
        nxt = iter(range(self.total))
        lat: list[float] = []
        statuses: Counter[int] = Counter()
        sample = b""

        async def worker() -> None:
            nonlocal sample
            reader, writer = await asyncio.open_connection(HOST, self.port)
            try:
                for i in nxt:
                    req = make(i)
                    t = time.perf_counter()
                    writer.write(req)
                    status, body = await _read_response(reader)
                    lat.append(time.perf_counter() - t)
                    statuses[status] += 1
                    if not sample or status != 200:
                        sample = body
            finally:
                writer.close()

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return lat, statuses, sample

    async def _httpx(
        self, make: Callable[[int], tuple[str, str, dict[str, str], bytes | None]]
    ) -> tuple[list[float], Counter[int], bytes]:
        import httpx

        nxt = iter(range(self.total))
        lat: list[float] = []
        statuses: Counter[int] = Counter()
        sample = b""
        limits = httpx.Limits(
            max_connections=self.concurrency, max_keepalive_connections=self.concurrency
        )
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{self.port}", limits=limits) as cl:

            async def worker() -> None:
                nonlocal sample
                for i in nxt:
                    method, path, headers, body = make(i)
                    t = time.perf_counter()
                    r = await cl.request(method, path, headers=headers, content=body)
                    lat.append(time.perf_counter() - t)
                    statuses[r.status_code] += 1
                    if not sample or r.status_code != 200:
                        sample = r.content

            await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return lat, statuses, sample

    def run(self, raw: Callable[[int], bytes], hx: Callable[[int], Any]) -> dict[str, Any]:
        c0 = _self_cpu()
        t0 = time.perf_counter()
        if self.client == "httpx":
            lat, statuses, sample = asyncio.run(self._httpx(hx))
        else:
            lat, statuses, sample = asyncio.run(self._raw(raw))
        wall = time.perf_counter() - t0
        return {
            "requests": len(lat),
            "wall_s": wall,
            "rps": len(lat) / wall,
            "latency": summary([x * 1e6 for x in lat]),
            "statuses": dict(statuses),
            "client_cpu_s": _self_cpu() - c0,
            "sample": sample[:400].decode(errors="replace"),
        }


# --- the server ---------------------------------------------------------------------


class Server:
    def __init__(self, url: str, key_path: Path, log: Path) -> None:
        self.port = free_port()
        env = os.environ | {
            "XINYONG_DATABASE_URL": url,
            "XINYONG_SIGNING_KEY_PATH": str(key_path),
        }
        self.log = log
        self._log_f = log.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "xinyong.api.app:create_app",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=self._log_f,
            stderr=subprocess.STDOUT,
        )

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.port}{path}", timeout=5) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)

    def wait(self, timeout: float = 60) -> None:
        t = time.monotonic()
        while time.monotonic() - t < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                self.get("/openapi.json")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def has_route(self, method: str, path: str) -> bool:
        with urllib.request.urlopen(f"http://{HOST}:{self.port}/openapi.json", timeout=10) as r:
            spec = json.load(r)
        return method.lower() in spec.get("paths", {}).get(path, {})

    def cpu(self) -> float:
        return _proc_cpu(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log_f.close()


# --- the benchmark ------------------------------------------------------------------


def run_engine(engine: str, pop: Population, args: argparse.Namespace) -> dict[str, Any]:
    prep = prepare(engine, pop, "check", pg_url=args.pg_url)
    store = prep.store()
    with store.write() as tx:
        _, token = create_key(tx, CAAC)
    dispose_all()
    key_path = prep.settings.signing_key_path
    assert key_path is not None
    log = Path(args.out).with_suffix(f".{engine}.server.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    server = Server(prep.url, key_path, log)
    try:
        server.wait()
        if not server.has_route("post", "/v1/check"):
            raise SystemExit("POST /v1/check is not served yet; rerun when it is")
        trivial = "/v1/health" if server.has_route("get", "/v1/health") else "/healthz"
        host = f"{HOST}:{server.port}".encode()
        get_raw = b"GET " + trivial.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"
        codes = [c for _, c in sample_codes(pop, 5000, args.seed)]
        bodies = [
            json.dumps({"subject": c, "measure": MEASURE, "on": ON.isoformat()}).encode()
            for c in codes
        ]
        auth = f"Bearer {token}"
        post_head = (
            b"POST /v1/check HTTP/1.1\r\nHost: "
            + host
            + b"\r\nAuthorization: "
            + auth.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: "
        )

        def post_raw(i: int) -> bytes:
            b = bodies[i % len(bodies)]
            return post_head + str(len(b)).encode() + b"\r\n\r\n" + b

        hdrs = {"Authorization": auth, "Content-Type": "application/json"}
        endpoints: dict[str, tuple[Callable[[int], bytes], Callable[[int], Any]]] = {
            "trivial": (lambda i: get_raw, lambda i: ("GET", trivial, {}, None)),
            "check": (post_raw, lambda i: ("POST", "/v1/check", hdrs, bodies[i % len(bodies)])),
        }
        warm = Load(server.port, args.warmup, args.concurrency, args.client)
        load = Load(server.port, args.requests, args.concurrency, args.client)
        for name, (raw, hx) in endpoints.items():
            w = warm.run(raw, hx)
            assert w["statuses"] == {200: args.warmup}, (name, w["statuses"], w["sample"])
        phases: dict[str, list[dict[str, Any]]] = {"trivial": [], "check": []}
        for rnd in range(args.rounds):
            order = ("trivial", "check") if rnd % 2 == 0 else ("check", "trivial")
            for name in order:
                raw, hx = endpoints[name]
                s0 = server.cpu()
                r = load.run(raw, hx)
                r["server_cpu_s"] = server.cpu() - s0
                r["round"] = rnd
                phases[name].append(r)
                print(
                    f"  round {rnd} {name}: {r['rps']:,.0f} req/s, p50 "
                    f"{r['latency']['p50_us'] / 1000:.1f} ms, p99 "
                    f"{r['latency']['p99_us'] / 1000:.1f} ms, server CPU "
                    f"{r['server_cpu_s'] / r['wall_s']:.2f}, client CPU "
                    f"{r['client_cpu_s'] / r['wall_s']:.2f}, statuses {r['statuses']}",
                    file=sys.stderr,
                    flush=True,
                )
        bad = {
            n: [p["statuses"] for p in ps if set(p["statuses"]) != {200}]
            for n, ps in phases.items()
        }
        with store.read() as conn:
            from sqlalchemy import func, select

            from xinyong.store.tables import query_log

            logged = conn.execute(
                select(func.count()).select_from(query_log).where(query_log.c.channel == "api")
            ).scalar_one()
    finally:
        server.stop()
        prep.cleanup()
    med = {n: statistics.median(p["rps"] for p in ps) for n, ps in phases.items()}
    return {
        "engine": engine,
        "entries": pop.listed,
        "trivial_endpoint": trivial,
        "client": args.client,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "trivial_rps_median": med["trivial"],
        "check_rps_median": med["check"],
        "ratio": med["check"] / med["trivial"],
        "target_ratio": 0.5,
        "target_met": med["check"] / med["trivial"] >= 0.5,
        "non_200": bad,
        "query_log_api_rows": logged,
        "check_sample_response": phases["check"][-1]["sample"],
        "phases": phases,
        "build": prep.info,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--entries", type=int, default=100_000, help="listed subjects in the store")
    ap.add_argument("--requests", type=int, default=3000, help="requests per phase")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw")
    ap.add_argument(
        "--engines", default=None, help="default: sqlite, plus postgresql with XINYONG_BENCH_PG_URL"
    )
    ap.add_argument("--pg-url", default=os.environ.get("XINYONG_BENCH_PG_URL"))
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", default="benchmarks/out/check_http.json")
    args = ap.parse_args()
    load_before = os.getloadavg()
    engines = (args.engines or ("sqlite,postgresql" if args.pg_url else "sqlite")).split(",")
    pop = Population.of(args.entries)
    results = []
    for engine in engines:
        r = run_engine(engine, pop, args)
        results.append(r)
        print(
            "| engine | entries | client | requests × rounds | concurrency | trivial endpoint | "
            "trivial req/s | check req/s | ratio (target ≥ 0.50) | all 200 |\n"
            "|---|---:|---|---:|---:|---|---:|---:|---:|---|\n"
            f"| {engine} | {pop.listed:,} | {args.client} | {args.requests:,} × {args.rounds} | "
            f"{args.concurrency} | {r['trivial_endpoint']} | {r['trivial_rps_median']:,.0f} | "
            f"{r['check_rps_median']:,.0f} | {r['ratio']:.2f} | "
            f"{'yes' if not any(r['non_200'].values()) else 'NO'} |",
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
