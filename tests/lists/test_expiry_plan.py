"""The expiry job's plan on SQLite: the due index for a few entries, one pass for many."""

from __future__ import annotations

from datetime import date

from xinyong.lists import expiry
from xinyong.store.context import Store


def _plan(store: Store, sql: str) -> str:
    with store.read() as conn:
        rows = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql, ("expired", "term_expired", "r", "t", "2026-01-01")
        ).fetchall()
    return " ".join(str(r[-1]) for r in rows)


def test_due_entries_are_found_through_the_partial_index(tmp_path: object) -> None:
    from xinyong.settings import Settings
    from xinyong.store.engine import dispose_all
    from xinyong.store.migrate import upgrade

    store = Store(
        f"sqlite:///{tmp_path}/plan.db",
        Settings(database_url="sqlite:///unused.db", signing_key_path=f"{tmp_path}/k"),
    )
    try:
        upgrade(store)
        assert "ix_list_entries_due" in _plan(store, expiry._MARK.format(how=""))
        assert "SCAN list_entries" in _plan(store, expiry._MARK.format(how=" NOT INDEXED"))
        with store.read() as conn:
            count = conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN SELECT count(*) FROM list_entries WHERE {expiry._DUE}",
                (date(2026, 1, 1).isoformat(),),
            ).fetchall()
        assert "ix_list_entries_due" in " ".join(str(r[-1]) for r in count)
    finally:
        dispose_all()
