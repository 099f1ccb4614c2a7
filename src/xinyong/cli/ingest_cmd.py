"""``xinyong ingest``: an agency's feed into the store, with a receipt."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xinyong.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    console,
    err_console,
    open_store,
    print_json,
)


def ingest(
    path: Annotated[Path, typer.Argument(help="CSV, JSON Lines or Parquet file.")],
    agency: Annotated[str, typer.Option("--agency", help="Registered reporting agency code.")],
    mapping: Annotated[
        str | None, typer.Option("--mapping", help="Mapping id or YAML file (default: detect).")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv | jsonl | parquet.")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="e.g. gb18030.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate only; write nothing.")
    ] = False,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Ingest one feed file. Bad rows are quarantined; the rest go through."""
    from xinyong.ingest.pipeline import IngestRequest, estimate_rows, prepare
    from xinyong.ingest.pipeline import ingest as run

    store = open_store(db)
    req = IngestRequest(
        path=path,
        agency=agency,
        mapping=mapping,
        fmt=fmt,
        encoding=encoding,
        dry_run=dry_run,
        actor=as_,
    )
    src, _, _ = prepare(req)
    total = estimate_rows(src)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=json_ or not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(f"ingest {path.name}", total=total)
        receipt = run(store, req, progress=lambda n: bar.advance(task, n))
    if json_:
        print_json(receipt)
        return
    t = Table(title=f"receipt {receipt.batch_id or '(dry run)'}", show_header=False)
    for k in (
        "agency",
        "mapping",
        "rows",
        "accepted",
        "duplicates",
        "superseded",
        "quarantined",
        "linked",
    ):
        t.add_row(k, str(getattr(receipt, k)))
    for reason, n in receipt.reasons.items():
        t.add_row(f"  {reason}", str(n))
    console.print(t)


def quarantine_list(
    batch: Annotated[str | None, typer.Option("--batch", help="Only this batch.")] = None,
    agency: Annotated[str | None, typer.Option("--agency", help="Only this agency.")] = None,
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """List quarantined rows with their reason, message and raw content."""
    from xinyong.ingest.quarantine import list_quarantine

    with open_store(db).read() as conn:
        items = list_quarantine(conn, batch_id=batch, agency=agency, limit=limit)
    if json_:
        print_json(items)
        return
    t = Table("batch", "row", "reason", "message")
    for q in items:
        t.add_row(q.batch_id, str(q.row), q.reason, q.message)
    console.print(t)


def register(root: typer.Typer) -> None:
    root.command("ingest")(ingest)
