"""A local score scheme as data: base, rules, tiers, area, version and effective dates.

The shapes here refuse what one entry can get wrong on its own (a rule without a
basis, a cap of the wrong sign, a working-day validity window); :mod:`.loader`
adds the checks that need the catalogue and the whole file (unknown record kinds,
lawful conduct deducted, sensitive attributes, tiers that overlap or leave gaps).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from xinyong.calendar import Duration, DurationUnit
from xinyong.catalogue.model import LegalBasis, Severity

SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
Conduct = Literal["illegal", "contractual_default", "commendable"]
Period = Literal["month", "year"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SchemeInstrument(_Frozen):
    """A law or local rule a scheme cites that the platform catalogue does not hold.

    ``type`` decides what it may ground: a ``law`` (national law, regulation, judicial
    interpretation) makes conduct illegal or a contractual default, so it may ground a
    deduction; a ``local_rule`` (the city's own measures) may only grant a reward.
    """

    id: str = Field(pattern=SLUG.pattern)
    title_zh: str | None = None
    title_en: str = Field(min_length=1)
    type: Literal["law", "local_rule"]
    verified: bool
    source: str = Field(min_length=1)
    notes: str | None = None


class Base(_Frozen):
    points: int
    unverified: bool = False
    note: str | None = None


class ScoreRange(_Frozen):
    min: int | None = None
    max: int | None = None


class Effective(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    from_: date = Field(alias="from")
    to: date | None = None
    unverified: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _order(self) -> Effective:
        if self.to is not None and self.to <= self.from_:
            raise ValueError(f"effective.to {self.to} is not after effective.from {self.from_}")
        return self


class Match(_Frozen):
    """Which records a rule scores: a catalogue record kind, optionally narrowed.

    ``data: financial_reporting`` names data the platform may not use for public
    credit scoring (CONTRACTS.md, one source of truth); such a rule can only ship
    disabled.
    """

    kind: str | None = None
    data: Literal["financial_reporting"] | None = None
    severity: tuple[Severity, ...] | None = None
    attributes: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("attributes", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: [x] if isinstance(x, str | int) else x for k, x in v.items()}
        return v

    @field_validator("attributes")
    @classmethod
    def _keys(cls, v: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for k, values in v.items():
            if not re.match(r"^[^\W\d]\w*$", k):
                raise ValueError(f"attribute name {k!r} must be a plain key")
            if not values:
                raise ValueError(f"attribute {k!r} lists no values")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> Match:
        if (self.kind is None) == (self.data is None):
            raise ValueError("a rule matches either a record kind or names its data source")
        return self


class Cap(_Frozen):
    """At most ``points`` from one rule per calendar ``per`` (by the record's decision date)."""

    points: int
    per: Period


class Rule(_Frozen):
    id: str = Field(pattern=SLUG.pattern)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    match: Match
    points: int
    cap: Cap | None = None
    valid_for: Duration
    conduct: Conduct
    basis: LegalBasis
    standard: str | None = None  # the scheme's own row this rule implements
    unverified: bool = False
    note: str | None = None
    enabled: bool = True
    disabled_reason: str | None = None

    @field_validator("points")
    @classmethod
    def _nonzero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("a rule that moves no points is not a rule")
        return v

    @field_validator("valid_for")
    @classmethod
    def _calendar_window(cls, v: Duration) -> Duration:
        if v.unit == DurationUnit.WORKING_DAYS or v.n < 1:
            raise ValueError("valid_for counts calendar days, months or years, at least 1")
        return v

    @field_validator("cap")
    @classmethod
    def _cap_sign(cls, cap: Cap | None, info: ValidationInfo) -> Cap | None:
        points = info.data.get("points")
        if (
            cap is not None
            and isinstance(points, int)
            and ((cap.points > 0) != (points > 0) or abs(cap.points) < abs(points))
        ):
            raise ValueError(
                f"cap {cap.points} must have the sign of points {points} and at least its size"
            )
        return cap

    @model_validator(mode="after")
    def _disabled_reason(self) -> Rule:
        if not self.enabled and not self.disabled_reason:
            raise ValueError("a disabled rule says why (disabled_reason)")
        return self

    @property
    def deduction(self) -> bool:
        return self.points < 0


class Tier(_Frozen):
    id: str = Field(min_length=1, max_length=16)
    min: int | None = None  # inclusive; none: no lower bound (the lowest tier)
    max: int | None = None  # inclusive; none: no upper bound (the highest tier)
    name_en: str | None = None
    unverified: bool = False


class Scheme(_Frozen):
    id: str = Field(pattern=SLUG.pattern)
    version: str = Field(min_length=1, max_length=32)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    area: tuple[str, ...] = Field(min_length=1)
    effective: Effective
    recompute: Literal["daily", "monthly", "yearly"] = "daily"
    base: Base
    range: ScoreRange = ScoreRange()
    instruments: tuple[SchemeInstrument, ...] = ()
    rules: tuple[Rule, ...]
    tiers: tuple[Tier, ...] = Field(min_length=1)
    tiers_note: str | None = None
    consent: str | None = None  # how residents opt in (instrument and article)
    sources: tuple[str, ...] = ()
    notes: str | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @field_validator("area")
    @classmethod
    def _codes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for code in v:
            if not re.match(r"^\d{6}$", code):
                raise ValueError(f"area code {code!r} is not a 6-digit GB/T 2260 code")
        return v

    @property
    def active_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.enabled)

    def tier_of(self, score: int) -> str:
        for t in self.tiers:
            if (t.min is None or score >= t.min) and (t.max is None or score <= t.max):
                return t.id
        raise ValueError(f"no tier holds {score}")  # the loader refuses gaps

    def clamp(self, score: int) -> int:
        if self.range.min is not None:
            score = max(score, self.range.min)
        if self.range.max is not None:
            score = min(score, self.range.max)
        return score

    def as_of(self, on: date) -> date:
        """The valid-time day a run on ``on`` scores as of (monthly schemes: the 1st)."""
        if self.recompute == "monthly":
            return on.replace(day=1)
        if self.recompute == "yearly":
            return on.replace(month=1, day=1)
        return on
