"""The check's entry query uses the notices' subject index however many units a person
represents (without it, SQLite drove the join from the status index and probed every
published entry: 11–17 s per check at 1M entries, benchmarks/README.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event

from xinyong.catalogue import get_catalogue
from xinyong.measures.check import _entries
from xinyong.settings import Settings
from xinyong.store.context import Store
from xinyong.store.migrate import upgrade


def test_entries_query_is_driven_by_the_subject_index(tmp_path: Path) -> None:
    store = Store(
        f"sqlite:///{tmp_path / 'plan.db'}", Settings(signing_key_path=tmp_path / "k.key")
    )
    upgrade(store)
    seen: list[tuple[str, Any]] = []

    def capture(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
    ) -> None:
        if "measure_notices" in statement:
            seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    units = [f"01UNIT{i:020d}" for i in range(6)]
    with store.read() as conn:
        _entries(conn, units, get_catalogue().measure("consumption_flights"), date(2026, 11, 27))
        statement, params = seen[-1]
        plan = " ".join(
            str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
        )
    event.remove(store.engine, "before_cursor_execute", capture)
    assert "ix_measure_notices_subject" in plan, plan
    assert "ix_list_entries_term" not in plan and "ix_list_entries_list" not in plan, plan
