"""``xinyong keys``: API keys bound to principals (shown once, stored as SHA-256)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import AsOption, DbOption, JsonOption, console, open_store, print_json

app = typer.Typer(help="API keys.", no_args_is_help=True)


@app.command("create")
def create(
    principal: Annotated[str, typer.Argument(help="The principal the key acts as.")],
    days: Annotated[int, typer.Option("--days", help="Validity in days (0 = no expiry).")] = 365,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Create a key; the token is printed once and cannot be shown again."""
    from xinyong.store.actors import create_key

    store = open_store(db)
    with store.write(as_) as tx:
        key_id, token = create_key(tx, principal, valid_days=days or None)
    if json_:
        print_json({"key_id": key_id, "principal": principal, "token": token})
    else:
        console.print(f"key {key_id} for {principal}:")
        print(token)


@app.command("revoke")
def revoke(key_id: str, db: DbOption = None, as_: AsOption = None) -> None:
    from xinyong.store.actors import revoke_key

    with open_store(db).write(as_) as tx:
        revoke_key(tx, key_id)
    console.print(f"key {key_id} revoked")


@app.command("list")
def list_(db: DbOption = None, json_: JsonOption = False) -> None:
    from xinyong.store.actors import list_keys

    with open_store(db).read() as conn:
        items = list_keys(conn)
    if json_:
        print_json(items)
        return
    t = Table("key id", "principal", "prefix", "created", "expires", "revoked")
    for k in items:
        t.add_row(
            *(
                str(k[c] or "")
                for c in (
                    "key_id",
                    "principal_id",
                    "prefix",
                    "created_at",
                    "expires_at",
                    "revoked_at",
                )
            )
        )
    console.print(t)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="keys")
