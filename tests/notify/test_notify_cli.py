"""``xinyong notify`` end to end on the command line (SQLite)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.notify.conftest import PERSON, Receiver, person_penalty
from tests.support.feeds import SAMR_USCC, org_uscc, penalty_row, write_csv
from typer.testing import CliRunner

from xinyong.calendar import today_cst
from xinyong.cli.main import app

Run = Callable[..., str]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    from xinyong.settings import get_settings
    from xinyong.store.engine import dispose_all

    monkeypatch.setenv("XINYONG_SIGNING_KEY_PATH", str(tmp_path / "k.key"))
    monkeypatch.delenv("XINYONG_NOTIFY_ADAPTERS", raising=False)
    get_settings.cache_clear()
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        r = runner.invoke(app, [*args, "--db", db], catch_exceptions=False)
        assert r.exit_code == code, (args, r.exit_code, r.output)
        return r.output

    run("db", "upgrade")
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
    )
    feed = write_csv(
        tmp_path / "p.csv", "penalty_national", [penalty_row(), person_penalty(PERSON, 2)]
    )
    run("ingest", str(feed), "--agency", "rc-samr")
    yield run
    dispose_all()
    get_settings.cache_clear()


def test_notify_commands(cli: Run, receiver: Receiver) -> None:
    run = cli
    out = json.loads(
        run(
            "notify",
            "webhooks",
            "add",
            receiver.url(),
            "--topics",
            "record.*,case.opened",
            "--json",
        )
    )
    hook_id, secret = out["webhook_id"], out["secret"]
    assert secret.startswith("whsec_") and out["subject_id"] is None
    assert out["topics"] == ["case.opened", "record.*"]
    text = run(
        "notify",
        "webhooks",
        "add",
        "https://x.example/h",
        "--topics",
        "*",
        "--subject",
        org_uscc(1),
    )
    assert "shown once" in text and "whsec_" in text
    # exit codes: a bad URL is a usage error (2); an agency watching everything is refused (3)
    run("notify", "webhooks", "add", "ftp://x.example/h", "--topics", "*", code=2)
    run(
        "notify",
        "webhooks",
        "add",
        "https://x.example/h",
        "--topics",
        "*",
        "--as",
        "rc-samr",
        code=3,
    )
    run(
        "notify",
        "webhooks",
        "add",
        "https://x.example/h",
        "--topics",
        "*",
        "--as",
        "nobody",
        code=4,
    )
    hooks = json.loads(run("notify", "webhooks", "list", "--json"))
    assert len(hooks) == 2 and all("secret" not in h for h in hooks)
    assert json.loads(run("notify", "webhooks", "list", "--json", "--as", "rc-samr")) == []

    scanned = json.loads(run("notify", "scan", "--on", today_cst().isoformat(), "--json"))
    assert scanned["emitted"] == 1
    assert "0 record.pending_publication" in run("notify", "scan")
    pending = json.loads(run("notify", "outbox", "--pending", "--json"))
    assert [e["topic"] for e in pending] == ["record.pending_publication"]
    event_id = pending[0]["event_id"]

    run("notify", "deliver", "--adapter", "nope", code=2)
    rep = json.loads(run("notify", "deliver", "--adapter", "log", "--json"))
    assert rep["adapters"] == ["log"] and rep["events_completed"] == 1
    assert rep["webhook_delivered"] == 1 and rep["pending_events"] == 0
    (hit,) = receiver.hits
    assert hit.json()["event_id"] == event_id
    assert json.loads(run("notify", "outbox", "--pending", "--json")) == []
    (ev,) = json.loads(run("notify", "outbox", "--json"))
    assert ev["delivered_at"] and ev["webhooks"] == {"delivered": 1}
    assert "record.pending_publication" in run("notify", "outbox")
    assert "0 events seen" in run("notify", "deliver")

    assert "disabled" in run("notify", "webhooks", "disable", hook_id)
    run("notify", "webhooks", "disable", "NOPE", code=4)
    assert len(json.loads(run("notify", "webhooks", "list", "--json"))) == 1
    root_help = CliRunner().invoke(app, ["--help"]).output
    assert "notify" in root_help
    notify_help = CliRunner().invoke(app, ["notify", "--help"]).output
    assert all(c in notify_help for c in ("deliver", "scan", "outbox", "webhooks"))
