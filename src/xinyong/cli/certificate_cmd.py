"""``xinyong certificate verify``: check a search certificate downloaded from the portal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xinyong.cli.common import console

app = typer.Typer(help="Search certificates issued by the portal.", no_args_is_help=True)


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="A certificate JSON file from the portal.")],
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Pin the platform's public key (hex).")
    ] = None,
) -> None:
    """Check the signature and the results' hash (exit 3 when they do not hold)."""
    from xinyong.portal.certificates import verify_file

    ok, why = verify_file(file, public_key)
    console.print(f"{file}: {why}")
    if not ok:
        raise typer.Exit(3)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="certificate")
