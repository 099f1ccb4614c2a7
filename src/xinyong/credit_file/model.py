"""The credit file resource: one model shared by the API, the CLI ``--json`` and the portal.

The audience (public, agency, subject) decides masking and what is shown, never the
endpoint (CONTRACTS.md, "Resource shapes").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class IdentifierView(BaseModel):
    scheme: str
    value: str | None = Field(description="masked or null in public views")
    masked: bool = False


class AuthorityView(BaseModel):
    code: str
    name_zh: str
    name_en: str | None = None


class RoleView(BaseModel):
    role: str
    organisation_id: str
    organisation_name: str
    organisation_uscc: str | None = None
    person_id: str | None = None
    person_name: str
    valid_from: date | None = None
    valid_to: date | None = None


class RecordVersionView(BaseModel):
    version: int
    status: str
    content_hash: str
    recorded_at: datetime
    superseded_at: datetime | None = None
    batch_id: str | None = None


class RecordView(BaseModel):
    record_id: str
    version: int
    kind: str
    kind_name_zh: str
    kind_name_en: str
    legal_basis: list[str] = Field(description="the catalogue's basis for this kind of record")
    decision_basis: str | None = Field(None, description="the decision's own basis (处罚依据)")
    decision_no: str | None = None
    decided_on: date | None = None
    deciding_authority: AuthorityView | None = None
    reporting_agency: str
    also_reported_by: list[str] = Field(default_factory=list)
    severity: str | None = None
    severity_derived: bool | None = None
    amount_fen: int | None = None
    status: str
    ended_on: date | None = None
    publication: str
    display_until: date | None = Field(None, description="public until; null = while in force")
    repair_from: date | None = None
    regime_id: str | None = None
    repair_regime_id: str | None = None
    in_force: bool
    public: bool = Field(description="shown to the public on the date asked")
    under_objection: bool = Field(False, description="an objection or appeal about it is open")
    public_from: date | None = Field(
        None, description="negative information about a person: public only from this day"
    )
    flags: list[str] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    source_key: str
    first_seen_at: datetime
    last_seen_at: datetime
    history: list[RecordVersionView] = Field(default_factory=list)


class ListEntryView(BaseModel):
    entry_id: str
    list_id: str
    list_name_zh: str
    list_name_en: str
    polarity: str
    ground: str | None = None
    status: str
    via: str
    deciding_authority: str
    term_start: date | None = None
    term_end: date | None = None
    ended_on: date | None = None
    end_event: str | None = None
    in_force: bool
    under_objection: bool = False
    legal_basis: list[str]


class MeasureView(BaseModel):
    measure_id: str
    name_zh: str
    name_en: str
    effect: str
    list_id: str
    entry_id: str
    implementing_type: str
    in_force_from: date
    legal_basis: list[str]


class CaseSummary(BaseModel):
    case_id: str
    kind: str
    status: str
    outcome: str | None = None
    target_type: str
    target_id: str
    deciding_authority: str
    opened_on: date
    due_on: date
    decided_on: date | None = None


class SubjectFile(BaseModel):
    subject_id: str
    kind: str
    name: str
    name_variants: list[str] = Field(default_factory=list)
    region: str | None = None
    identifiers: list[IdentifierView]
    roles: list[RoleView]
    records: list[RecordView] = Field(description="records in force on the date asked")
    expired: list[RecordView] = Field(
        default_factory=list,
        description="records no longer in force or past publicity (not shown to the public)",
    )
    lists: list[ListEntryView] = Field(
        default_factory=list,
        description="list entries: in force only for the public; every one for the subject",
    )
    measures: list[MeasureView] = Field(
        default_factory=list, description="measures in force on the date asked (not public)"
    )
    cases: list[CaseSummary] = Field(
        default_factory=list,
        description="objections, appeals, repairs (subject and agencies; never public)",
    )
    on: date
    known_at: datetime
    audience: str
    catalogue_version: str
