"""The check's entry query uses the notices' subject index however many units a person
represents (without it, SQLite drove the join from the status index and probed every
published entry: 11–17 s per check at 1M entries, benchmarks/README.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from xinyong.catalogue import get_catalogue
from xinyong.measures.check import _entries, entries_sql
from xinyong.settings import Settings
from xinyong.store.context import Store
from xinyong.store.migrate import upgrade


def test_entries_query_is_driven_by_the_subject_index(tmp_path: Path) -> None:
    store = Store(
        f"sqlite:///{tmp_path / 'plan.db'}", Settings(signing_key_path=tmp_path / "k.key")
    )
    upgrade(store)
    units = [f"01UNIT{i:020d}" for i in range(6)]
    on = date(2026, 11, 27)
    measure = get_catalogue().measure("consumption_flights")
    with store.read() as conn:
        assert _entries(conn, units, measure, on) == []  # the statement runs as planned
        params: tuple[Any, ...] = (*units, measure.id, "acknowledged", "reported", on.isoformat())
        params += ("published", "removed", "expired", *[on.isoformat()] * 3)
        plan = " ".join(
            str(r[-1])
            for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + entries_sql(len(units)), params)
        )
    assert "ix_measure_notices_subject" in plan, plan
    assert "ix_list_entries_due" not in plan and "ix_list_entries_list" not in plan, plan
