"""Inspectors, their recorded conflicts, and drawn spot-check plans in the store.

A plan is drawn once per (agency, period): drawing again with the same seed, rates and
team size gives the stored plan back; anything else is refused, so nobody can redraw
until a draw suits them. The inputs (risk classes) are the market regulator's current
``market_risk_class`` records; inspectors are its principals holding the inspector role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select

from xinyong.actors import Role
from xinyong.audit.log import now_utc
from xinyong.calendar import today_cst
from xinyong.errors import Conflict, NotFound, RuleRefused, UsageError
from xinyong.ingest.ids import new_id
from xinyong.store.actors import get_agency, list_principals
from xinyong.store.context import Store, Tx
from xinyong.store.tables import (
    inspection_plan_firms,
    inspection_plan_inspectors,
    inspection_plans,
    inspector_conflicts,
    principals,
    records,
    subject_identifiers,
)
from xinyong.supervision.inspection import Firm, draw_plan, period_start
from xinyong.supervision.rules import CLASSES, InspectionRules, inspection_rules
from xinyong.supervision.tax_grades import GONE_STATUSES


def inspectors_of(conn: Connection, agency: str) -> list[str]:
    """The agency's active principals holding the inspector role."""
    return sorted(
        p.principal_id
        for p in list_principals(conn)
        if p.organisation == agency and Role.INSPECTOR in p.roles
    )


def subject_by_uscc(conn: Connection, uscc: str) -> str:
    sid = conn.execute(
        select(subject_identifiers.c.subject_id).where(
            subject_identifiers.c.scheme == "uscc", subject_identifiers.c.value == uscc
        )
    ).scalar_one_or_none()
    if sid is None:
        raise NotFound(f"no subject with USCC {uscc}", code="unknown_subject")
    return str(sid)


def add_conflict(tx: Tx, principal_id: str, subject_id: str, reason: str, on: date) -> bool:
    """Record that an inspector may not inspect a firm; False if already recorded."""
    reason = reason.strip()
    if not reason:
        raise UsageError("a conflict needs a reason", code="conflict_reason")
    p = tx.conn.execute(
        select(principals.c.roles).where(principals.c.principal_id == principal_id)
    ).scalar_one_or_none()
    if p is None:
        raise NotFound(f"principal {principal_id!r} is not registered", code="unknown_principal")
    if Role.INSPECTOR.value not in p:
        raise RuleRefused(f"principal {principal_id!r} is not an inspector", code="not_inspector")
    exists = tx.conn.execute(
        select(func.count()).where(
            inspector_conflicts.c.principal_id == principal_id,
            inspector_conflicts.c.subject_id == subject_id,
        )
    ).scalar_one()
    if exists:
        return False
    tx.conn.execute(
        insert(inspector_conflicts).values(
            principal_id=principal_id,
            subject_id=subject_id,
            reason=reason,
            recorded_on=on,
            recorded_at=now_utc(),
            recorded_by=tx.actor,
        )
    )
    tx.audit("supervision.conflict.recorded", "inspector", principal_id, {"subject": subject_id})
    return True


def conflicts(conn: Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        select(inspector_conflicts.c.principal_id, inspector_conflicts.c.subject_id)
    )
    return [(r.principal_id, r.subject_id) for r in rows]


def current_classes(conn: Connection, agency: str, on: date) -> dict[str, str]:
    """subject → the agency's current risk class as of ``on`` (its latest class record)."""
    rows = conn.execute(
        select(records.c.subject_id, records.c.decided_on, records.c.attributes)
        .where(
            records.c.kind == "market_risk_class",
            records.c.reporting_agency == agency,
            records.c.superseded_at.is_(None),
            records.c.status == "in_force",
            records.c.decided_on <= on,
        )
        .order_by(records.c.subject_id, records.c.decided_on)
    )
    out: dict[str, str] = {}
    for r in rows:
        g = (r.attributes or {}).get("grade")
        if g in CLASSES:
            out[r.subject_id] = g
    return out


def registered_firms(conn: Connection, agency: str, on: date) -> set[str]:
    """Firms the agency registered (its own registration records) by ``on``."""
    rows = conn.execute(
        select(records.c.subject_id, records.c.attributes).where(
            records.c.kind == "registration",
            records.c.reporting_agency == agency,
            records.c.superseded_at.is_(None),
            records.c.status == "in_force",
            records.c.decided_on <= on,
        )
    )
    out: set[str] = set()
    for r in rows:
        if (r.attributes or {}).get("registration_status") not in GONE_STATUSES:
            out.add(r.subject_id)
    return out


@dataclass(frozen=True)
class StoredPlan:
    plan_id: str
    agency: str
    period: str
    seed: int
    rates: dict[str, float]
    inspectors_per_firm: int
    classes_on: date
    population: dict[str, int]
    selected: int
    unassigned: int
    by_class: dict[str, int]
    created: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "agency": self.agency,
            "period": self.period,
            "seed": self.seed,
            "rates": self.rates,
            "inspectors_per_firm": self.inspectors_per_firm,
            "classes_on": self.classes_on.isoformat(),
            "population": self.population,
            "selected": self.selected,
            "selected_by_class": self.by_class,
            "unassigned": self.unassigned,
            "created": self.created,
        }


def _stored(conn: Connection, row: Any, created: bool) -> StoredPlan:
    by_class = dict.fromkeys(CLASSES, 0)
    for cls, n in conn.execute(
        select(inspection_plan_firms.c.risk_class, func.count())
        .where(inspection_plan_firms.c.plan_id == row.plan_id)
        .group_by(inspection_plan_firms.c.risk_class)
    ):
        by_class[cls] = int(n)
    return StoredPlan(
        plan_id=row.plan_id,
        agency=row.agency,
        period=row.period,
        seed=int(row.seed),
        rates={k: float(v) for k, v in row.rates.items()},
        inspectors_per_firm=int(row.inspectors_per_firm),
        classes_on=row.classes_on,
        population={k: int(v) for k, v in row.population.items()},
        selected=int(row.selected),
        unassigned=int(row.unassigned),
        by_class=by_class,
        created=created,
    )


def draw(
    store: Store,
    *,
    agency: str,
    period: str,
    seed: int,
    rates: Mapping[str, float] | None = None,
    inspectors_per_firm: int | None = None,
    classes_on: date | None = None,
    rules: InspectionRules | None = None,
    actor: str | None = None,
) -> StoredPlan:
    """Draw (or return the already drawn) plan of ``agency`` for ``period``."""
    rules = rules or inspection_rules()
    rates = dict(rates or rules.rates)
    per_firm = inspectors_per_firm or rules.inspectors_per_firm
    period_start(period)  # validates the period
    on = classes_on or today_cst()
    with store.write(actor) as tx:
        conn = tx.conn
        if get_agency(conn, agency, missing_ok=True) is None:
            raise NotFound(f"agency {agency!r} is not registered", code="unknown_agency")
        old = conn.execute(
            select(inspection_plans).where(
                and_(inspection_plans.c.agency == agency, inspection_plans.c.period == period)
            )
        ).one_or_none()
        if old is not None:
            same = (
                int(old.seed) == seed
                and {k: float(v) for k, v in old.rates.items()} == rates
                and int(old.inspectors_per_firm) == per_firm
            )
            if not same:
                raise Conflict(
                    f"the {period} plan of {agency} was drawn already (seed {old.seed}); "
                    "a period's plan is drawn once",
                    code="plan_drawn",
                )
            return _stored(conn, old, created=False)
        team = inspectors_of(conn, agency)
        if len(team) < per_firm:
            raise RuleRefused(
                f"{agency} has {len(team)} inspector(s); a plan needs at least {per_firm}",
                code="too_few_inspectors",
            )
        classes = current_classes(conn, agency, on)
        firms = [Firm(s, c) for s, c in classes.items()]
        firms += [
            Firm(s, rules.unclassified_as, classified=False)
            for s in sorted(registered_firms(conn, agency, on) - set(classes))
        ]
        plan = draw_plan(
            firms, team, conflicts(conn), rates=rates, seed=seed, inspectors_per_firm=per_firm
        )
        plan_id = new_id()
        conn.execute(
            insert(inspection_plans).values(
                plan_id=plan_id,
                agency=agency,
                period=period,
                seed=seed,
                rates=plan.rates,
                inspectors_per_firm=per_firm,
                classes_on=on,
                population=plan.population,
                selected=len(plan.drawn),
                unassigned=plan.unassigned,
                drawn_at=now_utc(),
                drawn_by=tx.actor,
            )
        )
        if plan.drawn:
            conn.execute(
                insert(inspection_plan_firms),
                [
                    {
                        "plan_id": plan_id,
                        "subject_id": f.subject_id,
                        "risk_class": f.risk_class,
                        "classified": f.classified,
                        "assigned": bool(who),
                    }
                    for f, who in plan.drawn
                ],
            )
        team_rows = [
            {"plan_id": plan_id, "subject_id": f.subject_id, "position": i + 1, "principal_id": p}
            for f, who in plan.drawn
            for i, p in enumerate(who)
        ]
        if team_rows:
            conn.execute(insert(inspection_plan_inspectors), team_rows)
        tx.audit(
            "supervision.plan.drawn",
            "inspection_plan",
            plan_id,
            {
                "agency": agency,
                "period": period,
                "seed": seed,
                "rates": plan.rates,
                "population": plan.population,
                "selected": len(plan.drawn),
                "unassigned": plan.unassigned,
            },
        )
        row = conn.execute(
            select(inspection_plans).where(inspection_plans.c.plan_id == plan_id)
        ).one()
        return _stored(conn, row, created=True)


def plan_assignments(conn: Connection, plan_id: str) -> list[dict[str, Any]]:
    """The plan's firms (by USCC) with their class and inspectors, in USCC order."""
    firms = conn.execute(
        select(
            inspection_plan_firms.c.subject_id,
            inspection_plan_firms.c.risk_class,
            inspection_plan_firms.c.assigned,
            subject_identifiers.c.value,
        )
        .select_from(
            inspection_plan_firms.outerjoin(
                subject_identifiers,
                and_(
                    subject_identifiers.c.subject_id == inspection_plan_firms.c.subject_id,
                    subject_identifiers.c.scheme == "uscc",
                ),
            )
        )
        .where(inspection_plan_firms.c.plan_id == plan_id)
    ).all()
    team: dict[str, list[str]] = {}
    for r in conn.execute(
        select(inspection_plan_inspectors)
        .where(inspection_plan_inspectors.c.plan_id == plan_id)
        .order_by(inspection_plan_inspectors.c.subject_id, inspection_plan_inspectors.c.position)
    ):
        team.setdefault(r.subject_id, []).append(r.principal_id)
    out = [
        {
            "subject_id": f.subject_id,
            "uscc": f.value,
            "risk_class": f.risk_class,
            "assigned": bool(f.assigned),
            "inspectors": team.get(f.subject_id, []),
        }
        for f in firms
    ]
    return sorted(out, key=lambda x: (x["uscc"] or "", x["subject_id"]))


def get_plan(conn: Connection, agency: str, period: str) -> StoredPlan:
    row = conn.execute(
        select(inspection_plans).where(
            inspection_plans.c.agency == agency, inspection_plans.c.period == period
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no {period} plan of {agency}", code="unknown_plan")
    return _stored(conn, row, created=False)
