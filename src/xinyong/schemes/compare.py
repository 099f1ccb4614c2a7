"""What a rule change does: two schemes evaluated on the same snapshot, side by side.

Both versions score the same people (the residents consenting to the *old* scheme's
id, so a draft with a new id is asked about the same population), nothing is written
to the store. The answer: how many residents change tier and in which direction (a
transition matrix, tiers ordered from the highest down), and the score and tier
distributions before and after as PNG plots and an HTML page.
"""

from __future__ import annotations

import html
import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from xinyong.batch import Engine
from xinyong.schemes.evaluate import Scores
from xinyong.schemes.loader import LoadedScheme
from xinyong.store.context import Store


@dataclass(frozen=True)
class Comparison:
    old: Scores
    new: Scores
    tiers: list[str]  # the union of both tier lists, highest first
    matrix: dict[str, dict[str, int]]  # old tier → new tier → residents
    up: int
    down: int
    same: int
    only_old: int  # scored by the old scheme only (e.g. out of the new area)
    only_new: int
    score_delta: dict[str, int]  # rule of thumb: min, max, changed

    def summary(self) -> dict[str, Any]:
        return {
            "old": {"scheme_id": self.old.scheme_id, "version": self.old.version},
            "new": {"scheme_id": self.new.scheme_id, "version": self.new.version},
            "as_of": self.old.as_of.isoformat(),
            "scored": {"old": self.old.scored, "new": self.new.scored},
            "tier_changes": {"up": self.up, "down": self.down, "same": self.same},
            "only_old": self.only_old,
            "only_new": self.only_new,
            "score_delta": self.score_delta,
            "tiers": {"old": self.old.tiers, "new": self.new.tiers},
            "matrix": self.matrix,
        }


def _tier_order(old: list[str], new: list[str]) -> list[str]:
    out = list(old)
    for t in new:
        if t not in out:
            out.append(t)
    return out


def compare(old: Scores, new: Scores, old_tiers: list[str], new_tiers: list[str]) -> Comparison:
    """Tier transitions by direction; a tier's rank is its place in the old list (then
    the new one's) from the highest down."""
    order = _tier_order(old_tiers, new_tiers)
    rank = {t: i for i, t in enumerate(order)}
    a = dict(
        zip(
            old.table.column("subject_id").to_pylist(),
            zip(
                old.table.column("score").to_pylist(),
                old.table.column("tier").to_pylist(),
                strict=True,
            ),
            strict=True,
        )
    )
    b = dict(
        zip(
            new.table.column("subject_id").to_pylist(),
            zip(
                new.table.column("score").to_pylist(),
                new.table.column("tier").to_pylist(),
                strict=True,
            ),
            strict=True,
        )
    )
    matrix = {t: dict.fromkeys(order, 0) for t in order}
    up = down = same = changed = 0
    lo = hi = 0
    for sid, (s_old, t_old) in a.items():
        if sid not in b:
            continue
        s_new, t_new = b[sid]
        matrix[t_old][t_new] += 1
        if rank[t_new] < rank[t_old]:
            up += 1
        elif rank[t_new] > rank[t_old]:
            down += 1
        else:
            same += 1
        d = s_new - s_old
        if d:
            changed += 1
            lo, hi = min(lo, d), max(hi, d)
    return Comparison(
        old,
        new,
        order,
        matrix,
        up,
        down,
        same,
        only_old=sum(1 for s in a if s not in b),
        only_new=sum(1 for s in b if s not in a),
        score_delta={"min": lo, "max": hi, "changed": changed},
    )


def _scores(t: pa.Table) -> list[int]:
    return [int(x) for x in t.column("score").to_pylist()]


def write_report(c: Comparison, out: Path) -> dict[str, Path]:
    """``scores.png``, ``tiers.png``, ``index.html`` and ``comparison.json`` in ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    label_old = f"{c.old.scheme_id} v{c.old.version}"
    label_new = f"{c.new.scheme_id} v{c.new.version}"
    paths = {
        "scores": out / "scores.png",
        "tiers": out / "tiers.png",
        "html": out / "index.html",
        "json": out / "comparison.json",
    }
    fig, ax = plt.subplots(figsize=(8, 4.5))
    so, sn = _scores(c.old.table), _scores(c.new.table)
    values = so + sn
    if values:
        lo, hi = min(values), max(values)
        bins = list(range(lo - lo % 10, hi + 20, 10)) if hi > lo else [lo - 5, lo + 5]
        ax.hist(so, bins=bins, alpha=0.55, label=label_old, log=True)
        ax.hist(sn, bins=bins, alpha=0.55, label=label_new, log=True)
    ax.set_xlabel("score")
    ax.set_ylabel("residents (log scale)")
    ax.set_title(f"Score distribution on {c.old.as_of}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(paths["scores"], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    xs = list(range(len(c.tiers)))
    w = 0.4
    ax.bar([x - w / 2 for x in xs], [c.old.tiers.get(t, 0) for t in c.tiers], w, label=label_old)
    ax.bar([x + w / 2 for x in xs], [c.new.tiers.get(t, 0) for t in c.tiers], w, label=label_new)
    ax.set_xticks(xs, c.tiers)
    ax.set_ylabel("residents")
    ax.set_title("Residents per tier")
    ax.legend()
    fig.tight_layout()
    fig.savefig(paths["tiers"], dpi=100)
    plt.close(fig)

    summary = c.summary()
    paths["json"].write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    e = html.escape
    head = "".join(f"<th>{e(t)}</th>" for t in c.tiers)
    rows = "".join(
        f"<tr><th>{e(t)}</th>"
        + "".join(f'<td class="{"diag" if t == u else ""}">{c.matrix[t][u]}</td>' for u in c.tiers)
        + "</tr>"
        for t in c.tiers
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(label_old)} → {e(label_new)}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #bbb;padding:.3rem .6rem;text-align:right}}
td.diag{{background:#eee}}img{{max-width:100%}}
</style></head><body>
<h1>{e(label_old)} → {e(label_new)}</h1>
<p>As of {c.old.as_of}. Scored: {c.old.scored} before, {c.new.scored} after
(the residents consenting to {e(c.old.scheme_id)}).</p>
<p><strong>{c.up}</strong> residents move to a higher tier, <strong>{c.down}</strong> to a
lower one, {c.same} stay. {c.score_delta["changed"]} scores change
(by {c.score_delta["min"]} to {c.score_delta["max"]} points).</p>
<h2>Transitions (rows: before, columns: after)</h2>
<table><tr><th></th>{head}</tr>{rows}</table>
<h2>Scores</h2><img src="scores.png" alt="score distributions before and after">
<h2>Tiers</h2><img src="tiers.png" alt="residents per tier before and after">
</body></html>
"""
    paths["html"].write_text(page, encoding="utf-8")
    return paths


def run_compare(
    store: Store,
    old: LoadedScheme,
    new: LoadedScheme,
    on: date,
    *,
    engine: Engine = "duckdb",
    work_dir: Path | None = None,
    actor: str | None = None,
) -> Comparison:
    """Evaluate ``old`` and ``new`` (LoadedScheme) on one snapshot; nothing is written
    but the snapshot's and the comparison's audit entries."""
    from xinyong.batch import connect, load
    from xinyong.schemes.evaluate import compute, rule_kinds, take_snapshot

    snap = take_snapshot(store, work_dir, actor, rule_kinds(old, new))
    backend = connect(engine)
    try:
        tables = load(backend, snap)
        a = compute(old, tables, backend, on)
        b = compute(new, tables, backend, on, consent_scheme=old.scheme.id)
    finally:
        if work_dir is None:  # a temporary snapshot: personal data does not stay behind
            shutil.rmtree(snap.dir.parent, ignore_errors=True)
    c = compare(a, b, [t.id for t in old.scheme.tiers], [t.id for t in new.scheme.tiers])
    with store.write(actor) as tx:
        tx.audit(
            "scheme.compare",
            "scheme",
            old.scheme.id,
            {
                "old": [old.scheme.id, old.scheme.version, old.sha256],
                "new": [new.scheme.id, new.scheme.version, new.sha256],
                "snapshot_id": snap.snapshot_id,
                "up": c.up,
                "down": c.down,
            },
        )
    return c
