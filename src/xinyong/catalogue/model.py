"""The catalogue's shapes: what each YAML file may say, validated by pydantic.

The models refuse on their own what a single entry can get wrong (a legal basis
without an article, a placeholder like "N/A", a subject kind nobody knows); the
loader adds the checks that need the whole catalogue (ids that must resolve,
regimes that must not overlap). Every model is frozen: the catalogue is data
the platform reads, never writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from xinyong.calendar import Duration
from xinyong.identity.masking import MaskStyle

__all__ = [
    "Audience",
    "AudienceRule",
    "Condition",
    "FieldIn",
    "Instrument",
    "KindMasking",
    "KindView",
    "LegalBasis",
    "Manifest",
    "MaskingFile",
    "MaskingPolicy",
    "PenaltyType",
    "Publicity",
    "PublicityRule",
    "PublicityRuleKind",
    "RecordKind",
    "Regime",
    "RegimeFamily",
    "Retention",
    "RetentionAnchor",
    "Sector",
    "Severity",
    "SeverityResult",
    "SeverityRule",
    "SeverityTable",
    "SubjectKind",
    "Verification",
    "Visibility",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- enums


class Audience(StrEnum):
    """Who looks: the audience decides visibility and masking, not the endpoint."""

    PUBLIC = "public"
    AGENCY = "agency"
    SUBJECT = "subject"


class Severity(StrEnum):
    """The three tiers every publicity regime since 2019 distinguishes."""

    MINOR = "minor"
    GENERAL = "general"
    SERIOUS = "serious"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.MINOR: 0, Severity.GENERAL: 1, Severity.SERIOUS: 2}


class SubjectKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    INDIVIDUAL_BUSINESS = "individual_business"


class RegimeFamily(StrEnum):
    """Whose publicity rules a sector follows: SAMR's own, or NDRC's for everyone else."""

    SAMR = "samr"
    NDRC = "ndrc"


class PublicityRuleKind(StrEnum):
    REGIME = "regime"
    """Penalties: the period comes from the publicity regime for the severity."""
    FIXED = "fixed"
    """A fixed period from the decision date."""
    UNTIL_VALID_TO = "until_valid_to"
    """Licences: public while the licence is valid."""
    WHILE_IN_FORCE = "while_in_force"
    """Listings: public until removed or revoked; no end date."""
    NONE = "none"
    """Never public."""


class RetentionAnchor(StrEnum):
    DISPLAY_END = "display_end"
    DECIDED_ON = "decided_on"
    END_OF_FORCE = "end_of_force"


# --------------------------------------------------------------------------- legal bases

#: what people write when they have no legal basis; never accepted as one
_PLACEHOLDERS = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "nil",
        "tbd",
        "tba",
        "todo",
        "unknown",
        "-",
        "--",
        "?",
        "无",
        "暂无",
        "待定",
        "不详",
    }
)
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


def _is_placeholder(text: str) -> bool:
    return text.strip().lower() in _PLACEHOLDERS


class LegalBasis(_Frozen):
    """A citation: an instrument of the instruments table and an article in it.

    Free text is refused on purpose: a record kind, regime or measure the
    platform cannot trace to an article of a known instrument must not load.
    """

    instrument: str
    article: str

    @model_validator(mode="before")
    @classmethod
    def _refuse_free_text(cls, data: Any) -> Any:
        if data is None:
            raise ValueError("missing legal basis: cite {instrument: <id>, article: <text>}")
        if isinstance(data, str):
            what = "placeholder" if _is_placeholder(data) else "free text"
            raise ValueError(
                f"{what} {data!r} is not a legal basis: cite {{instrument: <id>, article: <text>}}"
            )
        return data

    @field_validator("instrument")
    @classmethod
    def _instrument_slug(cls, v: str) -> str:
        if _is_placeholder(v):
            raise ValueError(f"placeholder {v!r} is not an instrument")
        if not _SLUG.match(v):
            raise ValueError(f"instrument must be an instrument id (a slug), got {v!r}")
        return v

    @field_validator("article")
    @classmethod
    def _article_text(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("empty article: cite the article (e.g. 'Art. 48')")
        if _is_placeholder(v):
            raise ValueError(f"placeholder article {v!r}: cite the article (e.g. 'Art. 48')")
        return v


class Instrument(_Frozen):
    """A legal instrument every legal basis must cite.

    ``verified`` is false when the project's sources know the instrument (or
    the facts the catalogue takes from it) only from secondary sources; rules
    citing it load, and show the mark.
    """

    id: str = Field(pattern=_SLUG.pattern)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    short_zh: str | None = None
    short_en: str | None = None
    doc_number: str | None = None
    issuer: str = Field(min_length=1)
    effective_from: date
    effective_to: date | None = None
    verified: bool
    source: str = Field(min_length=1)
    notes: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> Instrument:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    @property
    def label_zh(self) -> str:
        return self.short_zh or self.title_zh

    @property
    def label_en(self) -> str:
        return self.short_en or self.title_en


# --------------------------------------------------------------------------- record kinds


class FieldIn(_Frozen):
    field: str = Field(min_length=1)
    in_: tuple[str, ...] = Field(alias="in", min_length=1)

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("in_", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            return tuple(str(x) for x in v)
        return v

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> Any:
        # JSON shows the YAML's own key ("in"), whatever by_alias says
        data = handler(self)
        if isinstance(data, dict) and "in_" in data:
            data["in"] = data.pop("in_")
        return data


class Condition(_Frozen):
    """Visible only when a record attribute takes one of the listed values."""

    when: FieldIn

    def holds(self, attributes: Mapping[str, object] | None) -> bool:
        if attributes is None:
            return False
        value = attributes.get(self.when.field)
        return value is not None and str(value) in self.when.in_


AudienceRule = bool | Condition


class Visibility(_Frozen):
    public: AudienceRule
    agency: AudienceRule
    subject: bool = True

    @field_validator("subject")
    @classmethod
    def _subject_sees_own(cls, v: bool) -> bool:
        if v is not True:
            raise ValueError("subject: the subject always sees its own records")
        return v


class Retention(_Frozen):
    """How long the platform keeps a record after its anchor date, then purges it."""

    period: Duration
    anchor: RetentionAnchor


class PublicityRule(_Frozen):
    rule: PublicityRuleKind
    period: Duration | None = None

    @model_validator(mode="after")
    def _period(self) -> PublicityRule:
        if self.rule is PublicityRuleKind.FIXED and self.period is None:
            raise ValueError("publicity rule 'fixed' needs a period")
        if self.rule is not PublicityRuleKind.FIXED and self.period is not None:
            raise ValueError(f"publicity rule {self.rule.value!r} takes no period")
        return self

    def describe(self) -> str:
        if self.rule is PublicityRuleKind.FIXED and self.period is not None:
            return f"fixed {self.period}"
        return self.rule.value


class RecordKind(_Frozen):
    """A kind of public credit information: what it is, its basis, who sees it, how long."""

    id: str = Field(pattern=_SLUG.pattern)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    description: str | None = None
    legal_basis: tuple[LegalBasis, ...]
    subject_kinds: tuple[SubjectKind, ...]
    negative: bool
    visibility: Visibility
    retention: Retention
    publicity: PublicityRule
    notes: str | None = None

    @field_validator("legal_basis", mode="before")
    @classmethod
    def _basis_required(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("missing legal basis: cite at least one {instrument, article}")
        if isinstance(v, str) and _is_placeholder(v):
            raise ValueError(
                f"placeholder {v!r} is not a legal basis: cite at least one {{instrument, article}}"
            )
        if isinstance(v, str):
            raise ValueError(
                f"free text {v!r} is not a legal basis: cite {{instrument: <id>, article: <text>}}"
            )
        if isinstance(v, dict):
            return (v,)
        if isinstance(v, list | tuple) and not v:
            raise ValueError("missing legal basis: cite at least one {instrument, article}")
        return v

    @field_validator("subject_kinds")
    @classmethod
    def _unique_kinds(cls, v: tuple[SubjectKind, ...]) -> tuple[SubjectKind, ...]:
        if not v:
            raise ValueError("subject_kinds is empty: name at least one subject kind")
        if len(set(v)) != len(v):
            raise ValueError("subject_kinds lists a kind twice")
        return v


# --------------------------------------------------------------------------- sectors, regimes


class Sector(_Frozen):
    """A regulatory sector of deciding authorities; it names the regime family it follows."""

    id: str = Field(pattern=_SLUG.pattern)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    regime_family: RegimeFamily


class Verification(_Frozen):
    """Which numbers of a severity rule the project's sources confirm."""

    display: bool
    repair: bool

    @property
    def all(self) -> bool:
        return self.display and self.repair


class SeverityRule(_Frozen):
    """One severity tier of a publicity regime.

    ``display`` is the longest the record stays public (the automatic stop);
    ``min_display`` the earliest end a feed's own 公示截止期 may state (default
    ``repair_after``, else the decision date: "at most"); ``repair_after`` the
    earliest application for an early end (null: not repairable early).
    """

    published: bool
    display: Duration
    min_display: Duration | None = None
    repair_after: Duration | None = None
    not_published_if_only: tuple[str, ...] = ()
    verified: Verification
    note: str | None = None

    @field_validator("verified", mode="before")
    @classmethod
    def _both(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return {"display": v, "repair": v}
        return v


class Regime(_Frozen):
    """A publicity regime: periods by severity for a family of sectors and a span of dates.

    ``sectors`` may be omitted in YAML; it is then every sector of ``family``
    (the loader fills it in). Validity is by decision date, both ends inclusive.
    """

    id: str = Field(pattern=_SLUG.pattern)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    instrument: str
    basis: tuple[LegalBasis, ...] = ()
    family: RegimeFamily
    sectors: tuple[str, ...] = ()
    valid_from: date
    valid_to: date | None = None
    counted_from: Literal["decided_on", "published_on"] = "decided_on"
    publication_lag: Duration | None = None
    takes_precedence_over: tuple[str, ...] = ()
    assumption: str | None = None
    source: str = Field(min_length=1)
    severities: dict[Severity, SeverityRule]

    @field_validator("severities")
    @classmethod
    def _complete(cls, v: dict[Severity, SeverityRule]) -> dict[Severity, SeverityRule]:
        missing = [s.value for s in Severity if s not in v]
        if missing:
            raise ValueError(f"severities incomplete: missing {', '.join(missing)}")
        return v

    @model_validator(mode="after")
    def _dates(self) -> Regime:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if self.counted_from == "published_on" and self.publication_lag is None:
            raise ValueError("counted_from: published_on needs a publication_lag")
        return self

    @property
    def verified(self) -> bool:
        return all(r.verified.all for r in self.severities.values())

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


# --------------------------------------------------------------------------- severity data


class PenaltyType(_Frozen):
    """A type of administrative penalty (行政处罚法 Art. 9) and the severity it implies."""

    id: str = Field(pattern=_SLUG.pattern)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    patterns: tuple[str, ...] = Field(min_length=1)
    severity: Severity
    serious_at_fen: int | None = Field(default=None, gt=0)
    threshold_note: str | None = None
    basis: LegalBasis | None = None


class SeverityTable(_Frozen):
    """Rules deriving a penalty's severity from its 处罚类别 text and fine amount."""

    separators: tuple[str, ...] = Field(min_length=1)
    unknown: Severity = Severity.GENERAL
    assumptions: tuple[str, ...] = ()
    types: tuple[PenaltyType, ...] = Field(min_length=1)


class SeverityResult(_Frozen):
    severity: Severity
    derived: bool
    rule: str
    unknown_types: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    """Canonical penalty type ids recognised in the text."""
    flags: list[str] = Field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


# --------------------------------------------------------------------------- masking


class MaskingPolicy(_Frozen):
    """How identifiers and person names are shown to one audience."""

    ric: MaskStyle
    other_id: MaskStyle
    person_name: Literal["full", "surname_only"]


class KindMasking(_Frozen):
    """A per-kind override for one audience (e.g. the court list publishes full names)."""

    kind: str
    audience: Audience
    ric: MaskStyle | None = None
    other_id: MaskStyle | None = None
    person_name: Literal["full", "surname_only"] | None = None
    basis: LegalBasis
    note: str | None = None


class MaskingFile(_Frozen):
    audiences: dict[Audience, MaskingPolicy]
    overrides: tuple[KindMasking, ...] = ()

    @field_validator("audiences")
    @classmethod
    def _complete(cls, v: dict[Audience, MaskingPolicy]) -> dict[Audience, MaskingPolicy]:
        missing = [a.value for a in Audience if a not in v]
        if missing:
            raise ValueError(f"audiences incomplete: missing {', '.join(missing)}")
        public = v[Audience.PUBLIC]
        if public.ric is MaskStyle.NONE:
            raise ValueError("public: resident ID numbers are never shown in clear to the public")
        return v


# --------------------------------------------------------------------------- manifest, views


class Manifest(_Frozen):
    """``catalogue.yaml``: the edition of the catalogue and what it is based on."""

    edition: str = Field(min_length=1)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    based_on: tuple[str, ...] = Field(min_length=1)
    notes: str | None = None


class Publicity(BaseModel):
    """When a record is public, when its subject may apply to end that early, and why."""

    model_config = ConfigDict(frozen=True)

    published: bool
    display_until: date | None
    """None with ``published``: public while in force, no fixed end."""
    repair_from: date | None = None
    regime_id: str | None = None
    repair_regime_id: str | None = None
    rule: PublicityRuleKind
    display_source: Literal["regime", "feed", "fixed", "valid_to", "in_force", "none"] = "none"
    flagged: bool = False
    flags: list[str] = Field(default_factory=list)


class KindView(BaseModel):
    """A record kind in full, with its citations and the regimes that apply (CLI, API)."""

    model_config = ConfigDict(frozen=True)

    kind: RecordKind
    citations_zh: list[str]
    citations_en: list[str]
    regimes: list[Regime]
