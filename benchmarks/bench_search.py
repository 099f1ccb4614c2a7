"""Name search latency and recall with a province-sized store (run by hand).

    python benchmarks/bench_search.py --orgs 1000000 --persons 5000000 \\
        --public-persons 50000 --engines sqlite,postgresql --pg-url "$(.ci/pg-start)" \\
        --pg-db xy_search_bench_<date>   # a database of its own on that server

1. Populate (skipped when the store already holds the same population): synthetic
   organisations and persons from ``xinyong.synth`` (Shandong geography, seeded), written
   straight into ``subjects``, ``subject_identifiers``, ``subject_names`` and ``roles``
   (every organisation with its legal representative; 5% of organisations with an
   English name variant). ``--public-persons`` of the persons then get a court
   dishonest-debtor listing through the real ingest pipeline, so they have a public
   record; every other person has none and must not be indexed.
2. ``build_index`` (timed).
3. Queries, drawn by the rule below with a fixed seed, per class; each is timed as a
   request would run it (a read transaction plus ``search(conn, q)``, page 1 of 20,
   ``total`` counted up to 200) after one untimed warm-up pass over all queries; the
   five slowest queries of each class are kept in the JSON output.
4. Recall: every subject the index returns for the query (all pages,
   ``matching_subjects``) against an exact scan — a plain substring search over all
   indexed texts of the set the query's class reads (``str.find`` over the folded texts,
   no index), minus persons whose public view has ended.

Query rule (seed ``--seed``): draw an indexed subject uniformly at random, then

* ``cjk2``: a random window of 2 characters of its folded name (no Latin or digits);
* ``cjk3+``: a random window of 3 to 6 characters (uniform, at most the name's length);
* ``pinyin``: the pinyin of a random window of 2 or 3 characters of its name, as indexed
  (syllables of the name's own pinyin, joined without spaces);
* ``latin``: (organisations with an English variant) a random window of 4 to 8 letters of
  the folded variant;
* ``uscc``: (organisations) its USCC.

Draws that cannot give a query of the class (a name too short, no variant) are redrawn.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select, text

from xinyong.actors import Agency
from xinyong.identity import make_uscc
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.portal.search import build_index, index_stats, search
from xinyong.portal.search.normalise import fold
from xinyong.portal.search.query import matching_subjects
from xinyong.settings import Settings
from xinyong.store.actors import add_agency, ensure_local_admin
from xinyong.store.bulk import bulk_insert
from xinyong.store.context import Store
from xinyong.store.migrate import upgrade
from xinyong.store.tables import roles, subject_identifiers, subject_names, subjects
from xinyong.synth.population import Geography, SubjectState, make_orgs, make_persons

OUT = Path(__file__).with_name("out")
AS_OF = date(2026, 11, 1)
COURT = Agency(
    code="bench-court",
    name_zh="济南市中级人民法院",
    uscc=make_uscc("11370100MB0000001"),
    sector="court",
    kinds=("court_dishonest_listing",),
)
ENGLISH_WORDS = (
    "Trading",
    "Technology",
    "Food",
    "Aquatic Products",
    "Machinery",
    "Logistics",
    "Industrial",
    "Textile",
    "Construction",
    "Agriculture",
)
CLASSES = ("cjk2", "cjk3+", "pinyin", "latin", "uscc")


def _log(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- populate


def _english(name_core: str, rng: np.random.Generator) -> str:
    from pypinyin import lazy_pinyin

    syll = [s for s in lazy_pinyin(name_core[:6]) if s.isascii() and s.isalpha()]
    words = ["".join(syll[i : i + 2]).capitalize() for i in range(0, len(syll), 2)]
    word = ENGLISH_WORDS[int(rng.integers(len(ENGLISH_WORDS)))]
    return f"{' '.join(words)} {word} Co., Ltd."


def populate(store: Store, *, orgs: int, persons: int, public: int, seed: int, tmp: Path) -> None:
    upgrade(store)
    with store.write(checkpoint=True) as tx:
        ensure_local_admin(tx)
        add_agency(tx, COURT)
    geo = Geography("shandong")
    state = SubjectState(geo, AS_OF)
    rng = np.random.default_rng(seed)
    chunks = max(1, persons // 200_000)
    now = datetime.now(UTC)
    pub_rng = np.random.default_rng(seed + 1)
    public_share = public / max(persons, 1)
    court_rows: list[dict[str, Any]] = []
    p_done = o_done = 0
    for c in range(chunks):
        n_p = persons // chunks + (1 if c < persons % chunks else 0)
        n_o = orgs // chunks + (1 if c < orgs % chunks else 0)
        pb = make_persons(state, rng, p_done, n_p)
        ob = make_orgs(state, rng, o_done, n_o, pb)
        subj: list[dict[str, Any]] = []
        idents: list[dict[str, Any]] = []
        for i in range(n_p):
            sid = f"P{p_done + i:025d}"
            subj.append(
                {
                    "subject_id": sid,
                    "kind": "person",
                    "name": pb.names[i],
                    "region": None if pb.foreign[i] else geo.codes[int(pb.hukou[i])],
                    "first_seen_at": now,
                }
            )
            idents.append(
                {
                    "scheme": pb.id_type(i),
                    "value": pb.id_numbers[i],
                    "subject_id": sid,
                    "first_seen_at": now,
                }
            )
        # persons with a public record: adults with a resident ID, drawn at the share
        chosen = np.flatnonzero(
            (~pb.foreign) & (pb.age >= 18) & (pub_rng.random(n_p) < public_share * 1.25)
        )
        for i in chosen.tolist():
            if len(court_rows) >= public:
                break
            k = len(court_rows) + 1
            court_rows.append(
                {
                    "kind": "court_dishonest_listing",
                    "source_key": f"(2026)鲁01执{k}号",
                    "subject_category": "person",
                    "subject_name": pb.names[i],
                    "id_type": "ric",
                    "id_number": pb.id_numbers[i],
                    "decision_no": f"(2026)鲁01执{k}号",
                    "decided_on": "2026-06-01",
                    "deciding_authority": COURT.name_zh,
                    "grounds": "1",
                    "case_no": f"(2026)鲁01执{k}号",
                }
            )
        names: list[dict[str, Any]] = []
        role_rows: list[dict[str, Any]] = []
        for i in range(n_o):
            sid = f"O{o_done + i:025d}"
            cat = ob.cat(i)
            subj.append(
                {
                    "subject_id": sid,
                    "kind": "individual_business" if cat.code == "92" else "organisation",
                    "name": ob.names[i],
                    "region": geo.codes[int(ob.region[i])],
                    "first_seen_at": now,
                }
            )
            idents.append(
                {"scheme": "uscc", "value": ob.uscc[i], "subject_id": sid, "first_seen_at": now}
            )
            rep = int(ob.legal_rep[i])
            role_rows.append(
                {
                    "org_subject_id": sid,
                    "role": "legal_representative",
                    "person_subject_id": f"P{p_done + rep:025d}",
                    "person_name": pb.names[rep],
                    "valid_from": None,
                    "valid_to": None,
                    "first_seen_at": now,
                }
            )
            if rng.random() < 0.05:
                names.append(
                    {
                        "subject_id": sid,
                        "name": _english(fold(ob.names[i]).core, rng),
                        "flagged": False,
                        "source_batch": None,
                        "first_seen_at": now,
                    }
                )
        with store.write() as tx:
            bulk_insert(tx.conn, subjects, subj)
            bulk_insert(tx.conn, subject_identifiers, idents)
            bulk_insert(tx.conn, roles, role_rows)
            if names:
                bulk_insert(tx.conn, subject_names, names)
        p_done += n_p
        o_done += n_o
        _log(f"populate: {p_done:,} persons, {o_done:,} organisations")
    feed = tmp / "court.jsonl"
    with feed.open("w", encoding="utf-8") as f:
        for r in court_rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    t = time.perf_counter()
    receipt = ingest(store, IngestRequest(path=feed, agency=COURT.code, today=AS_OF))
    _log(
        f"populate: court listings ingested: {receipt.accepted:,} accepted, "
        f"{receipt.quarantined:,} quarantined in {time.perf_counter() - t:.0f} s"
    )


# --------------------------------------------------------------------------- queries


@dataclass
class Corpus:
    """The indexed texts, for drawing queries and for the exact scan."""

    docs: list[tuple[str, str, str, bool, bool]]  # subject, field, text, bi, tri
    bi_blob: str
    bi_starts: list[int]
    bi_owner: list[str]
    tri_blob: str
    tri_starts: list[int]
    tri_owner: list[str]
    uscc: dict[str, str]


def load_corpus(store: Store, on: date) -> Corpus:
    with store.read() as conn:
        slot = index_stats(conn)["slot"]
        today = on.isoformat() if store.sqlite else on
        q = text(
            "SELECT d.subject_id, d.field, d.text, d.bi,"
            f" d.tri FROM search_docs_{slot} d"
            " WHERE d.visible_until IS NULL OR d.visible_until > :today ORDER BY d.doc_id"
        )
        docs = [
            (r[0], r[1], r[2], bool(r[3]), bool(r[4])) for r in conn.execute(q, {"today": today})
        ]
        uscc = {
            r[0]: r[1]
            for r in conn.execute(
                text(f"SELECT subject_id, uscc FROM search_subjects_{slot} WHERE uscc IS NOT NULL")
            )
        }

    def blob(
        sel: Callable[[tuple[str, str, str, bool, bool]], bool],
    ) -> tuple[str, list[int], list[str]]:
        starts: list[int] = []
        owner: list[str] = []
        parts: list[str] = []
        pos = 0
        for d in docs:
            if sel(d):
                starts.append(pos)
                owner.append(d[0])
                parts.append(d[2])
                pos += len(d[2]) + 1
        return "\x00".join(parts), starts, owner

    bi = blob(lambda d: d[3])
    tri = blob(lambda d: d[4])
    return Corpus(docs, bi[0], bi[1], bi[2], tri[0], tri[1], tri[2], uscc)


def exact_scan(c: Corpus, core: str) -> set[str]:
    """Subjects with an indexed text containing ``core``, by brute force."""
    if core.isascii() and len(core) >= 3:
        blob, starts, owner = c.tri_blob, c.tri_starts, c.tri_owner
    else:
        blob, starts, owner = c.bi_blob, c.bi_starts, c.bi_owner
    out: set[str] = set()
    i = blob.find(core)
    while i >= 0:
        out.add(owner[bisect.bisect_right(starts, i) - 1])
        i = blob.find(core, i + 1)
    return out


def draw_queries(c: Corpus, n: int, seed: int) -> dict[str, list[str]]:
    from pypinyin import lazy_pinyin

    rng = np.random.default_rng(seed)
    names: dict[str, str] = {}
    pinyin_src: dict[str, str] = {}
    latin: dict[str, str] = {}
    for sid, fld, txt, _bi, _tri in c.docs:
        if fld == "name":
            names.setdefault(sid, txt)
        elif fld == "variant" and txt.isascii():
            latin.setdefault(sid, txt)
    for sid, txt in names.items():
        if not txt.isascii():
            pinyin_src[sid] = txt
    subjects_all = sorted(names)
    with_latin = sorted(latin)
    orgs = sorted(c.uscc)
    out: dict[str, list[str]] = {k: [] for k in CLASSES}

    def pick(seq: list[str]) -> str:
        return seq[int(rng.integers(len(seq)))]

    def window(s: str, lo: int, hi: int) -> str | None:
        if len(s) < lo:
            return None
        k = int(rng.integers(lo, min(hi, len(s)) + 1))
        i = int(rng.integers(0, len(s) - k + 1))
        return s[i : i + k]

    while len(out["cjk2"]) < n:
        w = window(names[pick(subjects_all)], 2, 2)
        if w and not any(ch.isascii() for ch in w):
            out["cjk2"].append(w)
    while len(out["cjk3+"]) < n:
        w = window(names[pick(subjects_all)], 3, 6)
        if w and not any(ch.isascii() for ch in w):
            out["cjk3+"].append(w)
    keys = sorted(pinyin_src)
    while len(out["pinyin"]) < n:
        s = pinyin_src[pick(keys)]
        syll = lazy_pinyin(s)
        if len(syll) != len(s):
            continue
        k = int(rng.integers(2, 4))
        if len(syll) < k:
            continue
        i = int(rng.integers(0, len(syll) - k + 1))
        q = "".join(syll[i : i + k])
        if q.isascii() and q.isalpha() and len(q) >= 3:
            out["pinyin"].append(q)
    while with_latin and len(out["latin"]) < n:
        w = window(latin[pick(with_latin)], 4, 8)
        if w:
            out["latin"].append(w)
    while len(out["uscc"]) < n:
        out["uscc"].append(c.uscc[pick(orgs)])
    return out


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def run_engine(args: argparse.Namespace, engine: str) -> list[dict[str, Any]]:
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    tag = f"o{args.orgs}-p{args.persons}-pub{args.public_persons}-s{args.seed}"
    if engine == "sqlite":
        url = f"sqlite:///{work / f'search-{tag}.db'}"
    else:
        import psycopg

        admin = args.pg_url
        name = args.pg_db or f"xy_bench_search_{tag.replace('-', '_')}"
        with psycopg.connect(admin, autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                c.execute(
                    f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"
                    " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                )
        url = admin.rsplit("/", 1)[0] + "/" + name
    settings = Settings(
        database_url=url, signing_key_path=work / "bench.key", ingest_chunk_rows=5000
    )
    store = Store(url, settings)
    populated = False
    try:
        with store.read() as conn:
            populated = (
                int(conn.execute(select(func.count()).select_from(subjects)).scalar_one())
                >= args.orgs + args.persons
            )
    except Exception:
        populated = False
    if not populated:
        t = time.perf_counter()
        populate(
            store,
            orgs=args.orgs,
            persons=args.persons,
            public=args.public_persons,
            seed=args.seed,
            tmp=work,
        )
        _log(f"{engine}: populated in {time.perf_counter() - t:.0f} s")
    if args.populate_only:
        return []
    on = AS_OF
    build_s = None
    if not args.skip_build:
        t = time.perf_counter()
        last = [0.0]

        def progress(stage: str, done: int, total: int | None) -> None:
            if time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                _log(f"{engine}: build {stage} {done:,}/{total or 0:,}")

        build_index(store, progress=progress, on=on)
        build_s = time.perf_counter() - t
        _log(f"{engine}: index built in {build_s:.0f} s")
    with store.read() as conn:
        stats = index_stats(conn)
        slot = stats["slot"]
        q = text(f"SELECT kind, count(*) FROM search_subjects_{slot} GROUP BY kind")
        by_kind = {k: int(n) for k, n in conn.execute(q)}
    size_mb = _index_size_mb(store, slot)
    corpus = load_corpus(store, on)
    queries = draw_queries(corpus, args.queries, args.seed)
    # warm-up
    for qs in queries.values():
        for q in qs:
            with store.read() as conn:
                search(conn, q, on=on)
    rows: list[dict[str, Any]] = []
    for cls in CLASSES:
        qs = queries[cls]
        if not qs:
            continue
        lat: list[float] = []
        for q in qs:
            t = time.perf_counter()
            with store.read() as conn:
                search(conn, q, on=on)
            lat.append((time.perf_counter() - t) * 1000)
        recalls: list[float] = []
        sizes: list[int] = []
        spurious = 0
        for q in [] if args.no_recall else qs:
            with store.read() as conn:
                found = set(matching_subjects(conn, q, on=on))
            if cls == "uscc":
                truth = {s for s, u in corpus.uscc.items() if u == q}
            else:
                truth = exact_scan(corpus, fold(q).core)
            sizes.append(len(truth))
            recalls.append(len(found & truth) / len(truth) if truth else 1.0)
            spurious += bool(found - truth)
        row = {
            "engine": engine,
            "class": cls,
            "queries": len(qs),
            "p50_ms": round(statistics.median(lat), 2),
            "p99_ms": round(pct(lat, 99), 2),
            "max_ms": round(max(lat), 2),
            "recall_mean": round(statistics.fmean(recalls), 4) if recalls else None,
            "recall_min": round(min(recalls), 4) if recalls else None,
            "matches_median": int(statistics.median(sizes)) if sizes else None,
            "matches_max": max(sizes) if sizes else None,
            "queries_with_spurious_hits": spurious,
            "slowest": [
                [q, round(ms, 2)] for ms, q in sorted(zip(lat, qs, strict=True), reverse=True)[:5]
            ],
        }
        rows.append(row)
    meta = {
        "engine": engine,
        "organisations": args.orgs,
        "persons": args.persons,
        "public_persons_requested": args.public_persons,
        "indexed_subjects": int(stats.get("subjects", 0)),
        "indexed_by_kind": by_kind,
        "indexed_docs": int(stats.get("docs", 0)),
        "build_s": round(build_s, 1) if build_s is not None else None,
        "index_mb": size_mb,
        "sample": {k: v[:5] for k, v in queries.items()},
    }
    OUT.mkdir(exist_ok=True)
    suffix = "-latency" if args.no_recall else ""
    (OUT / f"search-{engine}{suffix}.json").write_text(
        json.dumps(
            {"meta": meta, "rows": rows, "machine": _machine()}, ensure_ascii=False, indent=1
        )
    )
    _log(f"{engine}: {json.dumps(meta, ensure_ascii=False)}")
    return rows


def _index_size_mb(store: Store, slot: str) -> float | None:
    with store.read() as conn:
        if store.sqlite:
            try:
                q = text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE :p")
                v = conn.execute(q, {"p": f"search_%_{slot}%"}).scalar()
                return round(float(v or 0) / 2**20, 1)
            except Exception:
                return None
        q = text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
            " WHERE c.relname IN (:a, :b, :c)"
        )
        names = {"a": f"search_docs_{slot}", "b": f"search_subjects_{slot}"}
        v = conn.execute(q, {**names, "c": f"search_postings_{slot}"}).scalar()
        return round(float(v or 0) / 2**20, 1)


def _machine() -> dict[str, Any]:
    return {
        "date": date.today().isoformat(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--orgs", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=5_000_000)
    ap.add_argument("--public-persons", type=int, default=50_000)
    ap.add_argument("--engines", default="sqlite")
    ap.add_argument("--pg-url", default=os.environ.get("XINYONG_TEST_PG_URL"))
    ap.add_argument(
        "--pg-db", default=None, help="PostgreSQL bench database name (default from the sizes)"
    )
    ap.add_argument("--populate-only", action="store_true", help="populate, build nothing")
    ap.add_argument("--workdir", default="/tmp/xinyong-bench-search")
    ap.add_argument("--queries", type=int, default=300, help="per class")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-build", action="store_true", help="reuse the index already built")
    ap.add_argument(
        "--no-recall", action="store_true", help="latency only (JSON to *-latency.json)"
    )
    args = ap.parse_args()
    print(
        "| engine | class | queries | p50 ms | p99 ms | max ms | recall (mean / min) | matches (median / max) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for engine in args.engines.split(","):
        for r in run_engine(args, engine):
            print(
                f"| {r['engine']} | {r['class']} | {r['queries']} | {r['p50_ms']} | {r['p99_ms']} |"
                f" {r['max_ms']} | {r['recall_mean']} / {r['recall_min']} |"
                f" {r['matches_median'] or 0:,} / {r['matches_max'] or 0:,} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
