"""``xinyong synth``: write a synthetic population and its agency feeds.

Same seed and same as-of date give byte-identical files, so a data set can be
regenerated instead of shipped.
"""

from __future__ import annotations

import time
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from xinyong.cli.common import console


class ScaleName(StrEnum):
    small = "small"
    city = "city"
    province = "province"


def _parse_as_of(value: str | None) -> date:
    from xinyong.synth import today_cst

    if value is None:
        return today_cst()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--as-of"
        ) from None


def synth(
    out: Annotated[
        Path,
        typer.Option("--out", help="Directory to write the feeds and manifest.json into."),
    ],
    scale: Annotated[
        ScaleName,
        typer.Option(
            "--scale",
            help="small ≈5,000 residents; city = 500,000 (Rongcheng-sized); "
            "province = 10 million (streamed).",
        ),
    ] = ScaleName.small,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 42,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Date the data set describes (YYYY-MM-DD; default: today in Asia/Shanghai). "
            "No decision date lies after it.",
        ),
    ] = None,
) -> None:
    """Write a synthetic registry and agency feeds in the national standard formats."""
    from xinyong.synth import generate

    day = _parse_as_of(as_of)
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            task = tasks.get(stage)
            if task is None:
                task = tasks[stage] = bar.add_task(stage, total=total)
            bar.update(task, completed=done, total=total)

        manifest = generate(out, scale=scale.value, seed=seed, as_of=day, progress=report)
    elapsed = time.perf_counter() - started

    table = Table(title=f"xinyong synth: {scale.value}, seed {seed}, as of {day}")
    table.add_column("file", overflow="fold")
    table.add_column("agency", overflow="fold")
    table.add_column("format")
    table.add_column("encoding")
    table.add_column("rows", justify="right")
    table.add_column("bad", justify="right")
    for f in manifest.feeds:
        table.add_row(f.file, f.agency, f.format, f.encoding, f"{f.rows:,}", f"{f.bad_rows:,}")
    console.print(table)

    s = manifest.stats
    facts = Table(show_header=False, box=None)
    facts.add_column("what")
    facts.add_column("count", justify="right")
    facts.add_row("persons", f"{s['persons']:,}")
    facts.add_row("organisations", f"{s['organisations']:,}")
    facts.add_row("adults 18–59", f"{s['adults_18_59']:,}")
    facts.add_row(
        "listed persons 18–59",
        f"{s['listed_persons_18_59']:,} ({100 * s['listed_share_18_59']:.2f} %)",
    )
    facts.add_row("listed units", f"{s['listed_units']:,}")
    facts.add_row("penalties", f"{s.get('penalties', 0):,}")
    for year, shares in s.get("tax_grade_shares", {}).items():
        facts.add_row(
            f"tax grades {year}", "  ".join(f"{g} {100 * v:.2f}%" for g, v in shares.items())
        )
    facts.add_row("agencies", f"{len(manifest.agencies):,}")
    facts.add_row("bad rows", f"{s['bad_rows_total']:,}")
    console.print(facts)
    console.print(f"wrote {out / 'manifest.json'} in {elapsed:.1f} s")


def register(app: typer.Typer) -> None:
    """Add the top-level ``synth`` command to the root app."""
    app.command("synth")(synth)
