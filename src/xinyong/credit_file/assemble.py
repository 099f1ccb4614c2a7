"""Assembling a subject's credit file on a date (valid time) as known at a time.

Versions are picked by transaction time (recorded at or before ``known_at`` and not
yet superseded then); "in force" is decided by valid time (decided on or before
``on`` and not ended). The public sees a record only while it is in force, published,
of a publicly visible kind and not past its ``display_until``; everything else stays
in the file for agencies and the subject.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from xinyong.actors import Principal
from xinyong.catalogue import Audience, Catalogue
from xinyong.credit_file.model import (
    AuthorityView,
    CaseSummary,
    IdentifierView,
    ListEntryView,
    MeasureView,
    RecordVersionView,
    RecordView,
    RoleView,
    SubjectFile,
)
from xinyong.errors import NotFound, UsageError
from xinyong.identity import check_code, mask_identifier, mask_person_name
from xinyong.store.context import Store
from xinyong.store.query_log import log_read
from xinyong.store.tables import (
    agencies,
    cases,
    list_entries,
    measure_notices,
    records,
    roles,
    subject_identifiers,
    subject_names,
    subjects,
)


def _aware(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def find_subject(conn: Connection, code: str) -> str:
    """Resolve a USCC, resident ID (15 or 18 digits), passport number or subject id."""
    raw = code.strip()
    if "\x00" in raw or len(raw) > 64:
        raise UsageError("an identifier has at most 64 characters and no NUL", code="invalid_code")
    if len(raw) == 26 and raw.isalnum() and raw.upper() == raw:
        hit = conn.execute(
            select(subjects.c.subject_id).where(subjects.c.subject_id == raw)
        ).scalar_one_or_none()
        if hit:
            return str(hit)
    chk = check_code(raw)
    candidates: list[tuple[str, str]] = []
    if chk.valid and chk.canonical:
        candidates.append(("uscc" if chk.kind == "organisation" else "ric", chk.canonical))
    else:
        folded = raw.upper().replace(" ", "")
        candidates += [("passport", folded), ("other", folded), ("ric15", folded)]
    for scheme, value in candidates:
        sid = conn.execute(
            select(subject_identifiers.c.subject_id).where(
                subject_identifiers.c.scheme == scheme, subject_identifiers.c.value == value
            )
        ).scalar_one_or_none()
        if sid:
            return str(sid)
    if not chk.valid and chk.error and chk.error.code not in ("alphabet", "length"):
        raise UsageError(f"{chk.error.message}", code=f"invalid_{chk.error.code}")
    raise NotFound("no subject with that identifier", code="unknown_subject")


def build_file(
    conn: Connection,
    cat: Catalogue,
    subject_id: str,
    *,
    on: date,
    known_at: datetime,
    audience: Audience,
) -> SubjectFile:
    srow = conn.execute(select(subjects).where(subjects.c.subject_id == subject_id)).one_or_none()
    if srow is None or _aware(srow.first_seen_at) > known_at:  # type: ignore[operator]
        raise NotFound(f"no subject {subject_id}", code="unknown_subject")
    public = audience == Audience.PUBLIC

    versions = conn.execute(
        select(records)
        .where(records.c.subject_id == subject_id, records.c.recorded_at <= known_at)
        .order_by(records.c.record_id, records.c.version)
    ).all()
    by_record: dict[str, list[Any]] = defaultdict(list)
    for v in versions:
        by_record[v.record_id].append(v)
    # linked twins reported through other channels point at the first record
    linked_from: dict[str, list[str]] = defaultdict(list)
    names = {
        r.code: AuthorityView(code=r.code, name_zh=r.name_zh, name_en=r.name_en)
        for r in conn.execute(select(agencies.c.code, agencies.c.name_zh, agencies.c.name_en))
    }

    current: list[Any] = []
    for vs in by_record.values():
        live = [v for v in vs if v.superseded_at is None or _aware(v.superseded_at) > known_at]  # type: ignore[operator]
        if live:
            cur = live[-1]
            current.append((cur, vs))
            if cur.linked_to:
                linked_from[cur.linked_to].append(cur.reporting_agency)

    objected = _under_objection(conn, subject_id)
    notice = _PriorNotice(conn, srow.kind)
    shown: list[RecordView] = []
    expired: list[RecordView] = []
    for cur, vs in current:
        if cur.linked_to:
            continue  # shown once, on the record it duplicates
        view = _record_view(cat, cur, vs, names, on, linked_from.get(cur.record_id, []), public)
        updates: dict[str, Any] = {}
        if ("record", cur.record_id) in objected:
            updates["under_objection"] = True
        start = notice.public_from(cat, cur.kind, vs[0].recorded_at)
        if start is not None:
            updates["public_from"] = start
            if on < start:
                updates["public"] = False
        if updates:
            view = view.model_copy(update=updates)
        if public:
            if view.public:
                shown.append(view)
        elif view.in_force:
            shown.append(view)
        else:
            expired.append(view)
    key = lambda r: (r.decided_on or date.min, r.record_id)  # noqa: E731
    shown.sort(key=key, reverse=True)
    expired.sort(key=key, reverse=True)

    if public and srow.kind == "person" and not shown:
        # least exposure: a person without public records has no public file
        raise NotFound(f"no subject {subject_id}", code="unknown_subject")

    policy = cat.masking_for(audience)
    full_name = (
        not public
        or srow.kind != "person"
        or any(cat.masking_for(audience, r.kind).person_name == "full" for r in shown)
    )
    name = srow.name if full_name else mask_person_name(srow.name)

    idents: list[IdentifierView] = []
    for r in conn.execute(
        select(subject_identifiers)
        .where(subject_identifiers.c.subject_id == subject_id)
        .order_by(subject_identifiers.c.scheme)
    ):
        if public:
            if r.scheme == "uscc":
                idents.append(IdentifierView(scheme=r.scheme, value=r.value))
            elif r.scheme == "ric":
                masked = mask_identifier(r.scheme, r.value, policy.ric)
                if masked is not None:
                    idents.append(IdentifierView(scheme=r.scheme, value=masked, masked=True))
            else:
                masked = mask_identifier(r.scheme, r.value, policy.other_id)
                if masked is not None:
                    idents.append(IdentifierView(scheme=r.scheme, value=masked, masked=True))
        else:
            idents.append(IdentifierView(scheme=r.scheme, value=r.value))

    variants: list[str] = []
    if not public:
        variants = [
            r.name
            for r in conn.execute(
                select(subject_names.c.name)
                .where(subject_names.c.subject_id == subject_id)
                .order_by(subject_names.c.name)
            )
        ]

    return SubjectFile(
        subject_id=subject_id,
        kind=srow.kind,
        name=name,
        name_variants=variants,
        region=srow.region,
        identifiers=idents,
        roles=_roles(conn, subject_id, srow.kind, on, public),
        records=shown,
        expired=expired,
        lists=_lists(conn, cat, subject_id, on, known_at, audience, objected),
        measures=[] if public else _measures(conn, cat, subject_id, on),
        cases=[] if public else _cases(conn, subject_id),
        on=on,
        known_at=known_at,
        audience=audience.value,
        catalogue_version=cat.version,
    )


def _under_objection(conn: Connection, subject_id: str) -> set[tuple[str, str]]:
    """(target type, id) of the subject's items with an open objection or appeal."""
    from xinyong.rights.cases import open_objections  # the rights module owns cases

    return open_objections(conn, subject_id)


class _PriorNotice:
    """Negative information about a person waits for the notice period before the public
    sees it (``xinyong.notify.prior_notice``); the calendar is loaded only when needed."""

    def __init__(self, conn: Connection, subject_kind: str) -> None:
        self.conn = conn
        self.subject_kind = subject_kind
        self._cal: Any = None

    def public_from(self, cat: Catalogue, kind: str, recorded_at: datetime) -> date | None:
        from xinyong.notify.prior_notice import needs_prior_notice, publish_from, recorded_on

        if not needs_prior_notice(kind, self.subject_kind, cat=cat):
            return None
        if self._cal is None:
            from xinyong.calendar import WorkCalendar
            from xinyong.store.calendar_repo import load_schedules

            self._cal = WorkCalendar(load_schedules(self.conn.engine))
        return publish_from(recorded_on(recorded_at), self._cal)


def _lists(
    conn: Connection,
    cat: Catalogue,
    subject_id: str,
    on: date,
    known_at: datetime,
    audience: Audience,
    objected: set[tuple[str, str]],
) -> list[ListEntryView]:
    """The subject's list entries: in force for the public, published ones for agencies,
    every proposal and decision for the subject itself."""
    from xinyong.lists.model import WAS_PUBLISHED
    from xinyong.lists.queries import entries_of

    out: list[ListEntryView] = []
    for e in entries_of(conn, subject_id, known_at=known_at):
        if e.list_id not in cat.lists:
            continue
        live = e.in_force_on(on)
        if audience == Audience.PUBLIC and not live:
            continue
        if audience == Audience.AGENCY and e.status not in WAS_PUBLISHED:
            continue
        ld = cat.list_def(e.list_id)
        out.append(
            ListEntryView(
                entry_id=e.entry_id,
                list_id=e.list_id,
                list_name_zh=ld.name_zh,
                list_name_en=ld.name_en,
                polarity=ld.polarity.value,
                ground=e.ground,
                status=e.status.value,
                via=e.via.value,
                deciding_authority=e.deciding_authority,
                term_start=e.term_start,
                term_end=e.term_end,
                ended_on=e.ended_on,
                end_event=e.end_event,
                in_force=live,
                under_objection=("entry", e.entry_id) in objected,
                legal_basis=[cat.cite(b) for b in ld.legal_basis],
            )
        )
    return out


def _measures(conn: Connection, cat: Catalogue, subject_id: str, on: date) -> list[MeasureView]:
    """Measures in force on ``on``: acknowledged notices of entries in force."""
    from xinyong.lists.model import entry_from_row

    q = (
        select(
            list_entries,
            measure_notices.c.measure_id,
            measure_notices.c.implementing_type,
            measure_notices.c.acknowledged_on,
        )
        .join(measure_notices, measure_notices.c.entry_id == list_entries.c.entry_id)
        .where(
            list_entries.c.subject_id == subject_id,
            measure_notices.c.status != "sent",
            measure_notices.c.acknowledged_on <= on,
        )
    )
    out: list[MeasureView] = []
    for r in conn.execute(q):
        e = entry_from_row(r)
        if not e.in_force_on(on) or r.measure_id not in cat.measures:
            continue
        m = cat.measure(r.measure_id)
        assert e.term_start is not None
        out.append(
            MeasureView(
                measure_id=m.id,
                name_zh=m.name_zh,
                name_en=m.name_en,
                effect=m.effect.value,
                list_id=e.list_id,
                entry_id=e.entry_id,
                implementing_type=r.implementing_type,
                in_force_from=max(e.term_start, r.acknowledged_on),
                legal_basis=[cat.cite(b) for b in m.legal_basis],
            )
        )
    return out


def _cases(conn: Connection, subject_id: str) -> list[CaseSummary]:
    q = select(cases).where(cases.c.subject_id == subject_id).order_by(cases.c.opened_at)
    return [
        CaseSummary(
            case_id=r.case_id,
            kind=r.kind,
            status=r.status,
            outcome=r.outcome,
            target_type=r.target_type,
            target_id=r.target_id,
            deciding_authority=r.deciding_authority,
            opened_on=r.opened_on,
            due_on=r.due_on,
            decided_on=r.decided_on,
        )
        for r in conn.execute(q)
    ]


def _record_view(
    cat: Catalogue,
    cur: Any,
    versions: list[Any],
    names: dict[str, AuthorityView],
    on: date,
    also: list[str],
    public_audience: bool,
) -> RecordView:
    kind = cat.kind(cur.kind)
    started = cur.decided_on is None or cur.decided_on <= on
    ended = cur.status == "revoked" and (cur.ended_on is None or cur.ended_on <= on)
    in_force = started and not ended
    public = (
        in_force
        and cur.publication == "published"
        and (cur.display_until is None or cur.display_until >= on)
        and cat.visible(cur.kind, Audience.PUBLIC, cur.attributes)
    )
    history = [
        RecordVersionView(
            version=v.version,
            status=v.status,
            content_hash=v.content_hash,
            recorded_at=_aware(v.recorded_at),
            superseded_at=_aware(v.superseded_at),
            batch_id=None if public_audience else v.batch_id,
        )
        for v in versions
    ]
    return RecordView(
        record_id=cur.record_id,
        version=cur.version,
        kind=cur.kind,
        kind_name_zh=kind.name_zh,
        kind_name_en=kind.name_en,
        legal_basis=[cat.cite(b) for b in kind.legal_basis],
        decision_basis=cur.legal_basis_text,
        decision_no=cur.decision_no,
        decided_on=cur.decided_on,
        deciding_authority=names.get(cur.deciding_authority) if cur.deciding_authority else None,
        reporting_agency=cur.reporting_agency,
        also_reported_by=sorted(set(also)),
        severity=cur.severity,
        severity_derived=cur.severity_derived,
        amount_fen=cur.amount_fen,
        status=cur.status,
        ended_on=cur.ended_on,
        publication=cur.publication,
        display_until=cur.display_until,
        repair_from=cur.repair_from,
        regime_id=cur.regime_id,
        repair_regime_id=cur.repair_regime_id,
        in_force=in_force,
        public=public,
        flags=list(cur.flags or []),
        attributes=dict(cur.attributes or {}),
        source_key=cur.source_key,
        first_seen_at=_aware(versions[0].recorded_at),
        last_seen_at=_aware(cur.last_seen_at),
        history=history if not public_audience else history[-1:],
    )


def _roles(conn: Connection, subject_id: str, kind: str, on: date, public: bool) -> list[RoleView]:
    col = roles.c.org_subject_id if kind != "person" else roles.c.person_subject_id
    org = subjects.alias("org")
    q = (
        select(roles, org.c.name.label("org_name"))
        .join(org, org.c.subject_id == roles.c.org_subject_id)
        .where(
            col == subject_id,
            or_(roles.c.valid_from.is_(None), roles.c.valid_from <= on),
            or_(roles.c.valid_to.is_(None), roles.c.valid_to > on),
        )
        .order_by(roles.c.valid_from)
    )
    out: list[RoleView] = []
    org_ids = set()
    rows = conn.execute(q).all()
    for r in rows:
        org_ids.add(r.org_subject_id)
    usccs = {
        r.subject_id: r.value
        for r in conn.execute(
            select(subject_identifiers.c.subject_id, subject_identifiers.c.value).where(
                and_(
                    subject_identifiers.c.subject_id.in_(sorted(org_ids)),
                    subject_identifiers.c.scheme == "uscc",
                )
            )
        )
    }
    for r in rows:
        out.append(
            RoleView(
                role=r.role,
                organisation_id=r.org_subject_id,
                organisation_name=r.org_name,
                organisation_uscc=usccs.get(r.org_subject_id),
                person_id=None if public else r.person_subject_id,
                person_name=r.person_name,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
            )
        )
    if public and kind == "person":
        return []
    return out


def read_file(
    store: Store,
    cat: Catalogue,
    subject_id: str,
    *,
    on: date,
    known_at: datetime,
    audience: Audience,
    principal: Principal | None,
    purpose: str | None,
    channel: str,
) -> SubjectFile:
    """Build the file; a non-public read is written to the query log in the same step."""
    if audience != Audience.PUBLIC:
        if principal is None:
            raise UsageError("a non-public read needs a principal")
        if not purpose:
            raise UsageError("a non-public read needs a stated purpose (--purpose)")
        with store.write(principal.principal_id) as tx:
            f = build_file(tx.conn, cat, subject_id, on=on, known_at=known_at, audience=audience)
            log_read(
                tx,
                principal,
                subject_id,
                purpose=purpose,
                resource="credit_file",
                audience=audience.value,
                channel=channel,
            )
            return f
    with store.read() as conn:
        return build_file(conn, cat, subject_id, on=on, known_at=known_at, audience=audience)
