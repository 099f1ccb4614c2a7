"""Evidence files attached to a case: stored in the store, size- and type-limited."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import insert
from ulid import ULID

from xinyong.actors import Principal, Role
from xinyong.audit.log import now_utc
from xinyong.errors import Forbidden, PayloadTooLarge, UnsupportedMediaType, UsageError
from xinyong.rights.cases import get_case
from xinyong.rights.model import LIVE
from xinyong.rights.rules import get_rules
from xinyong.store.context import Tx
from xinyong.store.tables import case_evidence


class Evidence(BaseModel):
    evidence_id: str
    case_id: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


def add_evidence(
    tx: Tx,
    p: Principal,
    case_id: str,
    *,
    file_name: str,
    content_type: str,
    content: bytes,
    size: int | None = None,
) -> Evidence:
    """Store one file for a live case of the caller's (413 too large, 415 wrong type)."""
    rules = get_rules().evidence
    c = get_case(tx.conn, case_id)
    if Role.ADMIN not in p.roles and (Role.SUBJECT not in p.roles or p.subject_id != c.subject_id):
        raise Forbidden("evidence is added by the case's subject", code="not_own_case")
    if c.status not in LIVE:
        raise UsageError(
            f"case {case_id} is {c.status.value}; it takes no more evidence", code="case_closed"
        )
    n = size if size is not None else len(content)
    if n > rules.max_bytes or len(content) > rules.max_bytes:
        raise PayloadTooLarge(
            f"evidence files are limited to {rules.max_bytes} bytes; this one has {n}",
            details={"max_bytes": rules.max_bytes},
        )
    if content_type not in rules.content_types:
        raise UnsupportedMediaType(
            f"evidence must be one of {', '.join(rules.content_types)}, not {content_type or 'unknown'}",
            details={"allowed": list(rules.content_types)},
        )
    if not content:
        raise UsageError("the evidence file is empty", code="empty_file")
    e = Evidence(
        evidence_id=str(ULID()),
        case_id=case_id,
        file_name=file_name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_at=now_utc(),
    )
    tx.conn.execute(
        insert(case_evidence).values(**e.model_dump(), content=content, uploaded_by=p.principal_id)
    )
    tx.audit(
        "case.evidence_added",
        "case",
        case_id,
        {"evidence_id": e.evidence_id, "sha256": e.sha256, "size": e.size},
    )
    return e
