"""Latency of the check service (``xinyong.measures.check``) on a store of 1M list entries.

The store is built fast, below the lifecycle API: ``xinyong.store.bulk.bulk_insert`` of
subjects, identifiers, legal-representative roles, published ``court_dishonest_debtors``
entries (each with its ``published`` history row) and acknowledged ``consumption_flights``
notices. Three subjects in four are persons (resident IDs), one an organisation (USCC);
0.4x as many again are known but not listed (unlisted units, the legal representatives
of listed units — one each, or one for every four units for 15 % of them — and persons
with no role); unknown codes are valid codes of nobody. Nothing runs ANALYZE on SQLite
(the platform never does; ``--analyze`` to compare). The SQLite file is cached under
``/tmp/xinyong-bench`` keyed by size, builder version and a digest of the migrations, and
copied for each run; on PostgreSQL the built database is kept as a template.

Measured, per single-subject call, interleaved in blocks so that the noise of the shared
machine falls on all of them alike:

* ``check``: ``check(store, cat, principal, [code], "consumption_flights", on,
  channel="api")`` — write transaction, permission check, answer, query-log row and
  audit-chain entry, commit;
* ``answer_tx``: ``answer(...)`` in its own read transaction (``store.read()``);
* ``answer``: ``answer(...)`` alone, on one open read connection;
* baselines from the same run: ``floor_write`` — one write transaction (``BEGIN
  IMMEDIATE`` on SQLite, through the same engine) with the subject lookup by identifier
  and a single-row ``query_log`` insert, committed; ``lookup`` — the subject lookup by
  identifier alone in a read transaction.

Checked codes: 50 % listed subjects, 10 % legal representatives of one listed unit
(restricted with scope ``unit_assets``), 20 % known unlisted, 20 % unknown. Apart from the
mix, ``--multi-probe`` calls check representatives of four listed units. Also recorded:
the mean time of each of ``check()``'s steps (replayed with a clock between them) and
SQLite's plan for the entries query with one subject and with four units.

    python benchmarks/bench_check.py                       # 1,000,000 entries, SQLite
    python benchmarks/bench_check.py --entries 100000 --calls 2000
    XINYONG_BENCH_PG_URL="$(bash .ci/pg-start)" python benchmarks/bench_check.py

Prints a markdown table and writes benchmarks/out/check.json. The builder here is shared
by bench_expiry.py and bench_check_http.py.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from xinyong.actors import Agency, Principal
from xinyong.catalogue import Catalogue, get_catalogue
from xinyong.identity import address_codes, make_ric, make_uscc
from xinyong.measures.check import _log, answer, check, require_checker
from xinyong.settings import Settings
from xinyong.store.actors import add_agency, ensure_local_admin, get_principal
from xinyong.store.bulk import bulk_insert
from xinyong.store.context import Store
from xinyong.store.engine import dispose_all
from xinyong.store.migrate import upgrade
from xinyong.store.tables import (
    audit_log,
    list_entries,
    list_entry_history,
    measure_notices,
    query_log,
    roles,
    subject_identifiers,
    subjects,
)

#: bump when the built store changes shape (invalidates the cache)
BUILD_VERSION = 1
CACHE = Path(os.environ.get("XINYONG_BENCH_CACHE", "/tmp/xinyong-bench"))
ON = date(2026, 11, 27)
MEASURE = "consumption_flights"
LIST_ID = "court_dishonest_debtors"
COURT = "bench-court"
CAAC = "bench-caac"
CHUNK = 50_000
AGENCIES = [
    Agency(
        code=COURT,
        name_zh="基准测试中级人民法院",
        sector="court",
        kinds=("court_dishonest_listing",),
    ),
    Agency(
        code=CAAC,
        name_zh="基准测试民航管理局",
        sector="other",
        kinds=(),
        implements=("civil_aviation",),
    ),
]
GROUNDS = (
    "able_but_refuses",
    "obstructs_enforcement",
    "evades_enforcement",
    "violates_asset_reporting",
)
STAMP = datetime(2026, 1, 5, 3, 0, 0, tzinfo=UTC)
_COUNTIES = sorted(a.code for a in address_codes() if a.last_year is None)
_BIRTH0 = date(1950, 1, 1)


# --- the population -----------------------------------------------------------------


def is_person(g: int) -> bool:
    return g % 4 < 3  # three persons to one organisation


def code_of(g: int) -> str:
    """The identifier of subject number ``g``: distinct for every ``g``, always valid."""
    nc = len(_COUNTIES)
    if is_person(g):
        j = g // 1000
        birth = _BIRTH0 + timedelta(days=(j // nc + 13 * (j % nc)) % 20000)
        return make_ric(_COUNTIES[j % nc], birth, g % 1000)
    return make_uscc(f"91{_COUNTIES[g % nc]}{g // nc:09d}")


def sid(g: int) -> str:
    return f"01JBS{g:021d}"  # ULID-shaped, in insertion order


GROUP = 4  # units of a multi-unit representative (SQLite changes plan from 4 on)


@dataclass(frozen=True)
class Population:
    """Subject numbers ``0 .. listed-1`` have one entry each (the first ``due`` with a term
    that ended by ``ON``); ``start .. known-1`` are known but not listed; numbers from
    ``known`` on are nobody's (unknown codes). Every organisation has a legal
    representative: a listed unit an unlisted person — one person per unit for all but
    ``multi_share`` of them, whose representatives hold ``GROUP`` units each — and an
    unlisted unit a listed person."""

    listed: int
    unlisted: int
    due: int = 0
    multi_share: float = 0.15

    @staticmethod
    def of(listed: int, *, due: int = 0) -> Population:
        unlisted = max(100, 4 * round(0.4 * listed / 4))
        return Population(listed=listed, unlisted=unlisted, due=due)

    @property
    def start(self) -> int:
        return -(-self.listed // 4) * 4

    @property
    def known(self) -> int:
        return self.start + self.unlisted

    @property
    def listed_orgs(self) -> int:
        return self.listed // 4

    @property
    def single(self) -> int:
        """Listed units 0..single-1 (by rank) have a representative of their own."""
        return self.listed_orgs - GROUP * int(self.listed_orgs * self.multi_share / GROUP)

    @property
    def multi(self) -> int:
        """Representatives of GROUP listed units each."""
        return (self.listed_orgs - self.single) // GROUP

    @property
    def unlisted_persons(self) -> int:
        return 3 * (self.unlisted // 4)

    def unlisted_person(self, k: int) -> int:
        assert 0 <= k < self.unlisted_persons, k
        return self.start + 4 * (k // 3) + k % 3

    def rep_of_listed_org(self, g: int) -> int:
        r = g // 4
        k = r if r < self.single else self.single + (r - self.single) // GROUP
        return self.unlisted_person(k)

    def rep_of_unlisted_org(self, g: int) -> int:
        r = (g - self.start) // 4
        p = 4 * ((r // 3) % max(1, self.listed // 4)) + r % 3
        assert is_person(p) and p < self.listed, (g, p)
        return p


def sample_codes(
    pop: Population, n: int, seed: int, *, multi: bool = False
) -> list[tuple[str, str]]:
    """``n`` (kind, code): 50 % listed subjects, 10 % representatives of one listed unit,
    20 % known unlisted ones (units, and persons without roles), 20 % unknown. With
    ``multi``: representatives of GROUP listed units only."""
    rng = random.Random(seed)
    out = []
    idle = pop.unlisted_persons - pop.single - pop.multi  # unlisted persons with no role
    for _ in range(n):
        r = rng.random()
        if multi:
            g, kind = (
                pop.unlisted_person(pop.single + rng.randrange(pop.multi)),
                f"rep_{GROUP}_units",
            )
        elif r < 0.5:
            g, kind = rng.randrange(pop.listed), "listed"
        elif r < 0.6:
            g, kind = pop.unlisted_person(rng.randrange(pop.single)), "rep_1_unit"
        elif r < 0.8:
            if idle > 0 and rng.random() < 0.5:
                g = pop.unlisted_person(pop.single + pop.multi + rng.randrange(idle))
            else:
                g = pop.start + 4 * rng.randrange(pop.unlisted // 4) + 3
            kind = "unlisted"
        else:
            g, kind = pop.known + rng.randrange(10 * pop.known), "unknown"
        out.append((kind, code_of(g)))
    return out


# --- building the store -------------------------------------------------------------


def _days(g: int, mod: int, salt: int) -> int:
    return (g * 2654435761 + salt * 40503) % 4294967296 % mod


def _subject_rows(
    pop: Population, lo: int, hi: int, names: tuple[str, ...]
) -> dict[str, list[dict[str, Any]]]:
    subs, idents, rls = [], [], []
    with_subjects = "subjects" in names
    for g in range(lo, hi):
        person = is_person(g)
        if not with_subjects:
            if not person:
                p = pop.rep_of_listed_org(g) if g < pop.listed else pop.rep_of_unlisted_org(g)
                rls.append(
                    {
                        "org_subject_id": sid(g),
                        "role": "legal_representative",
                        "person_subject_id": sid(p),
                        "person_name": f"被执行人{p}",
                        "valid_from": None,
                        "valid_to": None,
                        "source_record_id": None,
                        "first_seen_at": STAMP,
                    }
                )
            continue
        code = code_of(g)
        subs.append(
            {
                "subject_id": sid(g),
                "kind": "person" if person else "organisation",
                "name": f"被执行人{g}" if person else f"基准测试{g}有限公司",
                "region": code[:6] if person else code[2:8],
                "first_seen_at": STAMP,
                "first_batch": None,
            }
        )
        idents.append(
            {
                "scheme": "ric" if person else "uscc",
                "value": code,
                "subject_id": sid(g),
                "valid_from": None,
                "valid_to": None,
                "first_seen_at": STAMP,
            }
        )
    if with_subjects:
        return {"subjects": subs, "subject_identifiers": idents}
    return {"roles": rls}


def _entry_rows(pop: Population, lo: int, hi: int) -> dict[str, list[dict[str, Any]]]:
    ents, hist, nots = [], [], []
    for g in range(lo, hi):
        if g < pop.due:  # expiry store: the term ended 0..364 days before ON
            ground = GROUNDS[1 + g % 3]
            end: date | None = ON - timedelta(days=_days(g, 365, 1))
            assert end is not None
            start = end - timedelta(days=730)
        else:
            ground = GROUNDS[g % 4]
            start = ON - timedelta(days=1 + _days(g, 700, 2))
            end = None if ground == "able_but_refuses" else start + timedelta(days=730)
        ack = min(ON, start + timedelta(days=_days(g, 5, 3)))
        at = datetime.combine(start, datetime.min.time(), UTC) + timedelta(hours=2)
        eid = f"01JBE{g:021d}"
        ents.append(
            {
                "entry_id": eid,
                "list_id": LIST_ID,
                "subject_id": sid(g),
                "source_record_id": f"01JBR{g:021d}",
                "ground": ground,
                "via": "direct",
                "deciding_authority": COURT,
                "status": "published",
                "proposed_at": at,
                "proposed_by": COURT,
                "decided_at": at,
                "decided_by": COURT,
                "decided_on": start,
                "reason": None,
                "term_start": start,
                "term_end": end,
                "extensions": 0,
                "ended_on": None,
                "end_event": None,
                "event_on": None,
                "removal_due": None,
                "removal_late": None,
                "version": 1,
                "changed_by_run": None,
                "updated_at": at,
            }
        )
        hist.append(
            {
                "entry_id": eid,
                "seq": 1,
                "at": at,
                "actor": COURT,
                "event": "published",
                "status": "published",
                "term_start": start,
                "term_end": end,
                "ended_on": None,
                "detail": {"ground": ground, "decided_on": start.isoformat()},
            }
        )
        nots.append(
            {
                "notice_id": f"01JBN{g:021d}",
                "entry_id": eid,
                "measure_id": MEASURE,
                "implementing_type": "civil_aviation",
                "subject_id": sid(g),
                "status": "acknowledged",
                "sent_at": at,
                "acknowledged_at": at + timedelta(days=(ack - start).days, hours=1),
                "acknowledged_on": ack,
                "acknowledged_by": f"{CAAC}-officer",
                "acknowledging_agency": CAAC,
                "applied": None,
                "feedback": None,
                "reported_at": None,
                "reported_by": None,
            }
        )
    return {"list_entries": ents, "list_entry_history": hist, "measure_notices": nots}


TABLES = {
    t.name: t
    for t in (
        subjects,
        subject_identifiers,
        roles,
        list_entries,
        list_entry_history,
        measure_notices,
    )
}


def build(store: Store, pop: Population, *, analyze: bool) -> dict[str, Any]:
    """Migrate and fill ``store``; returns timings and row counts."""
    t0 = time.perf_counter()
    upgrade(store)
    with store.write(checkpoint=True) as tx:
        ensure_local_admin(tx)
        for a in AGENCIES:
            add_agency(tx, a)
    counts: dict[str, int] = dict.fromkeys(TABLES, 0)

    def put(chunk: dict[str, list[dict[str, Any]]]) -> None:
        # one transaction per chunk: a single huge one makes SQLite's WAL (and its index)
        # as large as the database and the build several times slower
        with store.write() as tx:
            if store.sqlite:
                tx.conn.exec_driver_sql("PRAGMA cache_size=-1048576")
            for name, rows in chunk.items():
                bulk_insert(tx.conn, TABLES[name], rows)
                counts[name] += len(rows)

    # subjects first, roles after (a role's person may come later: foreign keys)
    for names in (("subjects", "subject_identifiers"), ("roles",)):
        for lo, hi in ((0, pop.listed), (pop.start, pop.known)):
            for a in range(lo, hi, CHUNK):
                put(_subject_rows(pop, a, min(hi, a + CHUNK), names))
    for lo in range(0, pop.listed, CHUNK):
        put(_entry_rows(pop, lo, min(pop.listed, lo + CHUNK)))
    if analyze:
        with store.write() as tx:
            tx.conn.exec_driver_sql("ANALYZE")
    return {"build_s": time.perf_counter() - t0, "rows": counts, "analyzed": analyze}


# --- where stores live --------------------------------------------------------------


@dataclass
class Prepared:
    url: str
    settings: Settings
    info: dict[str, Any]
    cleanup: Callable[[], None]

    def store(self) -> Store:
        return Store(self.url, self.settings)


def _pg_admin(pg_url: str) -> Any:
    import psycopg

    return psycopg.connect(pg_url, autocommit=True)


def _pg_db_url(pg_url: str, name: str) -> str:
    return pg_url.rsplit("/", 1)[0] + "/" + name


def schema_tag() -> str:
    """A digest of the migrations: a cached store is rebuilt when the schema changes."""
    import hashlib

    import xinyong.store.migrations as mig

    h = hashlib.sha256()
    for f in sorted((Path(mig.__file__).parent / "versions").glob("*.py")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:8]


def prepare(
    engine: str,
    pop: Population,
    tag: str,
    *,
    pg_url: str | None = None,
    analyze: bool = False,
    rebuild: bool = False,
    log: Callable[[str], None] = print,
) -> Prepared:
    """A fresh working copy of the cached store for ``pop`` (built on the first call)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = (
        f"{tag}-{pop.listed}-{pop.unlisted}-{pop.due}-a{int(analyze)}-v{BUILD_VERSION}"
        f"-{schema_tag()}"
    )
    meta = CACHE / f"{key}.{engine}.json"
    keyfile = CACHE / f"{key}.signing.key"
    run_id = uuid.uuid4().hex[:8]
    if engine == "sqlite":
        cached = CACHE / f"{key}.db"
        if rebuild or not (cached.exists() and meta.exists()):
            for p in CACHE.glob(f"{key}.db*"):
                p.unlink()
            log(f"building {cached} ({pop.listed:,} entries) …")
            store = Store(f"sqlite:///{cached}", Settings(signing_key_path=keyfile))
            info = build(store, pop, analyze=analyze)
            dispose_all()
            with sqlite3.connect(cached) as raw:  # everything into the main file
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            meta.write_text(json.dumps(info, indent=2))
            log(f"built in {info['build_s']:.1f} s")
        info = json.loads(meta.read_text())
        work = CACHE / f"run-{run_id}"
        work.mkdir()
        shutil.copyfile(cached, work / "store.db")
        shutil.copyfile(keyfile, work / "signing.key")
        url = f"sqlite:///{work / 'store.db'}"
        settings = Settings(signing_key_path=work / "signing.key", database_url=url)

        def cleanup() -> None:
            dispose_all()
            shutil.rmtree(work, ignore_errors=True)

        return Prepared(url, settings, info, cleanup)
    assert engine == "postgresql" and pg_url, "PostgreSQL needs a server URL"
    tname = "xy_bench_" + key.replace("-", "_")
    with _pg_admin(pg_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (tname,)).fetchone()
        if rebuild or not (exists and meta.exists()):
            conn.execute(f"DROP DATABASE IF EXISTS {tname} WITH (FORCE)")
            conn.execute(
                f"CREATE DATABASE {tname} TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
            log(f"building PostgreSQL database {tname} ({pop.listed:,} entries) …")
            store = Store(_pg_db_url(pg_url, tname), Settings(signing_key_path=keyfile))
            # autovacuum would analyse a freshly loaded table within a minute; do it now
            info = build(store, pop, analyze=True)
            dispose_all()
            meta.write_text(json.dumps(info, indent=2))
            log(f"built in {info['build_s']:.1f} s")
        info = json.loads(meta.read_text())
        wname = f"xy_bench_run_{run_id}"
        conn.execute(f"CREATE DATABASE {wname} TEMPLATE {tname}")
    work = CACHE / f"run-{run_id}"
    work.mkdir()
    shutil.copyfile(keyfile, work / "signing.key")
    url = _pg_db_url(pg_url, wname)
    settings = Settings(signing_key_path=work / "signing.key", database_url=url)

    def pg_cleanup() -> None:
        dispose_all()
        with _pg_admin(pg_url) as c:
            c.execute(f"DROP DATABASE IF EXISTS {wname} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)

    return Prepared(url, settings, info, pg_cleanup)


def query_plan(store: Store, subject_ids: list[str]) -> list[str]:
    """SQLite's plan (EXPLAIN QUERY PLAN) for the entries query a check runs for
    ``subject_ids`` (one for a subject itself, several for a representative's units)."""
    if not store.sqlite:
        return []
    try:
        from xinyong.measures.check import entries_sql
    except ImportError:  # the code before 61cf08c, run for comparison
        return []

    day = ON.isoformat()
    params = (*subject_ids, MEASURE, "acknowledged", "reported", day)
    params += ("published", "removed", "expired", day, day, day)
    with store.read() as conn:
        rows = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + entries_sql(len(subject_ids)), params
        ).all()
    return [str(r[-1]) for r in rows]


# --- measuring ----------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def summary(us: list[float]) -> dict[str, float]:
    return {
        "n": len(us),
        "p50_us": statistics.median(us),
        "p90_us": pct(us, 90),
        "p99_us": pct(us, 99),
        "max_us": max(us),
        "mean_us": statistics.fmean(us),
    }


def _blocks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def measure(
    prep: Prepared,
    pop: Population,
    *,
    calls: int,
    warmup: int,
    block: int,
    seed: int,
    multi_probe: int,
) -> dict[str, Any]:
    store = prep.store()
    cat: Catalogue = get_catalogue()
    m = cat.measure(MEASURE)
    with store.read() as conn:
        p = get_principal(conn, CAAC)
    assert isinstance(p, Principal)
    codes = sample_codes(pop, warmup + calls, seed)

    def do_check(code: str) -> Any:
        return check(store, cat, p, [code], MEASURE, ON, channel="api")[0]

    def do_answer_tx(code: str) -> Any:
        with store.read() as conn:
            return answer(conn, cat, m, code, ON)

    def do_floor(code: str) -> Any:
        # the least a logged check must do: one write transaction, find the subject,
        # append one row, commit (through the same engine and pool)
        sch = "uscc" if code[0] == "9" else "ric"  # every organisation here is a 91… USCC
        with store.engine.begin() as conn:
            s = conn.execute(
                select(subject_identifiers.c.subject_id).where(
                    subject_identifiers.c.scheme == sch, subject_identifiers.c.value == code
                )
            ).scalar_one_or_none()
            conn.execute(
                insert(query_log).values(
                    query_id=uuid.uuid4().hex[:26].upper(),
                    at=datetime.now(UTC),
                    principal_id=p.principal_id,
                    organisation=p.organisation,
                    subject_id=s or "-",
                    purpose="baseline",
                    resource="baseline",
                    audience="agency",
                    channel="api",
                )
            )
        return s

    def do_lookup(code: str) -> Any:
        sch = "uscc" if code[0] == "9" else "ric"
        with store.read() as conn:
            return conn.execute(
                select(subject_identifiers.c.subject_id).where(
                    subject_identifiers.c.scheme == sch, subject_identifiers.c.value == code
                )
            ).scalar_one_or_none()

    # warm-up: every path, caches (pages, compiled statements, catalogue)
    for _, c in codes[:warmup]:
        do_check(c)
        do_answer_tx(c)
        do_floor(c)
        do_lookup(c)
    measured = codes[warmup:]
    times: dict[str, list[float]] = {
        k: [] for k in ("check", "answer_tx", "answer", "floor_write", "lookup")
    }
    by_kind: dict[str, list[float]] = {}
    outcome: dict[str, dict[str, int]] = {}
    ns = time.perf_counter_ns
    for chunk in _blocks(measured, block):
        for kind, c in chunk:
            t = ns()
            a = do_check(c)
            d = (ns() - t) / 1000
            times["check"].append(d)
            by_kind.setdefault(kind, []).append(d)
            o = outcome.setdefault(kind, {"n": 0, "restricted": 0, "known": 0})
            o["n"] += 1
            o["restricted"] += a.restricted
            o["known"] += a.known
        for _, c in chunk:
            t = ns()
            do_answer_tx(c)
            times["answer_tx"].append((ns() - t) / 1000)
        with store.read() as conn:
            for _, c in chunk:
                t = ns()
                answer(conn, cat, m, c, ON)
                times["answer"].append((ns() - t) / 1000)
        for _, c in chunk:
            t = ns()
            do_floor(c)
            times["floor_write"].append((ns() - t) / 1000)
        for _, c in chunk:
            t = ns()
            do_lookup(c)
            times["lookup"].append((ns() - t) / 1000)
    with store.read() as conn:
        logged = conn.execute(
            select(text("count(*)")).select_from(query_log).where(query_log.c.resource == "check")
        ).scalar_one()
        audited = conn.execute(select(text("count(*)")).select_from(audit_log)).scalar_one()
    # where a check's time goes: check()'s own steps, replayed with a clock between them
    steps: dict[str, list[float]] = {
        k: [] for k in ("begin", "require_checker", "answer", "log", "audit_and_commit")
    }
    for _, c in measured[: min(len(measured), 2000)]:
        t0 = ns()
        with store.write(p.principal_id) as tx:
            t1 = ns()
            require_checker(tx.conn, p, m)
            t2 = ns()
            a = answer(tx.conn, cat, m, c, ON)
            t3 = ns()
            _log(tx, p, a, "api")
            t4 = ns()
        t5 = ns()
        for k, d in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            steps[k].append(d / 1000)
    # representatives of GROUP listed units, apart: a few calls suffice to show the cost
    multi: dict[str, Any] = {}
    if multi_probe and pop.multi:
        probe = sample_codes(pop, multi_probe, seed + 1, multi=True)
        for label, fn in (("check", do_check), ("answer_tx", do_answer_tx)):
            us = []
            for _, c in probe:
                t = ns()
                a = fn(c)
                us.append((ns() - t) / 1000)
                assert a.restricted and len(a.entries) == GROUP, a
            multi[label] = summary(us)
    units = [sid(4 * r + 3) for r in range(pop.single, pop.single + GROUP)]
    res = {k: summary(v) for k, v in times.items()}
    return {
        "check_steps_mean_us": {k: statistics.fmean(v) for k, v in steps.items()},
        "check_steps_p50_us": {k: statistics.median(v) for k, v in steps.items()},
        "multi_unit_representatives": multi,
        "plans": {
            "entries_query_1_subject": query_plan(store, [sid(0)]),
            f"entries_query_{GROUP}_units": query_plan(store, units) if pop.multi else [],
        },
        "latency": res,
        "check_by_kind": {k: summary(v) for k, v in by_kind.items()},
        "outcomes": outcome,
        "query_log_check_rows": logged,
        "audit_rows": audited,
    }


def run_engine(engine: str, pop: Population, args: argparse.Namespace) -> dict[str, Any]:
    prep = prepare(
        engine, pop, "check", pg_url=args.pg_url, analyze=args.analyze, rebuild=args.rebuild
    )
    try:
        if args.no_gc:
            gc.disable()
        r = measure(
            prep,
            pop,
            calls=args.calls,
            warmup=args.warmup,
            block=args.block,
            seed=args.seed,
            multi_probe=args.multi_probe,
        )
    finally:
        gc.enable()
        prep.cleanup()
    r["build"] = prep.info
    return r


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--entries", type=int, default=1_000_000, help="listed subjects (one entry each)"
    )
    ap.add_argument("--calls", type=int, default=5000, help="measured calls of each kind")
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--block", type=int, default=250, help="calls per kind before switching")
    ap.add_argument(
        "--engines",
        default=None,
        help="default: sqlite, plus postgresql when XINYONG_BENCH_PG_URL is set",
    )
    ap.add_argument("--pg-url", default=os.environ.get("XINYONG_BENCH_PG_URL"))
    ap.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE on the SQLite store after building (the platform never does)",
    )
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument(
        "--no-gc", action="store_true", help="disable the garbage collector while measuring"
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--multi-probe",
        type=int,
        default=5,
        help=f"calls for representatives of {GROUP} listed units, measured apart",
    )
    ap.add_argument("--out", default="benchmarks/out/check.json")
    args = ap.parse_args()
    load_before = os.getloadavg()
    engines = (args.engines or ("sqlite,postgresql" if args.pg_url else "sqlite")).split(",")
    pop = Population.of(args.entries)
    results = []
    head = (
        "| engine | entries | what | p50 µs | p90 µs | p99 µs | max µs |\n"
        "|---|---:|---|---:|---:|---:|---:|"
    )
    for engine in engines:
        r = run_engine(engine, pop, args)
        r.update({"engine": engine, "entries": pop.listed, "population": asdict(pop)})
        lat = r["latency"]
        r["ratio_check_to_floor_p50"] = lat["check"]["p50_us"] / lat["floor_write"]["p50_us"]
        r["ratio_check_to_floor_p99"] = lat["check"]["p99_us"] / lat["floor_write"]["p99_us"]
        r["target_p99_under_1ms"] = lat["check"]["p99_us"] < 1000
        results.append(r)
        print(head)
        for k in ("check", "answer_tx", "answer", "floor_write", "lookup"):
            s = lat[k]
            print(
                f"| {engine} | {pop.listed:,} | {k} | {s['p50_us']:,.0f} | {s['p90_us']:,.0f} | "
                f"{s['p99_us']:,.0f} | {s['max_us']:,.0f} |"
            )
        for k, s in r["check_by_kind"].items():
            print(
                f"| {engine} | {pop.listed:,} | check: {k} | {s['p50_us']:,.0f} | {s['p90_us']:,.0f} | "
                f"{s['p99_us']:,.0f} | {s['max_us']:,.0f} |"
            )
        print(
            f"| {engine} | {pop.listed:,} | check steps (mean µs): "
            + ", ".join(f"{k} {v:,.0f}" for k, v in r["check_steps_mean_us"].items())
            + " | | | | |"
        )
        for k, s in r["multi_unit_representatives"].items():
            print(
                f"| {engine} | {pop.listed:,} | {k}: rep of {GROUP} units | {s['p50_us']:,.0f} | "
                f"{s['p90_us']:,.0f} | {s['p99_us']:,.0f} | {s['max_us']:,.0f} |"
            )
        print(
            f"\n{engine}: check/floor_write p50 {r['ratio_check_to_floor_p50']:.2f}, "
            f"p99 {r['ratio_check_to_floor_p99']:.2f}; p99 < 1 ms: {r['target_p99_under_1ms']}; "
            f"outcomes {r['outcomes']}; build {r['build']['build_s']:.0f} s\nplans: "
            + json.dumps(r["plans"], indent=1)
            + "\n",
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
