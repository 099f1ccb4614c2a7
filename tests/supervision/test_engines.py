"""Every supervision job gives the same Arrow table on DuckDB and on PySpark."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from tests.supervision._tables import NOW, org, record, snapshot, world

from xinyong.batch import collect, connect, load
from xinyong.supervision.risk_classes import risk_class_job
from xinyong.supervision.rules import risk_rules, tax_credit_rules
from xinyong.supervision.tax_grades import tax_grade_job

KINDS = ("tax_late_filing", "tax_late_payment", "invoice_violation", "tax_evasion",
         "tax_abnormal_household", "tax_no_operating_income", "administrative_penalty",
         "abnormal_operations", "serious_illegal_dishonest", "annual_report")  # fmt: skip
OUTCOMES = ("compliant", "problems_found", "not_at_registered_address", "bogus")


def _world(n: int = 60, seed: int = 3) -> dict[str, list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        sid = f"S{i:03d}"
        prefix = ("91", "92", "93")[i % 3]
        rows += org(sid, f"{prefix}37108200000{i:03d}XX", date(int(rng.integers(2015, 2027)), 3, 1))
        for _ in range(int(rng.integers(0, 6))):
            kind = KINDS[int(rng.integers(0, len(KINDS)))]
            day = date(int(rng.integers(2023, 2027)), int(rng.integers(1, 13)), 1)
            attrs: dict[str, Any] = {}
            if rng.random() < 0.3:
                attrs["tax_year"] = str(day.year - 1)
            rows.append({"_t": "records", **record(
                sid, kind, day, agency="tax" if rng.random() < 0.5 else "samr", attributes=attrs,
                severity=("minor", "general", "serious", None)[int(rng.integers(0, 4))])})  # fmt: skip
        if rng.random() < 0.4:
            rows.append({"_t": "records", **record(sid, "inspection_outcome", date(2026, 2, 1),
                attributes={"content": OUTCOMES[int(rng.integers(0, 4))]})})  # fmt: skip
        if rng.random() < 0.4:
            rows.append({"_t": "records", **record(sid, "tax_credit_grade", date(2025, 4, 21),
                attributes={"grade": "ABMCD"[int(rng.integers(0, 5))], "tax_year": "2024"})})  # fmt: skip
        for k in range(int(rng.integers(0, 3))):
            rows.append({"_t": "roles", "role_id": i * 10 + k, "org_subject_id": sid,
                         "role": "legal_representative", "person_name": "p",
                         "person_subject_id": f"P{int(rng.integers(0, 15))}",
                         "valid_from": date(2016, 1, 1), "first_seen_at": NOW})  # fmt: skip
    return world(rows)


def test_jobs_identical_on_duckdb_and_spark(tmp_path: Path, spark_backend: Any) -> None:
    snap = snapshot(tmp_path / "snap", _world())
    jobs = [
        (
            tax_grade_job,
            {"year": 2025, "evaluated_on": date(2026, 4, 20), "rules": tax_credit_rules()},
        ),
        (risk_class_job, {"on": date(2026, 11, 27), "rules": risk_rules()}),
    ]
    duck = connect("duckdb")
    # tiny data: one shuffle partition saves Spark most of its per-task overhead
    conf = spark_backend._session.conf
    before = conf.get("spark.sql.shuffle.partitions")
    conf.set("spark.sql.shuffle.partitions", "1")
    try:
        for job, params in jobs:
            a = collect(job(load(duck, snap), **params), duck, ["subject_id"])
            b = collect(job(load(spark_backend, snap), **params), spark_backend, ["subject_id"])
            assert a.num_rows > 10
            assert a.schema == b.schema
            assert a.equals(b), job.__name__
    finally:
        conf.set("spark.sql.shuffle.partitions", before)
    grades = set(collect(jobs[0][0](load(duck, snap), **jobs[0][1]), duck, ["subject_id"])
                 .column("grade").to_pylist())  # fmt: skip
    assert len(grades) >= 3  # the world exercises several grades, not one
