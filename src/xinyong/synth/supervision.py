"""Synthetic supervision data for a populated store: what the tax agency and the market
regulator would report about the firms already registered there.

- tax indicator records per tax year (late filing, late payment, invoice violations, a
  few serious violations and abnormal-taxpayer designations, no operating income), drawn
  per firm from a latent compliance level so that some firms are consistently worse;
- annual reports (most firms file between January and June, some never do);
- inspectors of the market regulator and their recorded conflicts of interest;
- spot-check outcomes for a drawn plan (worse classes find more problems).

Rows are canonical feed rows (``canonical_en``) that the caller writes and ingests as
the reporting agency, so they take the same path as every other feed. Every draw comes
from numpy generators seeded by (seed, stream, year): same store, same seed, same rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, and_, select

from xinyong.actors import Agency, Principal, Role
from xinyong.store.actors import add_principal, get_principal
from xinyong.store.context import Tx
from xinyong.store.tables import records, subject_identifiers, subjects

Row = dict[str, str | None]

_TAX, _REPORTS, _CONFLICTS, _OUTCOMES = 61, 62, 63, 64
#: mean records per firm and year at average compliance (platform assumptions)
TAX_RATES = {"tax_late_filing": 2.4, "tax_late_payment": 1.0, "invoice_violation": 0.8}
SERIOUS_SHARE = 0.012  # tax_evasion records (grounds below)
ABNORMAL_SHARE = 0.015  # abnormal taxpayer designations
NO_INCOME_SHARE = 0.10
SERIOUS_GROUNDS = ("evasion", "false_invoices", "refund_fraud", "crime")
REPORT_SHARE = 0.92  # annual reports filed (the rest: abnormal operations in reality)
CONFLICT_REASONS = (
    "曾在该企业任职",
    "近亲属在该企业任职",
    "与该企业存在经济利益关系",
    "曾参与该企业相关案件办理",
)
#: outcome shares by risk class (compliant, problems_found, not_at_registered_address)
OUTCOME_SHARES = {
    "A": (0.9, 0.08, 0.02),
    "B": (0.82, 0.14, 0.04),
    "C": (0.62, 0.28, 0.10),
    "D": (0.45, 0.35, 0.20),
}
OUTCOMES = ("compliant", "problems_found", "not_at_registered_address")


def _rng(seed: int, stream: int, part: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream, part])


def firms(conn: Connection, prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
    """Registered firms (USCC prefix in ``prefixes``) with name, kind and registration date,
    in USCC order."""
    q = (
        select(
            subjects.c.subject_id,
            subjects.c.name,
            subjects.c.kind,
            subject_identifiers.c.value.label("uscc"),
            records.c.decided_on,
            records.c.attributes,
        )
        .select_from(
            subjects.join(
                subject_identifiers,
                and_(
                    subject_identifiers.c.subject_id == subjects.c.subject_id,
                    subject_identifiers.c.scheme == "uscc",
                ),
            ).join(
                records,
                and_(
                    records.c.subject_id == subjects.c.subject_id,
                    records.c.kind == "registration",
                    records.c.superseded_at.is_(None),
                ),
            )
        )
        .order_by(subject_identifiers.c.value)
    )
    out: dict[str, dict[str, Any]] = {}
    for r in conn.execute(q):
        if r.uscc[:2] not in prefixes or r.decided_on is None:
            continue
        status = (r.attributes or {}).get("registration_status")
        if status in ("注销", "吊销"):
            continue
        cur = out.get(r.uscc)
        if cur is None or r.decided_on < cur["registered_on"]:
            out[r.uscc] = {
                "subject_id": r.subject_id,
                "name": r.name,
                "kind": r.kind,
                "uscc": r.uscc,
                "registered_on": r.decided_on,
            }
    return list(out.values())


def _base(f: dict[str, Any], authority: Agency, kind: str, key: str, on: date) -> Row:
    return {
        "kind": kind,
        "source_key": key,
        "subject_category": f["kind"],
        "subject_name": f["name"],
        "uscc": f["uscc"],
        "decided_on": on.isoformat(),
        "deciding_authority": authority.name_zh,
        "deciding_authority_uscc": authority.uscc,
        "status": "in_force",
    }


def _day_in(rng: np.random.Generator, lo: date, hi: date) -> date:
    span = (hi - lo).days
    return lo + timedelta(days=int(rng.integers(0, span + 1))) if span > 0 else lo


def tax_indicator_rows(
    conn: Connection, *, years: tuple[int, ...], seed: int, as_of: date, authority: Agency
) -> list[Row]:
    """The tax authority's indicator records of enterprises for ``years``."""
    fs = firms(conn, ("91",))
    if not fs:
        return []
    quality = _rng(seed, _TAX, 0).normal(size=len(fs))
    out: list[Row] = []
    for y in years:
        rng = _rng(seed, _TAX, y)
        start, end = date(y, 1, 1), min(date(y, 12, 31), as_of)
        if end < start:
            continue
        level = np.exp(0.7 * quality + 0.35 * rng.normal(size=len(fs)))
        for i, f in enumerate(fs):
            if f["registered_on"] > end:
                continue
            lo = max(start, f["registered_on"])
            seq = 0
            for kind, mean in TAX_RATES.items():
                for _ in range(int(rng.poisson(mean * level[i]))):
                    seq += 1
                    row = _base(
                        f, authority, kind, f"TAXI-{y}-{f['uscc']}-{seq}", _day_in(rng, lo, end)
                    )
                    row["tax_year"] = str(y)
                    out.append(row)
            u = rng.random(3)
            bad = level[i] > 1.5
            if u[0] < SERIOUS_SHARE * (3 if bad else 0.5):
                seq += 1
                row = _base(
                    f,
                    authority,
                    "tax_evasion",
                    f"TAXI-{y}-{f['uscc']}-{seq}",
                    _day_in(rng, lo, end),
                )
                row["tax_year"] = str(y)
                row["grounds"] = SERIOUS_GROUNDS[int(rng.integers(0, len(SERIOUS_GROUNDS)))]
                out.append(row)
            if u[1] < ABNORMAL_SHARE * (3 if bad else 0.5):
                seq += 1
                row = _base(
                    f,
                    authority,
                    "tax_abnormal_household",
                    f"TAXI-{y}-{f['uscc']}-{seq}",
                    _day_in(rng, lo, end),
                )
                row["tax_year"] = str(y)
                out.append(row)
            found_on = date(y + 1, 3, 31)  # found from the annual return, after the year
            if u[2] < NO_INCOME_SHARE and f["registered_on"] < start and found_on <= as_of:
                seq += 1
                key = f"TAXI-{y}-{f['uscc']}-{seq}"
                row = _base(f, authority, "tax_no_operating_income", key, found_on)
                row["tax_year"] = str(y)
                out.append(row)
    return out


def annual_report_rows(
    conn: Connection, *, years: tuple[int, ...], seed: int, as_of: date, authority: Agency
) -> list[Row]:
    """Annual reports for ``years`` (filed 1 January – 30 June of the next year)."""
    fs = firms(conn, ("91", "92", "93"))
    out: list[Row] = []
    for y in years:
        lo, hi = date(y + 1, 1, 1), min(date(y + 1, 6, 30), as_of)
        if hi < lo:
            continue
        rng = _rng(seed, _REPORTS, y)
        u = rng.random(len(fs))
        for i, f in enumerate(fs):
            if f["registered_on"] > date(y, 12, 31) or u[i] >= REPORT_SHARE:
                continue
            out.append(
                _base(f, authority, "annual_report", f"NB-{y}-{f['uscc']}", _day_in(rng, lo, hi))
            )
    return out


def ensure_inspectors(tx: Tx, agency: Agency, n: int) -> list[str]:
    """``n`` inspectors of ``agency`` (``<code>-inspector-<k>``), created if missing."""
    ids = []
    for k in range(1, n + 1):
        pid = f"{agency.code}-inspector-{k}"
        if get_principal(tx.conn, pid, missing_ok=True) is None:
            add_principal(
                tx,
                Principal(
                    principal_id=pid,
                    display_name=f"{agency.name_zh} 执法检查人员 {k}",
                    organisation=agency.code,
                    roles=frozenset({Role.INSPECTOR}),
                ),
            )
        ids.append(pid)
    return ids


def conflict_pairs(
    inspectors: list[str], subject_ids: list[str], *, seed: int, share: float = 0.01
) -> list[tuple[str, str, str]]:
    """(inspector, subject, reason): each pair conflicted with probability ``share``."""
    rng = _rng(seed, _CONFLICTS, 0)
    out = []
    for p in sorted(inspectors):
        hit = rng.random(len(subject_ids)) < share
        for j in np.flatnonzero(hit).tolist():
            reason = CONFLICT_REASONS[int(rng.integers(0, len(CONFLICT_REASONS)))]
            out.append((p, sorted(subject_ids)[j], reason))
    return out


def outcome_rows(
    assignments: list[dict[str, Any]],
    names: dict[str, tuple[str, str]],
    *,
    plan_id: str,
    period_start: date,
    as_of: date,
    seed: int,
    authority: Agency,
) -> list[Row]:
    """Outcomes of a drawn plan's checks: unassigned firms were not inspected."""
    rng = _rng(seed, _OUTCOMES, 0)
    out: list[Row] = []
    hi = max(period_start, as_of)
    for a in assignments:
        if not a["uscc"]:
            continue
        name, kind = names[a["subject_id"]]
        f = {"kind": kind, "name": name, "uscc": a["uscc"]}
        if a["assigned"]:
            shares = OUTCOME_SHARES[a["risk_class"]]
            outcome = OUTCOMES[int(rng.choice(3, p=shares))]
        else:
            outcome = "not_inspected"
        on = _day_in(rng, min(period_start, as_of), hi)
        row = _base(f, authority, "inspection_outcome", f"SC-{plan_id}-{a['uscc']}", on)
        row["content"] = outcome
        row["case_no"] = plan_id
        out.append(row)
    return out
