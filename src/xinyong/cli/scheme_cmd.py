"""``xinyong scheme``: local score schemes (list, check, consent, evaluate, compare)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

app = typer.Typer(
    help="Local score schemes: opt-in consent, evaluation on DuckDB or Spark, rule-change "
    "comparison (docs/schemes.md).",
    no_args_is_help=True,
)
consent_app = typer.Typer(
    help="Record a resident's opt-in consent or its withdrawal.", no_args_is_help=True
)
app.add_typer(consent_app, name="consent")

SchemeArg = Annotated[str, typer.Argument(help="A shipped scheme id (rongcheng) or a YAML path.")]
EngineOption = Annotated[
    str, typer.Option("--engine", help="duckdb (default) or spark (pip install 'xinyong[spark]').")
]


def _engine(value: str) -> Engine:
    from xinyong.batch import ENGINES
    from xinyong.errors import UsageError

    for e in ENGINES:
        if value == e:
            return e
    raise UsageError(f"--engine {value!r}: use one of {', '.join(ENGINES)}")


def _admin(store: object, who: str | None) -> str:
    from xinyong.actors import Role
    from xinyong.errors import Forbidden
    from xinyong.store.context import Store

    assert isinstance(store, Store)
    p = acting_principal(store, who)
    if not p.has(Role.ADMIN):
        raise Forbidden(f"{p.principal_id} may not run schemes (admin role needed)")
    return p.principal_id


@app.command("list")
def list_schemes(json_out: JsonOption = False) -> None:
    """The shipped schemes."""
    from xinyong.schemes import load_scheme, shipped

    items = []
    for sid in shipped():
        s = load_scheme(sid).scheme
        items.append(
            {
                "id": s.id,
                "version": s.version,
                "name_en": s.name_en,
                "name_zh": s.name_zh,
                "area": list(s.area),
                "base": s.base.points,
                "tiers": [t.id for t in s.tiers],
                "rules": len(s.active_rules),
                "disabled_rules": len(s.rules) - len(s.active_rules),
                "unverified_rules": sum(1 for r in s.rules if r.unverified),
            }
        )
    if json_out:
        print_json(items)
        return
    t = Table(title="shipped schemes")
    for col in ("id", "version", "name", "area", "base", "tiers", "rules"):
        t.add_column(col)
    for i in items:
        t.add_row(
            str(i["id"]),
            str(i["version"]),
            f"{i['name_zh']} / {i['name_en']}",
            ", ".join(i["area"]),  # type: ignore[arg-type]
            str(i["base"]),
            " ".join(i["tiers"]),  # type: ignore[arg-type]
            f"{i['rules']} (+{i['disabled_rules']} disabled; {i['unverified_rules']} unverified)",
        )
    console.print(t)


@app.command("check")
def check(scheme: SchemeArg, json_out: JsonOption = False) -> None:
    """Load a scheme file and report every problem with its line (exit 3 if refused)."""
    from xinyong.schemes import load_scheme

    loaded = load_scheme(scheme)
    s = loaded.scheme
    if json_out:
        print_json({"id": s.id, "version": s.version, "sha256": loaded.sha256, "ok": True})
        return
    console.print(
        f"{loaded.path}: {s.id} v{s.version} loads ({len(s.rules)} rules, {len(s.tiers)} tiers)"
    )


def _scheme_id(scheme: str) -> str:
    from xinyong.schemes import load_scheme

    return load_scheme(scheme).scheme.id


@consent_app.command("give")
def consent_give(
    scheme: SchemeArg,
    subject_id: Annotated[str, typer.Argument(help="The resident's subject id.")],
    on: OnOption = None,
    db: DbOption = None,
    who: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record that a resident consents to be scored from --on (default today, CST)."""
    from xinyong.schemes.consent import give

    store = open_store(db)
    actor = _subject_or_admin(store, who, subject_id)
    c = give(store, _scheme_id(scheme), subject_id, parse_on(on), actor=actor)
    if json_out:
        print_json(c.__dict__)
        return
    console.print(
        f"consent {c.consent_id}: {subject_id} consents to {c.scheme_id} from {c.given_on}"
    )


@consent_app.command("withdraw")
def consent_withdraw(
    scheme: SchemeArg,
    subject_id: Annotated[str, typer.Argument(help="The resident's subject id.")],
    on: OnOption = None,
    db: DbOption = None,
    who: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Withdraw a resident's consent: not scored from --on on; records stay."""
    from xinyong.schemes.consent import withdraw

    store = open_store(db)
    actor = _subject_or_admin(store, who, subject_id)
    c = withdraw(store, _scheme_id(scheme), subject_id, parse_on(on), actor=actor)
    if json_out:
        print_json(c.__dict__)
        return
    console.print(
        f"consent {c.consent_id}: {subject_id} withdrew from {c.scheme_id} on {c.withdrawn_on}"
    )


def _subject_or_admin(store: object, who: str | None, subject_id: str) -> str:
    """Consent is the resident's own act, or recorded by an administrator for them."""
    from xinyong.actors import Role
    from xinyong.errors import Forbidden
    from xinyong.store.context import Store

    assert isinstance(store, Store)
    p = acting_principal(store, who)
    if p.has(Role.ADMIN) or (Role.SUBJECT in p.roles and p.subject_id == subject_id):
        return p.principal_id
    raise Forbidden(f"{p.principal_id} may not record consent for {subject_id}")


def _tiers_table(title: str, tiers: dict[str, int]) -> Table:
    t = Table(title=title)
    t.add_column("tier")
    t.add_column("residents", justify="right")
    for k, v in tiers.items():
        t.add_row(k, str(v))
    return t


@app.command("evaluate")
def evaluate_cmd(
    scheme: SchemeArg,
    on: OnOption = None,
    engine: EngineOption = "duckdb",
    work_dir: Annotated[
        Path | None,
        typer.Option("--work-dir", help="Where the Parquet snapshot goes (default: a temp dir)."),
    ] = None,
    db: DbOption = None,
    who: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Score every consenting resident on --on and write scores, tiers and moves (one run)."""
    from xinyong.schemes import load_scheme
    from xinyong.schemes.evaluate import evaluate

    store = open_store(db)
    actor = _admin(store, who)
    loaded = load_scheme(scheme)
    ev = evaluate(
        store,
        loaded,
        parse_on(on),
        engine=_engine(engine),
        work_dir=work_dir,
        actor=actor,
    )
    summary = ev.summary()
    if json_out:
        print_json(summary)
        return
    console.print(
        f"run {ev.run_id}: {loaded.scheme.id} v{loaded.scheme.version} as of {ev.scores.as_of} "
        f"on {ev.engine}: {ev.scores.scored} of {ev.scores.residents} residents scored "
        f"({summary['not_scored_without_consent']} without consent, not scored)"
    )
    console.print(_tiers_table("residents per tier", ev.scores.tiers))


@app.command("compare")
def compare_cmd(
    old: Annotated[str, typer.Argument(help="The scheme now (id or YAML path).")],
    new: Annotated[str, typer.Argument(help="The changed scheme (id or YAML path).")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the plots and the HTML page.")],
    on: OnOption = None,
    engine: EngineOption = "duckdb",
    db: DbOption = None,
    who: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """What a rule change does: tier transitions by direction, plots and an HTML page."""
    from xinyong.schemes import load_scheme
    from xinyong.schemes.compare import run_compare, write_report

    store = open_store(db)
    actor = _admin(store, who)
    a, b = load_scheme(old), load_scheme(new)
    c = run_compare(store, a, b, parse_on(on), engine=_engine(engine), actor=actor)
    paths = write_report(c, out)
    if json_out:
        print_json({**c.summary(), "files": {k: str(v) for k, v in paths.items()}})
        return
    console.print(
        f"{a.scheme.id} v{a.scheme.version} → {b.scheme.id} v{b.scheme.version} as of "
        f"{c.old.as_of}: {c.up} residents up a tier, {c.down} down, {c.same} unchanged"
    )
    t = Table(title="tier transitions (rows: before, columns: after)")
    t.add_column("")
    for tier in c.tiers:
        t.add_column(tier, justify="right")
    for tier in c.tiers:
        t.add_row(tier, *(str(c.matrix[tier][u]) for u in c.tiers))
    console.print(t)
    console.print(f"report: {paths['html']}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="scheme")
