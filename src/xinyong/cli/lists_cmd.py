"""``xinyong lists``: proposals, named decisions, entries on a date, the expiry job."""

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
    acting_principal,
    console,
    open_store,
    parse_known_at,
    parse_on,
    print_json,
)

app = typer.Typer(help="Black and red lists: proposals, decisions, entries.", no_args_is_help=True)

ReasonOption = Annotated[str, typer.Option("--reason", help="Why (recorded with the decision).")]
DecisionOnOption = Annotated[
    str | None, typer.Option("--on", help="Decision date, YYYY-MM-DD (default today, CST).")
]


@app.command("propose")
def propose(
    on: OnOption = None, db: DbOption = None, json_: JsonOption = False, as_: AsOption = None
) -> None:
    """Publish direct listing decisions and propose entries from the records in the store."""
    from xinyong.catalogue import get_catalogue
    from xinyong.lists.proposals import sync

    store = open_store(db)
    with store.write(as_) as tx:
        rep = sync(tx, get_catalogue(), on=parse_on(on))
    if json_:
        print_json(rep.as_json())
        return
    t = Table("list", "published (direct)", "proposed", "already open", "minors refused")
    for lid in sorted(
        set(rep.published) | set(rep.proposed) | set(rep.already_open) | set(rep.refused_minor)
    ):
        t.add_row(
            lid,
            str(rep.published[lid]),
            str(rep.proposed[lid]),
            str(rep.already_open[lid]),
            str(rep.refused_minor[lid]),
        )
    console.print(t)
    console.print(f"notices sent to implementing agencies: {rep.notices}")


@app.command("pending")
def pending_(
    authority: Annotated[
        str | None, typer.Option("--authority", help="Only this deciding authority's.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Proposals waiting for a reviewer's decision, oldest first."""
    from xinyong.lists.queries import pending

    with open_store(db).read() as conn:
        items = pending(conn, authority=authority, limit=limit)
    if json_:
        print_json(items)
        return
    t = Table("proposal", "list", "ground", "deciding authority", "subject", "proposed at")
    for e in items:
        t.add_row(
            e.entry_id,
            e.list_id,
            e.ground or "",
            e.deciding_authority,
            e.subject_id,
            e.proposed_at.isoformat(timespec="seconds"),
        )
    console.print(t)


@app.command("decide")
def decide(
    proposal: Annotated[str, typer.Argument(help="The proposal's id.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="The reviewer principal deciding.")],
    reason: ReasonOption,
    approve: Annotated[bool, typer.Option("--approve/--reject", help="Approve or reject.")],
    on: DecisionOnOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Approve or reject a proposal as a named reviewer of the deciding authority."""
    from xinyong.catalogue import get_catalogue
    from xinyong.lists.decisions import decide as decide_

    store = open_store(db)
    p = acting_principal(store, reviewer)
    with store.write(p.principal_id) as tx:
        e = decide_(
            tx,
            get_catalogue(),
            p,
            proposal,
            approve=approve,
            reason=reason,
            on=parse_on(on) if on else None,
        )
    if json_:
        print_json(e)
        return
    term = f", term {e.term_start} – {e.term_end or 'until an event'}" if e.term_start else ""
    console.print(f"{e.entry_id}: {e.status.value} by {p.principal_id}{term}")


@app.command("extend")
def extend(
    entry: Annotated[str, typer.Argument(help="The entry's id.")],
    by: Annotated[str, typer.Option("--by", help='How long, e.g. "1 years".')],
    reviewer: Annotated[str, typer.Option("--reviewer")],
    reason: ReasonOption,
    on: DecisionOnOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Extend an entry's term as its ground allows (the court list: once, by 1–3 years)."""
    from xinyong.calendar import Duration
    from xinyong.catalogue import get_catalogue
    from xinyong.lists.decisions import extend as extend_

    store = open_store(db)
    p = acting_principal(store, reviewer)
    with store.write(p.principal_id) as tx:
        e = extend_(
            tx,
            get_catalogue(),
            p,
            entry,
            by=Duration.parse(by),
            reason=reason,
            on=parse_on(on) if on else None,
        )
    if json_:
        print_json(e)
        return
    console.print(f"{e.entry_id}: term now ends {e.term_end}")


@app.command("remove")
def remove(
    entry: Annotated[str, typer.Argument(help="The entry's id.")],
    event: Annotated[
        str | None, typer.Option("--event", help="One of the list's removal events.")
    ] = None,
    event_on: Annotated[
        str | None, typer.Option("--event-on", help="Date of the event (YYYY-MM-DD).")
    ] = None,
    reviewer: Annotated[str, typer.Option("--reviewer")] = "",
    reason: Annotated[str, typer.Option("--reason")] = "",
    on: DecisionOnOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Remove an entry on a removal event; late removals (past the deadline) are marked."""
    from xinyong.catalogue import get_catalogue
    from xinyong.errors import UsageError
    from xinyong.lists.decisions import remove as remove_
    from xinyong.store.calendar_repo import work_calendar

    if not reviewer:
        raise UsageError("--reviewer PRINCIPAL is required")
    store = open_store(db)
    p = acting_principal(store, reviewer)
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        e = remove_(
            tx,
            get_catalogue(),
            cal,
            p,
            entry,
            event=event,
            event_on=parse_on(event_on) if event_on else None,
            reason=reason,
            on=parse_on(on) if on else None,
        )
    if json_:
        print_json(e)
        return
    late = " (LATE: after the deadline)" if e.removal_late else ""
    console.print(
        f"{e.entry_id}: removed from {e.ended_on} on {e.end_event}; due by {e.removal_due}{late}"
    )


@app.command("show")
def show(
    list_id: Annotated[str, typer.Argument(help="The list's id (xinyong catalogue lists).")],
    on: OnOption = None,
    known_at: KnownAtOption = None,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    audience: Annotated[str, typer.Option("--audience", help="public | agency")] = "public",
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Who is on a list on a date, as known at a time (identifiers masked for the public)."""
    from xinyong.catalogue import Audience, get_catalogue
    from xinyong.lists.views import listed

    cat = get_catalogue()
    ld = cat.list_def(list_id)
    with open_store(db).read() as conn:
        items = listed(
            conn,
            cat,
            list_id,
            on=parse_on(on),
            known_at=parse_known_at(known_at) if known_at else None,
            audience=Audience(audience),
            limit=limit,
            offset=offset,
        )
    if json_:
        print_json(items)
        return
    t = Table(
        "entry",
        "name",
        "identifier",
        "ground",
        "authority",
        "from",
        "until",
        title=f"{ld.name_zh} {ld.name_en}",
    )
    for x in items:
        t.add_row(
            x.entry_id,
            x.name,
            x.identifier or "",
            x.ground or "",
            x.deciding_authority,
            str(x.term_start),
            str(x.term_end or "—"),
        )
    console.print(t)


@app.command("entry")
def entry(
    entry_id: Annotated[str, typer.Argument()],
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """One proposal or entry with its whole history."""
    from xinyong.lists.history import entry_history, get_entry

    with open_store(db).read() as conn:
        e = get_entry(conn, entry_id)
        hist = entry_history(conn, entry_id)
    if json_:
        print_json({"entry": e, "history": hist})
        return
    console.print(e.model_dump(mode="json"))
    t = Table("seq", "at", "actor", "event", "status", "term", "ended")
    for h in hist:
        t.add_row(
            str(h["seq"]),
            str(h["at"]),
            h["actor"],
            h["event"],
            h["status"],
            f"{h['term_start']} – {h['term_end']}",
            str(h["ended_on"] or ""),
        )
    console.print(t)


@app.command("expire")
def expire_(
    on: OnOption = None, db: DbOption = None, as_: AsOption = None, json_: JsonOption = False
) -> None:
    """The daily job: end every entry whose term is over on DATE (default today)."""
    from xinyong.lists.expiry import expire

    store = open_store(db)
    with store.write(as_) as tx:
        r = expire(tx, on=parse_on(on))
    if json_:
        print_json({"on": r.on.isoformat(), "run_id": r.run_id, "expired": r.expired})
        return
    console.print(f"expired on {r.on}: {r.expired} entries (run {r.run_id})")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="lists")
