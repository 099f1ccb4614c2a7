"""``xinyong catalogue``, on a fresh Typer app (other command modules may not exist yet)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from xinyong.errors import CatalogueError, NotFound

runner = CliRunner()


def test_show_lists_kinds(app: typer.Typer) -> None:
    r = runner.invoke(app, ["catalogue", "show"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    for text in ("administrative_penalty", "行政处罚法 Art. 48", "while_in_force", "if grade"):
        assert text in r.output


def test_show_json_lists_every_kind(app: typer.Typer) -> None:
    r = runner.invoke(app, ["catalogue", "show", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert {k["id"] for k in data} >= {"administrative_penalty", "residence"}
    grade = next(k for k in data if k["id"] == "tax_credit_grade")
    assert grade["visibility"]["public"] == {"when": {"field": "grade", "in": ["A"]}}


def test_show_one_kind_with_its_regimes(app: typer.Typer) -> None:
    r = runner.invoke(app, ["catalogue", "show", "administrative_penalty"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    for text in (
        "行政处罚信息",
        "Administrative Penalty Law Art. 48",
        "samr_order_107",
        "ndrc_order_58",
        "surname_only",
    ):
        assert text in r.output


def test_show_one_kind_json(app: typer.Typer) -> None:
    r = runner.invoke(app, ["catalogue", "show", "administrative_penalty", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["kind"]["id"] == "administrative_penalty"
    assert data["citations_zh"][0] == "行政处罚法 Art. 48"
    assert {r["id"] for r in data["regimes"]} >= {"samr_order_45", "ndrc_repair_2026"}


def test_show_unknown_kind_is_not_found(app: typer.Typer) -> None:
    r = runner.invoke(app, ["catalogue", "show", "parking_ticket"])
    assert r.exit_code != 0
    assert isinstance(r.exception, NotFound)
    assert r.exception.exit_code == 4


def test_regimes(app: typer.Typer) -> None:
    r = runner.invoke(app, ["catalogue", "regimes"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    assert "samr_order_45" in r.output and "unverified" in r.output
    j = runner.invoke(app, ["catalogue", "regimes", "--json"])
    data = json.loads(j.output)
    r58 = next(x for x in data if x["id"] == "ndrc_order_58")
    assert r58["severities"]["general"]["verified"] == {"display": False, "repair": False}
    assert r58["severities"]["serious"]["display"] == {"n": 3, "unit": "years"}


def test_check(app: typer.Typer, data_copy: Path) -> None:
    ok = runner.invoke(app, ["catalogue", "check", str(data_copy)])
    assert ok.exit_code == 0 and "valid" in ok.output
    (data_copy / "blacklists.yaml").write_text("lists: []\n", encoding="utf-8")
    bad = runner.invoke(app, ["catalogue", "check", str(data_copy)])
    assert isinstance(bad.exception, CatalogueError)
    assert "blacklists.yaml: unknown file" in bad.exception.message
