"""The rules files: shipped ones load, broken ones are refused with the reason; the grade rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xinyong.errors import UnusableInput
from xinyong.supervision.rules import (
    inspection_rules,
    risk_rules,
    tax_credit_rules,
)
from xinyong.supervision.tax_grades import grade_of

TH = {"A": 90, "B": 70, "C": 40}


def test_shipped_rules_load_with_reference_thresholds() -> None:
    tax = tax_credit_rules()
    # REFERENCE §6: A ≥ 90, B 70–89, C 40–69, D < 40
    assert tax.thresholds == TH and tax.start_score == 100
    assert {d.kind for d in tax.direct_d} == {"tax_evasion", "tax_abnormal_household"}
    # unverified point values stay marked
    assert all(not d.verified for d in tax.deductions)
    assert risk_rules().classes["D"] > risk_rules().classes["C"]
    r = inspection_rules().rates
    assert r["C"] > r["B"] and r["D"] > r["B"] and r["A"] < r["B"]


@pytest.mark.parametrize(
    ("score", "direct_d", "m", "not_a", "grade"),
    [
        (100, False, False, False, "A"),
        (90, False, False, False, "A"),
        (89, False, False, False, "B"),
        (70, False, False, False, "B"),
        (69, False, False, False, "C"),
        (40, False, False, False, "C"),
        (39, False, False, False, "D"),
        (100, True, False, False, "D"),  # direct D whatever the score
        (95, False, True, False, "M"),  # new enterprise, score ≥ 70
        (70, False, True, False, "M"),
        (65, False, True, False, "C"),  # M needs ≥ 70
        (95, False, False, True, "B"),  # A excluded
    ],
)
def test_grade_rule(score: int, direct_d: bool, m: bool, not_a: bool, grade: str) -> None:
    assert grade_of(score, direct_d=direct_d, grade_m=m, not_a=not_a, thresholds=TH) == grade


def _write(tmp_path: Path, name: str, data: dict[str, object]) -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def _shipped(name: str) -> dict[str, object]:
    from importlib import resources

    text = resources.files("xinyong.supervision").joinpath(f"data/{name}").read_text("utf-8")
    data: dict[str, object] = yaml.safe_load(text)
    return data


def test_unknown_record_kind_is_refused(tmp_path: Path) -> None:
    data = _shipped("tax_credit.yaml")
    data["deductions"][0]["kind"] = "tax_late_filings_typo"  # type: ignore[index]
    with pytest.raises(UnusableInput, match=r"unknown record kind.*tax_late_filings_typo"):
        tax_credit_rules(_write(tmp_path, "t.yaml", data))


def test_unknown_instrument_is_refused(tmp_path: Path) -> None:
    data = _shipped("tax_credit.yaml")
    data["direct_d"][0]["basis"]["instrument"] = "no_such_law"  # type: ignore[index]
    with pytest.raises(UnusableInput, match=r"unknown instrument.*no_such_law"):
        tax_credit_rules(_write(tmp_path, "t.yaml", data))


def test_thresholds_must_fall(tmp_path: Path) -> None:
    data = _shipped("tax_credit.yaml")
    data["thresholds"] = {"A": 70, "B": 90, "C": 40}
    with pytest.raises(UnusableInput, match="thresholds"):
        tax_credit_rules(_write(tmp_path, "t.yaml", data))


def test_deduction_without_basis_is_refused(tmp_path: Path) -> None:
    data = _shipped("tax_credit.yaml")
    del data["deductions"][0]["basis"]  # type: ignore[index]
    with pytest.raises(UnusableInput, match="basis"):
        tax_credit_rules(_write(tmp_path, "t.yaml", data))


def test_risk_classes_must_rise(tmp_path: Path) -> None:
    data = _shipped("risk_classes.yaml")
    data["classes"] = {"B": 30, "C": 10, "D": 60}
    with pytest.raises(UnusableInput, match="rising"):
        risk_rules(_write(tmp_path, "r.yaml", data))


def test_rates_outside_0_1_are_refused(tmp_path: Path) -> None:
    data = _shipped("inspection.yaml")
    data["rates"] = {"A": 0.02, "B": 0.05, "C": 1.5, "D": 0.4}
    with pytest.raises(UnusableInput, match="between 0 and 1"):
        inspection_rules(_write(tmp_path, "i.yaml", data))
