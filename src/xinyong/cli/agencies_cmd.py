"""``xinyong agencies``: registering the agencies that report (and decide)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import AsOption, DbOption, JsonOption, console, open_store, print_json

app = typer.Typer(help="Registered agencies and deciding authorities.", no_args_is_help=True)


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="Slug, e.g. rongcheng-samr.")],
    name: Annotated[str, typer.Option("--name", help="Chinese name.")],
    uscc: Annotated[str | None, typer.Option("--uscc", help="The agency's own USCC.")] = None,
    sector: Annotated[
        str, typer.Option("--sector", help="Sector id from the catalogue.")
    ] = "other",
    kinds: Annotated[
        str, typer.Option("--kinds", help="Comma-separated record kinds it may report.")
    ] = "",
    implements: Annotated[
        str,
        typer.Option(
            "--implements",
            help="Comma-separated implementing agency types (measures it carries out).",
        ),
    ] = "",
    higher: Annotated[
        str | None,
        typer.Option("--higher", help="The agency hearing appeals against its decisions."),
    ] = None,
    name_en: Annotated[str | None, typer.Option("--name-en")] = None,
    update: Annotated[
        bool, typer.Option("--update", help="Change an existing registration.")
    ] = False,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Register an agency (and its reporting principal, named like the agency)."""
    from xinyong.actors import Agency
    from xinyong.store.actors import add_agency

    store = open_store(db)
    agency = Agency(
        code=code,
        name_zh=name,
        name_en=name_en,
        uscc=uscc,
        sector=sector,
        kinds=tuple(k.strip() for k in kinds.split(",") if k.strip()),
        implements=tuple(t.strip() for t in implements.split(",") if t.strip()),
        higher_authority=higher,
    )
    with store.write(as_) as tx:
        changed = add_agency(tx, agency, update_existing=update)
    console.print(f"agency {code}: {'registered' if changed else 'unchanged'}")


@app.command("list")
def list_(db: DbOption = None, json_: JsonOption = False) -> None:
    """List registered agencies."""
    from xinyong.store.actors import list_agencies

    with open_store(db).read() as conn:
        items = list_agencies(conn)
    if json_:
        print_json(items)
        return
    t = Table("code", "name", "USCC", "sector", "kinds", "implements")
    for a in items:
        t.add_row(
            a.code, a.name_zh, a.uscc or "", a.sector, ", ".join(a.kinds), ", ".join(a.implements)
        )
    console.print(t)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="agencies")
