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
    assert len(receipts) == len(manifest["feeds"])
    for feed, r in zip(manifest["feeds"], receipts, strict=True):
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
    get_settings.cache_clear()
