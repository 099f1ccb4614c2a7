"""The demo's supervision stage: indicator feeds, grades, risk classes, a spot-check plan.

Runs after ingest and before the lists stage, so the red list of A-grade taxpayers is
proposed from the grades computed here (the demo does not ingest the synthetic grade
feed: one source of truth). Acts out the loop: the tax agency and the market regulator
report indicator records, grades and classes are published as their records, a plan is
drawn, its outcomes come back as records and the firms are classified again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from xinyong.actors import Agency
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.store.actors import add_agency, list_agencies
from xinyong.store.context import Store
from xinyong.supervision import plans
from xinyong.supervision.inspection import period_start
from xinyong.supervision.publish import write_feed
from xinyong.supervision.runs import _names, run_risk_classes, run_tax_grades
from xinyong.synth import supervision as synth

TAX_KINDS = (
    "tax_late_filing",
    "tax_late_payment",
    "invoice_violation",
    "tax_evasion",
    "tax_abnormal_household",
    "tax_no_operating_income",
    "tax_credit_grade",
)
SAMR_KINDS = ("annual_report", "market_risk_class", "inspection_outcome")


def grade_day(tax_year: int) -> date:
    """Grades of a tax year are published in April of the next (the 20th or next weekday)."""
    d = date(tax_year + 1, 4, 20)
    while d.weekday() >= 5:
        d = date.fromordinal(d.toordinal() + 1)
    return d


def graded_years(day: date, n: int = 3) -> tuple[int, ...]:
    last = day.year - 1
    if grade_day(last) > day:
        last -= 1
    return tuple(range(last - n + 1, last + 1))


def half_year(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


@dataclass
class StageReport:
    grades: dict[int, dict[str, int]] = field(default_factory=dict)
    spread: dict[int, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    reclassified: dict[str, int] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    indicator_records: int = 0


def _extend(store: Store, agency: Agency, kinds: tuple[str, ...]) -> Agency:
    merged = tuple(dict.fromkeys((*agency.kinds, *kinds)))
    a = agency.model_copy(update={"kinds": merged})
    with store.write() as tx:
        add_agency(tx, a, update_existing=True)
    return a


def _ingest(
    store: Store, path: Path, rows: list[dict[str, str | None]], agency: str, day: date
) -> int:
    if not rows:
        return 0
    write_feed(path, rows)
    r = ingest(store, IngestRequest(path=path, agency=agency, mapping="canonical_en", today=day))
    return r.accepted + r.superseded


def supervision_stage(
    url: str,
    day: date,
    seed: int,
    data_dir: Path,
    *,
    status: Callable[[str], Any] | None = None,
) -> StageReport:
    """Everything above, on the demo store at ``url``; returns the counts to print."""
    say = status or (lambda msg: None)
    store = Store(url)
    with store.read() as conn:
        agencies = list_agencies(conn)
    tax = next(a for a in agencies if a.sector == "tax")
    samr = next(
        a for a in agencies if a.sector == "market_regulation" and "abnormal_operations" in a.kinds
    )
    tax = _extend(store, tax, TAX_KINDS)
    samr = _extend(store, samr, SAMR_KINDS)
    rep = StageReport()
    years = graded_years(day)
    data_dir.mkdir(parents=True, exist_ok=True)

    say("supervision: tax and annual-report feeds")
    with store.read() as conn:
        tax_rows = synth.tax_indicator_rows(conn, years=years, seed=seed, as_of=day, authority=tax)
        report_rows = synth.annual_report_rows(
            conn, years=years, seed=seed, as_of=day, authority=samr
        )
    rep.indicator_records += _ingest(
        store, data_dir / "tax_indicators.csv", tax_rows, tax.code, day
    )
    rep.indicator_records += _ingest(
        store, data_dir / "annual_reports.csv", report_rows, samr.code, day
    )

    for y in years:
        say(f"supervision: tax credit grades {y}")
        res = run_tax_grades(store, year=y, on=grade_day(y), authority=tax.code, keep=data_dir)
        rep.grades[y] = res.counts
        rep.spread[y] = int(res.extra["spread"])

    say("supervision: risk classes")
    first = run_risk_classes(store, on=day, authority=samr.code, keep=data_dir)
    rep.classes = first.counts

    say("supervision: inspectors and the spot-check plan")
    with store.write() as tx:
        team = synth.ensure_inspectors(tx, samr, 8)
    firm_ids = first.rows.column("subject_id").to_pylist()
    with store.write() as tx:
        for who, sid, reason in synth.conflict_pairs(team, firm_ids, seed=seed):
            plans.add_conflict(tx, who, sid, reason, day)
    period = half_year(day)
    plan = plans.draw(store, agency=samr.code, period=period, seed=seed, classes_on=day)
    rep.plan = plan.as_json()

    say("supervision: spot-check outcomes")
    with store.read() as conn:
        assignments = plans.plan_assignments(conn, plan.plan_id)
    names = _names(store, [a["subject_id"] for a in assignments])
    rows = synth.outcome_rows(
        assignments,
        names,
        plan_id=plan.plan_id,
        period_start=period_start(period),
        as_of=day,
        seed=seed,
        authority=samr,
    )
    _ingest(store, data_dir / "inspection_outcomes.csv", rows, samr.code, day)
    for r in rows:
        k = str(r["content"])
        rep.outcomes[k] = rep.outcomes.get(k, 0) + 1
    again = run_risk_classes(store, on=day, authority=samr.code, keep=data_dir)
    rep.reclassified = again.counts
    return rep


def print_stage(url: str, day: date, seed: int, data_dir: Path) -> StageReport:
    """Run the stage under a status line and print its counts (the demo's output)."""
    from rich.table import Table

    from xinyong.cli.common import console, err_console

    with err_console.status("supervision") as st:
        rep = supervision_stage(url, day, seed, data_dir, status=st.update)
    t = Table(title="tax credit grades (computed, published as the tax authority's records)")
    t.add_column("tax year")
    for g in ("A", "B", "M", "C", "D"):
        t.add_column(g, justify="right")
    t.add_column("D by spread", justify="right")
    for y, counts in rep.grades.items():
        t.add_row(str(y), *(str(counts.get(g, 0)) for g in "ABMCD"), str(rep.spread.get(y, 0)))
    console.print(t)
    c = Table(title="market risk classes (before and after the spot checks' outcomes)")
    c.add_column("")
    for k in ("A", "B", "C", "D"):
        c.add_column(k, justify="right")
    c.add_row("classified", *(str(rep.classes.get(k, 0)) for k in "ABCD"))
    c.add_row(
        "drawn for inspection", *(str(rep.plan["selected_by_class"].get(k, 0)) for k in "ABCD")
    )
    c.add_row("after outcomes", *(str(rep.reclassified.get(k, 0)) for k in "ABCD"))
    console.print(c)
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(rep.outcomes.items()))
    console.print(
        f"spot-check plan {rep.plan['period']} (seed {rep.plan['seed']}): "
        f"{rep.plan['selected']} firms, {rep.plan['unassigned']} without two unconflicted "
        f"inspectors; outcomes: {outcomes or 'none'}"
    )
    return rep
