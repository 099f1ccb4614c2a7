"""The "double random" spot-check plan (双随机): firms drawn at random, inspectors drawn at random.

The draw is pure Python on a numpy ``Generator`` seeded by the plan's seed, never an
engine's random function, so the same seed and the same inputs give the same plan
anywhere. Firms are drawn per risk class at the class's rate (rounded half up, so a
rate is met exactly); each drawn firm gets ``inspectors_per_firm`` distinct inspectors
drawn from those not recorded as conflicted with it. A firm for which too few
unconflicted inspectors remain stays in the plan *unassigned*: never a conflicted one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from xinyong.errors import UsageError
from xinyong.supervision.rules import CLASSES

PERIOD = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$")


def period_start(period: str) -> date:
    """The first day of a plan period: ``2026``, ``2026-H2``, ``2026-Q3`` or ``2026-07``."""
    m = PERIOD.match(period)
    if m is None:
        raise UsageError(
            f"period {period!r} is not YYYY, YYYY-H1/H2, YYYY-Q1..Q4 or YYYY-MM",
            code="bad_period",
        )
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        return date(year, 1, 1)
    if part[0] == "H":
        return date(year, 1 if part == "H1" else 7, 1)
    if part[0] == "Q":
        return date(year, 3 * (int(part[1]) - 1) + 1, 1)
    return date(year, int(part), 1)


def quota(rate: float, n: int) -> int:
    """Firms to draw from ``n`` at ``rate``: rounded half up, at most ``n``."""
    return min(n, math.floor(rate * n + 0.5 + 1e-9))


@dataclass(frozen=True)
class Firm:
    subject_id: str
    risk_class: str
    classified: bool = True


@dataclass
class Plan:
    seed: int
    rates: dict[str, float]
    inspectors_per_firm: int
    population: dict[str, int]
    #: drawn firms in draw order: (firm, inspectors); an empty tuple means unassigned
    drawn: list[tuple[Firm, tuple[str, ...]]] = field(default_factory=list)

    @property
    def unassigned(self) -> int:
        return sum(1 for _, who in self.drawn if not who)

    def by_class(self) -> dict[str, int]:
        out = dict.fromkeys(CLASSES, 0)
        for f, _ in self.drawn:
            out[f.risk_class] += 1
        return out


def draw_plan(
    firms: Iterable[Firm],
    inspectors: Iterable[str],
    conflicts: Iterable[tuple[str, str]],
    *,
    rates: Mapping[str, float],
    seed: int,
    inspectors_per_firm: int = 2,
) -> Plan:
    """Draw the firms and their inspectors; input order does not matter.

    ``conflicts`` are (inspector, subject_id) pairs. Firms are sorted by subject id and
    inspectors by id before the draw, so only the seed decides.
    """
    if seed < 0:
        raise UsageError("the seed must be a non-negative integer", code="bad_seed")
    if inspectors_per_firm < 1:
        raise UsageError("inspectors per firm must be at least 1", code="bad_plan")
    for cls in CLASSES:
        r = rates.get(cls)
        if r is None or not 0 <= r <= 1:
            raise UsageError(f"rate for class {cls} must lie between 0 and 1", code="bad_rates")
    pool = sorted(set(inspectors))
    blocked: dict[str, set[str]] = {}
    for who, sid in conflicts:
        blocked.setdefault(sid, set()).add(who)
    by_class: dict[str, list[Firm]] = {c: [] for c in CLASSES}
    seen: set[str] = set()
    for f in sorted(firms, key=lambda f: f.subject_id):
        if f.risk_class not in by_class:
            raise UsageError(f"unknown risk class {f.risk_class!r}", code="bad_plan")
        if f.subject_id in seen:
            raise UsageError(f"firm {f.subject_id} appears twice", code="bad_plan")
        seen.add(f.subject_id)
        by_class[f.risk_class].append(f)
    rng = np.random.default_rng(seed)
    plan = Plan(
        seed=seed,
        rates={c: float(rates[c]) for c in CLASSES},
        inspectors_per_firm=inspectors_per_firm,
        population={c: len(v) for c, v in by_class.items()},
    )
    chosen: list[Firm] = []
    for cls in CLASSES:
        members = by_class[cls]
        k = quota(plan.rates[cls], len(members))
        if k:
            idx = rng.choice(len(members), size=k, replace=False)
            chosen.extend(members[int(i)] for i in idx)
    for f in chosen:
        no = blocked.get(f.subject_id, set())
        eligible = [p for p in pool if p not in no]
        if len(eligible) < inspectors_per_firm:
            plan.drawn.append((f, ()))
            continue
        idx = rng.choice(len(eligible), size=inspectors_per_firm, replace=False)
        plan.drawn.append((f, tuple(eligible[int(i)] for i in idx)))
    return plan


def parse_rates(text: str | None, defaults: Mapping[str, float]) -> dict[str, float]:
    """``A=0.02,B=0.05,C=0.15,D=0.4`` over the defaults (any subset of classes)."""
    out = dict(defaults)
    if not text:
        return out
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip().upper()
        if not sep or key not in CLASSES:
            raise UsageError(
                f"--rates takes CLASS=SHARE pairs such as C=0.15,D=0.4, not {part!r}",
                code="bad_rates",
            )
        try:
            r = float(value)
        except ValueError:
            raise UsageError(f"rate {value!r} for class {key} is not a number") from None
        if not 0 <= r <= 1 or math.isnan(r):
            raise UsageError(f"rate for class {key} must lie between 0 and 1, not {value}")
        out[key] = r
    return out


def sorted_assignments(plan: Plan) -> Sequence[tuple[str, str, tuple[str, ...]]]:
    """(subject_id, class, inspectors) in subject order, for display and storage."""
    return sorted(((f.subject_id, f.risk_class, who) for f, who in plan.drawn))
