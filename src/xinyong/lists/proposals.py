"""Finding what belongs on a list: direct listing decisions and proposals.

A record of a direct list's source kind *is* the deciding authority's own listing
decision (the court's decision to list a debtor): it publishes an entry at once, with
the authority as the decider. A record meeting one of a list's criteria (a serious
penalty, a tax grade A, an abnormal-operations entry unresolved for 3 years) only
creates a **proposal**, which a reviewer of the deciding authority must approve.
Minors are never listed. The job is idempotent: a (list, record, subject) gets one
entry ever, and a subject with a live entry on a list is not proposed again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from ulid import ULID

from xinyong.audit.log import now_utc
from xinyong.catalogue import Catalogue
from xinyong.catalogue.lists import criterion_matches
from xinyong.catalogue.model import Criterion, EntryMode, ListDef
from xinyong.lists.decisions import publish
from xinyong.lists.history import insert_entry
from xinyong.lists.model import Entry, EntryStatus, Via
from xinyong.lists.terms import birth_date, ground_for, is_minor, term_end, term_for
from xinyong.store.context import Tx
from xinyong.store.tables import agencies, list_entries, records, subject_identifiers, subjects

SYSTEM_ACTOR = "system:lists"


@dataclass
class SyncReport:
    on: date
    published: Counter[str] = field(default_factory=Counter)  # direct entries, by list
    proposed: Counter[str] = field(default_factory=Counter)
    refused_minor: Counter[str] = field(default_factory=Counter)
    already_open: Counter[str] = field(default_factory=Counter)
    notices: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "published": dict(self.published),
            "proposed": dict(self.proposed),
            "refused_minor": dict(self.refused_minor),
            "already_open": dict(self.already_open),
            "notices": self.notices,
        }


def _relevant(cat: Catalogue) -> dict[str, list[tuple[ListDef, Criterion | None]]]:
    """kind → the (list, criterion) pairs it may feed; criterion None for a direct listing."""
    out: dict[str, list[tuple[ListDef, Criterion | None]]] = {}
    for ld in cat.lists.values():
        if ld.entry is EntryMode.DIRECT:
            for k in ld.source_kinds:
                out.setdefault(k, []).append((ld, None))
        for c in ld.criteria:
            out.setdefault(c.kind, []).append((ld, c))
    return out


def _people(tx: Tx, subject_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """subject id → (kind, resident ID or None)."""
    ids = sorted(set(subject_ids))
    out: dict[str, tuple[str, str | None]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        q = (
            select(subjects.c.subject_id, subjects.c.kind, subject_identifiers.c.value)
            .select_from(
                subjects.outerjoin(
                    subject_identifiers,
                    and_(
                        subject_identifiers.c.subject_id == subjects.c.subject_id,
                        subject_identifiers.c.scheme == "ric",
                    ),
                )
            )
            .where(subjects.c.subject_id.in_(chunk))
        )
        for sid, kind, ric in tx.conn.execute(q):
            out[sid] = (kind, ric or out.get(sid, (kind, None))[1])
    return out


def _current_evaluations(cat: Catalogue, rows: Sequence[Any]) -> list[Any]:
    """Drop evaluations a later one about the same subject replaced (last year's grade A
    is no ground for this year's red list once this year's grade is B)."""
    latest: dict[tuple[str, str], tuple[date | None, str]] = {}
    for r in rows:
        rk = cat.kinds.get(r.kind)
        if rk is not None and rk.current_until_next:
            key = (r.kind, r.subject_id)
            mark = (r.decided_on, r.record_id)
            held = latest.get(key)
            if held is None or _later(mark, held):
                latest[key] = mark
    if not latest:
        return list(rows)
    return [
        r
        for r in rows
        if (r.kind, r.subject_id) not in latest
        or latest[(r.kind, r.subject_id)] == (r.decided_on, r.record_id)
    ]


def _later(a: tuple[date | None, str], b: tuple[date | None, str]) -> bool:
    return (a[0] or date.min, a[1]) > (b[0] or date.min, b[1])


def sync(tx: Tx, cat: Catalogue, *, on: date, actor: str = SYSTEM_ACTOR) -> SyncReport:
    """Publish direct entries and create proposals from the records known now, as of ``on``."""
    rep = SyncReport(on=on)
    relevant = _relevant(cat)
    known = {
        (r.list_id, r.source_record_id, r.subject_id)
        for r in tx.conn.execute(
            select(
                list_entries.c.list_id, list_entries.c.source_record_id, list_entries.c.subject_id
            )
        )
    }
    open_ = {
        (r.list_id, r.subject_id)
        for r in tx.conn.execute(
            select(list_entries.c.list_id, list_entries.c.subject_id).where(
                or_(
                    list_entries.c.status == EntryStatus.PROPOSED.value,
                    and_(
                        list_entries.c.status == EntryStatus.PUBLISHED.value,
                        or_(list_entries.c.term_end.is_(None), list_entries.c.term_end > on),
                    ),
                )
            )
        )
    }
    sectors = dict(tx.conn.execute(select(agencies.c.code, agencies.c.sector)).all())
    fetched = tx.conn.execute(
        select(
            records.c.record_id,
            records.c.subject_id,
            records.c.kind,
            records.c.reporting_agency,
            records.c.deciding_authority,
            records.c.decided_on,
            records.c.valid_from,
            records.c.ended_on,
            records.c.severity,
            records.c.amount_fen,
            records.c.attributes,
        )
        .where(
            records.c.kind.in_(sorted(relevant)),
            records.c.superseded_at.is_(None),
            records.c.linked_to.is_(None),
            records.c.status == "in_force",
            or_(records.c.decided_on.is_(None), records.c.decided_on <= on),
        )
        .order_by(records.c.decided_on, records.c.record_id)
    ).all()
    rows = _current_evaluations(cat, fetched)
    people = _people(tx, (r.subject_id for r in rows))
    for r in rows:
        authority = r.deciding_authority or r.reporting_agency
        attrs = r.attributes or {}
        kind, ric = people.get(r.subject_id, ("organisation", None))
        for ld, crit in relevant[r.kind]:
            if (ld.id, r.record_id, r.subject_id) in known:
                continue
            if kind not in {k.value for k in ld.subject_kinds}:
                continue
            if crit is not None:
                types: tuple[str, ...] = ()
                if crit.penalty_types_any is not None:
                    types = tuple(
                        cat.derive_severity(attrs.get("penalty_types"), r.amount_fen).types
                    )
                if not criterion_matches(
                    crit,
                    kind=r.kind,
                    attributes=attrs,
                    severity=r.severity,
                    penalty_types=types,
                    sector=sectors.get(authority),
                    decided_on=r.decided_on,
                    ended_on=r.ended_on,
                    on=on,
                ):
                    continue
                if (
                    ld.authority_sector is not None
                    and sectors.get(authority) != ld.authority_sector
                ):
                    continue
                if (ld.id, r.subject_id) in open_:
                    rep.already_open[ld.id] += 1
                    continue
            start = r.decided_on or r.valid_from or on
            if (
                ld.never_list_minors
                and kind == "person"
                and ric
                and is_minor(birth_date(ric), start if crit is None else on)
            ):
                rep.refused_minor[ld.id] += 1
                known.add((ld.id, r.record_id, r.subject_id))
                continue
            ground = ground_for(ld, attrs, crit)
            now = now_utc()
            base: dict[str, Any] = {
                "entry_id": str(ULID()),
                "list_id": ld.id,
                "subject_id": r.subject_id,
                "source_record_id": r.record_id,
                "ground": ground.id if ground else None,
                "deciding_authority": authority,
                "proposed_at": now,
                "version": 1,
            }
            if crit is None:
                e = Entry(
                    **base,
                    via=Via.DIRECT,
                    status=EntryStatus.PUBLISHED,
                    proposed_by=authority,
                    decided_at=now,
                    decided_by=authority,
                    decided_on=start,
                    reason="the authority's own listing decision",
                    term_start=start,
                    term_end=term_end(start, term_for(ld, ground)),
                )
                insert_entry(
                    tx, e, event="published", detail={"via": "direct", "record": r.record_id}
                )
                rep.notices += publish(tx, cat, e)
                rep.published[ld.id] += 1
            else:
                e = Entry(**base, via=Via.PROPOSAL, status=EntryStatus.PROPOSED, proposed_by=actor)
                insert_entry(
                    tx,
                    e,
                    event="proposed",
                    detail={"via": "proposal", "record": r.record_id, "criterion": crit.kind},
                )
                rep.proposed[ld.id] += 1
            known.add((ld.id, r.record_id, r.subject_id))
            open_.add((ld.id, r.subject_id))
    tx.audit("lists.sync", "job", "lists", rep.as_json(), actor=actor)
    return rep
