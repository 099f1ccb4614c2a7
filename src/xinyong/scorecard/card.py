"""The portable scorecard: a versioned JSON document that scores without the fitting library.

A card lists its characteristics in order. Each has a kind:

* ``numeric``: ``edges`` e_0 < e_1 < ... (finite, ascending) cut the line into
  ``len(edges) + 1`` bins; a value v falls in bin i where ``edges[i-1] <= v < edges[i]``
  (``numpy.searchsorted(edges, v, side="right")``, the same as optbinning's
  ``np.digitize(..., right=False)``). ``points[i]`` is the bin's points.
* ``categorical``: ``groups`` is a list of category groups (categories are matched as text);
  ``points[i]`` is group i's points.

Both have a ``missing_points`` slot (an empty/NA value, NaN) and an ``unseen_points`` slot (a
category the card does not know, or text that is not a number in a numeric characteristic),
and ``max_points``, the most points the characteristic can give, from which reason codes
count the points a row lost. A row's score is ``base_points`` plus the characteristic
points, added in card order, then clipped to ``score_range`` when the card has one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xinyong.errors import UnusableInput

FORMAT: Literal["xinyong.scorecard"] = "xinyong.scorecard"
FORMAT_VERSION = 1

#: default patterns (case-insensitive substrings) naming an inquiries characteristic
DEFAULT_INQUIRY_PATTERNS: tuple[str, ...] = ("inquir", "enquir", "查询")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BinStats(_Model):
    """Fit statistics of one characteristic's slots (bins, then missing): informative only."""

    count: list[int]
    bad: list[int]
    woe: list[float]
    iv: float


class _CharacteristicBase(_Model):
    name: str = Field(min_length=1)
    points: list[float] = Field(min_length=1)
    missing_points: float
    unseen_points: float
    max_points: float
    #: text of the reason code (default: the characteristic's name)
    reason: str | None = None
    #: the logistic coefficient on the characteristic's WoE, when fitted here
    coefficient: float | None = None
    stats: BinStats | None = None

    def all_points(self) -> list[float]:
        return [*self.points, self.missing_points, self.unseen_points]

    def _check_points(self) -> None:
        pts = self.all_points()
        if not all(math.isfinite(p) for p in [*pts, self.max_points]):
            raise ValueError(f"{self.name}: points must be finite numbers")
        if self.max_points < max(pts):
            raise ValueError(
                f"{self.name}: max_points {self.max_points} is below a slot's points {max(pts)}"
            )


class NumericCharacteristic(_CharacteristicBase):
    kind: Literal["numeric"] = "numeric"
    edges: list[float]

    @model_validator(mode="after")
    def _valid(self) -> NumericCharacteristic:
        if not all(math.isfinite(e) for e in self.edges):
            raise ValueError(f"{self.name}: edges must be finite")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError(f"{self.name}: edges must be strictly ascending")
        if len(self.points) != len(self.edges) + 1:
            raise ValueError(
                f"{self.name}: {len(self.edges)} edges need {len(self.edges) + 1} points, "
                f"got {len(self.points)}"
            )
        self._check_points()
        return self


class CategoricalCharacteristic(_CharacteristicBase):
    kind: Literal["categorical"] = "categorical"
    groups: list[list[str]]

    @model_validator(mode="after")
    def _valid(self) -> CategoricalCharacteristic:
        if len(self.points) != len(self.groups):
            raise ValueError(
                f"{self.name}: {len(self.groups)} groups need as many points, got {len(self.points)}"
            )
        seen: set[str] = set()
        for g in self.groups:
            for c in g:
                if c in seen:
                    raise ValueError(f"{self.name}: category {c!r} is in two groups")
                seen.add(c)
        self._check_points()
        return self

    def categories(self) -> list[str]:
        """Every known category, in card order: the code book of pre-encoded input."""
        return [c for g in self.groups for c in g]


Characteristic = Annotated[
    NumericCharacteristic | CategoricalCharacteristic, Field(discriminator="kind")
]


class Target(_Model):
    column: str
    bad: str


class Scaling(_Model):
    """How log-odds became points: score = offset + factor * ln(good:bad odds)."""

    pdo: float
    base_score: float
    base_odds: float
    #: "clip" keeps the PDO and clips the score to the range; "scale" maps the card's
    #: lowest and highest possible totals linearly onto the range (the PDO changes)
    range_method: Literal["clip", "scale"] = "clip"
    rounding: bool = True
    #: points per doubling of the odds after a "scale" mapping
    effective_pdo: float | None = None


class ReasonOptions(_Model):
    max_reasons: int = Field(default=4, ge=0, le=20)
    inquiry_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_INQUIRY_PATTERNS))


class Card(_Model):
    format: Literal["xinyong.scorecard"] = FORMAT
    format_version: int = FORMAT_VERSION
    #: who compiled it: "xinyong fit", "optbinning 1.0.0", ...
    source: str
    target: Target | None = None
    base_points: float
    #: [lowest, highest] score: totals outside are clipped; null = no clipping
    score_range: tuple[float, float] | None = None
    scaling: Scaling | None = None
    reasons: ReasonOptions = Field(default_factory=ReasonOptions)
    characteristics: list[Characteristic]
    #: fit metadata (options, sample sizes, dropped characteristics): informative only
    fit: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _valid(self) -> Card:
        if self.format_version != FORMAT_VERSION:
            raise ValueError(f"format_version {self.format_version} is not {FORMAT_VERSION}")
        names = [c.name for c in self.characteristics]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"characteristic names repeat: {', '.join(dup)}")
        if not math.isfinite(self.base_points):
            raise ValueError("base_points must be finite")
        if self.score_range is not None and not self.score_range[0] <= self.score_range[1]:
            raise ValueError("score_range must be [lowest, highest]")
        return self

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.characteristics]

    def to_json(self) -> str:
        raw = self.model_dump(mode="json", exclude_none=True)
        raw["characteristics"] = [
            {k: c[k] for k in _KEY_ORDER if k in c} | c for c in raw["characteristics"]
        ]
        return json.dumps(raw, ensure_ascii=False, indent=1)


_KEY_ORDER = ("name", "kind", "edges", "groups", "points", "missing_points", "unseen_points")


def card_from_json(text: str, *, origin: str = "card") -> Card:
    """Parse and validate a card; a malformed or newer card is :class:`UnusableInput`."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise UnusableInput(f"{origin}: not JSON ({e})", code="card_invalid") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise UnusableInput(f"{origin}: not a {FORMAT} document", code="card_invalid")
    version = raw.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise UnusableInput(
            f"{origin}: format_version {version!r} is not one this xinyong reads "
            f"(1..{FORMAT_VERSION})",
            code="card_version",
        )
    try:
        return Card.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UnusableInput(
            f"{origin}: invalid card at {where or 'top'}: {first['msg']}", code="card_invalid"
        ) from None


def load_card(path: str | Path) -> Card:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnusableInput(f"card {p} does not exist", code="not_found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UnusableInput(f"card {p} cannot be read: {e}") from None
    return card_from_json(text, origin=str(p))


def save_card(card: Card, path: str | Path) -> None:
    Path(path).write_text(card.to_json() + "\n", encoding="utf-8")
