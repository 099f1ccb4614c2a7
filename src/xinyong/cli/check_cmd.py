"""``xinyong check`` and ``xinyong screen``: is a subject restricted by a measure?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    OnOption,
    acting_principal,
    console,
    open_store,
    parse_on,
    print_json,
)

MeasureOption = Annotated[
    str, typer.Option("--measure", help="Measure id (xinyong catalogue measures).")
]


def check_(
    codes: Annotated[list[str], typer.Argument(help="USCCs, resident IDs or subject ids.")],
    measure: MeasureOption,
    on: OnOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Check subjects against one measure on a date. Every check goes to the query log."""
    from xinyong.catalogue import get_catalogue
    from xinyong.measures.check import check

    store = open_store(db)
    p = acting_principal(store, as_)
    answers = check(store, get_catalogue(), p, codes, measure, parse_on(on), channel="cli")
    if json_:
        print_json(answers[0] if len(answers) == 1 else answers)
        return
    t = Table("subject", "known", "restricted", "granted", "scope", "lists")
    for a in answers:
        t.add_row(
            a.subject,
            str(a.known),
            str(a.restricted),
            str(a.granted),
            a.scope or "",
            ", ".join(sorted({e.list_id for e in a.entries})),
        )
    console.print(t)


screen_app = typer.Typer(
    help="Bulk screening: a CSV of subjects in, a signed CSV out.", no_args_is_help=True
)


@screen_app.command("run")
def screen_run(
    src: Annotated[
        Path, typer.Argument(help="CSV with a code column (code, uscc, ric, subject_id).")
    ],
    measure: MeasureOption,
    out: Annotated[Path, typer.Option("--out", help="Result CSV; its signature goes beside it.")],
    on: OnOption = None,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Screen every subject of SRC against a measure; write and sign the answers."""
    from xinyong.catalogue import get_catalogue
    from xinyong.measures.screening import screen

    store = open_store(db)
    p = acting_principal(store, as_)
    r = screen(store, get_catalogue(), p, src, out, measure_id=measure, on=parse_on(on))
    summary = {
        "rows": r.rows,
        "restricted": r.restricted,
        "unknown": r.unknown,
        "out": str(r.out),
        "signature": str(r.signature),
    }
    if json_:
        print_json(summary)
        return
    console.print(summary)


@screen_app.command("verify")
def screen_verify(
    result: Annotated[Path, typer.Argument(help="A result CSV written by `xinyong screen run`.")],
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Pin the signer's key (hex).")
    ] = None,
) -> None:
    """Check a screening result against its signature (exit 3 when it does not hold)."""
    from xinyong.measures.screening import verify_result

    ok, why = verify_result(result, public_key)
    console.print(f"{result}: {why}")
    if not ok:
        raise typer.Exit(3)


def register(root: typer.Typer) -> None:
    root.command("check")(check_)
    root.add_typer(screen_app, name="screen")
