"""Market-regulator credit risk classes A–D, as one engine-neutral batch job.

Every firm registered by market regulation (a USCC of the classified categories, a
registration on or before the day, not deregistered) gets points from its records as
known in the snapshot (``risk_classes.yaml``): a recent registration, a missing annual
report, penalties and spot-check outcomes of the last years, lists it is on now, and its
latest tax credit grade (read from the tax authority's grade records, the one source).
Points map to a class by the file's bounds; a firm on the serious illegal and dishonest
list is class D outright.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import ibis
import ibis.expr.types as ir

from xinyong.batch import json_field, sources
from xinyong.errors import UsageError
from xinyong.supervision.rules import RiskRules
from xinyong.supervision.tax_grades import GONE_STATUSES, current, year_of

TABLES = ("records", "subject_identifiers")
LIST_SOURCES = frozenset({"abnormal_operations", "court_dishonest_listing"})
SUPPORTED = LIST_SOURCES | {
    "registration",
    "annual_report",
    "administrative_penalty",
    "inspection_outcome",
    "tax_credit_grade",
}


def _d(x: date) -> ir.DateValue:
    return ibis.date(x.year, x.month, x.day)


def years_before(on: date, n: int) -> date:
    """The same day ``n`` years earlier (29 February → 28 February)."""
    try:
        return on.replace(year=on.year - n)
    except ValueError:
        return on.replace(year=on.year - n, day=28)


def due_report_year(on: date) -> int:
    """The last year whose annual report was due by ``on`` (due 30 June of the next year)."""
    return on.year - 1 if on > date(on.year, 6, 30) else on.year - 2


def _latest(t: ir.Table, order: list[ir.Value]) -> ir.Table:
    """The first row of each subject in ``order`` (ties broken by record id)."""
    w = ibis.window(group_by=t.subject_id, order_by=[*order, ibis.desc(t.record_id)])
    t = t.mutate(rn=ibis.row_number().over(w))
    return t.filter(t.rn == 0).drop("rn")


def risk_class_job(tables: Mapping[str, ir.Table], *, on: date, rules: RiskRules) -> ir.Table:
    """One row per classified firm: points per factor, total points and class."""
    records, ids = sources(tables, "records", "subject_identifiers")
    for f in rules.factors:
        if f.source not in SUPPORTED:
            raise UsageError(f"risk factor {f.id}: source {f.source!r} is not supported")
    day = _d(on)
    uscc = ids.filter(ids.scheme == "uscc")
    uscc = uscc.filter(uscc.value.substr(0, 2).isin(list(rules.classified_subjects.uscc_prefixes)))
    cur = current(records)
    cur = cur.filter(cur.decided_on.isnull() | (cur.decided_on <= day))
    reg = cur.filter(cur.kind == "registration")
    gone = json_field(reg.attributes, "registration_status").isin(list(GONE_STATUSES))
    reg = reg.mutate(gone=gone.fill_null(False))
    reg = reg.group_by("subject_id").aggregate(
        registered_on=reg.decided_on.min(), gone=reg.gone.any()
    )
    reg = reg.filter(~reg.gone, reg.registered_on.notnull())
    firms = uscc.join(reg, uscc.subject_id == reg.subject_id).select(
        subject_id=uscc.subject_id, uscc=uscc.value, registered_on=reg.registered_on
    )

    since = _d(years_before(on, rules.window_years))
    in_force = cur.filter(
        cur.ended_on.isnull() | (cur.ended_on > day),
        cur.valid_to.isnull() | (cur.valid_to > day),
    )
    report_year = due_report_year(on)
    window = cur.filter(cur.decided_on > since)

    aggs: dict[str, ir.Scalar] = {}
    for kind in sorted(LIST_SOURCES | {d.source for d in rules.direct_class_d}):
        aggs[f"on_{kind}"] = (in_force.kind == kind).any()
    flags = in_force.group_by("subject_id").aggregate(**aggs)
    reports = cur.filter(
        cur.kind == "annual_report", cur.decided_on >= ibis.date(report_year + 1, 1, 1)
    )
    reports = reports.group_by("subject_id").aggregate(reported=reports.count())
    pen = window.filter(window.kind == "administrative_penalty")
    pen = pen.group_by("subject_id").aggregate(
        n_minor=(pen.severity == "minor").cast("int64").sum(),
        n_general=(pen.severity == "general").cast("int64").sum(),
        n_serious=(pen.severity == "serious").cast("int64").sum(),
    )
    outcomes = window.filter(window.kind == "inspection_outcome")
    outcomes = outcomes.mutate(outcome=json_field(outcomes.attributes, "content"))
    outcomes = _latest(outcomes, [ibis.desc(outcomes.decided_on)]).select(
        "subject_id", last_outcome="outcome"
    )
    grades = cur.filter(cur.kind == "tax_credit_grade")
    grades = grades.mutate(
        gy=year_of(grades).cast("string"), g=json_field(grades.attributes, "grade")
    )
    grades = _latest(grades, [ibis.desc(grades.gy), ibis.desc(grades.decided_on)]).select(
        "subject_id", last_tax_grade="g"
    )

    t = firms
    for extra in (flags, reports, pen, outcomes, grades):
        t = t.left_join(extra, t.subject_id == extra.subject_id).drop("subject_id_right")
    t = t.mutate(
        **{c: t[c].fill_null(False) for c in aggs},
        reported=t.reported.fill_null(0),
        n_minor=t.n_minor.fill_null(0),
        n_general=t.n_general.fill_null(0),
        n_serious=t.n_serious.fill_null(0),
    )

    points: dict[str, ir.IntegerValue] = {}
    for f in rules.factors:
        p = ibis.literal(f.points, "int64")
        zero = ibis.literal(0, "int64")
        if f.source == "registration":
            hit = t.registered_on > _d(years_before(on, 1))
            v = hit.ifelse(p, zero)
        elif f.source == "annual_report":
            due = t.registered_on <= ibis.date(report_year, 12, 31)
            v = (due & (t.reported == 0)).ifelse(p, zero)
        elif f.source == "administrative_penalty":
            n = {"minor": t.n_minor, "general": t.n_general, "serious": t.n_serious}[
                f.severity or "general"
            ]
            v = n * f.points
            if f.cap is not None:
                v = ibis.least(v, f.cap)
        elif f.source in LIST_SOURCES:
            v = t[f"on_{f.source}"].ifelse(p, zero)
        elif f.source == "inspection_outcome":
            v = (t.last_outcome == f.outcome).fill_null(False).ifelse(p, zero)
        else:  # tax_credit_grade
            v = (t.last_tax_grade == f.grade).fill_null(False).ifelse(p, zero)
        points[f"f_{f.id}"] = v
    t = t.mutate(**points)
    total: ir.IntegerValue = ibis.literal(0, "int64")
    for col in points:
        total = total + t[col]
    direct: ir.BooleanValue = ibis.literal(False)
    for d in rules.direct_class_d:
        direct = direct | t[f"on_{d.source}"]
    t = t.mutate(points=ibis.greatest(total, 0), direct_d=direct)
    bounds = rules.classes
    cls = ibis.cases(
        (t.direct_d | (t.points >= bounds["D"]), "D"),
        (t.points >= bounds["C"], "C"),
        (t.points >= bounds["B"], "B"),
        else_="A",
    )
    keep = ["subject_id", "uscc", "registered_on", "last_outcome", "last_tax_grade"]
    return t.select(*keep, *points, "points", "direct_d", risk_class=cls)
