"""``xinyong supervision`` on the command line: output, JSON, exit codes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.supervision._world import FIRMS, SAMR, TAX, row
from typer.testing import CliRunner

from xinyong.cli.main import app
from xinyong.supervision.publish import write_feed


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from xinyong.settings import get_settings

    monkeypatch.setenv("XINYONG_SIGNING_KEY_PATH", str(tmp_path / "k.key"))
    get_settings.cache_clear()
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        r = runner.invoke(app, [*args, "--db", db], catch_exceptions=False)
        assert r.exit_code == code, (args, r.exit_code, r.output)
        return r.output

    run("db", "upgrade")
    for a in (TAX, SAMR):
        run("agencies", "add", a.code, "--name", a.name_zh, "--uscc", str(a.uscc),
            "--sector", a.sector, "--kinds", ",".join(a.kinds))  # fmt: skip
    regs = [row(SAMR, "registration", n, f"REG-{n}", on) for n, (on, _) in FIRMS.items()]
    write_feed(tmp_path / "reg.csv", regs)
    run("ingest", str(tmp_path / "reg.csv"), "--agency", SAMR.code)
    run("principals", "add", "tax-clerk", "--name", "clerk", "--org", TAX.code, "--roles", "agency")
    for k in (1, 2):
        run("principals", "add", f"insp-{k}", "--name", f"inspector {k}", "--org", SAMR.code,
            "--roles", "inspector")  # fmt: skip
    yield run
    get_settings.cache_clear()


def test_grades_dry_run_then_publish(cli) -> None:  # type: ignore[no-untyped-def]
    out = json.loads(cli("supervision", "grades", "--year", "2025", "--on", "2026-04-20",
                         "--dry-run", "--json"))  # fmt: skip
    assert out["counts"] == {"A": 4} and out["published"] is None
    text = cli("supervision", "grades", "--year", "2025", "--on", "2026-04-20", "--as", "tax-clerk")
    assert "4 record(s) sent" in text
    text = cli("supervision", "grades", "--year", "2025", "--on", "2026-04-20")
    assert "nothing new" in text
    # the grade of a year is evaluated after the year; a market-regulator clerk may not grade
    cli("supervision", "grades", "--year", "2026", "--on", "2026-04-20", code=2)
    cli("supervision", "grades", "--year", "2025", "--as", "insp-1", code=3)
    cli("supervision", "grades", "--year", "2025", "--engine", "pandas", code=2)


def test_classes_plan_conflicts_and_outcomes(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.feeds import org_uscc

    out = json.loads(cli("supervision", "risk-classes", "--on", "2026-07-10", "--json"))
    assert out["counts"] == {"B": 4} and out["published"]["accepted"] == 4
    cli("supervision", "conflicts", "add", "insp-1", org_uscc(1), "--reason", "曾在该企业任职",
        "--on", "2026-07-10")  # fmt: skip
    cli("supervision", "conflicts", "add", "insp-1", "91000000000000000X", "--reason", "x", code=4)
    listed = json.loads(cli("supervision", "conflicts", "list", "--json"))
    assert listed == [{"inspector": "insp-1", "uscc": org_uscc(1), "reason": "曾在该企业任职",
                       "recorded_on": "2026-07-10"}]  # fmt: skip
    plan = json.loads(cli("supervision", "plan", "--period", "2026-H2", "--seed", "9",
                          "--rates", "B=1", "--classes-on", "2026-07-10", "--json"))  # fmt: skip
    assert plan["selected"] == 4
    firms = {f["uscc"]: f for f in plan["firms"]}
    # two inspectors per firm, but insp-1 may not inspect firm 1: it stays unassigned
    assert firms[org_uscc(1)]["inspectors"] == [] and plan["unassigned"] == 1
    assert all(
        sorted(f["inspectors"]) == ["insp-1", "insp-2"]
        for u, f in firms.items()
        if u != org_uscc(1)
    )
    cli("supervision", "plan", "--period", "2026-H2", "--seed", "10", "--rates", "B=1", code=3)
    cli("supervision", "plan", "--period", "2026-H3", "--seed", "1", code=2)
    cli("supervision", "plan", "--period", "2027", "--seed", "1", "--rates", "B=7", code=2)
    outcomes = [row(SAMR, "inspection_outcome", 2, f"SC-{plan['plan_id']}-2", date(2026, 7, 20),
                    content="not_at_registered_address")]  # fmt: skip
    write_feed(tmp_path / "outcomes.csv", outcomes)
    text = cli("supervision", "outcomes", "ingest", str(tmp_path / "outcomes.csv"))
    assert "1 new" in text
    out = json.loads(cli("supervision", "risk-classes", "--on", "2026-07-21", "--json"))
    assert out["counts"] == {"B": 3, "C": 1} and out["published"]["superseded"] == 1
    cli("supervision", "outcomes", "ingest", str(tmp_path / "missing.csv"), code=1)
    # a file with another kind is refused whole: nothing ingested
    other = [row(SAMR, "annual_report", 3, "NB-2025-3", date(2026, 5, 1))]
    write_feed(tmp_path / "other.csv", [*outcomes, *other])
    cli("supervision", "outcomes", "ingest", str(tmp_path / "other.csv"), code=1)
