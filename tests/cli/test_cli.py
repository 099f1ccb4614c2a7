"""The command line end to end: set-up, agencies, ingest, file, quarantine, audit, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.feeds import SAMR_USCC, org_uscc, penalty_row, write_csv
from typer.testing import CliRunner

from xinyong.cli.main import app


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
    yield run, db
    dispose_all()
    get_settings.cache_clear()


def test_id_check_json_and_exit_status(cli) -> None:  # type: ignore[no-untyped-def]
    run, _ = cli
    out = json.loads(
        run(
            "id",
            "check",
            "91110000600037341L",
            "９１１１００００６０００３７３４１Ｌ",
            "123",
            "--json",
        )
    )
    assert [o["valid"] for o in out] == [True, True, False]
    assert out[1]["canonical"] == "91110000600037341L" and out[1]["kind"] == "organisation"
    assert out[2]["error"]["code"] == "length" and out[2]["kind"] is None


def test_full_flow_and_exit_codes(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run, db = cli
    run(
        "agencies",
        "add",
        "rc-samr",
        "--name",
        "荣成市市场监督管理局",
        "--uscc",
        SAMR_USCC,
        "--sector",
        "market_regulation",
        "--kinds",
        "administrative_penalty",
        "--db",
        db,
    )
    # registering the same agency again is a no-op; differently is a conflict (exit 3)
    run(
        "agencies",
        "add",
        "rc-samr",
        "--name",
        "荣成市市场监督管理局",
        "--uscc",
        SAMR_USCC,
        "--sector",
        "market_regulation",
        "--kinds",
        "administrative_penalty",
        "--db",
        db,
    )
    run("agencies", "add", "rc-samr", "--name", "别的名字", "--db", db, code=3)
    run("agencies", "add", "rc-x", "--name", "x", "--sector", "nope", "--db", db, code=3)
    bad = penalty_row(
        **{"行政处罚决定书文号": "荣市监罚〔2026〕2号", "处罚决定日期": "2026年13月1日"}
    )
    feed = write_csv(tmp_path / "p.csv", "penalty_national", [penalty_row(), bad])
    receipt = json.loads(run("ingest", str(feed), "--agency", "rc-samr", "--db", db, "--json"))
    assert (receipt["rows"], receipt["accepted"], receipt["quarantined"]) == (2, 1, 1)
    assert set(receipt) >= {
        "batch_id",
        "rows",
        "accepted",
        "duplicates",
        "superseded",
        "quarantined",
        "reasons",
    }
    q = json.loads(run("quarantine", "list", "--batch", receipt["batch_id"], "--db", db, "--json"))
    assert [(x["row"], x["reason"]) for x in q] == [(2, "invalid_date")]
    assert q[0]["raw"]["处罚决定日期"] == "2026年13月1日"
    f = json.loads(run("file", org_uscc(1), "--db", db, "--json", "--purpose", "audit"))
    assert f["records"][0]["decision_no"] == "荣市监罚〔2026〕1号"
    pub = json.loads(run("file", org_uscc(1), "--db", db, "--json", "--audience", "public"))
    assert pub["audience"] == "public"
    run("file", "91110000600037341L", "--db", db, code=4)  # unknown subject
    run("file", org_uscc(1), "--db", db, "--on", "not-a-date", code=2)
    run("ingest", str(tmp_path / "missing.csv"), "--agency", "rc-samr", "--db", db, code=1)
    run("ingest", str(feed), "--agency", "nobody", "--db", db, code=4)
    out = run("audit", "verify", "--db", db)
    assert "chain verified" in out
    assert json.loads(run("audit", "verify", "--db", db, "--json"))["ok"] is True


def test_keys_and_principals(cli) -> None:  # type: ignore[no-untyped-def]
    run, db = cli
    run(
        "principals",
        "add",
        "ops-1",
        "--name",
        "Ops",
        "--org",
        "platform",
        "--roles",
        "supervisor",
        "--db",
        db,
    )
    run(
        "principals",
        "add",
        "ops-2",
        "--name",
        "Ops",
        "--org",
        "platform",
        "--roles",
        "wizard",
        "--db",
        db,
        code=2,
    )
    key = json.loads(run("keys", "create", "ops-1", "--db", db, "--json"))
    assert key["token"].startswith("xy_")
    listed = json.loads(run("keys", "list", "--db", db, "--json"))
    assert key["token"] not in json.dumps(listed)  # only the prefix and hash are stored
    run("keys", "revoke", key["key_id"], "--db", db)
    run("keys", "revoke", key["key_id"], "--db", db, code=4)


def test_catalogue_show(cli) -> None:  # type: ignore[no-untyped-def]
    run, _ = cli
    kinds = json.loads(run("catalogue", "show", "--json"))
    assert {k["id"] for k in kinds} >= {"administrative_penalty", "court_dishonest_listing"}
    run("catalogue", "show", "no_such_kind", code=4)
