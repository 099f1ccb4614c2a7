"""The risk class job on DuckDB: each factor, its window, lists in force, latest outcome."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.supervision._tables import org, record, snapshot, world

from xinyong.batch import collect, connect, load
from xinyong.supervision.risk_classes import due_report_year, risk_class_job
from xinyong.supervision.rules import risk_rules

RULES = risk_rules()
ON = date(2026, 11, 27)
OLD = date(2015, 1, 1)


def R(*a: Any, **k: Any) -> dict[str, Any]:
    return {"_t": "records", **record(*a, **k)}


def run(tmp: Path, rows: list[dict[str, Any]], on: date = ON) -> dict[str, dict[str, Any]]:
    b = connect("duckdb")
    out = collect(
        risk_class_job(load(b, snapshot(tmp, world(rows))), on=on, rules=RULES), b, ["subject_id"]
    )
    return {r["subject_id"]: r for r in out.to_pylist()}


def report(sid: str, on: date = date(2026, 5, 1)) -> dict[str, Any]:
    return R(sid, "annual_report", on, agency="samr")


def test_due_report_year() -> None:
    assert due_report_year(date(2026, 6, 30)) == 2024
    assert due_report_year(date(2026, 7, 1)) == 2025


def test_factors(tmp_path: Path) -> None:
    rows = []
    for i in range(1, 8):
        rows += org(f"S{i}", f"91371082000000{i:02d}XX", OLD)
    rows += org("N", "9237108200000099XX", date(2026, 3, 1))  # individual business, new
    rows += [report(f"S{i}") for i in range(1, 8) if i != 2]
    # S2: the 2025 report missing (a 2025 filing covers 2024, not 2025)
    rows += [report("S2", date(2025, 5, 1))]
    # S3: penalties: two serious in the window (50, the cap), one serious too old
    rows += [
        R("S3", "administrative_penalty", date(2025, d, 1), severity="serious") for d in (1, 2)
    ]
    rows += [R("S3", "administrative_penalty", date(2023, 11, 26), severity="serious")]
    # S4: abnormal operations ended before the day; court listing in force
    rows += [R("S4", "abnormal_operations", date(2024, 1, 1), ended_on=date(2026, 1, 1))]
    rows += [R("S4", "court_dishonest_listing", date(2025, 1, 1), agency="court")]
    # S5: latest spot check wins (problems after a compliant one); latest tax grade D
    rows += [R("S5", "inspection_outcome", date(2025, 3, 1), attributes={"content": "compliant"})]
    rows += [
        R("S5", "inspection_outcome", date(2026, 3, 1), attributes={"content": "problems_found"})
    ]
    rows += [
        R(
            "S5",
            "tax_credit_grade",
            date(2025, 4, 21),
            attributes={"grade": "A", "tax_year": "2024"},
        )
    ]
    rows += [
        R(
            "S5",
            "tax_credit_grade",
            date(2026, 4, 20),
            attributes={"grade": "D", "tax_year": "2025"},
        )
    ]
    # S6: serious illegal dishonest list: class D outright
    rows += [R("S6", "serious_illegal_dishonest", date(2025, 1, 1))]
    # S7: a compliant check and an A grade: points never below zero
    rows += [R("S7", "inspection_outcome", date(2026, 3, 1), attributes={"content": "compliant"})]
    rows += [
        R(
            "S7",
            "tax_credit_grade",
            date(2026, 4, 20),
            attributes={"grade": "A", "tax_year": "2025"},
        )
    ]
    g = run(tmp_path, rows)
    assert (g["S1"]["points"], g["S1"]["risk_class"]) == (0, "A")
    assert (g["S2"]["f_annual_report_missing"], g["S2"]["risk_class"]) == (20, "B")
    assert (g["S3"]["f_penalty_serious"], g["S3"]["risk_class"]) == (50, "C")
    assert g["S4"]["f_abnormal_operations"] == 0 and g["S4"]["f_court_dishonest_listing"] == 30
    assert g["S5"]["last_outcome"] == "problems_found" and g["S5"]["last_tax_grade"] == "D"
    assert (g["S5"]["points"], g["S5"]["risk_class"]) == (45, "C")
    assert (g["S6"]["points"], g["S6"]["direct_d"], g["S6"]["risk_class"]) == (0, True, "D")
    assert (g["S7"]["points"], g["S7"]["risk_class"]) == (0, "A")
    # new individual business: registered under a year ago; its first report is not due
    assert (g["N"]["f_new_registration"], g["N"]["f_annual_report_missing"]) == (10, 0)


def test_records_after_the_day_do_not_count(tmp_path: Path) -> None:
    rows = [*org("S1", "9137108200000001XX", OLD), report("S1", date(2025, 5, 1))]
    rows += [R("S1", "serious_illegal_dishonest", date(2026, 12, 1))]
    g = run(tmp_path, rows, on=date(2026, 6, 1))
    assert (g["S1"]["direct_d"], g["S1"]["risk_class"]) == (False, "A")
