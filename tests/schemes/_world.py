"""Small synthetic worlds for scheme tests: Arrow tables shaped like a store snapshot,
and a naive Python scorer written from the spec (the oracle the Ibis job must match)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from xinyong.batch import Snapshot, write_manifest
from xinyong.batch.snapshot import table_schema
from xinyong.calendar import DurationUnit, add_months
from xinyong.schemes.model import Scheme
from xinyong.store.tables import records as records_table
from xinyong.store.tables import scheme_consents as consents_table

NOW = datetime(2026, 11, 1, tzinfo=UTC)
KINDS = (
    "court_dishonest_listing",
    "administrative_penalty",
    "honour",
    "utility_default",
    "contract_default",
    "volunteer_service",
    "blood_donation",
)


@dataclass
class World:
    records: list[dict[str, Any]]
    consents: list[dict[str, Any]]


def record(rid: str, subject: str, kind: str, on: date, **kw: Any) -> dict[str, Any]:
    attrs = kw.pop("attributes", {})
    row = {c.name: None for c in records_table.columns}
    row.update(
        record_id=rid,
        version=1,
        reporting_agency="a",
        source_key=rid,
        subject_id=subject,
        kind=kind,
        content_hash="h",
        decided_on=on,
        status="in_force",
        publication="unpublished",
        attributes=json.dumps(attrs, ensure_ascii=False),
        recorded_at=NOW,
        last_seen_at=NOW,
        locked=False,
    )
    row.update(kw)
    return row


def consent(
    cid: str, subject: str, given: date, withdrawn: date | None = None, scheme: str = "rongcheng"
) -> dict[str, Any]:
    return {
        "consent_id": cid,
        "scheme_id": scheme,
        "subject_id": subject,
        "given_on": given,
        "withdrawn_on": withdrawn,
        "recorded_at": NOW,
        "recorded_by": "admin",
        "withdrawn_at": None,
        "withdrawn_by": None,
    }


def snapshot(world: World, directory: Path) -> Snapshot:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, table, rows in (
        ("records", records_table, world.records),
        ("scheme_consents", consents_table, world.consents),
    ):
        schema = table_schema(table)
        t = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        pq.write_table(t, directory / f"{name}.parquet")
        paths[name] = directory / f"{name}.parquet"
    return write_manifest(directory, paths, NOW)


def random_world(seed: int, people: int = 60) -> World:
    rng = random.Random(seed)
    recs: list[dict[str, Any]] = []
    cons: list[dict[str, Any]] = []
    n = 0

    def rid() -> str:
        nonlocal n
        n += 1
        return f"R{n:06d}"

    for i in range(people):
        s = f"P{i:04d}"
        # residence history: one to three records, the latest decides
        for _ in range(rng.randint(0, 3)):
            region = rng.choice(["371082", "371082", "371002", "350102"])
            recs.append(
                record(
                    rid(),
                    s,
                    "residence",
                    date(2010, 1, 1) + timedelta(days=rng.randint(0, 6000)),
                    attributes={"region": region},
                    superseded_at=NOW if rng.random() < 0.1 else None,
                )
            )
        for _ in range(rng.randint(0, 6)):
            kind = rng.choice(KINDS)
            attrs: dict[str, str] = {}
            if kind == "utility_default":
                attrs = {"grounds": rng.choice(["late_payment", "theft", "tampering", "other"])}
            if kind == "contract_default":
                attrs = {
                    "content": rng.choice(["lending", "lease", "car"]),
                    "grounds": rng.choice(
                        ["creditor_report", "judgment_liable", "found_in_breach"]
                    ),
                }
            recs.append(
                record(
                    rid(),
                    s,
                    kind,
                    date(2021, 1, 1) + timedelta(days=rng.randint(0, 2250)),
                    attributes=attrs,
                    severity=rng.choice(["minor", "general", "serious", None]),
                    status=rng.choice(["in_force"] * 5 + ["revoked"]),
                    ended_on=date(2025, 1, 1) + timedelta(days=rng.randint(0, 900))
                    if rng.random() < 0.15
                    else None,
                )
            )
        u = rng.random()
        if u < 0.7:
            given = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1400))
            gone = given + timedelta(days=rng.randint(1, 600)) if rng.random() < 0.3 else None
            cons.append(consent(f"C{i:04d}", s, given, gone))
    return World(recs, cons)


def _window_start(valid_for: Any, as_of: date) -> date:
    if valid_for.unit == DurationUnit.YEARS:
        return add_months(as_of, -12 * valid_for.n)
    if valid_for.unit == DurationUnit.MONTHS:
        return add_months(as_of, -valid_for.n)
    return as_of - timedelta(days=valid_for.n)


def oracle(
    world: World, scheme: Scheme, on: date
) -> dict[str, tuple[int, str, dict[str, tuple[int, int]]]]:
    """subject → (score, tier, {rule: (points, events)}) by plain loops over the rows."""
    as_of = scheme.as_of(on)

    def in_force(r: dict[str, Any]) -> bool:
        return (
            r["superseded_at"] is None
            and r["status"] == "in_force"
            and r["decided_on"] <= as_of
            and (r["ended_on"] is None or r["ended_on"] > as_of)
        )

    latest: dict[str, dict[str, Any]] = {}
    for r in world.records:
        if r["kind"] == "residence" and in_force(r):
            cur = latest.get(r["subject_id"])
            if cur is None or (r["decided_on"], r["record_id"]) > (
                cur["decided_on"],
                cur["record_id"],
            ):
                latest[r["subject_id"]] = r
    residents = {
        s for s, r in latest.items() if json.loads(r["attributes"]).get("region") in scheme.area
    }
    consenting = {
        c["subject_id"]
        for c in world.consents
        if c["scheme_id"] == scheme.id
        and c["given_on"] <= as_of
        and (c["withdrawn_on"] is None or c["withdrawn_on"] > as_of)
    }
    people = residents & consenting
    out = {}
    for s in people:
        moves: dict[str, tuple[int, int]] = {}
        for rule in scheme.active_rules:
            per: dict[int, int] = defaultdict(int)
            for r in world.records:
                if r["subject_id"] != s or r["kind"] != rule.match.kind or not in_force(r):
                    continue
                if r["decided_on"] <= _window_start(rule.valid_for, as_of):
                    continue
                if rule.match.severity and r["severity"] not in [
                    x.value for x in rule.match.severity
                ]:
                    continue
                attrs = json.loads(r["attributes"])
                if any(attrs.get(k) not in v for k, v in rule.match.attributes.items()):
                    continue
                d = r["decided_on"]
                key = (
                    0
                    if rule.cap is None
                    else (d.year * 100 + d.month if rule.cap.per == "month" else d.year)
                )
                per[key] += 1
            if not per:
                continue
            pts = 0
            for k in per:
                p = per[k] * rule.points
                if rule.cap is not None:
                    p = max(p, rule.cap.points) if rule.points < 0 else min(p, rule.cap.points)
                pts += p
            moves[rule.id] = (pts, sum(per.values()))
        score = scheme.clamp(scheme.base.points + sum(p for p, _ in moves.values()))
        out[s] = (score, scheme.tier_of(score), moves)
    return out
