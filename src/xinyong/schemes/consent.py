"""Opt-in consent to a local scheme, per resident and scheme (Rongcheng Arts. 6–7).

Consent is given and withdrawn on dates (CST legal dates). A withdrawal stops scoring
from its date on; the resident's records stay. Consent can be given again later: a
new consent row, so the history of who agreed when is never overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, select, update
from ulid import ULID

from xinyong.errors import Conflict, NotFound, RuleRefused
from xinyong.store.bulk import bulk_insert
from xinyong.store.context import Store
from xinyong.store.tables import scheme_consents, subjects


@dataclass(frozen=True)
class Consent:
    consent_id: str
    scheme_id: str
    subject_id: str
    given_on: date
    withdrawn_on: date | None


def _open(conn: object, scheme_id: str, subject_id: str) -> Consent | None:
    from sqlalchemy import Connection

    assert isinstance(conn, Connection)
    row = conn.execute(
        select(scheme_consents).where(
            and_(
                scheme_consents.c.scheme_id == scheme_id,
                scheme_consents.c.subject_id == subject_id,
                scheme_consents.c.withdrawn_on.is_(None),
            )
        )
    ).first()
    if row is None:
        return None
    return Consent(row.consent_id, row.scheme_id, row.subject_id, row.given_on, row.withdrawn_on)


def give(
    store: Store, scheme_id: str, subject_id: str, on: date, *, actor: str | None = None
) -> Consent:
    """Record that a person consents to ``scheme_id`` from ``on``."""
    with store.write(actor) as tx:
        kind = tx.conn.execute(
            select(subjects.c.kind).where(subjects.c.subject_id == subject_id)
        ).scalar_one_or_none()
        if kind is None:
            raise NotFound(f"no subject {subject_id}", code="subject_not_found")
        if kind != "person":
            raise RuleRefused(
                f"subject {subject_id} is a {kind}: local schemes score persons only",
                code="scheme_consent_not_person",
            )
        if (c := _open(tx.conn, scheme_id, subject_id)) is not None:
            raise Conflict(
                f"{subject_id} consents to {scheme_id} already (since {c.given_on})",
                code="scheme_consent_open",
            )
        consent_id = str(ULID())
        tx.conn.execute(
            scheme_consents.insert().values(
                consent_id=consent_id,
                scheme_id=scheme_id,
                subject_id=subject_id,
                given_on=on,
                withdrawn_on=None,
                recorded_at=datetime.now(UTC),
                recorded_by=tx.actor,
            )
        )
        tx.audit(
            "scheme.consent.give",
            "scheme_consent",
            consent_id,
            {"scheme_id": scheme_id, "subject_id": subject_id, "on": on.isoformat()},
        )
    return Consent(consent_id, scheme_id, subject_id, on, None)


def withdraw(
    store: Store, scheme_id: str, subject_id: str, on: date, *, actor: str | None = None
) -> Consent:
    """End a person's consent to ``scheme_id``: not scored from ``on`` on."""
    with store.write(actor) as tx:
        c = _open(tx.conn, scheme_id, subject_id)
        if c is None:
            raise NotFound(
                f"{subject_id} has no consent to {scheme_id} to withdraw",
                code="scheme_consent_not_found",
            )
        if on < c.given_on:
            raise RuleRefused(
                f"withdrawal on {on} precedes the consent given on {c.given_on}",
                code="scheme_consent_dates",
            )
        tx.conn.execute(
            update(scheme_consents)
            .where(scheme_consents.c.consent_id == c.consent_id)
            .values(withdrawn_on=on, withdrawn_at=datetime.now(UTC), withdrawn_by=tx.actor)
        )
        tx.audit(
            "scheme.consent.withdraw",
            "scheme_consent",
            c.consent_id,
            {"scheme_id": scheme_id, "subject_id": subject_id, "on": on.isoformat()},
        )
    return Consent(c.consent_id, scheme_id, subject_id, c.given_on, on)


def record_many(
    store: Store,
    scheme_id: str,
    rows: Sequence[tuple[str, date, date | None]],
    *,
    actor: str | None = None,
    chunk_rows: int = 10_000,
) -> int:
    """Bulk consents ``(subject_id, given_on, withdrawn_on)`` (synthetic populations,
    migrations from a city's register); one audit entry per chunk."""
    now = datetime.now(UTC)
    n = 0
    for start in range(0, len(rows), chunk_rows):
        chunk = rows[start : start + chunk_rows]
        with store.write(actor) as tx:
            data = [
                {
                    "consent_id": str(ULID()),
                    "scheme_id": scheme_id,
                    "subject_id": sid,
                    "given_on": given,
                    "withdrawn_on": withdrawn,
                    "recorded_at": now,
                    "recorded_by": tx.actor,
                    "withdrawn_at": now if withdrawn else None,
                    "withdrawn_by": tx.actor if withdrawn else None,
                }
                for sid, given, withdrawn in chunk
            ]
            bulk_insert(tx.conn, scheme_consents, data)
            tx.audit(
                "scheme.consent.bulk",
                "scheme",
                scheme_id,
                {"rows": len(data), "withdrawn": sum(1 for r in chunk if r[2])},
            )
        n += len(chunk)
    return n
