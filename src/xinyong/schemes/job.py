"""A scheme's evaluation as one engine-neutral Ibis job (xinyong.batch).

Who is scored on day D:

- a *resident*: a person whose current residence record (kind ``residence``, the
  latest in force on D) names a region of the scheme's area in its attributes, not
  the region digits of their ID number;
- who *consents*: a consent to the scheme given on or before D and not withdrawn on
  or before D. A non-consenting resident's records stay in the store but yield no
  score.

A rule scores each record of its kind (and severity and attributes, if it says) that
is in force on D (current version, not revoked or ended) and was decided within the
rule's validity window before D. A cap limits a rule's points per calendar month or
year of the decision date. The score is the base plus every rule's points, clamped
to the scheme's range, and its tier the one holding it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from xinyong.batch import json_field, sources
from xinyong.calendar import DurationUnit, add_months
from xinyong.schemes.model import Rule, Scheme

#: tables a scheme evaluation reads from a snapshot
INPUTS = ("records", "scheme_consents")
#: the columns of them it reads (the export leaves the rest in the store)
COLUMNS = {
    "records": (
        "record_id",
        "subject_id",
        "kind",
        "decided_on",
        "status",
        "ended_on",
        "superseded_at",
        "severity",
        "attributes",
    ),
    "scheme_consents": ("scheme_id", "subject_id", "given_on", "withdrawn_on"),
}


def window_start(rule: Rule, as_of: date) -> date:
    """Records decided after this day are inside ``rule``'s validity window on ``as_of``."""
    d = rule.valid_for
    if d.unit == DurationUnit.YEARS:
        return add_months(as_of, -12 * d.n)
    if d.unit == DurationUnit.MONTHS:
        return add_months(as_of, -d.n)
    return as_of - timedelta(days=d.n)


def _in_force(records: ir.Table, as_of: date) -> ir.Table:
    return records.filter(
        records.superseded_at.isnull(),
        records.status == "in_force",
        records.decided_on <= as_of,
        records.ended_on.isnull() | (records.ended_on > as_of),
    )


def residents(tables: Mapping[str, ir.Table], *, scheme: Scheme, as_of: date) -> ir.Table:
    """``subject_id`` of every resident of the scheme's area on ``as_of``."""
    (records,) = sources(tables, "records")
    res = _in_force(records, as_of).filter(records.kind == "residence")
    res = res.mutate(
        region=json_field(res.attributes, "region"),
        rn=ibis.row_number().over(
            group_by=res.subject_id, order_by=[ibis.desc(res.decided_on), ibis.desc(res.record_id)]
        ),
    )
    latest = res.filter(res.rn == 0)
    return latest.filter(latest.region.isin(list(scheme.area))).select("subject_id")


def consenting(tables: Mapping[str, ir.Table], *, scheme_id: str, as_of: date) -> ir.Table:
    """``subject_id`` of everyone whose consent to ``scheme_id`` holds on ``as_of``."""
    (consents,) = sources(tables, "scheme_consents")
    c = consents.filter(
        consents.scheme_id == scheme_id,
        consents.given_on <= as_of,
        consents.withdrawn_on.isnull() | (consents.withdrawn_on > as_of),
    )
    return c.select("subject_id").distinct()


def scored_residents(
    tables: Mapping[str, ir.Table],
    *,
    scheme: Scheme,
    as_of: date,
    consent_scheme: str | None = None,
) -> ir.Table:
    res = residents(tables, scheme=scheme, as_of=as_of)
    ok = consenting(tables, scheme_id=consent_scheme or scheme.id, as_of=as_of)
    return res.semi_join(ok, "subject_id")


def _rule_condition(t: ir.Table, rule: Rule, as_of: date) -> ir.BooleanValue:
    cond = t.decided_on > window_start(rule, as_of)
    if rule.match.severity:
        cond = cond & t.severity.isin([s.value for s in rule.match.severity])
    for k, values in rule.match.attributes.items():
        cond = cond & t[f"a_{k}"].isin([str(v) for v in values])
    return cond


def moves(
    tables: Mapping[str, ir.Table], *, scheme: Scheme, as_of: date, people: ir.Table
) -> ir.Table | None:
    """Per person and rule: points (capped per period) and the number of records scored.

    One pass: the records are joined to a small table of the rules on their kind (a
    record may match several rules), each pair is kept if the rule's own conditions
    hold, and the pairs are counted per rule and period. Few stages, so Spark runs it
    without a shuffle per rule.
    """
    rules = scheme.active_rules
    if not rules:
        return None
    (records,) = sources(tables, "records")
    kinds = sorted({r.match.kind for r in rules if r.match.kind})
    earliest = min(window_start(r, as_of) for r in rules)
    recs = _in_force(records, as_of).filter(records.kind.isin(kinds), records.decided_on > earliest)
    keys = sorted({k for r in rules for k in r.match.attributes})
    recs = recs.select(
        "subject_id",
        "kind",
        "severity",
        "decided_on",
        **{f"a_{k}": json_field(recs.attributes, k) for k in keys},
    )
    recs = recs.semi_join(people, "subject_id")
    spec = ibis.memtable(
        {
            "rule_id": [r.id for r in rules],
            "rule_kind": [r.match.kind for r in rules],
            "rule_points": [r.points for r in rules],
            "rule_cap": [r.cap.points if r.cap else None for r in rules],
            "rule_per": [r.cap.per if r.cap else "none" for r in rules],
        },
        schema={
            "rule_id": "string",
            "rule_kind": "string",
            "rule_points": "int64",
            "rule_cap": "int64",
            "rule_per": "string",
        },
    )
    pairs = recs.join(spec, recs.kind == spec.rule_kind)
    keep = ibis.cases(
        *((pairs.rule_id == r.id, _rule_condition(pairs, r, as_of)) for r in rules),
        else_=ibis.literal(False),
    )
    pairs = pairs.filter(keep)
    year = pairs.decided_on.year().cast("int64")
    period = ibis.cases(
        (pairs.rule_per == "month", year * 100 + pairs.decided_on.month().cast("int64")),
        (pairs.rule_per == "year", year),
        else_=ibis.literal(0, "int64"),
    )
    per = (
        pairs.mutate(period=period)
        .group_by(["subject_id", "rule_id", "rule_points", "rule_cap", "period"])
        .aggregate(events=ibis._.count())
    )
    raw = per.events.cast("int64") * per.rule_points
    capped = ibis.cases(
        (per.rule_cap.isnull(), raw),
        (per.rule_points < 0, ibis.greatest(raw, per.rule_cap)),
        else_=ibis.least(raw, per.rule_cap),
    )
    per = per.mutate(points=capped.cast("int64"), events=per.events.cast("int64"))
    return per.group_by(["subject_id", "rule_id"]).aggregate(
        points=per.points.sum().cast("int64"), events=per.events.sum().cast("int64")
    )


def score_job(
    tables: Mapping[str, ir.Table],
    *,
    scheme: Scheme,
    as_of: date,
    consent_scheme: str | None = None,
    **_: Any,
) -> ir.Table:
    """One row per scored resident and rule that moved the score (``rule_id`` null for
    a resident no rule moved): ``subject_id, score, tier, rule_id, points, events``."""
    people = scored_residents(tables, scheme=scheme, as_of=as_of, consent_scheme=consent_scheme)
    m = moves(tables, scheme=scheme, as_of=as_of, people=people)
    base = ibis.literal(scheme.base.points, "int64")
    if m is None:
        scores = people.mutate(score=base)
        long = scores.mutate(
            rule_id=ibis.null("string"), points=ibis.null("int64"), events=ibis.null("int64")
        )
    else:
        totals = m.group_by("subject_id").aggregate(delta=m.points.sum().cast("int64"))
        scores = people.left_join(totals, "subject_id").select(
            "subject_id", score=base + totals.delta.coalesce(0)
        )
        long = scores.left_join(m, "subject_id").select(
            scores.subject_id, scores.score, m.rule_id, m.points, m.events
        )
    score = long.score
    if scheme.range.min is not None:
        score = ibis.greatest(score, ibis.literal(scheme.range.min, "int64"))
    if scheme.range.max is not None:
        score = ibis.least(score, ibis.literal(scheme.range.max, "int64"))
    long = long.mutate(score=score.cast("int64"))
    branches = []
    for t in scheme.tiers:
        cond = ibis.literal(True)
        if t.min is not None:
            cond = cond & (long.score >= t.min)
        if t.max is not None:
            cond = cond & (long.score <= t.max)
        branches.append((cond, t.id))
    tier = ibis.cases(*branches, else_=ibis.null("string"))
    return long.select(
        "subject_id", "score", tier=tier, rule_id="rule_id", points="points", events="events"
    )
