"""The scorecard commands end to end, and their refusals (exit status, one line)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from tests.scorecard._support import GERMAN, TARGET
from typer.testing import CliRunner

from xinyong.cli.main import app


def run(*args: str, code: int = 0) -> str:
    r = CliRunner().invoke(app, [*args], catch_exceptions=False)
    assert r.exit_code == code, (args, r.exit_code, r.output)
    if code:
        assert "Traceback" not in r.output
    return r.output


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("card") / "card.json"
    o = json.loads(
        run(
            "scorecard",
            "fit",
            "--data",
            str(GERMAN),
            "--target",
            TARGET,
            "--bad",
            "bad",
            "--out",
            str(out),
            "--seed",
            "3",
            "--json",
        )
    )
    assert o["rows"] == 1000 and o["bad"] == 300 and o["characteristics"]
    return out


def test_fit_table_output(tmp_path: Path) -> None:
    out = run(
        "scorecard",
        "fit",
        "--data",
        str(GERMAN),
        "--target",
        TARGET,
        "--bad",
        "bad",
        "--out",
        str(tmp_path / "c.json"),
        "--range",
        "350-950",
    )
    assert "card written" in out
    assert json.loads((tmp_path / "c.json").read_text())["score_range"] == [350.0, 950.0]


def test_score_evaluate_monitor(card: Path, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    rows = list(csv.reader(GERMAN.open()))
    rows[0].append("applicant")
    for i, r in enumerate(rows[1:]):
        r.append(f"A{i:04d}")
    rows[2][3] = "time machine"  # unseen purpose
    rows[3][1] = ""  # missing duration
    with data.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / "s.csv"
    run(
        "scorecard",
        "score",
        "--card",
        str(card),
        "--data",
        str(data),
        "--out",
        str(out),
        "--id",
        "applicant",
    )
    got = list(csv.DictReader(out.open()))
    assert len(got) == 1000
    assert list(got[0]) == ["applicant", "score", *(f"reason_{i}" for i in range(1, 6))]
    assert got[0]["applicant"] == "A0000"
    assert all(300 <= int(r["score"]) <= 850 for r in got)
    names = set(json.loads(card.read_text())["characteristics"][i]["name"] for i in range(3))
    assert any(r["reason_1"] in names for r in got)

    m = json.loads(
        run(
            "scorecard",
            "evaluate",
            "--card",
            str(card),
            "--data",
            str(data),
            "--target",
            TARGET,
            "--bad",
            "bad",
            "--json",
        )
    )
    assert set(m) == {"n", "auc", "ks", "gini"} and m["n"] == 1000 and m["auc"] > 0.78
    m2 = json.loads(
        run("scorecard", "evaluate", "--card", str(card), "--data", str(data), "--json")
    )
    assert m2 == m

    p = json.loads(
        run(
            "scorecard",
            "monitor",
            "--card",
            str(card),
            "--expected",
            str(GERMAN),
            "--actual",
            str(data),
            "--json",
        )
    )
    assert p["psi"] < 0.01 and len(p["characteristics"]) == len(
        json.loads(card.read_text())["characteristics"]
    )
    assert "score" in run(
        "scorecard",
        "monitor",
        "--card",
        str(card),
        "--expected",
        str(GERMAN),
        "--actual",
        str(data),
    )


def test_refusals(card: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "h.csv"
    header_only.write_text(GERMAN.open().readline())
    three = tmp_path / "three.csv"
    three.write_text("x,y\n1,a\n2,b\n3,c\n")
    g = str(GERMAN)
    fit = ("scorecard", "fit", "--out", str(tmp_path / "o.json"))
    assert "unknown column" in run(*fit, "--data", g, "--target", "nope", "--bad", "bad", code=2)
    assert "exactly two values" in run(
        *fit, "--data", str(three), "--target", "y", "--bad", "a", code=1
    )
    assert "empty" in run(*fit, "--data", str(empty), "--target", "y", "--bad", "a", code=1)
    assert "no rows" in run(
        *fit, "--data", str(header_only), "--target", TARGET, "--bad", "bad", code=1
    )
    assert "not a value" in run(*fit, "--data", g, "--target", TARGET, "--bad", "1", code=2)
    assert "no such file" in run(
        *fit, "--data", str(tmp_path / "no.csv"), "--target", "y", "--bad", "a", code=1
    )
    run(*fit, "--data", g, "--target", TARGET, "--bad", "bad", "--range", "9-1", code=2)
    run(*fit, "--data", g, "--target", TARGET, "--bad", "bad", "--exclude", "zzz", code=2)

    s = ("scorecard", "score", "--card", str(card), "--out", str(tmp_path / "s.csv"))
    assert "unknown column" in run(*s, "--data", str(three), code=2)
    assert "empty" in run(*s, "--data", str(empty), code=1)
    bad_card = tmp_path / "bad.json"
    bad_card.write_text('{"format": "xinyong.scorecard", "format_version": 9}')
    assert "format_version" in run(
        "scorecard",
        "score",
        "--card",
        str(bad_card),
        "--data",
        g,
        "--out",
        str(tmp_path / "s.csv"),
        code=1,
    )
    e = ("scorecard", "evaluate", "--card", str(card), "--data", g)
    assert "unknown column" in run(*e, "--target", "nope", "--bad", "bad", code=2)
    assert "exactly two values" in run(*e, "--target", "purpose", "--bad", "business", code=1)
    shutil.copy(header_only, tmp_path / "h2.csv")
    assert "no rows" in run(
        "scorecard",
        "monitor",
        "--card",
        str(card),
        "--expected",
        g,
        "--actual",
        str(tmp_path / "h2.csv"),
        code=1,
    )
