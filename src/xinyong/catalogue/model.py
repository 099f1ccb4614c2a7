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
    "ConductKind",
    "Criterion",
    "EarlyRemoval",
    "EntryMode",
    "Escalation",
    "Extension",
    "FieldIn",
    "Ground",
    "ImplementingAgency",
    "Instrument",
    "KindMasking",
    "KindView",
    "LegalBasis",
    "ListDef",
    "Manifest",
    "MaskingFile",
    "MaskingPolicy",
    "MeasureBasis",
    "MeasureDef",
    "MeasureEffect",
    "PenaltyType",
    "Polarity",
    "Publicity",
    "PublicityRule",
    "PublicityRuleKind",
    "RecordKind",
    "Regime",
    "RegimeFamily",
    "RemovalEvent",
    "RepresentativeRole",
    "RepresentativeScope",
    "Retention",
    "RetentionAnchor",
    "Sector",
    "Severity",
    "SeverityResult",
    "SeverityRule",
    "SeverityTable",
    "SubjectKind",
    "UnitRepresentatives",
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
    #: an evaluation that is current only until the next one about the same subject (a tax
    #: grade until the next year's grade): only the latest, by decision date, meets criteria
    current_until_next: bool = False
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


# --------------------------------------------------------------------------- lists and measures
#
# A list (黑名单 / 红名单) is fed by records: directly, where the record *is* the
# deciding authority's listing decision (no second review), or by proposals the
# platform makes from records that meet a list's criteria and a reviewer of the
# deciding authority approves (CONTRACTS.md, "One source of truth"). A measure
# (惩戒 / 激励措施) attaches to lists only as far as its legal basis names them:
# no measure without a basis, no widening of targets (ADDENDUM §3).


def _bases(v: Any) -> Any:
    """A list of legal bases, refusing none, placeholders and free text (as record kinds do)."""
    if v is None:
        raise ValueError("missing legal basis: cite at least one {instrument, article}")
    if isinstance(v, str):
        what = "placeholder" if _is_placeholder(v) else "free text"
        raise ValueError(
            f"{what} {v!r} is not a legal basis: cite {{instrument: <id>, article: <text>}}"
        )
    if isinstance(v, dict):
        return (v,)
    if isinstance(v, list | tuple) and not v:
        raise ValueError("missing legal basis: cite at least one {instrument, article}")
    return v


def _unique(v: tuple[Any, ...], what: str) -> tuple[Any, ...]:
    seen: set[Any] = set()
    for x in v:
        if x in seen:
            raise ValueError(f"{what} lists {x!r} twice")
        seen.add(x)
    return v


class Polarity(StrEnum):
    """Black lists restrict; red lists reward."""

    BLACK = "black"
    RED = "red"


class EntryMode(StrEnum):
    DIRECT = "direct"
    """A record of one of ``source_kinds`` is the authority's listing decision: the
    entry is published with it, decided by that authority, with no second review."""
    PROPOSAL = "proposal"
    """The platform evaluates ``criteria`` on records and proposes entries that a
    reviewer of the deciding authority must approve."""


class ConductKind(StrEnum):
    """The four kinds of serious dishonesty (国办发〔2020〕49号; 山东省社会信用条例 Art. 29).

    REFERENCE §4.2. A seriously dishonest entity list names the kinds it covers;
    nothing else may be a ground for such a list.
    """

    ENDANGERS_HEALTH_SAFETY = "endangers_health_safety"
    """Seriously endangering people's health and lives."""
    DAMAGES_FAIR_COMPETITION = "damages_fair_competition"
    """Seriously damaging fair competition in the market or normal social order."""
    REFUSES_LEGAL_OBLIGATIONS = "refuses_legal_obligations"
    """Refusing legal obligations, seriously harming judicial or administrative credibility."""
    REFUSES_NATIONAL_DEFENCE = "refuses_national_defence"
    """Refusing national-defence obligations, harming defence interests or facilities."""


class RepresentativeRole(StrEnum):
    """Person–organisation roles (the ``roles`` table of the foundation, CONTRACTS.md)."""

    LEGAL_REPRESENTATIVE = "legal_representative"
    PRINCIPAL = "principal"
    ACTUAL_CONTROLLER = "actual_controller"
    RESPONSIBLE_PERSON = "responsible_person"


class RepresentativeScope(StrEnum):
    UNIT_ASSETS = "unit_assets"
    """Not listed themselves; restricted in spending the listed unit's assets
    (the court list: 限制高消费规定 Art. 3; 法发〔2019〕35号)."""
    PERSONAL = "personal"
    """Restricted in their own right as the list's rules provide (e.g. barred from
    being another enterprise's legal representative; 山东省社会信用条例 Art. 31)."""


class MeasureEffect(StrEnum):
    RESTRICT = "restrict"
    REWARD = "reward"


class Extension(_Frozen):
    """How far a term may be extended (e.g. the court list: 1–3 years)."""

    min: Duration
    max: Duration


class Ground(_Frozen):
    """A ground for listing and the term it carries.

    ``term`` null: no fixed term (listed until performance or another removal
    event). ``code`` is the value a record carries in the list's ``ground_field``
    (the court feed's ``grounds`` attribute, "1"–"6" for Art. 1 items).
    """

    id: str = Field(pattern=_SLUG.pattern)
    code: str | None = None
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    term: Duration | None
    extension: Extension | None = None
    basis: tuple[LegalBasis, ...] = ()
    verified: bool = True
    note: str | None = None

    @model_validator(mode="after")
    def _extension_needs_term(self) -> Ground:
        if self.extension is not None and self.term is None:
            raise ValueError("extension without a term: only a fixed term can be extended")
        return self


class RemovalEvent(_Frozen):
    """An event that ends an entry, and the deadline to remove it after the event.

    The deadline keeps the unit its source uses (working days for the court list).
    """

    id: str = Field(pattern=_SLUG.pattern)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    deadline: Duration
    basis: tuple[LegalBasis, ...] = ()
    verified: bool = True
    note: str | None = None


class EarlyRemoval(_Frozen):
    """Removal before the term ends, on the subject's application after ``after``."""

    after: Duration
    on: Literal["application"] = "application"
    # the removal event a granted application is recorded as (one of the list's)
    event: str = Field(pattern=_SLUG.pattern)
    basis: tuple[LegalBasis, ...] = ()
    verified: bool = True
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        # YAML 1.1 reads the bare key `on` as the boolean true
        if isinstance(data, dict) and True in data:
            data = {("on" if k is True else k): v for k, v in data.items()}
        return data


class Escalation(_Frozen):
    """Entries unresolved for ``after`` are proposed for list ``to`` (e.g. abnormal
    operations unresolved for 3 years → the serious illegal list). The target list
    must carry the matching criterion; a reviewer of the deciding authority decides."""

    after: Duration
    to: str = Field(pattern=_SLUG.pattern)
    basis: tuple[LegalBasis, ...]
    verified: bool = True
    note: str | None = None

    @field_validator("basis", mode="before")
    @classmethod
    def _basis_required(cls, v: Any) -> Any:
        return _bases(v)


class UnitRepresentatives(_Frozen):
    """How a listed unit's representatives are reached without being listed themselves."""

    scope: RepresentativeScope
    roles: tuple[RepresentativeRole, ...] = Field(min_length=1)
    basis: tuple[LegalBasis, ...]
    note: str | None = None

    @field_validator("basis", mode="before")
    @classmethod
    def _basis_required(cls, v: Any) -> Any:
        return _bases(v)

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, v: tuple[RepresentativeRole, ...]) -> tuple[RepresentativeRole, ...]:
        return _unique(v, "roles")


class Criterion(_Frozen):
    """A declarative rule over one record: every condition given must hold.

    * ``kind``: the record kind;
    * ``field`` / ``in``: a record attribute takes one of the values (tax grade A);
    * ``severity_in``: the record's severity (reported or derived);
    * ``penalty_types_any``: one of these penalty types (``severity.yaml`` ids);
    * ``sector_in``: the deciding authority's sector;
    * ``unresolved_for``: the record is still in force this long after its decision
      (abnormal operations unresolved for 3 years);
    * ``ground``: the list ground a matching record is proposed under (optional when the
      list has one ground, or names its ground by ``ground_field``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    kind: str = Field(pattern=_SLUG.pattern)
    field: str | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    severity_in: tuple[Severity, ...] | None = None
    penalty_types_any: tuple[str, ...] | None = None
    sector_in: tuple[str, ...] | None = None
    unresolved_for: Duration | None = None
    ground: str | None = Field(default=None, pattern=_SLUG.pattern)
    note: str | None = None

    @field_validator("in_", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            return tuple(str(x) for x in v)
        return v

    @model_validator(mode="after")
    def _shape(self) -> Criterion:
        if (self.field is None) != (self.in_ is None):
            raise ValueError("field and in go together: {field: <attribute>, in: [values]}")
        for name in ("in_", "severity_in", "penalty_types_any", "sector_in"):
            value = getattr(self, name)
            if value is not None and not value:
                raise ValueError(f"{name.rstrip('_')} is empty: omit it or name a value")
        return self

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and "in_" in data:
            data["in"] = data.pop("in_")
        return data


class ListDef(_Frozen):
    """A black or red list: its basis, who decides, how entries come and go.

    ``criteria`` are the proposal path: required for ``entry: proposal`` lists,
    optional on ``direct`` lists as a second path (the SAMR list is fed directly by
    listing decisions and by proposals from heavy penalties).
    ``authority_sector`` is the sector of the deciding authority (the authority that
    decided the source record: it publishes direct entries and reviews proposals);
    null only on proposal lists whose source records may come from any sector.
    """

    id: str = Field(pattern=_SLUG.pattern)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    description: str | None = None
    polarity: Polarity
    legal_basis: tuple[LegalBasis, ...]
    authority_sector: str | None
    subject_kinds: tuple[SubjectKind, ...] = Field(min_length=1)
    entry: EntryMode
    source_kinds: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    ground_field: str | None = None
    grounds: tuple[Ground, ...] = Field(min_length=1)
    default_term: Duration | None
    removal_events: tuple[RemovalEvent, ...] = Field(min_length=1)
    early_removal: EarlyRemoval | None = None
    escalation: Escalation | None = None
    never_list_minors: bool
    unit_representatives: UnitRepresentatives | None = None
    seriously_dishonest: bool = False
    conduct: tuple[ConductKind, ...] = ()
    verified: bool
    """The list's own numbers (``default_term``) are confirmed; grounds, removal
    events, early removal and escalation carry their own marks."""
    source: str = Field(min_length=1)
    notes: str | None = None

    @field_validator("legal_basis", mode="before")
    @classmethod
    def _basis_required(cls, v: Any) -> Any:
        return _bases(v)

    @field_validator("criteria", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return (v,) if isinstance(v, dict) else v

    @field_validator("conduct", mode="before")
    @classmethod
    def _four_kinds(cls, v: Any) -> Any:
        known = {c.value for c in ConductKind}
        if isinstance(v, list | tuple):
            for c in v:
                if c not in known:
                    raise ValueError(
                        f"conduct {c!r} is not one of the four kinds of serious dishonesty "
                        f"({', '.join(c.value for c in ConductKind)}; REFERENCE §4.2)"
                    )
        return v

    @field_validator("subject_kinds")
    @classmethod
    def _unique_subjects(cls, v: tuple[SubjectKind, ...]) -> tuple[SubjectKind, ...]:
        return _unique(v, "subject_kinds")

    @field_validator("source_kinds")
    @classmethod
    def _unique_sources(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _unique(v, "source_kinds")

    @field_validator("conduct")
    @classmethod
    def _unique_conduct(cls, v: tuple[ConductKind, ...]) -> tuple[ConductKind, ...]:
        return _unique(v, "conduct")

    @model_validator(mode="after")
    def _shape(self) -> ListDef:
        if self.entry is EntryMode.DIRECT:
            if not self.source_kinds:
                raise ValueError(
                    "entry direct needs source_kinds: the kinds that are listing decisions"
                )
            if self.authority_sector is None:
                raise ValueError(
                    "entry direct needs an authority_sector: a listing decision is one authority's"
                )
        else:
            if not self.criteria:
                raise ValueError("entry proposal needs criteria: the rule proposals are made by")
            if self.source_kinds:
                raise ValueError(
                    "entry proposal takes no source_kinds (no record is a listing decision); "
                    "name the kinds in criteria"
                )
        if self.seriously_dishonest:
            if self.polarity is not Polarity.BLACK:
                raise ValueError("a seriously dishonest entity list is a black list")
            if not self.conduct:
                raise ValueError(
                    "a seriously dishonest entity list needs conduct: the kinds of serious "
                    "dishonesty it covers (REFERENCE §4.2)"
                )
        elif self.conduct:
            raise ValueError("conduct is for seriously dishonest entity lists only")
        if self.polarity is Polarity.RED:
            if self.unit_representatives is not None:
                raise ValueError("a red list does not reach unit representatives")
            if self.escalation is not None:
                raise ValueError("a red list does not escalate")
        _unique(tuple(g.id for g in self.grounds), "grounds")
        _unique(tuple(e.id for e in self.removal_events), "removal_events")
        if self.ground_field is not None:
            missing = [g.id for g in self.grounds if g.code is None]
            if missing:
                raise ValueError(
                    f"ground_field {self.ground_field!r} needs a code on every ground "
                    f"(missing: {', '.join(missing)})"
                )
            _unique(tuple(str(g.code) for g in self.grounds), "ground codes")
        elif any(g.code is not None for g in self.grounds):
            raise ValueError("grounds carry codes but no ground_field names the record attribute")
        if self.escalation is not None and self.escalation.to == self.id:
            raise ValueError("escalation to the list itself")
        return self

    # ---- derived

    @property
    def proposal_kinds(self) -> tuple[str, ...]:
        """Kinds whose records the platform evaluates for proposals (criteria)."""
        out: list[str] = []
        for c in self.criteria:
            if c.kind not in out:
                out.append(c.kind)
        return tuple(out)

    @property
    def fed_by(self) -> tuple[str, ...]:
        """Every record kind that feeds the list, directly or by proposal."""
        out = list(self.source_kinds)
        out += [k for k in self.proposal_kinds if k not in out]
        return tuple(out)

    def ground(self, ground_id_or_code: str) -> Ground | None:
        """A ground by id, or by the code a record carries in ``ground_field``."""
        for g in self.grounds:
            if g.id == ground_id_or_code or (g.code is not None and g.code == ground_id_or_code):
                return g
        return None

    @property
    def unverified_parts(self) -> list[str]:
        """Where the list rests on numbers the sources do not confirm (flag its entries)."""
        parts: list[str] = []
        if not self.verified:
            parts.append("default_term")
        parts += [f"grounds.{g.id}" for g in self.grounds if not g.verified]
        parts += [f"removal_events.{e.id}" for e in self.removal_events if not e.verified]
        if self.early_removal is not None and not self.early_removal.verified:
            parts.append("early_removal")
        if self.escalation is not None and not self.escalation.verified:
            parts.append("escalation")
        return parts

    @property
    def fully_verified(self) -> bool:
        return not self.unverified_parts


class MeasureBasis(LegalBasis):
    """A basis clause of a measure: the article, and the lists it names as targets.

    A measure may attach only to lists some clause of its basis targets (no
    widening of targets: 全国失信惩戒措施基础清单, ADDENDUM §3).
    """

    targets: tuple[str, ...]

    @field_validator("targets")
    @classmethod
    def _named(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("a basis clause names the lists it targets: targets is empty")
        return _unique(v, "targets")


class ImplementingAgency(_Frozen):
    """The kind of agency that implements a measure and acknowledges its notices."""

    type: str = Field(pattern=_SLUG.pattern)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class MeasureDef(_Frozen):
    """A restriction or reward attached to lists by its legal basis.

    ``applies_to_unit_representatives``: a listed unit's representatives are
    reached too, in the scope the list's ``unit_representatives`` states;
    ``representatives_only``: only they are (a listed enterprise's legal
    representative barred from other enterprises). ``subject_kinds`` narrows
    the measure to some of the lists' subjects (default: all of them).
    """

    id: str = Field(pattern=_SLUG.pattern)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    description: str | None = None
    effect: MeasureEffect
    category: str = Field(pattern=_SLUG.pattern)
    lists: tuple[str, ...] = Field(min_length=1)
    legal_basis: tuple[MeasureBasis, ...]
    implementing_agency: ImplementingAgency
    applies_to_unit_representatives: bool
    representatives_only: bool = False
    subject_kinds: tuple[SubjectKind, ...] | None = None
    condition: str | None = None
    verified: bool
    source: str = Field(min_length=1)
    notes: str | None = None

    @field_validator("legal_basis", mode="before")
    @classmethod
    def _basis_required(cls, v: Any) -> Any:
        return _bases(v)

    @field_validator("lists")
    @classmethod
    def _unique_lists(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _unique(v, "lists")

    @model_validator(mode="after")
    def _shape(self) -> MeasureDef:
        if self.representatives_only and not self.applies_to_unit_representatives:
            raise ValueError("representatives_only needs applies_to_unit_representatives: true")
        if self.subject_kinds is not None:
            if not self.subject_kinds:
                raise ValueError("subject_kinds is empty: omit it or name a subject kind")
            _unique(self.subject_kinds, "subject_kinds")
        return self

    @property
    def targets(self) -> frozenset[str]:
        """Every list some basis clause names."""
        return frozenset(t for b in self.legal_basis for t in b.targets)
