"""``xinyong notices``: measures notified to implementing agencies, acknowledged, reported."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import (
    DbOption,
    JsonOption,
    acting_principal,
    console,
    open_store,
    parse_on,
    print_json,
)

app = typer.Typer(
    help="Notices of measures to implementing agencies (抄告/反馈).", no_args_is_help=True
)

OfficerOption = Annotated[str, typer.Option("--officer", help="The implementing officer acting.")]


@app.command("list")
def list_(
    agency: Annotated[
        str | None, typer.Option("--agency", help="An implementing agency's queue.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="sent | acknowledged | reported")
    ] = "sent",
    entry: Annotated[str | None, typer.Option("--entry", help="Only this entry's notices.")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Notices, oldest first."""
    from xinyong.measures.notices import NoticeStatus, notices_for
    from xinyong.store.actors import get_agency

    with open_store(db).read() as conn:
        types = None
        if agency:
            a = get_agency(conn, agency)
            assert a is not None
            types = set(a.implements)
        items = notices_for(
            conn,
            types=types,
            status=NoticeStatus(status) if status else None,
            entry_id=entry,
            limit=limit,
        )
    if json_:
        print_json(items)
        return
    t = Table("notice", "measure", "implementing type", "entry", "status", "acknowledged")
    for n in items:
        t.add_row(
            n.notice_id,
            n.measure_id,
            n.implementing_type,
            n.entry_id,
            n.status.value,
            str(n.acknowledged_on or ""),
        )
    console.print(t)


@app.command("ack")
def ack(
    notice: Annotated[str, typer.Argument()],
    officer: OfficerOption,
    on: Annotated[
        str | None, typer.Option("--on", help="From when it applies (default today).")
    ] = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Acknowledge a notice: the measure is in force for the subject from then."""
    from xinyong.measures.notices import acknowledge

    store = open_store(db)
    p = acting_principal(store, officer)
    with store.write(p.principal_id) as tx:
        n = acknowledge(tx, p, notice, on=parse_on(on) if on else None)
    if json_:
        print_json(n)
        return
    console.print(f"{n.notice_id}: acknowledged by {n.acknowledged_by} on {n.acknowledged_on}")


@app.command("report")
def report(
    notice: Annotated[str, typer.Argument()],
    officer: OfficerOption,
    applied: Annotated[bool, typer.Option("--applied/--not-applied")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Report back whether the measure was applied."""
    from xinyong.measures.notices import report_back

    store = open_store(db)
    p = acting_principal(store, officer)
    with store.write(p.principal_id) as tx:
        n = report_back(tx, p, notice, applied=applied, note=note)
    if json_:
        print_json(n)
        return
    console.print(f"{n.notice_id}: reported ({'applied' if n.applied else 'not applied'})")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="notices")
