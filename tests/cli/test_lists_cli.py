"""``xinyong lists``, ``notices``, ``check`` and ``screen`` end to end on the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.support.feeds import (
    COURT_USCC,
    SAMR_USCC,
    court_row,
    org_uscc,
    penalty_row,
    person_ric,
    write_csv,
    write_jsonl,
)
from typer.testing import CliRunner

from xinyong.cli.main import app

TODAY = "2026-11-27"


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
        "agencies",
        "add",
        "rc-court",
        "--name",
        "荣成市人民法院",
        "--uscc",
        COURT_USCC,
        "--sector",
        "court",
        "--kinds",
        "court_dishonest_listing",
    )
    run("agencies", "add", "air", "--name", "航空公司", "--implements", "civil_aviation")
    run("agencies", "add", "bad", "--name", "x", "--implements", "spaceflight", code=3)
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
    run(
        "principals",
        "add",
        "air-officer",
        "--name",
        "联络员",
        "--org",
        "air",
        "--roles",
        "implementing_officer",
    )
    penalties = write_csv(
        tmp_path / "p.csv",
        "penalty_national",
        [penalty_row(**{"处罚类别": "吊销营业执照", "统一社会信用代码": org_uscc(3)})],
    )
    run("ingest", str(penalties), "--agency", "rc-samr")
    court = write_jsonl(tmp_path / "c.jsonl", [court_row(1, grounds="2")])
    run("ingest", str(court), "--agency", "rc-court", "--mapping", "canonical_en")
    yield run, tmp_path
    dispose_all()
    get_settings.cache_clear()


def test_propose_decide_show_and_exit_codes(cli) -> None:  # type: ignore[no-untyped-def]
    run, _ = cli
    rep = json.loads(run("lists", "propose", "--on", TODAY, "--json"))
    assert rep["published"] == {"court_dishonest_debtors": 1}
    assert rep["proposed"]["samr_serious_illegal"] == 1
    pending = json.loads(run("lists", "pending", "--json"))
    pid = next(p["entry_id"] for p in pending if p["list_id"] == "samr_serious_illegal")

    run(
        "lists", "decide", pid, "--approve", "--reviewer", "admin", "--reason", "x", code=3
    )  # 403 → 3
    run("lists", "decide", pid, "--approve", "--reviewer", "samr-rev", "--reason", "", code=2)
    e = json.loads(
        run(
            "lists",
            "decide",
            pid,
            "--approve",
            "--reviewer",
            "samr-rev",
            "--reason",
            "吊销营业执照，情节严重",
            "--on",
            TODAY,
            "--json",
        )
    )
    assert e["status"] == "published" and e["term_end"] == "2029-11-27"
    run(
        "lists", "decide", pid, "--reject", "--reviewer", "samr-rev", "--reason", "x", code=3
    )  # 409
    run("lists", "decide", "NOPE", "--reject", "--reviewer", "samr-rev", "--reason", "x", code=4)

    shown = json.loads(run("lists", "show", "samr_serious_illegal", "--on", TODAY, "--json"))
    assert [s["entry_id"] for s in shown] == [pid] and shown[0]["identifier"] == org_uscc(3)
    assert (
        json.loads(run("lists", "show", "samr_serious_illegal", "--on", "2026-11-26", "--json"))
        == []
    )
    out = run("lists", "remove", pid, "--reviewer", "samr-rev", "--reason", "x", code=3)
    assert "removal event" in out
    hist = json.loads(run("lists", "entry", pid, "--json"))["history"]
    assert [h["event"] for h in hist] == ["proposed", "published"]

    # the court entry (ground 2, decided 2026-02-01) ends after its 2-year term
    assert json.loads(run("lists", "expire", "--on", "2028-01-31", "--json"))["expired"] == 0
    assert json.loads(run("lists", "expire", "--on", "2028-02-01", "--json"))["expired"] == 1
    assert json.loads(run("lists", "expire", "--on", "2028-02-01", "--json"))["expired"] == 0
    assert "chain verified" in run("audit", "verify")


def test_notices_check_and_signed_screening(cli) -> None:  # type: ignore[no-untyped-def]
    run, tmp = cli
    run("lists", "propose", "--on", TODAY)
    ric = person_ric(1, date(1985, 1, 1))
    a = json.loads(run("check", ric, "--measure", "consumption_flights", "--on", TODAY, "--json"))
    assert a["known"] and not a["restricted"]
    queue = json.loads(run("notices", "list", "--agency", "air", "--json"))
    assert len(queue) == 1
    run("notices", "ack", queue[0]["notice_id"], "--officer", "samr-rev", code=3)
    run("notices", "ack", queue[0]["notice_id"], "--officer", "air-officer", "--on", TODAY)
    run("notices", "report", queue[0]["notice_id"], "--officer", "air-officer", "--applied")
    a = json.loads(run("check", ric, "--measure", "consumption_flights", "--on", TODAY, "--json"))
    assert a["restricted"] and a["entries"][0]["list_id"] == "court_dishonest_debtors"
    run("check", ric, "--measure", "consumption_flights", "--as", "air-officer", "--on", TODAY)
    run("check", ric, "--measure", "court_tendering_restriction", "--as", "air-officer", code=3)

    src = tmp / "bidders.csv"
    src.write_text(
        "name,code\n甲," + ric + "\n乙," + person_ric(50) + "\n丙," + org_uscc(3) + "\n",
        encoding="utf-8",
    )
    out = tmp / "result.csv"
    summary = json.loads(
        run(
            "screen",
            "run",
            str(src),
            "--measure",
            "consumption_flights",
            "--out",
            str(out),
            "--on",
            TODAY,
            "--json",
        )
    )
    assert summary == {**summary, "rows": 3, "restricted": 1, "unknown": 1}
    assert "true" in out.read_text(encoding="utf-8").splitlines()[1]
    assert CliRunner().invoke(app, ["screen", "verify", str(out)]).exit_code == 0
    out.write_text(out.read_text(encoding="utf-8").replace("true", "fals"), encoding="utf-8")
    r = CliRunner().invoke(app, ["screen", "verify", str(out)])
    assert r.exit_code == 3 and "changed" in r.output
