"""Grades, classes and plans against a real store (SQLite and PostgreSQL), through ingest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.supervision._world import SAMR, TAX, feed, populate, row

from xinyong.catalogue import get_catalogue
from xinyong.errors import Conflict
from xinyong.store.context import Store
from xinyong.store.tables import audit_log, list_entries, records
from xinyong.supervision import plans
from xinyong.supervision.runs import _names, run_risk_classes, run_tax_grades
from xinyong.synth import supervision as synth

ON = date(2026, 4, 20)


def _grades(store: Store) -> dict[str, tuple[int, str, str, str | None]]:
    with store.read() as conn:
        rows = conn.execute(
            select(records.c.source_key, records.c.version, records.c.attributes).where(
                records.c.kind == "tax_credit_grade", records.c.superseded_at.is_(None)
            )
        ).all()
    return {
        r.source_key: (
            r.version,
            r.attributes["grade"],
            r.attributes["grounds"],
            r.attributes.get("notes"),
        )
        for r in rows
    }


def test_grades_are_published_as_the_tax_authority_and_superseded(
    store: Store, tmp_path: Path
) -> None:
    from tests.support.feeds import org_uscc

    populate(store, tmp_path)
    feed(store, tmp_path / "tax1.csv", TAX,
         [row(TAX, "tax_evasion", 2, "EV-1", date(2025, 8, 1), grounds="evasion", tax_year="2025")],
         ON)  # fmt: skip
    res = run_tax_grades(store, year=2025, on=ON, authority=TAX.code)
    assert res.counts == {"A": 2, "D": 2}
    assert res.published is not None and res.published.receipt is not None
    assert res.published.receipt.accepted == 4
    g = _grades(store)
    key = {n: f"TCG-2025-{org_uscc(n)}" for n in (1, 2, 3, 4)}
    assert g[key[1]][:3] == (1, "A", "score")
    assert g[key[2]][:3] == (1, "D", "direct_d")
    # firm 3 shares firm 2's legal representative: D by spread, naming the source firm
    assert g[key[3]][:3] == (1, "D", "responsible_person_of_d")
    assert f"spread_from={org_uscc(2)}" in (g[key[3]][3] or "")
    with store.read() as conn:
        reporters = set(conn.execute(select(records.c.reporting_agency).where(
            records.c.kind == "tax_credit_grade")).scalars())  # fmt: skip
    assert reporters == {TAX.code}

    # the red list proposes from these grade records
    from xinyong.lists.proposals import sync

    with store.write() as tx:
        rep = sync(tx, get_catalogue(), on=date(2026, 5, 1))
    assert rep.proposed["red_tax_a"] == 2

    # a rerun with nothing new sends nothing
    again = run_tax_grades(store, year=2025, on=ON, authority=TAX.code)
    assert again.published is not None and again.published.sent == 0
    # three late filings for firm 1 found later: a re-evaluation supersedes its grade
    late = [row(TAX, "tax_late_filing", 1, f"LF-{i}", date(2025, 9, i), tax_year="2025")
            for i in (1, 2, 3)]  # fmt: skip
    feed(store, tmp_path / "tax2.csv", TAX, late, date(2026, 5, 6))
    third = run_tax_grades(store, year=2025, on=date(2026, 5, 6), authority=TAX.code)
    assert third.published is not None and third.published.sent == 1
    assert third.published.receipt is not None and third.published.receipt.superseded == 1
    assert _grades(store)[key[1]][:2] == (2, "B")
    with store.read() as conn:
        audited = conn.execute(
            select(func.count()).where(audit_log.c.action == "supervision.tax_grades")
        ).scalar_one()
        proposals = conn.execute(select(func.count()).select_from(list_entries)).scalar_one()
    assert audited == 3 and proposals == 2


def test_classes_plan_and_outcomes_close_the_loop(store: Store, tmp_path: Path) -> None:
    populate(store, tmp_path)
    day = date(2026, 7, 10)
    first = run_risk_classes(store, on=day, authority=SAMR.code)
    # nobody filed a 2025 annual report: every firm has 20 points, class B
    assert first.counts == {"B": 4}
    with store.write() as tx:
        team = synth.ensure_inspectors(tx, SAMR, 3)
    ids = first.rows.column("subject_id").to_pylist()
    with store.write() as tx:
        for sid in ids:
            plans.add_conflict(tx, team[0], sid, "曾在该企业任职", day)
        assert not plans.add_conflict(tx, team[0], ids[0], "again", day)
    all_in = {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0}
    plan = plans.draw(
        store, agency=SAMR.code, period="2026-H2", seed=5, rates=all_in, classes_on=day
    )
    assert plan.created and plan.selected == 4 and plan.unassigned == 0
    with store.read() as conn:
        assigned = plans.plan_assignments(conn, plan.plan_id)
    # inspector 1 is conflicted with every firm: the two others inspect all of them
    assert all(sorted(a["inspectors"]) == sorted(team[1:]) for a in assigned)
    assert (
        plans.draw(store, agency=SAMR.code, period="2026-H2", seed=5, rates=all_in).created is False
    )
    with pytest.raises(Conflict):
        plans.draw(store, agency=SAMR.code, period="2026-H2", seed=6, rates=all_in)

    outcomes = synth.outcome_rows(
        assigned, _names(store, ids), plan_id=plan.plan_id, period_start=date(2026, 7, 1),
        as_of=day, seed=1, authority=SAMR,
    )  # fmt: skip
    outcomes[0]["content"] = "problems_found"
    feed(store, tmp_path / "outcomes.csv", SAMR, outcomes, day)
    again = run_risk_classes(store, on=day, authority=SAMR.code)
    problem = next(a["subject_id"] for a in assigned if a["uscc"] == outcomes[0]["uscc"])
    got = {r["subject_id"]: r for r in again.rows.to_pylist()}
    assert got[problem]["f_outcome_problems_found"] == 20 and got[problem]["risk_class"] == "C"
    # the class record of that firm has a second version; unchanged firms were not resent
    assert again.published is not None and again.published.receipt is not None
    assert again.published.receipt.superseded >= 1
    with store.read() as conn:
        versions = conn.execute(
            select(func.max(records.c.version)).where(records.c.kind == "market_risk_class")
        ).scalar_one()
    assert versions == 2
    # the canonical dump keys plans by (agency, period), not by their surrogate id
    from tests.support.dump import canonical_dump

    dump = canonical_dump(store)
    assert len(dump["inspection_plan_firms"]) == 4
    assert all(f"{SAMR.code}/2026-H2" in x for x in dump["inspection_plan_firms"])
    assert len(dump["inspector_conflicts"]) == 4 and len(dump["inspection_plans"]) == 1
