"""The tax grade job on DuckDB over tiny snapshots: deductions, caps, years, M, not-A, spread."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.supervision._tables import NOW, org, record, snapshot, world

from xinyong.batch import collect, connect, load
from xinyong.supervision.rules import tax_credit_rules
from xinyong.supervision.tax_grades import grade_of, tax_grade_job

RULES = tax_credit_rules()
ON = date(2026, 4, 20)


def R(*a: Any, **k: Any) -> dict[str, Any]:
    return {"_t": "records", **record(*a, **k)}


def role(
    n: int,
    org_id: str,
    person: str,
    valid_from: date | None = None,
    valid_to: date | None = None,
    kind: str = "legal_representative",
) -> dict[str, Any]:
    return {"_t": "roles", "role_id": n, "org_subject_id": org_id, "role": kind,
            "person_subject_id": person, "person_name": person, "valid_from": valid_from,
            "valid_to": valid_to, "first_seen_at": NOW}  # fmt: skip


def uscc(n: int, prefix: str = "91") -> str:
    return f"{prefix}3710820000{n:05d}X"


def run(tmp: Path, rows: list[dict[str, Any]], year: int = 2025) -> dict[str, dict[str, Any]]:
    snap = snapshot(tmp, world(rows))
    b = connect("duckdb")
    out = collect(
        tax_grade_job(load(b, snap), year=year, evaluated_on=ON, rules=RULES), b, ["subject_id"]
    )
    return {r["subject_id"]: r for r in out.to_pylist()}


OLD = date(2015, 1, 1)


def test_deductions_caps_and_the_year_a_record_concerns(tmp_path: Path) -> None:
    rows = org("S1", uscc(1), OLD) + org("S2", uscc(2), OLD) + org("S3", uscc(3), OLD)
    # S1: 2 late filings (10 points) → 90: A
    rows += [R("S1", "tax_late_filing", date(2025, 3, d)) for d in (1, 2)]
    # S2: 8 late filings, capped at 30, plus 2 invoice violations (6) → 64: C
    rows += [R("S2", "tax_late_filing", date(2025, 5, d)) for d in range(1, 9)]
    rows += [R("S2", "invoice_violation", date(2025, 6, d)) for d in (1, 2)]
    # S3: decided in 2026 but about tax year 2025 counts; decided in 2025 about 2024 does not
    rows += [R("S3", "tax_late_payment", date(2026, 1, 10), attributes={"tax_year": "2025"})]
    rows += [R("S3", "tax_late_payment", date(2025, 1, 10), attributes={"tax_year": "2024"})]
    g = run(tmp_path, rows)
    assert (g["S1"]["score"], g["S1"]["grade"]) == (90, "A")
    assert g["S2"]["n_late_filing"] == 8
    assert (g["S2"]["deduction"], g["S2"]["score"], g["S2"]["grade"]) == (36, 64, "C")
    assert (g["S3"]["n_late_payment"], g["S3"]["score"]) == (1, 95)


def test_only_current_in_force_records_and_tax_penalties_count(tmp_path: Path) -> None:
    rows = org("S1", uscc(1), OLD)
    revoked = R("S1", "tax_late_filing", date(2025, 3, 1), status="revoked")
    old_version = R("S1", "tax_late_filing", date(2025, 3, 2))
    old_version["superseded_at"] = NOW
    copy = R("S1", "tax_late_filing", date(2025, 3, 3))
    copy["linked_to"] = "R0"
    samr_penalty = R("S1", "administrative_penalty", date(2025, 4, 1), agency="samr")
    tax_penalty = R("S1", "administrative_penalty", date(2025, 4, 2), agency="tax")
    g = run(tmp_path, [*rows, revoked, old_version, copy, samr_penalty, tax_penalty])
    assert g["S1"]["n_late_filing"] == 0
    assert g["S1"]["n_tax_penalty"] == 1  # the market regulator's penalty is not a tax one
    assert (g["S1"]["score"], g["S1"]["grade"]) == (89, "B")


def test_population_rated_enterprises_only(tmp_path: Path) -> None:
    rows = org("S1", uscc(1), OLD) + org("S2", uscc(2, "92"), OLD)
    rows += org("S3", uscc(3), date(2026, 1, 5))  # registered after the year
    rows += org("S4", uscc(4), OLD, registration_status="注销")  # deregistered
    assert set(run(tmp_path, rows)) == {"S1"}


def test_direct_d_m_and_not_a(tmp_path: Path) -> None:
    rows = org("S1", uscc(1), OLD) + org("S2", uscc(2), date(2025, 2, 1))
    rows += org("S3", uscc(3), OLD) + org("S4", uscc(4), date(2023, 1, 1))
    rows += org("S5", uscc(5), OLD) + org("S6", uscc(6), OLD)
    rows += [R("S1", "tax_evasion", date(2025, 7, 1), attributes={"grounds": "evasion"})]
    rows += [R("S3", "tax_no_operating_income", date(2026, 3, 31), attributes={"tax_year": "2025"})]
    rows += [R("S5", "tax_credit_grade", date(2025, 4, 21),
               attributes={"grade": "D", "tax_year": "2024"})]  # fmt: skip
    rows += [R("S6", "tax_credit_grade", date(2025, 4, 21),
               attributes={"grade": "D", "tax_year": "2023"})]  # fmt: skip
    g = run(tmp_path, rows)
    assert (g["S1"]["score"], g["S1"]["grade"]) == (100, "D")  # direct D
    assert g["S2"]["grade"] == "M" and g["S2"]["new_enterprise"]  # new, score 100
    assert g["S3"]["grade"] == "M" and g["S3"]["no_income"]
    assert g["S4"]["grade"] == "B" and g["S4"]["not_a_under_three_years"]
    assert g["S5"]["grade"] == "B" and g["S5"]["not_a_previous_year_d"]
    assert g["S6"]["grade"] == "A"  # a D two years ago does not bar A


def test_d_spreads_one_hop_through_responsible_persons(tmp_path: Path) -> None:
    rows = [*org("D1", uscc(1), OLD), *org("X1", uscc(2), OLD), *org("X2", uscc(3), OLD),
            *org("X3", uscc(4), OLD), *org("X4", uscc(5), OLD), *org("X5", uscc(6), OLD)]  # fmt: skip
    rows += [R("D1", "tax_abnormal_household", date(2025, 5, 1))]
    rows += [
        role(1, "D1", "P1", date(2020, 1, 1)),  # legal rep of the D firm during 2025
        role(2, "X1", "P1", date(2018, 1, 1)),  # ... and of X1 now: X1 → D
        role(3, "X2", "P1", date(2018, 1, 1), date(2026, 1, 1)),  # left X2 before 20 April
        role(4, "D1", "P2", date(2010, 1, 1), date(2024, 6, 1)),  # left D1 before 2025
        role(5, "X3", "P2", date(2010, 1, 1)),
        role(6, "X4", "P1", date(2019, 1, 1), kind="actual_controller"),  # not a spread role
        role(7, "X1", "P3", date(2019, 1, 1)),  # X1's other person: no second hop
        role(8, "X5", "P3", date(2019, 1, 1)),
    ]
    g = run(tmp_path, rows)
    assert g["D1"]["grade"] == "D" and g["D1"]["spread_from"] is None
    assert (g["X1"]["own_grade"], g["X1"]["grade"], g["X1"]["spread_from"]) == ("A", "D", uscc(1))
    assert {s: g[s]["grade"] for s in ("X2", "X3", "X4", "X5")} == dict.fromkeys(
        ("X2", "X3", "X4", "X5"), "A"
    )


COUNTS = st.fixed_dictionaries(
    {
        "tax_late_filing": st.integers(0, 8),
        "tax_late_payment": st.integers(0, 8),
        "invoice_violation": st.integers(0, 6),
        "administrative_penalty": st.integers(0, 4),
        "tax_evasion": st.integers(0, 1),
        "tax_no_operating_income": st.integers(0, 1),
        "registered_year": st.sampled_from([2010, 2023, 2025]),
    }
)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(firms=st.lists(COUNTS, min_size=1, max_size=12))
def test_job_agrees_with_the_rule_in_python(tmp_path: Path, firms: list[dict[str, int]]) -> None:
    """Whatever the records, the engine's grade is the Python rule's on the same counts."""
    rows: list[dict[str, Any]] = []
    for i, f in enumerate(firms):
        sid = f"S{i}"
        rows += org(sid, uscc(i), date(f["registered_year"], 3, 1))
        for kind, n in f.items():
            if kind == "registered_year":
                continue
            rows += [R(sid, kind, date(2025, 6, 1 + k)) for k in range(n)]
    import uuid

    g = run(tmp_path / uuid.uuid4().hex, rows)
    pts = {d.kind: (d.points, d.cap) for d in RULES.deductions}
    for i, f in enumerate(firms):
        ded = sum(min(n * pts[k][0], pts[k][1] or 10**6) for k, n in f.items() if k in pts)
        score = max(0, 100 - ded)
        want = grade_of(
            score,
            direct_d=f["tax_evasion"] > 0,
            grade_m=f["registered_year"] == 2025 or f["tax_no_operating_income"] > 0,
            not_a=f["registered_year"] > 2022,
            thresholds=RULES.thresholds,
        )
        assert (g[f"S{i}"]["score"], g[f"S{i}"]["grade"]) == (score, want)


def test_records_decided_after_the_evaluation_day_do_not_count(tmp_path: Path) -> None:
    rows = org("S1", uscc(1), OLD)
    rows += [R("S1", "tax_evasion", date(2026, 5, 1), attributes={"tax_year": "2025"})]
    g = run(tmp_path, rows)  # evaluated on 20 April 2026
    assert (g["S1"]["direct_d"], g["S1"]["grade"]) == (False, "A")
