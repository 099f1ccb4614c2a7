"""``xinyong file``: a subject's credit file, on a date, as known at a time."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    KnownAtOption,
    OnOption,
    console,
    open_store,
    parse_known_at,
    parse_on,
    print_json,
)


def file(
    code: Annotated[str, typer.Argument(help="USCC, resident ID, passport number or subject id.")],
    on: OnOption = None,
    known_at: KnownAtOption = None,
    audience: Annotated[
        str, typer.Option("--audience", help="public | agency | subject")
    ] = "agency",
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="Why you read it (goes to the query log).")
    ] = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Show a credit file. Every non-public read is written to the subject's query log."""
    from xinyong.catalogue import Audience, get_catalogue
    from xinyong.credit_file.assemble import find_subject, read_file
    from xinyong.errors import UsageError
    from xinyong.store.actors import get_principal

    try:
        aud = Audience(audience)
    except ValueError:
        raise UsageError("--audience must be public, agency or subject") from None
    store = open_store(db)
    with store.read() as conn:
        sid = find_subject(conn, code)
        principal = get_principal(conn, as_ or store.default_actor())
    f = read_file(
        store,
        get_catalogue(),
        sid,
        on=parse_on(on),
        known_at=parse_known_at(known_at),
        audience=aud,
        principal=principal,
        purpose=purpose or f"command-line lookup by {principal.principal_id if principal else '?'}",
        channel="cli",
    )
    if json_:
        print_json(f)
        return
    console.print(
        f"[bold]{f.name}[/]  {f.kind}  subject {f.subject_id}  ({f.audience} view, on {f.on})"
    )
    for i in f.identifiers:
        console.print(f"  {i.scheme}: {i.value}")
    for r in f.roles:
        console.print(f"  {r.role}: {r.person_name} @ {r.organisation_name} since {r.valid_from}")
    for title, rows in (("records in force", f.records), ("expired / not in force", f.expired)):
        if not rows:
            continue
        t = Table(title=title)
        for col in (
            "kind",
            "decided",
            "authority",
            "decision no",
            "severity",
            "public until",
            "basis",
        ):
            t.add_column(col)
        for rec in rows:
            t.add_row(
                rec.kind_name_zh,
                str(rec.decided_on or ""),
                rec.deciding_authority.name_zh if rec.deciding_authority else "",
                rec.decision_no or rec.source_key,
                rec.severity or "",
                str(rec.display_until or ("while in force" if rec.public else "")),
                "; ".join(rec.legal_basis),
            )
        console.print(t)


def register(root: typer.Typer) -> None:
    root.command("file")(file)
