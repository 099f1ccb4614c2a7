"""Running the supervision jobs against a store: snapshot → engine → records.

Each run exports the tables its job reads in one read transaction, computes on the
chosen engine (DuckDB by default, Spark for scale-out; the same expression), and
publishes the results as the issuing authority's records (``publish``). The run itself
is audited with its counts (no personal data).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from xinyong.batch import Engine, collect, connect, export_snapshot, load
from xinyong.supervision.publish import Published, authority_for, publish
from xinyong.supervision.risk_classes import TABLES as RISK_TABLES
from xinyong.supervision.risk_classes import risk_class_job
from xinyong.supervision.rules import RiskRules, TaxCreditRules, risk_rules, tax_credit_rules
from xinyong.supervision.tax_grades import TABLES as TAX_TABLES
from xinyong.supervision.tax_grades import tax_grade_job

Job = Callable[..., ir.Table]


@dataclass
class RunResult:
    job: str
    engine: Engine
    counts: dict[str, int]
    published: Published | None
    rows: pa.Table
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        p = self.published
        return {
            "job": self.job,
            "engine": self.engine,
            "counts": self.counts,
            "computed": self.rows.num_rows,
            "published": None
            if p is None
            else {
                "sent": p.sent,
                "batch_id": p.receipt.batch_id if p.receipt else None,
                "accepted": p.receipt.accepted if p.receipt else 0,
                "superseded": p.receipt.superseded if p.receipt else 0,
                "quarantined": p.receipt.quarantined if p.receipt else 0,
            },
            **self.extra,
        }


#: the records columns the jobs read (the export skips the rest)
RECORD_COLUMNS = (
    "record_id", "subject_id", "kind", "reporting_agency", "deciding_authority", "decided_on",
    "valid_to", "severity", "status", "ended_on", "attributes", "linked_to", "superseded_at",
)  # fmt: skip


def compute(
    store: Any,
    job: Job,
    tables: tuple[str, ...],
    *,
    engine: Engine,
    work: Path,
    kinds: set[str],
    actor: str | None = None,
    **params: Any,
) -> pa.Table:
    """Export ``tables`` (current records of ``kinds`` only), run ``job`` on ``engine``,
    collect in subject order."""
    from xinyong.store.tables import records

    snap = export_snapshot(
        store,
        work / "snapshot",
        tables,
        actor=actor,
        columns={"records": RECORD_COLUMNS},
        where={"records": records.c.superseded_at.is_(None) & records.c.kind.in_(sorted(kinds))},
    )
    backend = connect(engine)
    return collect(job(load(backend, snap), **params), backend, ["subject_id"])


def _names(store: Any, ids: list[str]) -> dict[str, tuple[str, str]]:
    """subject id → (registered name, subject kind), for the published rows."""
    from sqlalchemy import select

    from xinyong.store.tables import subjects

    out: dict[str, tuple[str, str]] = {}
    with store.read() as conn:
        for i in range(0, len(ids), 900):
            part = ids[i : i + 900]
            q = select(subjects.c.subject_id, subjects.c.name, subjects.c.kind).where(
                subjects.c.subject_id.in_(part)
            )
            out.update({r.subject_id: (r.name, r.kind) for r in conn.execute(q)})
    return out


def _notes(row: Mapping[str, Any], prefix: str) -> str:
    """The indicators that moved a row, as ``id=value`` pairs (empty when none)."""
    parts = [
        f"{k[len(prefix) :]}={row[k]}"
        for k in sorted(row)
        if k.startswith(prefix) and row[k] not in (0, None, False)
    ]
    return ";".join(parts)


def grade_rows(
    result: pa.Table,
    *,
    year: int,
    on: date,
    authority: Any,
    rules: TaxCreditRules,
    names: Mapping[str, tuple[str, str]],
) -> list[dict[str, str | None]]:
    """Canonical feed rows of the tax authority's grade records."""
    out: list[dict[str, str | None]] = []
    for r in result.to_pylist():
        if r["spread_from"]:
            grounds = "responsible_person_of_d"
        elif r["direct_d"]:
            grounds = "direct_d"
        elif r["grade"] == "M":
            grounds = "new_enterprise" if r["new_enterprise"] else "no_operating_income"
        else:
            grounds = "score"
        notes = _notes(r, "n_")
        if r["spread_from"]:
            notes = f"{notes};spread_from={r['spread_from']}".lstrip(";")
        out.append(
            {
                "kind": "tax_credit_grade",
                "source_key": f"TCG-{year}-{r['uscc']}",
                "subject_category": names[r["subject_id"]][1],
                "subject_name": names[r["subject_id"]][0],
                "uscc": r["uscc"],
                "decided_on": on.isoformat(),
                "deciding_authority": authority.name_zh,
                "deciding_authority_uscc": authority.uscc,
                "legal_basis_text": rules.legal_basis_text,
                "status": "in_force",
                "grade": r["grade"],
                "score": str(r["score"]),
                "tax_year": str(year),
                "grounds": grounds,
                "notes": notes or None,
            }
        )
    return out


def run_tax_grades(
    store: Any,
    *,
    year: int,
    on: date,
    engine: Engine = "duckdb",
    authority: str | None = None,
    publish_records: bool = True,
    rules: TaxCreditRules | None = None,
    actor: str | None = None,
    keep: Path | None = None,
) -> RunResult:
    """Grade every rated enterprise for ``year`` and publish as the tax authority."""
    rules = rules or tax_credit_rules()
    agency = authority_for(store, authority, sector="tax", kind="tax_credit_grade")
    with tempfile.TemporaryDirectory(prefix="xinyong-grades-") as tmp:
        work = Path(tmp)
        kinds = {d.kind for d in rules.deductions} | {d.kind for d in rules.direct_d}
        kinds |= {rules.grade_m.no_income_kind, "tax_credit_grade", "registration"}
        result = compute(
            store, tax_grade_job, TAX_TABLES, engine=engine, work=work, actor=actor,
            kinds=kinds, year=year, evaluated_on=on, rules=rules,
        )  # fmt: skip
        counts = dict(sorted(Counter(result.column("grade").to_pylist()).items()))
        published = None
        if publish_records:
            ids = result.column("subject_id").to_pylist()
            rows = grade_rows(
                result, year=year, on=on, authority=agency, rules=rules, names=_names(store, ids)
            )
            out = (keep or work) / f"tax_credit_grades_{year}_{on.isoformat()}.csv"
            published = publish(
                store, rows, agency=agency, kind="tax_credit_grade", on=on, out=out, actor=actor
            )
    spread = int(sum(1 for x in result.column("spread_from").to_pylist() if x))
    res = RunResult(
        "tax_grades", engine, counts, published, result, {"year": year, "spread": spread}
    )
    _audit(store, res, actor)
    return res


def class_rows(
    result: pa.Table, *, on: date, authority: Any, names: Mapping[str, tuple[str, str]]
) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    for r in result.to_pylist():
        out.append(
            {
                "kind": "market_risk_class",
                "source_key": f"RISK-{r['uscc']}",
                "subject_category": names[r["subject_id"]][1],
                "subject_name": names[r["subject_id"]][0],
                "uscc": r["uscc"],
                "decided_on": on.isoformat(),
                "deciding_authority": authority.name_zh,
                "deciding_authority_uscc": authority.uscc,
                "legal_basis_text": "国市监信发〔2022〕6号",
                "status": "in_force",
                "grade": r["risk_class"],
                "score": str(r["points"]),
                "grounds": "direct_d" if r["direct_d"] else "points",
                "notes": _notes(r, "f_") or None,
            }
        )
    return out


def run_risk_classes(
    store: Any,
    *,
    on: date,
    engine: Engine = "duckdb",
    authority: str | None = None,
    publish_records: bool = True,
    rules: RiskRules | None = None,
    actor: str | None = None,
    keep: Path | None = None,
) -> RunResult:
    """Classify every registered firm as of ``on`` and publish as the market regulator."""
    rules = rules or risk_rules()
    agency = authority_for(store, authority, sector="market_regulation", kind="market_risk_class")
    with tempfile.TemporaryDirectory(prefix="xinyong-risk-") as tmp:
        work = Path(tmp)
        kinds = {f.source for f in rules.factors} | {d.source for d in rules.direct_class_d}
        result = compute(
            store, risk_class_job, RISK_TABLES, engine=engine, work=work, actor=actor,
            kinds=kinds | {"registration"}, on=on, rules=rules,
        )  # fmt: skip
        counts = dict(sorted(Counter(result.column("risk_class").to_pylist()).items()))
        published = None
        if publish_records:
            ids = result.column("subject_id").to_pylist()
            rows = class_rows(result, on=on, authority=agency, names=_names(store, ids))
            out = (keep or work) / f"market_risk_classes_{on.isoformat()}.csv"
            published = publish(
                store, rows, agency=agency, kind="market_risk_class", on=on, out=out, actor=actor
            )
    res = RunResult("risk_classes", engine, counts, published, result, {"on": on.isoformat()})
    _audit(store, res, actor)
    return res


def _audit(store: Any, res: RunResult, actor: str | None) -> None:
    detail = res.as_json()
    with store.write(actor) as tx:
        tx.audit(f"supervision.{res.job}", "job", res.job, detail)
