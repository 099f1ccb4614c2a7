"""The ingest receipt: what one file did to the store."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Receipt(BaseModel):
    batch_id: str | None = Field(description="null for a dry run")
    agency: str
    mapping: str
    file_sha256: str
    rows: int = Field(description="data rows read (header excluded)")
    accepted: int = Field(description="rows that created a new record")
    duplicates: int = Field(description="rows identical to the record's current version")
    superseded: int = Field(
        description="rows that replaced the current version (incl. revocations)"
    )
    quarantined: int
    reasons: dict[str, int] = Field(description="quarantine reason code → rows")
    linked: int = Field(0, description="new records recognised as a decision already received")
    dry_run: bool = False
