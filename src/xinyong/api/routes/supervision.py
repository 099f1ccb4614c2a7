"""Spot-check plans over HTTP: what the market regulator drew for a period (read only).

Drawing stays on the command line (a named official with a recorded seed); the plan is
internal to the regulator, so only its own principals and administrators read it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from xinyong.actors import Role
from xinyong.api.deps import PrincipalDep, StoreDep
from xinyong.errors import Forbidden
from xinyong.supervision import plans

router = APIRouter(tags=["supervision"])

AgencyPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")]
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$")]


@router.get("/v1/supervision/plans/{agency}/{period}")
def get_plan(
    agency: AgencyPath, period: PeriodPath, store: StoreDep, p: PrincipalDep
) -> dict[str, Any]:
    """The period's double-random plan: counts per class, seed, rates and each drawn firm
    (USCC, class, assigned inspectors)."""
    if Role.ADMIN not in p.roles and p.organisation != agency:
        raise Forbidden("a plan is read by its agency's principals and administrators")
    with store.read() as conn:
        plan = plans.get_plan(conn, agency, period)
        firms = plans.plan_assignments(conn, plan.plan_id)
    out = plan.as_json()
    out.pop("created")
    return {**out, "firms": [{k: v for k, v in f.items() if k != "subject_id"} for f in firms]}
