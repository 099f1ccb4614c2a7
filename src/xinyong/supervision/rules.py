"""The supervision rules as data: tax credit indicators, risk-class factors, inspection rates.

The files live in ``supervision/data``; every indicator names the record kind it counts
(which must be a catalogue kind) and its legal basis, and says whether its numbers are
verified. A file that breaks these rules is refused at load with the reason.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xinyong.errors import UnusableInput

M = TypeVar("M", bound=BaseModel)

GRADES = ("A", "B", "M", "C", "D")
CLASSES = ("A", "B", "C", "D")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Basis(_Frozen):
    instrument: str = Field(min_length=1)
    article: str = Field(min_length=1)


class Deduction(_Frozen):
    """Points taken off the 100 for each record of ``kind`` in the year, up to ``cap``."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: str
    authority_sector: str | None = None
    name_zh: str
    name_en: str
    points: int = Field(gt=0)
    cap: int | None = Field(default=None, gt=0)
    basis: Basis
    verified: bool
    note: str | None = None


class DirectD(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: str
    name_zh: str
    name_en: str
    basis: Basis
    verified: bool
    note: str | None = None


class Condition(_Frozen):
    id: str
    name_en: str
    basis: Basis
    verified: bool


class GradeM(_Frozen):
    instrument: str
    new_enterprise: str
    no_income_kind: str


class Spread(_Frozen):
    roles: tuple[str, ...] = Field(min_length=1)
    basis: Basis
    verified: bool


class Population(_Frozen):
    uscc_prefixes: tuple[str, ...] = Field(min_length=1)


class TaxCreditRules(_Frozen):
    id: str
    version: int
    instrument: str
    start_score: int = Field(gt=0)
    thresholds: dict[str, int]
    grade_m: GradeM
    rated_subjects: Population
    deductions: tuple[Deduction, ...]
    direct_d: tuple[DirectD, ...]
    not_grade_a: tuple[Condition, ...]
    spread: Spread
    legal_basis_text: str

    @model_validator(mode="after")
    def _check(self) -> TaxCreditRules:
        t = self.thresholds
        if set(t) != {"A", "B", "C"}:
            raise ValueError("thresholds must give A, B and C (D is below C)")
        if not self.start_score >= t["A"] > t["B"] > t["C"] > 0:
            raise ValueError("thresholds must fall: start_score ≥ A > B > C > 0")
        ids = [d.id for d in self.deductions] + [d.id for d in self.direct_d]
        if len(set(ids)) != len(ids):
            raise ValueError("indicator ids must be unique")
        return self


class Factor(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    source: str
    name_en: str
    points: int
    cap: int | None = Field(default=None, gt=0)
    severity: str | None = None
    outcome: str | None = None
    grade: str | None = None


class DirectClass(_Frozen):
    id: str
    source: str
    name_en: str


class RiskRules(_Frozen):
    id: str
    version: int
    instrument: str
    classified_subjects: Population
    classes: dict[str, int]
    window_years: int = Field(gt=0)
    factors: tuple[Factor, ...]
    direct_class_d: tuple[DirectClass, ...]
    outcomes: tuple[str, ...]
    verified: bool

    @model_validator(mode="after")
    def _check(self) -> RiskRules:
        c = self.classes
        if set(c) != {"B", "C", "D"} or not 0 < c["B"] < c["C"] < c["D"]:
            raise ValueError("classes must give rising lower bounds 0 < B < C < D")
        ids = [f.id for f in self.factors]
        if len(set(ids)) != len(ids):
            raise ValueError("factor ids must be unique")
        for f in self.factors:
            if f.outcome is not None and f.outcome not in self.outcomes:
                raise ValueError(f"factor {f.id}: outcome {f.outcome!r} is not in outcomes")
            if f.grade is not None and f.grade not in GRADES:
                raise ValueError(f"factor {f.id}: grade {f.grade!r} is not a tax grade")
        return self

    def class_for(self, points: int) -> str:
        out = "A"
        for cls in ("B", "C", "D"):
            if points >= self.classes[cls]:
                out = cls
        return out


class InspectionRules(_Frozen):
    rates: dict[str, float]
    unclassified_as: str
    inspectors_per_firm: int = Field(gt=0)
    verified: bool

    @model_validator(mode="after")
    def _check(self) -> InspectionRules:
        check_rates(self.rates)
        if self.unclassified_as not in CLASSES:
            raise ValueError(f"unclassified_as must be one of {', '.join(CLASSES)}")
        return self


def check_rates(rates: dict[str, float]) -> None:
    if set(rates) != set(CLASSES):
        raise ValueError(f"rates must give every class {', '.join(CLASSES)}")
    for cls, r in rates.items():
        if not 0 <= r <= 1:
            raise ValueError(f"rate for class {cls} must lie between 0 and 1, not {r}")


def _read(name: str | Path) -> tuple[str, Any]:
    if isinstance(name, Path):
        return str(name), yaml.safe_load(name.read_text(encoding="utf-8"))
    text = resources.files("xinyong.supervision").joinpath(f"data/{name}").read_text("utf-8")
    return name, yaml.safe_load(text)


def _parse(model: type[M], name: str | Path) -> M:
    label, raw = _read(name)
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise UnusableInput(f"{label}: {where}: {first['msg']}", code="bad_rules") from e


def _check_catalogue(label: str, kinds: set[str], instruments: set[str]) -> None:
    """Every kind counted and every instrument cited must be in the catalogue."""
    from xinyong.catalogue import get_catalogue

    cat = get_catalogue()
    unknown = sorted(k for k in kinds if k not in cat.kinds)
    if unknown:
        raise UnusableInput(
            f"{label}: unknown record kind(s) {', '.join(unknown)} (not in the catalogue)",
            code="bad_rules",
        )
    missing = sorted(i for i in instruments if i not in cat.instruments)
    if missing:
        raise UnusableInput(
            f"{label}: unknown instrument(s) {', '.join(missing)} (not in instruments.yaml)",
            code="bad_rules",
        )


@cache
def tax_credit_rules(path: Path | None = None) -> TaxCreditRules:
    rules = _parse(TaxCreditRules, path or "tax_credit.yaml")
    kinds = {d.kind for d in rules.deductions} | {d.kind for d in rules.direct_d}
    bases = [d.basis for d in rules.deductions] + [d.basis for d in rules.direct_d]
    bases += [c.basis for c in rules.not_grade_a] + [rules.spread.basis]
    _check_catalogue(
        str(path or "tax_credit.yaml"),
        kinds | {rules.grade_m.no_income_kind},
        {b.instrument for b in bases} | {rules.instrument, rules.grade_m.instrument},
    )
    return rules


@cache
def risk_rules(path: Path | None = None) -> RiskRules:
    rules = _parse(RiskRules, path or "risk_classes.yaml")
    kinds = {f.source for f in rules.factors} | {d.source for d in rules.direct_class_d}
    _check_catalogue(str(path or "risk_classes.yaml"), kinds, {rules.instrument})
    return rules


@cache
def inspection_rules(path: Path | None = None) -> InspectionRules:
    return _parse(InspectionRules, path or "inspection.yaml")
