"""``xinyong principals``: the named people and systems that act on the platform."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import AsOption, DbOption, JsonOption, console, open_store, print_json

app = typer.Typer(help="Principals: who acts, with which roles.", no_args_is_help=True)


@app.command("add")
def add(
    principal_id: Annotated[str, typer.Argument(help="Handle, e.g. samr-reviewer-1.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    organisation: Annotated[
        str, typer.Option("--org", help="Agency code, lender code, or 'platform'.")
    ],
    roles: Annotated[str, typer.Option("--roles", help="Comma-separated roles.")],
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Register a principal."""
    from xinyong.actors import Principal, Role
    from xinyong.errors import UsageError
    from xinyong.store.actors import add_principal

    try:
        role_set = frozenset(Role(r.strip()) for r in roles.split(",") if r.strip())
    except ValueError as e:
        raise UsageError(f"{e}; roles: {', '.join(r.value for r in Role)}") from None
    store = open_store(db)
    with store.write(as_) as tx:
        add_principal(
            tx,
            Principal(
                principal_id=principal_id,
                display_name=name,
                organisation=organisation,
                roles=role_set,
            ),
        )
    console.print(f"principal {principal_id} added")


@app.command("list")
def list_(db: DbOption = None, json_: JsonOption = False) -> None:
    from xinyong.store.actors import list_principals

    with open_store(db).read() as conn:
        items = list_principals(conn)
    if json_:
        print_json(items)
        return
    t = Table("id", "name", "organisation", "roles")
    for p in items:
        t.add_row(p.principal_id, p.display_name, p.organisation, ", ".join(sorted(p.roles)))
    console.print(t)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="principals")
