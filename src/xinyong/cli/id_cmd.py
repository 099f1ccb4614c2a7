"""``xinyong id``: check USCCs and resident IDs from the command line.

Checking is a question, not an action: a refused code is an answer, so the exit
status is 0 whenever every input could be checked.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import JsonOption, console, print_json
from xinyong.identity import check_code

id_app = typer.Typer(
    name="id",
    help="Check Unified Social Credit Codes and resident identity numbers.",
    no_args_is_help=True,
)


@id_app.command("check")
def check(
    codes: Annotated[
        list[str],
        typer.Argument(help="Codes to check (USCC, 18-character or 15-digit resident ID)."),
    ],
    json_: JsonOption = False,
) -> None:
    """Say for each code whether it is valid, of which kind, and its canonical form."""
    results = [check_code(c) for c in codes]
    if json_:
        print_json(results)
        return
    table = Table()
    # codes fold rather than truncate: an ellipsis in a code would mislead
    table.add_column("input", overflow="fold")
    table.add_column("valid", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("canonical", overflow="fold")
    table.add_column("error", overflow="fold", ratio=1)
    for r in results:
        table.add_row(
            r.input,
            "[green]yes[/green]" if r.valid else "[red]no[/red]",
            r.kind or "",
            r.canonical or "",
            f"{r.error.code}: {r.error.message}" if r.error else "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``id`` command group to the root app."""
    app.add_typer(id_app, name="id")
