"""The check service: "may this subject be sold a flight ticket today?"

An implementing agency asks about one measure for one subject (or up to 1,000) on a
date. The subject is restricted when an entry of a list the measure attaches to is in
force on that date and the agency's officer has acknowledged its notice (CONTRACTS.md
"in force"); a listed unit's legal representative is restricted within the scope the
list's rules give (the court list: spending the unit's assets). An unknown subject is
not restricted and is said to be unknown. Every check is logged: on the subject's query
log when the subject is known, on the audit log in any case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection

from xinyong.actors import Principal, Role
from xinyong.audit.plain_sql import is_sqlite, read_date, read_json, run, stored_date
from xinyong.catalogue import Catalogue
from xinyong.catalogue.model import MeasureDef, MeasureEffect
from xinyong.errors import Forbidden, UsageError
from xinyong.identity.check import verdict
from xinyong.lists.model import WAS_PUBLISHED
from xinyong.measures.notices import NoticeStatus
from xinyong.store.context import Store, Tx
from xinyong.store.query_log import log_read

MAX_BATCH = 1000
CHECK_RESOURCE = "check"


class CheckedEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    entry_id: str
    list_id: str
    ground: str | None
    deciding_authority: str
    term_start: date
    term_end: date | None
    in_force_from: date  # the later of the term start and the acknowledgement
    scope: str  # subject | unit_assets | personal
    via_unit: str | None = None  # the listed unit, for a representative


class CheckAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str  # as asked
    subject_id: str | None
    known: bool
    measure: str
    effect: MeasureEffect
    on: date
    restricted: bool
    granted: bool  # a reward measure that applies
    scope: str | None  # the widest scope of the entries found
    entries: list[CheckedEntry]
    legal_basis: list[str]


_LIVE = (NoticeStatus.ACKNOWLEDGED.value, NoticeStatus.REPORTED.value)
_PUBLISHED = tuple(s.value for s in WAS_PUBLISHED)
_SCOPE_ORDER = {"subject": 0, "personal": 1, "unit_assets": 2}

# The hot path runs plain driver SQL (xinyong.audit.plain_sql): building SQLAlchemy
# expressions was more than half of a check's time (benchmarks/README.md).
_BY_ID = "SELECT subject_id, kind FROM subjects WHERE subject_id = ?"
_BY_IDENTIFIER = (
    "SELECT s.subject_id, s.kind FROM subject_identifiers i "
    "JOIN subjects s ON s.subject_id = i.subject_id WHERE i.scheme = ? AND i.value = ?"
)
_IMPLEMENTS = "SELECT implements FROM agencies WHERE code = ?"
_ROLES = (
    "SELECT org_subject_id, role FROM roles WHERE person_subject_id = ? "
    "AND (valid_from IS NULL OR valid_from <= ?) "
    "AND (valid_to IS NULL OR valid_to > ?)"  # valid_to is exclusive
)


@lru_cache(maxsize=64)
def entries_sql(n_subjects: int) -> str:
    """The entries in force for ``n_subjects`` subjects (one measure, one day).

    ``status || ''`` keeps SQLite (no statistics) from driving the join from the status
    index and probing every published entry when several units are asked.
    """
    who = "= ?" if n_subjects == 1 else f"IN ({', '.join('?' * n_subjects)})"
    return (
        "SELECT e.entry_id, e.list_id, e.ground, e.deciding_authority, e.term_start, "
        "e.term_end, e.subject_id, n.acknowledged_on "
        "FROM measure_notices n JOIN list_entries e ON e.entry_id = n.entry_id "
        f"WHERE n.subject_id {who} AND n.measure_id = ? AND n.status IN (?, ?) "
        "AND n.acknowledged_on <= ? "
        f"AND (e.status || '') IN ({', '.join('?' * len(_PUBLISHED))}) "
        "AND e.term_start <= ? AND (e.term_end IS NULL OR e.term_end > ?) "
        "AND (e.ended_on IS NULL OR e.ended_on > ?)"
    )


def may_check(conn: Connection, p: Principal, m: MeasureDef) -> bool:
    """An administrator, or a key of an agency that implements ``m``.

    Read in the caller's transaction on every check (no cache): an agency that stops
    implementing a measure stops checking it at once.
    """
    if Role.ADMIN in p.roles:
        return True
    if not ({Role.AGENCY, Role.IMPLEMENTING_OFFICER} & p.roles):
        return False
    row = run(conn, _IMPLEMENTS, (p.organisation,)).fetchone()
    return row is not None and m.implementing_agency.type in (read_json(row[0]) or ())


def require_checker(conn: Connection, p: Principal, m: MeasureDef) -> None:
    if not may_check(conn, p, m):
        raise Forbidden(
            f"{p.principal_id} may check only the measures its agency implements; "
            f"{m.id} is implemented by {m.implementing_agency.type} agencies",
            code="not_implementing_agency",
        )


def find_subject_kind(conn: Connection, code: str) -> tuple[str, str] | None:
    """``find_subject`` (credit_file.assemble) with the subject's kind, in one lookup.

    The same rules: a subject id, then a valid USCC or resident ID by its canonical
    form, else a passport, other or 15-digit number as folded; a malformed USCC or
    resident ID is refused (UsageError); nobody found is None.
    """
    raw = code.strip()
    if "\x00" in raw or len(raw) > 64:
        raise UsageError("an identifier has at most 64 characters and no NUL", code="invalid_code")
    if len(raw) == 26 and raw.isalnum() and raw.upper() == raw:
        row = run(conn, _BY_ID, (raw,)).fetchone()
        if row is not None:
            return row[0], row[1]
    v = verdict(raw)
    if v.valid and v.canonical:
        candidates: tuple[tuple[str, str], ...] = (
            ("uscc" if v.kind == "organisation" else "ric", v.canonical),
        )
    else:
        folded = raw.upper().replace(" ", "")
        candidates = (("passport", folded), ("other", folded), ("ric15", folded))
    for scheme, value in candidates:
        row = run(conn, _BY_IDENTIFIER, (scheme, value)).fetchone()
        if row is not None:
            return row[0], row[1]
    if not v.valid and v.error and v.error.reason.value not in ("alphabet", "length"):
        raise UsageError(f"{v.error.message}", code=f"invalid_{v.error.reason.value}")
    return None


def _entries(conn: Connection, subject_ids: Sequence[str], m: MeasureDef, on: date) -> list[Any]:
    """Rows (entry_id, list_id, ground, deciding_authority, term_start, term_end,
    subject_id, acknowledged_on) of the entries in force on ``on`` whose notice of ``m``
    is live, for any of ``subject_ids``."""
    day = stored_date(is_sqlite(conn), on)
    params = (*subject_ids, m.id, *_LIVE, day, *_PUBLISHED, day, day, day)
    return run(conn, entries_sql(len(subject_ids)), params).fetchall()  # type: ignore[no-any-return]


def answer(conn: Connection, cat: Catalogue, m: MeasureDef, code: str, on: date) -> CheckAnswer:
    """The answer for one subject (no logging: see :func:`check`)."""
    hit = find_subject_kind(conn, code)
    found: list[CheckedEntry] = []
    sid: str | None = None
    if hit is not None:
        sid, kind = hit
        direct = not m.representatives_only and (
            m.subject_kinds is None or kind in {k.value for k in m.subject_kinds}
        )
        if direct:
            for r in _entries(conn, [sid], m, on):
                found.append(_checked(r, "subject", None))
        if m.applies_to_unit_representatives and kind == "person":
            found += _via_units(conn, cat, m, sid, on)
    basis = [cat.cite(b) for b in m.legal_basis]
    for lid in sorted({f.list_id for f in found}):
        basis += [cat.cite(b) for b in cat.list_def(lid).legal_basis]
    applies = bool(found)
    scope = max((f.scope for f in found), key=_SCOPE_ORDER.__getitem__) if found else None
    return CheckAnswer(
        subject=code,
        subject_id=sid,
        known=sid is not None,
        measure=m.id,
        effect=m.effect,
        on=on,
        restricted=applies and m.effect is MeasureEffect.RESTRICT,
        granted=applies and m.effect is MeasureEffect.REWARD,
        scope=scope,
        entries=found,
        legal_basis=list(dict.fromkeys(basis)),
    )


def _checked(r: Any, scope: str, via_unit: str | None) -> CheckedEntry:
    entry_id, list_id, ground, authority, start, end, _subject, acknowledged = r
    term_start = read_date(start)
    acknowledged_on = read_date(acknowledged)
    assert term_start is not None and acknowledged_on is not None  # both in the WHERE
    return CheckedEntry(
        entry_id=entry_id,
        list_id=list_id,
        ground=ground,
        deciding_authority=authority,
        term_start=term_start,
        term_end=read_date(end),
        in_force_from=max(term_start, acknowledged_on),
        scope=scope,
        via_unit=via_unit,
    )


def _via_units(
    conn: Connection, cat: Catalogue, m: MeasureDef, person: str, on: date
) -> list[CheckedEntry]:
    """A person's roles at units on ``on``, and those units' entries reaching them."""
    day = stored_date(is_sqlite(conn), on)
    held = run(conn, _ROLES, (person, day, day)).fetchall()
    if not held:
        return []
    by_unit: dict[str, set[str]] = {}
    for org, role in held:
        by_unit.setdefault(org, set()).add(role)
    out = []
    for r in _entries(conn, sorted(by_unit), m, on):
        reps = cat.list_def(r[1]).unit_representatives
        unit = r[6]
        if reps is None or not by_unit[unit] & {x.value for x in reps.roles}:
            continue
        out.append(_checked(r, reps.scope.value, unit))
    return out


def _log(tx: Tx, p: Principal, a: CheckAnswer, channel: str) -> None:
    if a.subject_id is not None:
        log_read(
            tx,
            p,
            a.subject_id,
            purpose=f"check of measure {a.measure} on {a.on.isoformat()}",
            resource=CHECK_RESOURCE,
            audience="agency",
            channel=channel,
        )
    else:
        tx.audit(
            "check.unknown_subject",
            "measure",
            a.measure,
            {"code_sha256": hashlib.sha256(a.subject.encode()).hexdigest(), "on": a.on.isoformat()},
            actor=p.principal_id,
        )


def check(
    store: Store,
    cat: Catalogue,
    p: Principal,
    codes: Sequence[str],
    measure_id: str,
    on: date,
    *,
    channel: str,
) -> list[CheckAnswer]:
    """Answer and log a check of ``codes`` (at most 1,000) in one transaction."""
    if not codes:
        raise UsageError("a check names at least one subject", code="no_subjects")
    if len(codes) > MAX_BATCH:
        raise UsageError(
            f"at most {MAX_BATCH} subjects per check; use bulk screening for more",
            code="batch_too_large",
        )
    m = cat.measure(measure_id)
    with store.write(p.principal_id) as tx:
        require_checker(tx.conn, p, m)
        answers = []
        for i, c in enumerate(codes, 1):
            try:
                answers.append(answer(tx.conn, cat, m, c, on))
            except UsageError as exc:
                raise UsageError(
                    f"subject #{i} ({c!r}) is not a usable code: {exc.message}",
                    code=exc.code,
                    details={"index": i},
                ) from exc
        for a in answers:
            _log(tx, p, a, channel)
    return answers


__all__ = [
    "MAX_BATCH",
    "CheckAnswer",
    "CheckedEntry",
    "answer",
    "check",
    "entries_sql",
    "find_subject_kind",
    "may_check",
    "require_checker",
]
