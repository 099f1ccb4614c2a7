"""Subject keys: a person or company gets a key to its own file once an administrator has
verified its identity outside the platform (at a counter, or through an identity
provider). The key's principal holds the subject role and is bound to one subject."""

from __future__ import annotations

from xinyong.actors import Principal, Role
from xinyong.credit_file.assemble import find_subject
from xinyong.store.actors import add_principal, create_key, get_principal
from xinyong.store.context import Tx
from xinyong.store.tables import subjects

SUBJECT_ORG = "subjects"


def subject_principal_id(subject_id: str) -> str:
    return f"subject-{subject_id.lower()}"


def issue_subject_key(
    tx: Tx, code: str, *, verified_by: str, valid_days: int | None = 365
) -> tuple[Principal, str, str]:
    """(principal, key id, token) for the subject ``code`` names; the token is shown once.

    ``verified_by`` says how the identity was checked (recorded in the audit log)."""
    from sqlalchemy import select

    if not verified_by.strip():
        from xinyong.errors import UsageError

        raise UsageError(
            "say how the identity was verified (--verified-by)", code="verification_required"
        )
    sid = find_subject(tx.conn, code)
    pid = subject_principal_id(sid)
    p = get_principal(tx.conn, pid, missing_ok=True)
    if p is None:
        name = tx.conn.execute(
            select(subjects.c.name).where(subjects.c.subject_id == sid)
        ).scalar_one()
        p = Principal(
            principal_id=pid,
            display_name=str(name),
            organisation=SUBJECT_ORG,
            roles=frozenset({Role.SUBJECT}),
            subject_id=sid,
        )
        add_principal(tx, p)
    key_id, token = create_key(tx, pid, valid_days=valid_days)
    tx.audit(
        "subject.key_issued", "subject", sid, {"key_id": key_id, "verified_by": verified_by.strip()}
    )
    return p, key_id, token
