"""``xinyong scheme``: consent, evaluate, compare and refusals from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.schemes.test_evaluate import _seed_store
from typer.testing import CliRunner

from xinyong.cli.main import app
from xinyong.settings import Settings
from xinyong.store.context import Store


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from xinyong.settings import get_settings
    from xinyong.store.engine import dispose_all

    monkeypatch.setenv("XINYONG_SIGNING_KEY_PATH", str(tmp_path / "k.key"))
    get_settings.cache_clear()
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        r = runner.invoke(app, [*args], catch_exceptions=False)
        assert r.exit_code == code, (args, r.exit_code, r.output)
        return r.output

    run("db", "upgrade", "--db", db)
    _seed_store(Store(db, Settings(signing_key_path=tmp_path / "k.key")))
    yield run, db
    dispose_all()
    get_settings.cache_clear()


def test_consent_evaluate_compare(cli: Any, tmp_path: Path) -> None:
    run, db = cli
    run("scheme", "consent", "give", "rongcheng", "inside", "--on", "2026-01-01", "--db", db)
    run(
        "scheme", "consent", "give", "rongcheng", "inside", "--on", "2026-02-01", "--db", db, code=3
    )
    out = json.loads(
        run("scheme", "evaluate", "rongcheng", "--on", "2026-10-15", "--db", db, "--json")
    )
    assert out["scored"] == 1 and out["tiers"]["B"] == 1 and out["as_of"] == "2026-10-15"
    # a variant without the rule that moved the score: the resident moves up to A
    variant = tmp_path / "variant.yaml"
    from xinyong.schemes import load_scheme
    from xinyong.schemes.variants import without_rule

    without_rule(load_scheme("rongcheng"), "dishonest_judgment_debtor", variant)
    report = tmp_path / "report"
    c = json.loads(
        run(
            "scheme",
            "compare",
            "rongcheng",
            str(variant),
            "--on",
            "2026-10-15",
            "--out",
            str(report),
            "--db",
            db,
            "--json",
        )
    )
    assert c["tier_changes"] == {"up": 1, "down": 0, "same": 0}
    assert c["matrix"]["B"]["A"] == 1
    for name in ("scores.png", "tiers.png", "index.html", "comparison.json"):
        assert (report / name).stat().st_size > 100
    assert (report / "scores.png").read_bytes()[:4] == b"\x89PNG"
    assert "1</strong> residents move to a higher tier" in (report / "index.html").read_text()
    run("scheme", "consent", "withdraw", "rongcheng", "inside", "--on", "2026-10-01", "--db", db)
    out = json.loads(
        run("scheme", "evaluate", "rongcheng", "--on", "2026-10-15", "--db", db, "--json")
    )
    assert out["scored"] == 0 and out["residents"] == 1


def test_refusals_and_exit_codes(cli: Any, tmp_path: Path) -> None:
    run, db = cli
    bad = tmp_path / "bad.yaml"
    text = (Path(__file__).parents[2] / "src/xinyong/schemes/data/rongcheng.yaml").read_text()
    bad.write_text(text.replace("match: {kind: honour}", "match: {kind: honour_roll}"))
    r = CliRunner().invoke(app, ["scheme", "check", str(bad)])
    assert r.exit_code == 3
    assert f"{bad}:" in r.output and "unknown record kind 'honour_roll'" in r.output
    run("scheme", "evaluate", "nowhere", "--db", db, code=4)
    run("scheme", "evaluate", "rongcheng", "--engine", "polars", "--db", db, code=2)
    run("scheme", "consent", "withdraw", "rongcheng", "inside", "--db", db, code=4)
    assert "rongcheng" in run("scheme", "list")
