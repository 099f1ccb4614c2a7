"""Realistic synthetic populations and agency feeds, seeded and reproducible.

``generate(out_dir, scale=..., seed=..., as_of=...)`` writes a subject registry
and the feeds of every agency channel (penalties, licences, court listings, tax
grades, abnormal and serious lists, honours, commitments) in the national
standard formats the ingest mappings read, plus ``manifest.json`` with the
agencies to register, the feeds in ingest order and the true counts.

Same seed and same as-of date give byte-identical files: every random draw
comes from numpy generators seeded by (seed, stream, chunk), nothing depends on
the hash seed, the clock or set order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from xinyong.synth.badrows import CAUSES, Breaker, inject
from xinyong.synth.feeds import FEEDS, Chunk, FeedBuilder, FeedWriter, style_rows
from xinyong.synth.manifest import AgencyDirectory, FeedEntry, Manifest
from xinyong.synth.population import (
    SCALES,
    Geography,
    ScaleSpec,
    SubjectState,
    make_orgs,
    make_persons,
    resolve_scale,
)

__all__ = [
    "CAUSES",
    "FEEDS",
    "SCALES",
    "Manifest",
    "ScaleSpec",
    "generate",
    "today_cst",
]

Progress = Callable[[str, int, int], None]

TRUTH_FILE = "truth/bad_rows.jsonl"

#: random streams (one numpy generator per stream and chunk)
_STREAM_PERSONS = 1
_STREAM_ORGS = 2
_STREAM_RECORDS = 3
_STREAM_FINISH = 4
_STREAM_CAUSES = 5


def today_cst() -> date:
    """Today in Asia/Shanghai (the default as-of date)."""
    from xinyong.identity import today_cst as _today

    return _today()


def _rng(seed: int, stream: int, chunk: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream, chunk])


def generate(
    out_dir: Path,
    *,
    scale: str | ScaleSpec,
    seed: int,
    as_of: date,
    progress: Progress | None = None,
) -> Manifest:
    """Write a synthetic population's registry and agency feeds into ``out_dir``.

    ``scale`` is ``small`` (≈5,000 residents), ``city`` (500,000, Rongcheng-sized),
    ``province`` (10 million, streamed in chunks) or a custom ``ScaleSpec``.
    No good row carries a decision date after ``as_of``.
    """
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    spec = resolve_scale(scale)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(exist_ok=True)
    report = progress or (lambda stage, done, total: None)

    geo = Geography(spec.geography)
    subjects = SubjectState(geo, as_of)
    agencies = AgencyDirectory(geo)
    builder = FeedBuilder(spec, geo, agencies, subjects, as_of)
    st = builder.state
    writers = {f.id: FeedWriter(out_dir / f.file, f) for f in FEEDS}
    breakers = {f.id: Breaker(as_of, f.key_field, f.canonical) for f in FEEDS}
    for i, f in enumerate(FEEDS):
        order = list(f.causes)
        _rng(seed, _STREAM_CAUSES, i).shuffle(order)
        st.cause_order[f.id] = order
        st.bad_rows[f.id] = Counter()
    truth = (out_dir / TRUTH_FILE).open("w", encoding="utf-8", newline="")

    n_p, n_o = spec.persons, spec.organisations
    chunk = max(1, spec.chunk_persons)
    n_chunks = max(1, -(-n_p // chunk))
    try:
        for k in range(n_chunks):
            p_lo, p_hi = k * chunk, min(n_p, (k + 1) * chunk)
            o_lo, o_hi = n_o * p_lo // n_p, n_o * p_hi // n_p
            persons = make_persons(subjects, _rng(seed, _STREAM_PERSONS, k), p_lo, p_hi - p_lo)
            report("persons", p_hi, n_p)
            orgs = make_orgs(subjects, _rng(seed, _STREAM_ORGS, k), o_lo, o_hi - o_lo, persons)
            report("organisations", o_hi, n_o)
            last = k == n_chunks - 1
            rows = builder.build(Chunk(persons, orgs, _rng(seed, _STREAM_RECORDS, k), last))
            fin = _rng(seed, _STREAM_FINISH, k)
            for f in FEEDS:
                good = rows[f.id]
                if f.sort_by_date:
                    good.sort(key=lambda r: r["_day"])
                style_rows(f, good, fin)
                already = st.good_rows[f.id]
                n_bad = subjects.quota(f"bad:{f.id}", f.bad_share, len(good))
                # a feed of 20 rows or more has at least one bad row
                none_yet = sum(st.bad_rows[f.id].values()) + n_bad == 0
                if last and none_yet and already + len(good) >= 20:
                    n_bad = 1
                mixed, marks, pos = inject(
                    good, n_bad, st.cause_order[f.id], st.cause_pos[f.id], breakers[f.id], fin
                )
                st.cause_pos[f.id] = pos
                builder.number(f, mixed, fin)
                base = writers[f.id].rows
                writers[f.id].write(mixed)
                st.good_rows[f.id] += len(good)
                for m in marks:
                    st.bad_rows[f.id][m.cause] += 1
                    truth.write(
                        json.dumps(
                            {
                                "file": f.file,
                                "row": base + m.position + 1,
                                "cause": m.cause,
                                "field": f.header_of(m.field),
                                "value": m.value,
                            },
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
            report("feeds", k + 1, n_chunks)
    finally:
        truth.close()
        for w in writers.values():
            w.close()

    feeds = []
    for f in FEEDS:
        a = agencies.channel(f.role)
        bad = st.bad_rows[f.id]
        feeds.append(
            FeedEntry(
                file=f.file,
                agency=a.code,
                mapping=f.mapping,
                format=f.format,  # type: ignore[arg-type]
                encoding=f.encoding,
                rows=writers[f.id].rows,
                bad_rows=sum(bad.values()),
                kinds=list(f.kinds),  # type: ignore[arg-type]
                bad_row_causes={c: bad[c] for c in CAUSES if bad[c]},
                repeated_keys=st.repeated[f.id],
            )
        )
    stats = _finish_stats(st.stats, feeds, spec)
    manifest = Manifest(
        scale=spec.name,
        seed=seed,
        as_of=as_of,
        agencies=agencies.entries(),
        feeds=feeds,
        stats=stats,
        truth={"bad_rows": TRUTH_FILE},
    )
    manifest.write(out_dir / "manifest.json")
    return manifest


def _finish_stats(raw: dict[str, Any], feeds: list[FeedEntry], spec: ScaleSpec) -> dict[str, Any]:
    """Counts in a stable order, with derived shares and per-feed bad rows."""

    def ordered(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: ordered(x[k]) for k in sorted(x)}
        return x

    stats: dict[str, Any] = ordered(raw)
    stats.setdefault("listed_persons", 0)
    stats.setdefault("listed_persons_18_59", 0)
    stats.setdefault("listed_persons_60_plus", 0)
    stats["listed_minors"] = 0
    stats.setdefault("listed_units", 0)
    adults = stats.get("adults_18_59_ric", 0)
    stats["listed_share_18_59"] = (
        round(stats["listed_persons_18_59"] / adults, 6) if adults else 0.0
    )
    shares = {}
    for year, grades in stats.get("tax_grades", {}).items():
        total = sum(grades.values())
        shares[year] = {g: round(n / total, 6) for g, n in sorted(grades.items())}
    stats["tax_grade_shares"] = shares
    stats["bad_rows"] = {f.file: f.bad_rows for f in feeds}
    stats["bad_rows_total"] = sum(f.bad_rows for f in feeds)
    stats["bad_rows_by_cause"] = {c: sum(f.bad_row_causes.get(c, 0) for f in feeds) for c in CAUSES}
    stats["rows"] = {f.file: f.rows for f in feeds}
    stats["scale"] = {"persons": spec.persons, "organisations": spec.organisations}
    return stats
