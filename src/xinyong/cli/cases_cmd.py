"""``xinyong cases``: objections, appeals and repairs, decided by named principals."""

from __future__ import annotations

import json
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
from xinyong.rights.model import TargetType

app = typer.Typer(help="Subjects' cases: objections, appeals, credit repair.", no_args_is_help=True)

ByOption = Annotated[
    str, typer.Option("--by", help="The principal acting (reviewer, platform reviewer).")
]
DayOption = Annotated[
    str | None, typer.Option("--on", help="Date of the act (YYYY-MM-DD, default today CST).")
]


def _table(items: list[object]) -> Table:
    from xinyong.rights.model import Case

    t = Table("case", "kind", "status", "outcome", "target", "authority", "opened", "due")
    for c in items:
        assert isinstance(c, Case)
        t.add_row(
            c.case_id,
            c.kind.value,
            c.status.value,
            c.outcome.value if c.outcome else "",
            f"{c.target_type.value}:{c.target_id}",
            c.deciding_authority,
            str(c.opened_on),
            str(c.due_on),
        )
    return t


@app.command("list")
def list_(
    authority: Annotated[str | None, typer.Option("--authority")] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="A subject's code or id.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="open | forwarded | decided | withdrawn")
    ] = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Cases, oldest first."""
    from xinyong.credit_file.assemble import find_subject
    from xinyong.rights.cases import list_cases
    from xinyong.rights.model import CaseStatus

    with open_store(db).read() as conn:
        sid = find_subject(conn, subject) if subject else None
        items = list_cases(
            conn, subject_id=sid, authority=authority, status=CaseStatus(status) if status else None
        )
    if json_:
        print_json(items)
        return
    console.print(_table(list(items)))


@app.command("show")
def show(
    case_id: Annotated[str, typer.Argument()], db: DbOption = None, json_: JsonOption = False
) -> None:
    """One case with every state change."""
    from xinyong.rights.cases import case_history, get_case

    with open_store(db).read() as conn:
        c = get_case(conn, case_id)
        hist = case_history(conn, case_id)
    if json_:
        print_json({"case": c, "history": hist})
        return
    console.print(c.model_dump(mode="json"))
    t = Table("seq", "at", "actor", "event", "status")
    for h in hist:
        t.add_row(str(h["seq"]), str(h["at"]), h["actor"], h["event"], h["status"])
    console.print(t)


@app.command("overdue")
def overdue_(on: OnOption = None, db: DbOption = None, json_: JsonOption = False) -> None:
    """Live cases past their deadline on DATE (default today)."""
    from xinyong.rights.cases import overdue

    with open_store(db).read() as conn:
        items = overdue(conn, parse_on(on))
    if json_:
        print_json(items)
        return
    console.print(_table(list(items)))


@app.command("object")
def object_(
    target: Annotated[str, typer.Argument(help="record:ID or entry:ID")],
    reason: Annotated[str, typer.Option("--reason")],
    on: DayOption = None,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Object to a record or list entry (as its subject, --as subject-…)."""
    from xinyong.rights.cases import object_to
    from xinyong.rights.rules import get_rules
    from xinyong.store.calendar_repo import work_calendar

    tt, tid = _target(target)
    store = open_store(db)
    p = acting_principal(store, as_)
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        c = object_to(
            tx,
            get_rules(),
            cal,
            p,
            target_type=tt,
            target_id=tid,
            reason=reason,
            on=parse_on(on) if on else None,
        )
    _done(c, json_)


@app.command("repair")
def repair(
    target: Annotated[str, typer.Argument(help="record:ID or entry:ID")],
    reason: Annotated[str, typer.Option("--reason", help="Proof of performance, in words.")],
    commitment: Annotated[str, typer.Option("--commitment", help="The signed credit commitment.")],
    on: DayOption = None,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Apply for credit repair of a record or list entry (as its subject)."""
    from xinyong.catalogue import get_catalogue
    from xinyong.rights.cases import apply_repair
    from xinyong.rights.rules import get_rules
    from xinyong.store.calendar_repo import work_calendar

    tt, tid = _target(target)
    store = open_store(db)
    p = acting_principal(store, as_)
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        c = apply_repair(
            tx,
            get_catalogue(),
            get_rules(),
            cal,
            p,
            target_type=tt,
            target_id=tid,
            reason=reason,
            commitment=commitment,
            on=parse_on(on) if on else None,
        )
    _done(c, json_)


@app.command("appeal")
def appeal_(
    objection: Annotated[str, typer.Argument(help="The upheld objection's case id.")],
    reason: Annotated[str, typer.Option("--reason")],
    on: DayOption = None,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Appeal an upheld objection where its rules give an appeal."""
    from xinyong.rights.cases import appeal
    from xinyong.rights.rules import get_rules
    from xinyong.store.calendar_repo import work_calendar

    store = open_store(db)
    p = acting_principal(store, as_)
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        c = appeal(
            tx, get_rules(), cal, p, objection, reason=reason, on=parse_on(on) if on else None
        )
    _done(c, json_)


@app.command("forward")
def forward_(
    case_id: Annotated[str, typer.Argument()],
    by: ByOption,
    on: DayOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """The platform forwards a repair application to the deciding authority."""
    from xinyong.rights.cases import forward
    from xinyong.rights.rules import get_rules
    from xinyong.store.calendar_repo import work_calendar

    store = open_store(db)
    p = acting_principal(store, by)
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        c = forward(tx, get_rules(), cal, p, case_id, on=parse_on(on) if on else None)
    _done(c, json_)


@app.command("decide")
def decide_(
    case_id: Annotated[str, typer.Argument()],
    outcome: Annotated[
        str, typer.Option("--outcome", help="corrected | withdrawn | upheld | granted | refused")
    ],
    by: ByOption,
    reason: Annotated[str, typer.Option("--reason")],
    corrections: Annotated[
        str | None, typer.Option("--corrections", help="JSON, e.g. '{\"amount_fen\": 500000}'")
    ] = None,
    removal_event: Annotated[str | None, typer.Option("--removal-event")] = None,
    on: DayOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Decide a case as a named reviewer of its deciding authority."""
    from xinyong.catalogue import get_catalogue
    from xinyong.errors import UsageError
    from xinyong.rights.cases import decide
    from xinyong.rights.rules import get_rules
    from xinyong.store.calendar_repo import work_calendar

    try:
        fixes = json.loads(corrections) if corrections else None
    except json.JSONDecodeError as exc:
        raise UsageError(f"--corrections is not JSON: {exc}") from None
    store = open_store(db)
    p = acting_principal(store, by)
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        c = decide(
            tx,
            get_catalogue(),
            get_rules(),
            cal,
            p,
            case_id,
            outcome=outcome,
            reason=reason,
            corrections=fixes,
            removal_event=removal_event,
            on=parse_on(on) if on else None,
        )
    _done(c, json_)


def _target(text: str) -> tuple[TargetType, str]:
    from xinyong.errors import UsageError

    kind, _, ident = text.partition(":")
    try:
        return TargetType(kind), ident
    except ValueError:
        raise UsageError(f"target {text!r} must be record:ID or entry:ID") from None


def _done(c: object, json_: bool) -> None:
    from xinyong.rights.model import Case

    assert isinstance(c, Case)
    if json_:
        print_json(c)
        return
    outcome = f" ({c.outcome.value})" if c.outcome else ""
    console.print(f"case {c.case_id}: {c.kind.value} {c.status.value}{outcome}; due {c.due_on}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="cases")
