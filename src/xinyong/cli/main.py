"""The ``xinyong`` command.

Errors the platform raises on purpose print one line and exit with the code of
CONTRACTS.md; anything else is an internal error (70), with the traceback only
under ``--debug``.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup

from xinyong.errors import XinyongError

#: command modules, each with ``register(app)``; order is the help order
COMMAND_MODULES = [
    "demo",
    "synth",
    "db",
    "agencies",
    "principals",
    "keys",
    "ingest",
    "quarantine",
    "file",
    "id",
    "catalogue",
    "calendar",
    "audit",
    "lists",
    "notices",
    "check",
    "subjects",
    "cases",
    "certificate",
    "notify",
    "scorecard",
    "reporting",
    "supervision",
    "scheme",
    "serve",
]

_debug = False


class XinyongGroup(TyperGroup):
    """Maps the platform's errors to one line and an exit code (CONTRACTS.md)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except XinyongError as e:
            if _debug:
                traceback.print_exc()
            typer.echo(f"error [{e.code}]: {e.message}", err=True)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            raise
        except Exception as e:
            if type(e).__module__.startswith(("typer", "click")):
                raise  # usage errors, --help, exits: the CLI framework's own
            if _debug:
                traceback.print_exc()
            typer.echo(f"internal error: {type(e).__name__}: {e} (rerun with --debug)", err=True)
            raise typer.Exit(70) from None


app = typer.Typer(
    cls=XinyongGroup,
    name="xinyong",
    help="xinyong (信用): public credit information, lists and rights, as they actually work.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    global _debug
    _debug = debug


for _name in COMMAND_MODULES:
    importlib.import_module(f"xinyong.cli.{_name}_cmd").register(app)


def main() -> None:
    app(prog_name="xinyong")


if __name__ == "__main__":
    main()
    sys.exit(0)
