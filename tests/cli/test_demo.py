"""The demo end to end on the small scale: every feed ingested, exactly the bad rows refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from xinyong.catalogue import Audience, get_catalogue
from xinyong.cli.demo_cmd import run_demo
from xinyong.credit_file.assemble import build_file
from xinyong.settings import Settings
from xinyong.store.context import Store
from xinyong.store.tables import records


def test_small_demo_ingests_every_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xinyong.settings import get_settings

    monkeypatch.setenv("XINYONG_SIGNING_KEY_PATH", str(tmp_path / "k.key"))
    get_settings.cache_clear()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    receipts = run_demo(scale="small", seed=7, url=url, data_dir=tmp_path, as_of="2026-11-27")
    manifest = json.loads(next(tmp_path.glob("small-seed7-*/manifest.json")).read_text())
    # the synthetic grade feed is replaced by grades computed from tax records
    feeds = [f for f in manifest["feeds"] if "tax_credit_grade" not in f["kinds"]]
    assert len(feeds) == len(manifest["feeds"]) - 1
    assert len(receipts) == len(feeds)
    for feed, r in zip(feeds, receipts, strict=True):
        assert r.rows == feed["rows"], feed["file"]
        assert r.quarantined == feed["bad_rows"], (feed["file"], r.reasons)
    store = Store(url, Settings(signing_key_path=tmp_path / "k.key"))
    with store.read() as conn:
        listed = conn.execute(
            select(records.c.subject_id).where(records.c.kind == "court_dishonest_listing").limit(1)
        ).scalar_one()
        f = build_file(
            conn,
            get_catalogue(),
            listed,
            on=date(2026, 11, 27),
            known_at=datetime.now(UTC),
            audience=Audience.PUBLIC,
        )
    assert any(r.kind == "court_dishonest_listing" for r in f.records)
    with store.read() as conn:
        grade_keys = [
            k for (k,) in conn.execute(
                select(records.c.source_key).where(records.c.kind == "tax_credit_grade")
            )
        ]  # fmt: skip
        classes = conn.execute(
            select(records.c.record_id).where(records.c.kind == "market_risk_class")
        ).all()
    # one source of truth: every grade is a computed one (TCG-<year>-<uscc>)
    assert grade_keys and all(k.startswith("TCG-") for k in grade_keys)
    assert classes
    get_settings.cache_clear()


def test_small_demo_acts_out_the_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's population produces real proposals, decided by named demo reviewers,
    and notices acknowledged by named officers; the audit chain holds."""
    from tests.support.audit import verify_store

    from xinyong.lists.queries import counts
    from xinyong.settings import get_settings
    from xinyong.store.tables import list_entries, measure_notices

    monkeypatch.setenv("XINYONG_SIGNING_KEY_PATH", str(tmp_path / "k.key"))
    get_settings.cache_clear()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    run_demo(scale="small", seed=7, url=url, data_dir=tmp_path, as_of="2026-11-27")
    store = Store(url, Settings(signing_key_path=tmp_path / "k.key"))
    with store.read() as conn:
        by_list = counts(conn)
        proposal_deciders = {
            r.decided_by
            for r in conn.execute(
                select(list_entries.c.decided_by).where(list_entries.c.via == "proposal")
            )
        }
        ackers = {
            r.acknowledged_by
            for r in conn.execute(
                select(measure_notices.c.acknowledged_by).where(measure_notices.c.status != "sent")
            )
        }
    assert by_list["court_dishonest_debtors"].get("published", 0) > 0
    proposal_lists = ("samr_serious_illegal", "shandong_serious_dishonest", "red_tax_a")
    decided = sum(
        by_list.get(x, {}).get(s, 0) for x in proposal_lists for s in ("published", "rejected")
    )
    assert decided > 0
    assert all(d is None or d.endswith("-reviewer") for d in proposal_deciders)
    assert ackers - {None} and all(a is None or a.endswith("-officer") for a in ackers)
    with store.read() as conn:
        from xinyong.store.tables import cases

        states = {(r.kind, r.status) for r in conn.execute(select(cases.c.kind, cases.c.status))}
    assert {"objection", "appeal", "repair"} <= {k for k, _ in states}
    assert {"open", "decided"} <= {s for _, s in states}
    assert verify_store(store).ok
    get_settings.cache_clear()
