"""The shape of a case (objection, appeal, repair, dispute) and its states."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class CaseKind(StrEnum):
    OBJECTION = "objection"
    APPEAL = "appeal"
    REPAIR = "repair"
    DISPUTE = "dispute"


class CaseStatus(StrEnum):
    OPEN = "open"  # filed; the deciding authority (or, for a repair, the platform) has it
    FORWARDED = "forwarded"  # a repair the platform passed to the deciding authority
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"  # by the subject


#: statuses in which a case still runs against a deadline
LIVE = (CaseStatus.OPEN, CaseStatus.FORWARDED)


class Outcome(StrEnum):
    CORRECTED = "corrected"  # objection/appeal: the item is corrected
    WITHDRAWN = "withdrawn"  # objection/appeal: the item leaves public view / the list
    UPHELD = "upheld"  # objection/appeal: the item stands
    GRANTED = "granted"  # repair
    REFUSED = "refused"  # repair


OUTCOMES: dict[CaseKind, tuple[Outcome, ...]] = {
    CaseKind.OBJECTION: (Outcome.CORRECTED, Outcome.WITHDRAWN, Outcome.UPHELD),
    CaseKind.APPEAL: (Outcome.CORRECTED, Outcome.WITHDRAWN, Outcome.UPHELD),
    CaseKind.DISPUTE: (Outcome.CORRECTED, Outcome.WITHDRAWN, Outcome.UPHELD),
    CaseKind.REPAIR: (Outcome.GRANTED, Outcome.REFUSED),
}


class TargetType(StrEnum):
    RECORD = "record"
    ENTRY = "entry"
    ACCOUNT = "account"  # a credit reporting account (disputes; xinyong.reporting owns it)


class Case(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    kind: CaseKind
    rule_id: str
    subject_id: str
    target_type: TargetType
    target_id: str
    parent_case_id: str | None = None
    deciding_authority: str
    status: CaseStatus
    outcome: Outcome | None = None
    reason: str
    commitment: str | None = None
    opened_at: datetime
    opened_by: str
    opened_on: date
    due_on: date
    due_provisional: bool
    forwarded_on: date | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    decided_on: date | None = None
    decision_reason: str | None = None
    late: bool | None = None
    detail: dict[str, Any]
    version: int

    def overdue_on(self, day: date) -> bool:
        """Still running and past its deadline on ``day``."""
        return self.status in LIVE and day > self.due_on


CASE_FIELDS = tuple(Case.model_fields)


def case_from_row(row: Any) -> Case:
    m = row._mapping
    return Case.model_validate({k: m[k] for k in CASE_FIELDS})
