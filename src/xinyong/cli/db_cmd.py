"""``xinyong db``: schema migrations and first-run set-up."""

from __future__ import annotations

import typer

from xinyong.cli.common import DbOption, console, open_store

app = typer.Typer(help="The store: migrations and set-up.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Migrate the store to the newest schema and create the local administrator."""
    from xinyong.audit.signing import public_key_hex
    from xinyong.store.actors import ensure_local_admin
    from xinyong.store.migrate import upgrade as run_upgrade

    store = open_store(db)
    rev = run_upgrade(store)
    with store.write(checkpoint=True) as tx:
        created = ensure_local_admin(tx)
        tx.audit("store.upgraded", "store", "schema", {"revision": rev})
    console.print(
        f"store at revision [bold]{rev}[/]"
        + (" (administrator 'admin' created)" if created else "")
    )
    console.print(f"audit signing key: {store.key_path}")
    console.print(f"pin its public key: XINYONG_AUDIT_PUBKEY={public_key_hex(store.signer)}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
