"""``xinyong subjects key`` and ``xinyong cases`` on the command line, with exit codes."""

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
    run(
        "principals",
        "add",
        "samr-rev",
        "--name",
        "审核员",
        "--org",
        "rc-samr",
        "--roles",
        "reviewer",
    )
    feed = write_csv(
        tmp_path / "p.csv", "penalty_national", [penalty_row(**{"统一社会信用代码": org_uscc(4)})]
    )
    run("ingest", str(feed), "--agency", "rc-samr")
    yield run
    dispose_all()
    get_settings.cache_clear()


def test_subject_objects_and_reviewer_decides(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli
    run("subjects", "key", org_uscc(4), "--verified-by", "", code=2)
    key = json.loads(
        run("subjects", "key", org_uscc(4), "--verified-by", "营业执照原件核验", "--json")
    )
    assert key["key"].startswith("xy_") and key["principal"].startswith("subject-")
    me = key["principal"]
    f = json.loads(run("file", org_uscc(4), "--purpose", "x", "--json"))
    record_id = f["records"][0]["record_id"]
    run("cases", "object", "record:" + record_id, "--reason", "x", "--as", "samr-rev", code=3)
    run("cases", "object", "nonsense", "--reason", "x", "--as", me, code=2)
    case = json.loads(
        run(
            "cases",
            "object",
            "record:" + record_id,
            "--reason",
            "金额错误",
            "--as",
            me,
            "--on",
            "2026-11-27",
            "--json",
        )
    )
    assert case["due_on"] == "2026-12-02"  # 3 working days from Fri 27 Nov: Mon 30, Tue 1, Wed 2
    listed = json.loads(run("cases", "list", "--subject", org_uscc(4), "--json"))
    assert [c["case_id"] for c in listed] == [case["case_id"]]
    assert json.loads(run("cases", "overdue", "--on", "2026-12-02", "--json")) == []
    assert [
        c["case_id"] for c in json.loads(run("cases", "overdue", "--on", "2026-12-03", "--json"))
    ] == [case["case_id"]]
    run(
        "cases",
        "decide",
        case["case_id"],
        "--outcome",
        "granted",
        "--by",
        "samr-rev",
        "--reason",
        "x",
        code=3,
    )
    run(
        "cases",
        "decide",
        case["case_id"],
        "--outcome",
        "corrected",
        "--by",
        "samr-rev",
        "--reason",
        "x",
        "--corrections",
        "{not json",
        code=2,
    )
    out = json.loads(
        run(
            "cases",
            "decide",
            case["case_id"],
            "--outcome",
            "withdrawn",
            "--by",
            "samr-rev",
            "--reason",
            "记录有误，撤回公示",
            "--json",
        )
    )
    assert out["outcome"] == "withdrawn"
    public = json.loads(run("file", org_uscc(4), "--audience", "public", "--json"))
    assert public["records"] == []
    hist = json.loads(run("cases", "show", case["case_id"], "--json"))["history"]
    assert [h["event"] for h in hist] == ["opened", "decided"]
    assert "chain verified" in run("audit", "verify")
