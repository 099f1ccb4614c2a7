"""An entity page: the public file of one company or listed person, with what each list
entry means — its grounds, its term, and the measures it carries with their basis."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy import Connection

from xinyong.catalogue import Audience, Catalogue
from xinyong.credit_file.assemble import build_file
from xinyong.credit_file.model import ListEntryView, RecordView, SubjectFile


class ListedMeasure(BaseModel):
    measure_id: str
    name_zh: str
    name_en: str
    effect: str
    implementing_agency_zh: str
    implementing_agency_en: str
    legal_basis: list[str]
    only_for_representatives: bool


class ListMembership(BaseModel):
    entry: ListEntryView
    ground_zh: str | None
    ground_en: str | None
    measures: list[ListedMeasure]


class RecordGroup(BaseModel):
    kind: str
    name_zh: str
    name_en: str
    records: list[RecordView]


class EntityPage(BaseModel):
    file: SubjectFile
    groups: list[RecordGroup]
    lists: list[ListMembership]
    badges: list[str]  # listed | red_list | under_objection
    tax_grade: str | None


def entity_page(conn: Connection, cat: Catalogue, subject_id: str, *, on: date) -> EntityPage:
    """The public view (404 for a person without public records, as the file rules say)."""
    from xinyong.cli.common import parse_known_at

    f = build_file(
        conn, cat, subject_id, on=on, known_at=parse_known_at(None), audience=Audience.PUBLIC
    )
    groups: dict[str, RecordGroup] = {}
    for r in f.records:
        g = groups.setdefault(
            r.kind,
            RecordGroup(kind=r.kind, name_zh=r.kind_name_zh, name_en=r.kind_name_en, records=[]),
        )
        g.records.append(r)
    memberships: list[ListMembership] = []
    for e in f.lists:
        ld = cat.list_def(e.list_id)
        ground = next((g for g in ld.grounds if g.id == e.ground), None)
        measures = []
        for m in cat.measures_for_list(e.list_id):
            reaches = m.subject_kinds is None or f.kind in {k.value for k in m.subject_kinds}
            if not reaches and not (m.applies_to_unit_representatives and f.kind != "person"):
                continue
            measures.append(
                ListedMeasure(
                    measure_id=m.id,
                    name_zh=m.name_zh,
                    name_en=m.name_en,
                    effect=m.effect.value,
                    implementing_agency_zh=m.implementing_agency.name_zh,
                    implementing_agency_en=m.implementing_agency.name_en,
                    legal_basis=[cat.cite(b) for b in m.legal_basis],
                    only_for_representatives=m.representatives_only,
                )
            )
        memberships.append(
            ListMembership(
                entry=e,
                ground_zh=ground.name_zh if ground else None,
                ground_en=ground.name_en if ground else None,
                measures=measures,
            )
        )
    badges: list[str] = []
    if any(m.entry.polarity == "black" and m.entry.in_force for m in memberships):
        badges.append("listed")
    if any(m.entry.polarity == "red" and m.entry.in_force for m in memberships):
        badges.append("red_list")
    if any(r.under_objection for r in f.records) or any(
        m.entry.under_objection for m in memberships
    ):
        badges.append("under_objection")
    grade = next(
        (
            str(r.attributes.get("grade"))
            for r in f.records
            if r.kind == "tax_credit_grade" and r.attributes.get("grade")
        ),
        None,
    )
    return EntityPage(
        file=f, groups=list(groups.values()), lists=memberships, badges=badges, tax_grade=grade
    )
