"""``xinyong audit``: verify the hash chain and print the key to pin."""

from __future__ import annotations

import typer

from xinyong.cli.common import DbOption, JsonOption, console, open_store, print_json

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
def verify(db: DbOption = None, json_: JsonOption = False) -> None:
    """Check the chain, its signed checkpoints and its tail; exit 3 when tampered with."""
    from xinyong.audit.verify import verify as run

    store = open_store(db)
    pub, pinned = store.pinned_public_key()
    with store.read() as conn:
        report = run(conn, pub, store.external_checkpoints())
    if json_:
        print_json(report)
    else:
        if not pinned:
            console.print(
                "[yellow]warning[/]: XINYONG_AUDIT_PUBKEY is not pinned; "
                "verifying against the local signing key"
            )
        console.print(
            f"{report.entries} entries, last {report.last_seq}; "
            f"{report.checkpoints} checkpoints, last signed at {report.last_checkpoint_seq}"
        )
        for p in report.problems:
            console.print(f"[red]{p.kind}[/] at {p.seq}: {p.message}")
        console.print("[green]chain verified[/]" if report.ok else "[red]TAMPERING DETECTED[/]")
    if not report.ok:
        raise typer.Exit(3)


@app.command("pubkey")
def pubkey(db: DbOption = None) -> None:
    """Print the public key to pin in XINYONG_AUDIT_PUBKEY."""
    from xinyong.audit.signing import public_key_hex

    print(public_key_hex(open_store(db).signer))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
