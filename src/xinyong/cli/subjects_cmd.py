"""``xinyong subjects``: subject keys, issued after identity is verified outside the platform."""

from __future__ import annotations

from typing import Annotated

import typer

from xinyong.cli.common import AsOption, DbOption, JsonOption, console, open_store, print_json

app = typer.Typer(help="Subjects: keys to their own file.", no_args_is_help=True)


@app.command("key")
def key(
    code: Annotated[str, typer.Argument(help="USCC, resident ID or subject id.")],
    verified_by: Annotated[
        str,
        typer.Option(
            "--verified-by", help="How the identity was verified (e.g. 'ID card at the counter')."
        ),
    ],
    valid_days: Annotated[int, typer.Option("--valid-days")] = 365,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Issue a key for a subject to read its own file, see who read it and open cases.
    The key is printed once."""
    from xinyong.rights.access import issue_subject_key

    store = open_store(db)
    with store.write(as_) as tx:
        p, key_id, token = issue_subject_key(
            tx, code, verified_by=verified_by, valid_days=valid_days
        )
    if json_:
        print_json(
            {
                "principal": p.principal_id,
                "subject_id": p.subject_id,
                "key_id": key_id,
                "key": token,
            }
        )
        return
    console.print(f"principal {p.principal_id} (subject {p.subject_id}), key {key_id}")
    console.print(f"key (shown once): {token}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="subjects")
