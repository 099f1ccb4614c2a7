"""A list as the public portal shows it: who is on it on a date, with the masking the
catalogue prescribes for the public (resident IDs as the SPC list shows them)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, select

from xinyong.catalogue import Audience, Catalogue
from xinyong.identity import mask_identifier
from xinyong.identity.masking import mask_person_name
from xinyong.lists.model import Entry, Via
from xinyong.lists.queries import entries_on
from xinyong.store.tables import subject_identifiers, subjects

_SCHEME_ORDER = {"uscc": 0, "ric": 1, "ric15": 2, "passport": 3, "other": 4}


class ListedSubject(BaseModel):
    model_config = ConfigDict(frozen=True)

    entry_id: str
    list_id: str
    subject_kind: str
    name: str
    identifier: str | None  # masked for the audience; None when hidden
    ground: str | None
    deciding_authority: str
    term_start: date | None
    term_end: date | None
    via: Via
    under_objection: bool = False  # an objection or appeal about the entry is open


def listed(
    conn: Connection,
    cat: Catalogue,
    list_id: str,
    *,
    on: date,
    known_at: datetime | None = None,
    audience: Audience = Audience.PUBLIC,
    limit: int | None = 100,
    offset: int = 0,
) -> list[ListedSubject]:
    """The entries of ``list_id`` in force on ``on``, each with its subject as
    ``audience`` may see it."""
    ld = cat.list_def(list_id)
    entries = entries_on(conn, list_id, on=on, known_at=known_at, limit=limit, offset=offset)
    ids = sorted({e.subject_id for e in entries})
    names: dict[str, tuple[str, str]] = {}
    codes: dict[str, tuple[str, str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for sid, kind, name in conn.execute(
            select(subjects.c.subject_id, subjects.c.kind, subjects.c.name).where(
                subjects.c.subject_id.in_(chunk)
            )
        ):
            names[sid] = (kind, name)
        for sid, scheme, value in conn.execute(
            select(
                subject_identifiers.c.subject_id,
                subject_identifiers.c.scheme,
                subject_identifiers.c.value,
            ).where(subject_identifiers.c.subject_id.in_(chunk))
        ):
            best = codes.get(sid)
            if best is None or _SCHEME_ORDER.get(scheme, 9) < _SCHEME_ORDER.get(best[0], 9):
                codes[sid] = (scheme, value)
    direct_kind = ld.source_kinds[0] if ld.source_kinds else None
    objected = _objected(conn, [e.entry_id for e in entries])
    return [
        _view(cat, e, audience, names, codes, direct_kind).model_copy(
            update={"under_objection": e.entry_id in objected}
        )
        for e in entries
    ]


def _objected(conn: Connection, entry_ids: list[str]) -> set[str]:
    """Entries with a live objection or appeal (shown as such at once)."""
    from xinyong.rights.cases import open_objections

    wanted = set(entry_ids)
    return {i for t, i in open_objections(conn) if t == "entry" and i in wanted}


def _view(
    cat: Catalogue,
    e: Entry,
    audience: Audience,
    names: dict[str, tuple[str, str]],
    codes: dict[str, tuple[str, str]],
    direct_kind: str | None,
) -> ListedSubject:
    kind, name = names.get(e.subject_id, ("organisation", ""))
    policy = cat.masking_for(audience, direct_kind if e.via is Via.DIRECT else None)
    ident: str | None = None
    if e.subject_id in codes:
        scheme, value = codes[e.subject_id]
        style = policy.ric if scheme in ("ric", "ric15") else policy.other_id
        ident = value if scheme == "uscc" else mask_identifier(scheme, value, style)
    if kind == "person" and policy.person_name == "surname_only":
        name = mask_person_name(name)
    return ListedSubject(
        entry_id=e.entry_id,
        list_id=e.list_id,
        subject_kind=kind,
        name=name,
        identifier=ident,
        ground=e.ground,
        deciding_authority=e.deciding_authority,
        term_start=e.term_start,
        term_end=e.term_end,
        via=e.via,
    )
