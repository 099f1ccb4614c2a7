"""``xinyong quarantine``: rows refused at ingest."""

from __future__ import annotations

import typer

from xinyong.cli.ingest_cmd import quarantine_list

app = typer.Typer(help="Quarantined rows.", no_args_is_help=True)
app.command("list")(quarantine_list)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="quarantine")
