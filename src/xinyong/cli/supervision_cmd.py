"""``xinyong supervision``: tax credit grades, risk classes, spot-check plans and outcomes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    from xinyong.batch import Engine
    from xinyong.store.context import Store

app = typer.Typer(
    help="Tiered supervision: tax credit grades, risk classes, double-random spot checks.",
    no_args_is_help=True,
)
conflicts_app = typer.Typer(
    help="Inspectors' recorded conflicts of interest.", no_args_is_help=True
)
outcomes_app = typer.Typer(help="Spot-check outcomes reported back.", no_args_is_help=True)
app.add_typer(conflicts_app, name="conflicts")
app.add_typer(outcomes_app, name="outcomes")

EngineOption = Annotated[
    str, typer.Option("--engine", help="Batch engine: duckdb (default) or spark.")
]
AuthorityOption = Annotated[
    str | None,
    typer.Option("--authority", help="Issuing agency code (default: the only one registered)."),
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Compute and show; publish nothing.")]
KeepOption = Annotated[
    Path | None, typer.Option("--keep", help="Keep the published feed file in this directory.")
]


def _engine(value: str) -> Engine:
    from xinyong.errors import UsageError

    if value not in ("duckdb", "spark"):
        raise UsageError(f"--engine must be duckdb or spark, not {value!r}")
    return value  # type: ignore[return-value]


def _may_issue(
    store: Store, actor: str | None, authority: str | None, sector: str, kind: str
) -> str:
    """The issuing agency's code, checking the actor is an admin or belongs to it."""
    from xinyong.actors import Role
    from xinyong.errors import Forbidden
    from xinyong.supervision.publish import authority_for

    agency = authority_for(store, authority, sector=sector, kind=kind)
    p = acting_principal(store, actor)
    if Role.ADMIN not in p.roles and p.organisation != agency.code:
        raise Forbidden(f"principal {p.principal_id!r} does not act for {agency.code}")
    return agency.code


def _counts_table(title: str, keys: str, counts: dict[str, int]) -> Table:
    t = Table(title=title)
    for k in keys:
        t.add_column(k, justify="right")
    t.add_row(*(str(counts.get(k, 0)) for k in keys))
    return t


def _published_line(res: Any) -> str:
    p = res.published
    if p is None:
        return "dry run: nothing published"
    if p.receipt is None:
        return f"published: nothing new ({p.computed} unchanged)"
    r = p.receipt
    return (
        f"published: {p.sent} record(s) sent as batch {r.batch_id} "
        f"({r.accepted} new, {r.superseded} superseded, {r.quarantined} quarantined)"
    )


@app.command("grades")
def grades(
    year: Annotated[int, typer.Option("--year", help="Evaluation (tax) year.")],
    on: Annotated[
        str | None,
        typer.Option("--on", help="Evaluation date, after the year (default: today, CST)."),
    ] = None,
    engine: EngineOption = "duckdb",
    authority: AuthorityOption = None,
    dry_run: DryRunOption = False,
    keep: KeepOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Grade every rated enterprise for a year (A/B/M/C/D) and publish as the tax authority."""
    from xinyong.errors import UsageError
    from xinyong.supervision.runs import run_tax_grades

    day = parse_on(on)
    if day <= date(year, 12, 31):
        raise UsageError(f"the {year} grades are evaluated after the year ends (--on {day})")
    store = open_store(db)
    code = _may_issue(store, as_, authority, "tax", "tax_credit_grade")
    res = run_tax_grades(
        store,
        year=year,
        on=day,
        engine=_engine(engine),
        authority=code,
        publish_records=not dry_run,
        actor=as_,
        keep=keep,
    )
    if json_:
        print_json(res.as_json())
        return
    console.print(_counts_table(f"tax credit grades {year} ({res.engine})", "ABMCD", res.counts))
    console.print(f"D by spread to responsible persons' other firms: {res.extra['spread']}")
    console.print(_published_line(res))


@app.command("risk-classes")
def risk_classes(
    on: OnOption = None,
    engine: EngineOption = "duckdb",
    authority: AuthorityOption = None,
    dry_run: DryRunOption = False,
    keep: KeepOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Classify every registered firm A–D and publish as the market regulator."""
    from xinyong.supervision.runs import run_risk_classes

    store = open_store(db)
    code = _may_issue(store, as_, authority, "market_regulation", "market_risk_class")
    res = run_risk_classes(
        store,
        on=parse_on(on),
        engine=_engine(engine),
        authority=code,
        publish_records=not dry_run,
        actor=as_,
        keep=keep,
    )
    if json_:
        print_json(res.as_json())
        return
    console.print(
        _counts_table(f"risk classes on {res.extra['on']} ({res.engine})", "ABCD", res.counts)
    )
    console.print(_published_line(res))


@app.command("plan")
def plan(
    period: Annotated[str, typer.Option("--period", help="2026, 2026-H2, 2026-Q3 or 2026-07.")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draw (recorded).")],
    rates: Annotated[
        str | None,
        typer.Option("--rates", help="Share drawn per class, e.g. A=0.02,B=0.05,C=0.15,D=0.4."),
    ] = None,
    per_firm: Annotated[
        int | None, typer.Option("--inspectors-per-firm", min=1, help="Team size (default 2).")
    ] = None,
    classes_on: Annotated[
        str | None, typer.Option("--classes-on", help="Risk classes as of (default today).")
    ] = None,
    agency: AuthorityOption = None,
    show: Annotated[bool, typer.Option("--show", help="List the drawn firms.")] = False,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Draw the period's double-random plan (or show the one already drawn with this seed)."""
    from xinyong.supervision import plans
    from xinyong.supervision.inspection import parse_rates
    from xinyong.supervision.rules import inspection_rules

    store = open_store(db)
    code = _may_issue(store, as_, agency, "market_regulation", "market_risk_class")
    p = plans.draw(
        store,
        agency=code,
        period=period,
        seed=seed,
        rates=parse_rates(rates, inspection_rules().rates),
        inspectors_per_firm=per_firm,
        classes_on=parse_on(classes_on) if classes_on else None,
        actor=as_,
    )
    items: list[dict[str, Any]] = []
    if show or json_:
        with store.read() as conn:
            items = plans.plan_assignments(conn, p.plan_id)
    if json_:
        print_json({**p.as_json(), "firms": items})
        return
    t = Table(
        title=f"plan {p.period} of {p.agency} (seed {p.seed}{'' if p.created else ', drawn before'})"
    )
    t.add_column("")
    for k in "ABCD":
        t.add_column(k, justify="right")
    t.add_row("firms", *(str(p.population.get(k, 0)) for k in "ABCD"))
    t.add_row("rate", *(f"{p.rates[k]:.0%}" for k in "ABCD"))
    t.add_row("drawn", *(str(p.by_class.get(k, 0)) for k in "ABCD"))
    console.print(t)
    console.print(
        f"{p.selected} firms drawn, {p.unassigned} without enough unconflicted inspectors"
    )
    if show:
        s = Table("USCC", "class", "inspectors")
        for i in items:
            s.add_row(
                i["uscc"] or i["subject_id"],
                i["risk_class"],
                ", ".join(i["inspectors"]) or "unassigned",
            )
        console.print(s)


@conflicts_app.command("add")
def conflicts_add(
    inspector: Annotated[str, typer.Argument(help="The inspector's principal id.")],
    uscc: Annotated[str, typer.Argument(help="The firm's USCC.")],
    reason: Annotated[str, typer.Option("--reason", help="Why they may not inspect it.")],
    on: OnOption = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Record that an inspector may never be assigned to a firm."""
    from xinyong.supervision import plans

    store = open_store(db)
    with store.write(as_) as tx:
        sid = plans.subject_by_uscc(tx.conn, uscc.strip().upper())
        added = plans.add_conflict(tx, inspector, sid, reason, parse_on(on))
    console.print("recorded" if added else "already recorded")


@conflicts_app.command("list")
def conflicts_list(db: DbOption = None, json_: JsonOption = False) -> None:
    """Every recorded conflict (inspector, firm)."""
    from sqlalchemy import select

    from xinyong.store.tables import inspector_conflicts, subject_identifiers

    with open_store(db).read() as conn:
        rows = conn.execute(
            select(
                inspector_conflicts.c.principal_id,
                subject_identifiers.c.value,
                inspector_conflicts.c.reason,
                inspector_conflicts.c.recorded_on,
            )
            .join(
                subject_identifiers,
                (subject_identifiers.c.subject_id == inspector_conflicts.c.subject_id)
                & (subject_identifiers.c.scheme == "uscc"),
            )
            .order_by(inspector_conflicts.c.principal_id, subject_identifiers.c.value)
        ).all()
    items = [
        {"inspector": r[0], "uscc": r[1], "reason": r[2], "recorded_on": r[3].isoformat()}
        for r in rows
    ]
    if json_:
        print_json(items)
        return
    t = Table("inspector", "USCC", "reason", "recorded on")
    for i in items:
        t.add_row(i["inspector"], i["uscc"], i["reason"], i["recorded_on"])
    console.print(t)


@outcomes_app.command("ingest")
def outcomes_ingest(
    file: Annotated[
        Path, typer.Argument(help="Outcomes in the canonical format (kind inspection_outcome).")
    ],
    agency: AuthorityOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Ingest spot-check outcomes as the market regulator's records (the ingest pipeline)."""
    from xinyong.errors import UnusableInput
    from xinyong.ingest.pipeline import IngestRequest, ingest

    if not file.is_file():
        raise UnusableInput(f"{file}: no such file", code="no_file")
    store = open_store(db)
    code = _may_issue(store, as_, agency, "market_regulation", "inspection_outcome")
    req = IngestRequest(path=file, agency=code, mapping="canonical_en", actor=as_)
    _only_outcomes(req)
    r = ingest(store, req)
    if json_:
        print_json(r)
        return
    console.print(
        f"{r.rows} rows: {r.accepted} new, {r.duplicates} duplicates, {r.superseded} superseded, "
        f"{r.quarantined} quarantined"
    )


def _only_outcomes(req: Any) -> None:
    """Refuse a file with rows of another kind (this command reports outcomes only)."""
    from xinyong.errors import UnusableInput
    from xinyong.ingest.pipeline import prepare

    src, _, _ = prepare(req)
    at = src.header.index("kind") if "kind" in src.header else -1
    for row_no, raw in src.raw_rows(1):
        if isinstance(raw, str):
            continue  # unparsable: the pipeline quarantines it with its reason
        kind = raw[at] if isinstance(raw, tuple) and at >= 0 else None
        if isinstance(raw, dict):
            kind = raw.get("kind")
        if kind != "inspection_outcome":
            raise UnusableInput(
                f"{req.path.name} row {row_no}: kind {kind!r}; this command ingests "
                "inspection_outcome records only (use `xinyong ingest` for others)",
                code="not_outcomes",
            )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="supervision")
