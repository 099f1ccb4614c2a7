"""Tax credit grades: the 100-point deduction model, as one engine-neutral batch job.

For an evaluation year Y the job takes every rated enterprise (a USCC of the rated
categories and a registration on or before 31 December Y, not deregistered), counts its
indicator records of year Y (a record's ``tax_year`` attribute, else its decision year)
decided by the evaluation day,
deducts each indicator's points up to its cap from the start score, and grades:

- D when a direct-D indicator holds (Art. 20) or the score is below C's threshold;
- C below B's threshold;
- M for a new enterprise (registered in Y) or one without operating income in Y;
- A at or above A's threshold unless a not-A condition holds (under three years of
  operation, D in Y−1 by the tax authority's own previous grade record);
- B otherwise.

Then the D grade spreads one hop through the roles table (``tax_credit.yaml``,
``spread``). The job returns one row per rated firm with the counts per indicator, so
the published record can say why; it reads grades only from ``tax_credit_grade``
records (the one source of truth).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import ibis
import ibis.expr.types as ir

from xinyong.batch import json_field, sources
from xinyong.supervision.rules import TaxCreditRules

#: snapshot tables the job reads
TABLES = ("records", "subject_identifiers", "roles", "agencies")
#: registration statuses of a firm that no longer exists (subject registry 登记状态)
GONE_STATUSES = ("注销", "吊销")


def grade_of(
    score: int,
    *,
    direct_d: bool,
    grade_m: bool,
    not_a: bool,
    thresholds: Mapping[str, int],
) -> str:
    """The grade for a score and the conditions (the rule the job implements, in Python)."""
    if direct_d or score < thresholds["C"]:
        return "D"
    if score < thresholds["B"]:
        return "C"
    if grade_m:
        return "M"
    if score >= thresholds["A"] and not not_a:
        return "A"
    return "B"


def current(records: ir.Table) -> ir.Table:
    """Records as they stand: the current version, in force, not a second channel's copy."""
    return records.filter(
        records.superseded_at.isnull(),
        records.linked_to.isnull(),
        records.status == "in_force",
    )


def year_of(records: ir.Table, key: str = "tax_year") -> ir.StringValue:
    """The year a record concerns: its ``key`` attribute, else the year it was decided."""
    own = json_field(records.attributes, key)
    return own.coalesce(records.decided_on.year().cast("string"))


def rated_firms(tables: Mapping[str, ir.Table], rules: TaxCreditRules, year: int) -> ir.Table:
    """subject_id, uscc, registered_on of every enterprise rated for ``year``."""
    records, ids = sources(tables, "records", "subject_identifiers")
    uscc = ids.filter(ids.scheme == "uscc")
    uscc = uscc.filter(uscc.value.substr(0, 2).isin(list(rules.rated_subjects.uscc_prefixes)))
    reg = current(records)
    reg = reg.filter(reg.kind == "registration")
    status = json_field(reg.attributes, "registration_status")
    reg = reg.mutate(gone=status.isin(list(GONE_STATUSES)).fill_null(False))
    reg = reg.group_by("subject_id").aggregate(
        registered_on=reg.decided_on.min(), gone=reg.gone.any()
    )
    reg = reg.filter(~reg.gone, reg.registered_on <= ibis.date(year, 12, 31))
    return uscc.join(reg, uscc.subject_id == reg.subject_id).select(
        subject_id=uscc.subject_id, uscc=uscc.value, registered_on=reg.registered_on
    )


def tax_grade_job(
    tables: Mapping[str, ir.Table], *, year: int, evaluated_on: date, rules: TaxCreditRules
) -> ir.Table:
    """One row per rated firm: score, grade, why (counts per indicator) and any spread."""
    records, roles, agencies = sources(tables, "records", "roles", "agencies")
    firms = rated_firms(tables, rules, year)
    cur = current(records)
    # what the authority could know on the evaluation day
    day = ibis.date(evaluated_on.year, evaluated_on.month, evaluated_on.day)
    cur = cur.filter(cur.decided_on.isnull() | (cur.decided_on <= day))
    wanted = {d.kind for d in rules.deductions} | {d.kind for d in rules.direct_d}
    wanted |= {rules.grade_m.no_income_kind, "tax_credit_grade"}
    cur = cur.filter(cur.kind.isin(sorted(wanted)))  # attributes parsed for these only
    # only the columns used: the engine may materialise this (it is read twice)
    cur = cur.select(
        "subject_id",
        "kind",
        "deciding_authority",
        year_of=year_of(cur),
        g=json_field(cur.attributes, "grade"),
    )
    sectors = agencies.select(code=agencies.code, authority_sector=agencies.sector)
    cur = cur.left_join(sectors, cur.deciding_authority == sectors.code)
    in_year = cur.filter(cur.year_of == str(year))

    counts: dict[str, ir.IntegerScalar] = {}
    for d in rules.deductions:
        cond = in_year.kind == d.kind
        if d.authority_sector is not None:
            cond = cond & (in_year.authority_sector == d.authority_sector).fill_null(False)
        counts[f"n_{d.id}"] = cond.cast("int64").sum()
    for dd in rules.direct_d:
        counts[f"n_{dd.id}"] = (in_year.kind == dd.kind).cast("int64").sum()
    counts["n_no_income"] = (in_year.kind == rules.grade_m.no_income_kind).cast("int64").sum()
    per_firm = in_year.group_by("subject_id").aggregate(**counts)

    prev = cur.filter(cur.kind == "tax_credit_grade", cur.year_of == str(year - 1))
    prev = prev.group_by("subject_id").aggregate(prev_d=(prev.g == "D").any())

    t = firms.left_join(per_firm, firms.subject_id == per_firm.subject_id).drop("subject_id_right")
    t = t.left_join(prev, t.subject_id == prev.subject_id).drop("subject_id_right")
    fill = {c: 0 for c in counts}
    t = t.mutate(**{c: t[c].fill_null(0) for c in fill}, prev_d=t.prev_d.fill_null(False))

    deduction: ir.IntegerValue = ibis.literal(0, "int64")
    for d in rules.deductions:
        pts = t[f"n_{d.id}"] * d.points
        if d.cap is not None:
            pts = ibis.least(pts, d.cap)
        deduction = deduction + pts
    score = ibis.greatest(ibis.literal(rules.start_score, "int64") - deduction, 0)
    direct_d: ir.BooleanValue = ibis.literal(False)
    for dd in rules.direct_d:
        direct_d = direct_d | (t[f"n_{dd.id}"] > 0)
    new = t.registered_on >= ibis.date(year, 1, 1)
    under_three = t.registered_on > ibis.date(year - 3, 12, 31)
    t = t.mutate(
        deduction=deduction,
        score=score,
        direct_d=direct_d,
        new_enterprise=new,
        no_income=t.n_no_income > 0,
        not_a_under_three_years=under_three,
        not_a_previous_year_d=t.prev_d,
    )
    th = rules.thresholds
    own = ibis.cases(
        (t.direct_d | (t.score < th["C"]), "D"),
        (t.score < th["B"], "C"),
        (t.new_enterprise | t.no_income, "M"),
        (
            (t.score >= th["A"]) & ~t.not_a_under_three_years & ~t.not_a_previous_year_d,
            "A",
        ),
        else_="B",
    )
    t = t.mutate(own_grade=own).drop("prev_d")

    spread = _spread(t, roles, rules, year, evaluated_on)
    t = t.left_join(spread, t.subject_id == spread.subject_id).drop("subject_id_right")
    spread_hit = t.spread_from.notnull() & (t.own_grade != "D")
    return t.mutate(
        year=ibis.literal(year, "int64"),
        grade=spread_hit.ifelse("D", t.own_grade),
        spread_from=spread_hit.ifelse(t.spread_from, ibis.null("string")),
    )


def _spread(
    graded: ir.Table, roles: ir.Table, rules: TaxCreditRules, year: int, on: date
) -> ir.Table:
    """subject_id → spread_from: the smallest USCC of an own-D firm sharing a responsible person.

    The person held a responsible role in the D firm at some time in ``year`` and holds
    one in the other firm on ``on`` (role end dates are exclusive).
    """
    kinds = list(rules.spread.roles)
    r = roles.filter(roles.role.isin(kinds), roles.person_subject_id.notnull())
    start, end = ibis.date(year, 1, 1), ibis.date(year + 1, 1, 1)
    held_in_year = r.filter(
        r.valid_from.isnull() | (r.valid_from < end),
        r.valid_to.isnull() | (r.valid_to > start),
    ).select(src_org=r.org_subject_id, person=r.person_subject_id)
    day = ibis.date(on.year, on.month, on.day)
    holds_now = r.filter(
        r.valid_from.isnull() | (r.valid_from <= day),
        r.valid_to.isnull() | (r.valid_to > day),
    ).select(dst_org=r.org_subject_id, person2=r.person_subject_id)
    d_firms = graded.filter(graded.own_grade == "D").select(
        src_org=graded.subject_id, src_uscc=graded.uscc
    )
    src = d_firms.join(held_in_year, "src_org")
    pairs = src.join(holds_now, src.person == holds_now.person2)
    pairs = pairs.filter(pairs.dst_org != pairs.src_org)
    return pairs.group_by(subject_id=pairs.dst_org).aggregate(spread_from=pairs.src_uscc.min())
