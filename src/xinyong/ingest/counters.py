"""A batch's running counts, shared by agency and lender feed ingest.

The same numbers are kept on the batch row (so a killed run resumes with them), written to
the audit log and returned in the receipt; one class keeps the three in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Counters:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    superseded: int = 0
    quarantined: int = 0
    linked: int = 0  # agency feeds only: the same decision from another channel
    reasons: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_batch(cls, row: Mapping[Any, Any]) -> Counters:
        """The counts stored on a running batch's row, to resume from."""
        return cls(
            rows=row["rows"],
            accepted=row["accepted"],
            duplicates=row["duplicates"],
            superseded=row["superseded"],
            quarantined=row["quarantined"],
            reasons=dict(row["reasons"]),
        )

    def reject(self, reason: str) -> None:
        self.quarantined += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def add(self, d: Counters) -> None:
        self.rows += d.rows
        self.accepted += d.accepted
        self.duplicates += d.duplicates
        self.superseded += d.superseded
        self.quarantined += d.quarantined
        self.linked += d.linked
        for k, v in d.reasons.items():
            self.reasons[k] = self.reasons.get(k, 0) + v

    def values(self) -> dict[str, Any]:
        """The columns a batch row keeps (``linked`` is not one of them)."""
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "superseded": self.superseded,
            "quarantined": self.quarantined,
            "reasons": dict(sorted(self.reasons.items())),
        }
