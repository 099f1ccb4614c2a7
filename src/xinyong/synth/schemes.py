"""Scheme-relevant person records and opt-in consents for a synthetic population.

The base population has few person records a city scheme scores (court listings,
penalties, honours). This adds, for the residents already in a store, what Rongcheng's
assessment standards and Suqian's score name: contract defaults, utility defaults,
volunteer service and blood donations, as a canonical_en feed from three registered
agencies that goes through the real ingest pipeline; and opt-in consents for a
share of the residents, a few of them withdrawn later. Seeded and reproducible.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from xinyong.actors import Agency
from xinyong.identity.uscc import make_uscc, organisation_code_check_char
from xinyong.store.context import Store
from xinyong.store.tables import records, subject_identifiers, subjects

REGION = "371082"


def _uscc(slug: str) -> str:
    h = int.from_bytes(hashlib.sha256(f"schemes:{slug}".encode()).digest()[:8], "big")
    body = f"00{h % 10**6:06d}"
    return make_uscc("11" + REGION + body + (organisation_code_check_char(body) or "0"))


AGENCIES = (
    Agency(
        code="rongcheng-credit-center",
        name_zh="荣成市社会信用中心",
        name_en="Rongcheng Social Credit Center",
        uscc=_uscc("credit-center"),
        sector="other",
        kinds=("contract_default", "utility_default"),
    ),
    Agency(
        code="rongcheng-blood-center",
        name_zh="荣成市中心血站",
        name_en="Rongcheng Blood Centre",
        uscc=_uscc("blood-center"),
        sector="health",
        kinds=("blood_donation",),
    ),
    Agency(
        code="rongcheng-volunteers",
        name_zh="荣成市志愿服务联合会",
        name_en="Rongcheng Volunteer Service Federation",
        uscc=_uscc("volunteers"),
        sector="other",
        kinds=("volunteer_service",),
    ),
)

CONTRACTS = ("lending", "guarantee", "lease", "insurance", "private_lending")
CONTRACT_GROUNDS = (("creditor_report", 0.6), ("judgment_liable", 0.25), ("found_in_breach", 0.15))
UTILITIES = ("water", "electricity", "gas", "heating")
UTILITY_GROUNDS = (
    ("late_payment", 0.7),
    ("court_found_arrears", 0.1),
    ("tampering", 0.08),
    ("theft", 0.08),
    ("equipment_damage", 0.04),
)


@dataclass(frozen=True)
class Resident:
    subject_id: str
    name: str
    id_type: str
    id_number: str


def residents(store: Store, region: str = REGION) -> list[Resident]:
    """Persons with a residence record in ``region`` and an identifier, by subject id."""
    with store.read() as conn:
        rows = conn.execute(
            select(
                subjects.c.subject_id,
                subjects.c.name,
                subject_identifiers.c.scheme,
                subject_identifiers.c.value,
                records.c.attributes,
            )
            .join(subject_identifiers, subject_identifiers.c.subject_id == subjects.c.subject_id)
            .join(records, records.c.subject_id == subjects.c.subject_id)
            .where(
                subjects.c.kind == "person",
                records.c.kind == "residence",
                records.c.superseded_at.is_(None),
                subject_identifiers.c.scheme.in_(("ric", "passport")),
            )
            .order_by(subjects.c.subject_id, subject_identifiers.c.scheme.desc())
        ).all()
    out: dict[str, Resident] = {}
    for r in rows:
        if (r.attributes or {}).get("region") == region and r.subject_id not in out:
            out[r.subject_id] = Resident(r.subject_id, r.name, r.scheme, r.value)
    return list(out.values())


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...]) -> str:
    names = [o for o, _ in options]
    p = np.array([w for _, w in options])
    return str(names[int(rng.choice(len(names), p=p / p.sum()))])


def write_feed(people: list[Resident], out: Path, *, seed: int, as_of: date) -> dict[str, int]:
    """One canonical_en JSON-lines file per agency; returns rows per kind."""
    rng = np.random.default_rng([seed, 6])
    out.mkdir(parents=True, exist_ok=True)
    files = {
        a.code: (out / f"schemes_{a.code}.jsonl").open("w", encoding="utf-8") for a in AGENCIES
    }
    by_code = {a.code: a for a in AGENCIES}
    counts: dict[str, int] = {}
    serial = 0

    def emit(agency: str, kind: str, p: Resident, day: date, **extra: str) -> None:
        nonlocal serial
        serial += 1
        a = by_code[agency]
        row = {
            "kind": kind,
            "source_key": f"{agency}-{serial:07d}",
            "subject_category": "person",
            "subject_name": p.name,
            "id_type": p.id_type,
            "id_number": p.id_number,
            "decided_on": day.isoformat(),
            "deciding_authority": a.name_zh,
            "deciding_authority_uscc": a.uscc,
            "status": "in_force",
            "region": REGION,
            **extra,
        }
        files[agency].write(json.dumps(row, ensure_ascii=False) + "\n")
        counts[kind] = counts.get(kind, 0) + 1

    def day(max_back: int) -> date:
        return as_of - timedelta(days=int(rng.integers(1, max_back)))

    for p in people:
        u = rng.random(4)
        if u[0] < 0.03:
            emit(
                "rongcheng-credit-center",
                "contract_default",
                p,
                day(3 * 365),
                content=str(CONTRACTS[int(rng.integers(len(CONTRACTS)))]),
                grounds=_pick(rng, CONTRACT_GROUNDS),
            )
        if u[1] < 0.04:
            for _ in range(int(rng.integers(1, 3))):
                emit(
                    "rongcheng-credit-center",
                    "utility_default",
                    p,
                    day(3 * 365),
                    content=str(UTILITIES[int(rng.integers(len(UTILITIES)))]),
                    grounds=_pick(rng, UTILITY_GROUNDS),
                )
        if u[2] < 0.08:
            for _ in range(int(rng.integers(1, 4))):
                emit(
                    "rongcheng-volunteers",
                    "volunteer_service",
                    p,
                    day(2 * 365),
                    content=f"{int(rng.integers(4, 40))} hours",
                )
        if u[3] < 0.03:
            for _ in range(int(rng.integers(1, 3))):
                emit(
                    "rongcheng-blood-center", "blood_donation", p, day(2 * 365), content="无偿献血"
                )
    for f in files.values():
        f.close()
    return counts


def consents(
    people: list[Resident], *, seed: int, as_of: date, share: float = 0.6, withdrawn: float = 0.05
) -> list[tuple[str, date, date | None]]:
    """``(subject_id, given_on, withdrawn_on)`` for a ``share`` of ``people``."""
    rng = np.random.default_rng([seed, 7])
    out: list[tuple[str, date, date | None]] = []
    for p in people:
        u = rng.random(2)
        if u[0] >= share:
            continue
        given = as_of - timedelta(days=int(rng.integers(30, 2 * 365)))
        gone = None
        if u[1] < withdrawn:
            gone = given + timedelta(days=int(rng.integers(1, (as_of - given).days)))
        out.append((p.subject_id, given, gone))
    return out
