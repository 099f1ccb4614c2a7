"""The shape of a list entry and its history (one row of ``list_entries`` / history)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class EntryStatus(StrEnum):
    PROPOSED = "proposed"
    REJECTED = "rejected"
    PUBLISHED = "published"
    REMOVED = "removed"
    EXPIRED = "expired"


#: statuses of an entry that was published at some time (it may have ended since)
WAS_PUBLISHED = (EntryStatus.PUBLISHED, EntryStatus.REMOVED, EntryStatus.EXPIRED)


class Via(StrEnum):
    DIRECT = "direct"  # the source record is the authority's own listing decision
    PROPOSAL = "proposal"  # the platform proposed it; a reviewer decided


class Entry(BaseModel):
    """A proposal or list entry as it stands now (or as known at a time)."""

    model_config = ConfigDict(frozen=True)

    entry_id: str
    list_id: str
    subject_id: str
    source_record_id: str
    ground: str | None
    via: Via
    deciding_authority: str
    status: EntryStatus
    proposed_at: datetime
    proposed_by: str
    decided_at: datetime | None = None
    decided_by: str | None = None
    decided_on: date | None = None
    reason: str | None = None
    term_start: date | None = None
    term_end: date | None = None
    extensions: int = 0
    ended_on: date | None = None
    end_event: str | None = None
    event_on: date | None = None
    removal_due: date | None = None
    removal_late: bool | None = None
    version: int

    def in_force_on(self, on: date) -> bool:
        """Published and within its term on ``on`` (term end and end dates exclusive)."""
        if self.status not in WAS_PUBLISHED or self.term_start is None:
            return False
        if on < self.term_start:
            return False
        if self.term_end is not None and on >= self.term_end:
            return False
        return self.ended_on is None or on < self.ended_on


class HistoryEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    entry_id: str
    seq: int
    at: datetime
    actor: str
    event: str
    status: EntryStatus
    term_start: date | None
    term_end: date | None
    ended_on: date | None
    detail: dict[str, Any]


ENTRY_FIELDS = tuple(Entry.model_fields)


def entry_from_row(row: Any) -> Entry:
    m = row._mapping
    return Entry.model_validate({k: m[k] for k in ENTRY_FIELDS})
