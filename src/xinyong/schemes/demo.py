"""The demo's scheme stage: Rongcheng residents opt in, are scored, and a rule is removed.

Fast at ``--scale small`` (a few seconds): scheme-relevant person records go through
the ingest pipeline, 60 % of residents consent (5 % of them withdraw later), the
Rongcheng scheme is evaluated on DuckDB, and a comparison shows what removing the
dishonest-judgment-debtor rule would change.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from xinyong.schemes.compare import run_compare, write_report
from xinyong.schemes.consent import record_many
from xinyong.schemes.evaluate import evaluate
from xinyong.schemes.loader import load_scheme
from xinyong.schemes.variants import without_rule
from xinyong.store.context import Store

DEMO_SCHEME = "rongcheng"
DEMO_REMOVED_RULE = "dishonest_judgment_debtor"


def schemes_stage(
    url: str, day: date, seed: int, data_dir: Path, console: Console
) -> dict[str, object]:
    from xinyong.ingest.pipeline import IngestRequest, ingest
    from xinyong.store.actors import add_agency
    from xinyong.synth import schemes as synth

    store = Store(url)
    with console.status("schemes: residents' records and consents"):
        with store.write() as tx:
            for a in synth.AGENCIES:
                add_agency(tx, a, update_existing=True)
        people = synth.residents(store)
        feed_dir = data_dir / "schemes"
        synth.write_feed(people, feed_dir, seed=seed, as_of=day)
        for a in synth.AGENCIES:
            ingest(
                store,
                IngestRequest(
                    path=feed_dir / f"schemes_{a.code}.jsonl",
                    agency=a.code,
                    mapping="canonical_en",
                    today=day,
                ),
            )
        consented = record_many(store, DEMO_SCHEME, synth.consents(people, seed=seed, as_of=day))
    with console.status("schemes: scoring consenting Rongcheng residents (DuckDB)"):
        loaded = load_scheme(DEMO_SCHEME)
        ev = evaluate(store, loaded, day, engine="duckdb", work_dir=data_dir / "scheme-run")
    t = Table(title=f"{loaded.scheme.id} v{loaded.scheme.version}: tiers on {ev.scores.as_of}")
    t.add_column("tier")
    t.add_column("residents", justify="right")
    for tier, n in ev.scores.tiers.items():
        t.add_row(tier, str(n))
    console.print(t)
    console.print(
        f"scheme run {ev.run_id}: {ev.scores.scored} of {ev.scores.residents} residents scored "
        f"({consented} consents recorded; residents without a current consent keep their "
        "records but get no score)"
    )
    with console.status(f"schemes: what if {DEMO_REMOVED_RULE!r} were removed"):
        variant = without_rule(
            loaded, DEMO_REMOVED_RULE, data_dir / f"{DEMO_SCHEME}-without-{DEMO_REMOVED_RULE}.yaml"
        )
        c = run_compare(store, loaded, variant, day, work_dir=data_dir / "scheme-compare-run")
        paths = write_report(c, data_dir / "scheme-compare")
    console.print(
        f"scheme compare without {DEMO_REMOVED_RULE!r}: {c.up} residents up a tier, {c.down} down, "
        f"{c.same} unchanged; report {paths['html']}"
    )
    return {"run_id": ev.run_id, "tiers": ev.scores.tiers, "up": c.up, "down": c.down}
