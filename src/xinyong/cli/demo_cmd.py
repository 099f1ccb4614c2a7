"""``xinyong demo``: synthetic population → registered agencies → every feed ingested → serve.

The demo acts out the whole pipeline on a store of its own, so a new user sees the
platform working end to end with one command. Later stages (lists, grades, scores)
add themselves here.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from xinyong.cli.common import console, err_console

DEMO_DIR = Path("demo-data")


def _fresh_sqlite(url: str) -> None:
    """The demo recreates its own SQLite store (and the files kept beside it)."""
    if not url.startswith("sqlite:///"):
        return
    db = Path(url.removeprefix("sqlite:///"))
    for p in db.parent.glob(db.name + "*"):
        p.unlink()


def run_demo(
    *,
    scale: str,
    seed: int,
    url: str,
    data_dir: Path,
    as_of: str | None = None,
) -> list[object]:
    from datetime import date

    from xinyong.actors import Agency
    from xinyong.calendar import today_cst
    from xinyong.ingest.pipeline import IngestRequest, estimate_rows, ingest, prepare
    from xinyong.store.actors import add_agency, ensure_local_admin
    from xinyong.store.context import Store
    from xinyong.store.migrate import upgrade
    from xinyong.synth import generate

    day = date.fromisoformat(as_of) if as_of else today_cst()
    out = data_dir / f"{scale}-seed{seed}-{day.isoformat()}"
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"synthesising a {scale} population", total=None)

        def synth_progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"synth: {stage}", completed=done, total=total or None)

        if out.exists():
            shutil.rmtree(out)
        manifest = generate(out, scale=scale, seed=seed, as_of=day, progress=synth_progress)
        bar.remove_task(task)

        _fresh_sqlite(url)
        store = Store(url)
        upgrade(store)
        with store.write(checkpoint=True) as tx:
            ensure_local_admin(tx)
            for a in manifest.agencies:
                add_agency(
                    tx,
                    Agency(
                        code=a.code,
                        name_zh=a.name_zh,
                        name_en=a.name_en,
                        uscc=a.uscc,
                        sector=a.sector,
                        kinds=tuple(a.kinds),
                    ),
                    update_existing=True,
                )
        receipts = []
        # grades are computed from the tax records by the supervision stage (one source
        # of truth): the synthetic grade feed is not ingested
        for feed in demo_feeds(manifest.feeds):
            req = IngestRequest(
                path=out / feed.file, agency=feed.agency, mapping=feed.mapping, today=day
            )
            src, _, _ = prepare(req)
            task_id = bar.add_task(f"ingest {feed.file}", total=estimate_rows(src))

            def advance(n: int, task_id: TaskID = task_id) -> None:
                bar.advance(task_id, n)

            receipts.append((feed, ingest(store, req, progress=advance)))
            bar.remove_task(task_id)

    table = Table(title=f"demo: {scale} population, seed {seed}, as of {day}")
    table.add_column("feed", no_wrap=True)
    for col in ("rows", "new", "dup", "superseded", "quarantined"):
        table.add_column(col, justify="right")
    for feed, r in receipts:
        table.add_row(
            feed.file,
            str(r.rows),
            str(r.accepted),
            str(r.duplicates),
            str(r.superseded),
            str(r.quarantined),
        )
    console.print(table)
    from xinyong.supervision.demo import print_stage

    print_stage(url, day, seed, out / "supervision")  # before the lists: red list from grades
    _lists_stage(url, day, seed)
    from xinyong.schemes.demo import schemes_stage

    schemes_stage(url, day, seed, out, console)
    from xinyong.reporting.demo import reporting_stage

    reporting_stage(url, day, seed, out, console)
    return [r for _, r in receipts]


def demo_feeds(feeds: list[Any]) -> list[Any]:
    """The synthetic feeds the demo ingests: all but the tax grades it computes itself."""
    return [f for f in feeds if "tax_credit_grade" not in f.kinds]


def _lists_stage(url: str, day: object, seed: int) -> None:
    """Lists: direct entries, proposals decided by demo reviewers, notices acknowledged."""
    from datetime import date

    from xinyong.catalogue import get_catalogue
    from xinyong.lists.queries import counts
    from xinyong.store.context import Store
    from xinyong.synth.loop import act_out, act_out_rights

    assert isinstance(day, date)
    store = Store(url)
    cat = get_catalogue()
    with err_console.status("lists: proposals, decisions, notices"):
        res = act_out(store, cat, day=day, seed=seed)
    with err_console.status("rights: subjects object and apply for repair"):
        rights = act_out_rights(store, cat, day=day, seed=seed)
    from xinyong.portal.search import build_index

    with err_console.status("portal: building the search index"):
        indexed = build_index(store)
    with store.read() as conn:
        by_list = counts(conn)
    t = Table(title="lists after the demo's reviewers and officers acted")
    t.add_column("list", no_wrap=True)
    for col in ("proposed", "published", "rejected", "removed", "expired"):
        t.add_column(col, justify="right")
    for lid in cat.lists:
        c = by_list.get(lid, {})
        t.add_row(
            lid,
            *(
                str(c.get(k, 0))
                for k in ("proposed", "published", "rejected", "removed", "expired")
            ),
        )
    console.print(t)
    n = res["notices"]
    console.print(
        f"notices: {n.get('acknowledged', 0)} acknowledged ({n.get('reported', 0)} reported back), "
        f"{n.get('left_unacknowledged', 0)} waiting for an officer"
    )
    console.print(
        f"cases: {rights.get('objections', 0)} objections ({rights.get('objections_decided', 0)} decided), "
        f"{rights.get('appeals', 0)} appeal to the higher court, {rights.get('repairs', 0)} repair "
        f"applications ({rights.get('repairs_granted', 0)} granted)"
    )
    console.print(f"search index: {indexed} subjects")


def _example_uscc(url: str) -> str | None:
    """An organisation with a published penalty, to show in the demo's hints."""
    from sqlalchemy import select

    from xinyong.calendar import today_cst
    from xinyong.store.context import Store
    from xinyong.store.tables import records, subject_identifiers

    with Store(url).read() as conn:
        return conn.execute(
            select(subject_identifiers.c.value)
            .join(records, records.c.subject_id == subject_identifiers.c.subject_id)
            .where(
                subject_identifiers.c.scheme == "uscc",
                records.c.kind == "administrative_penalty",
                records.c.publication == "published",
                records.c.display_until >= today_cst(),
            )
            .limit(1)
        ).scalar_one_or_none()


def _example_restricted(url: str) -> str | None:
    """A subject the flight restriction is in force for, to show in the demo's hints."""
    from sqlalchemy import select

    from xinyong.store.context import Store
    from xinyong.store.tables import measure_notices, subject_identifiers

    with Store(url).read() as conn:
        return conn.execute(
            select(subject_identifiers.c.value)
            .join(measure_notices, measure_notices.c.subject_id == subject_identifiers.c.subject_id)
            .where(
                measure_notices.c.measure_id == "consumption_flights",
                measure_notices.c.status != "sent",
                subject_identifiers.c.scheme == "uscc",
            )
            .limit(1)
        ).scalar_one_or_none()


def demo(
    scale: Annotated[str, typer.Option("--scale", help="small | city")] = "small",
    seed: Annotated[int, typer.Option("--seed")] = 42,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Store URL (default: a fresh SQLite file under demo-data/)."),
    ] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build, then stop.")] = False,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Today for the demo (CST).")] = None,
) -> None:
    """Build a synthetic population, run the whole pipeline, and serve the portal and API."""
    from xinyong.errors import UsageError

    if scale not in ("small", "city", "province"):
        raise UsageError("--scale must be small, city or province")
    DEMO_DIR.mkdir(exist_ok=True)
    url = db or f"sqlite:///{DEMO_DIR / f'demo-{scale}.db'}"
    run_demo(scale=scale, seed=seed, url=url, data_dir=DEMO_DIR, as_of=as_of)
    console.print(f"store: {url}")
    console.print(f"portal: http://{host}:{port}/   API docs: http://{host}:{port}/docs")
    example = _example_uscc(url)
    if example:
        console.print(f"try:  xinyong file {example} --db {url} --audience public")
        console.print(f"      curl http://{host}:{port}/v1/subjects/uscc/{example}")
    console.print(f"      xinyong lists show court_dishonest_debtors --db {url}")
    console.print(f"      xinyong lists pending --db {url}")
    restricted = _example_restricted(url)
    if restricted:
        console.print(f"      xinyong check {restricted} --measure consumption_flights --db {url}")
    console.print(f"      curl http://{host}:{port}/v1/lists/court_dishonest_debtors/entries")
    if not no_serve:
        from xinyong.cli.serve_cmd import serve_app

        serve_app(url, host, port)


def register(root: typer.Typer) -> None:
    root.command("demo")(demo)
