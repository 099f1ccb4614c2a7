"""``xinyong calendar`` on a fresh Typer app (the root app imports modules not built yet)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import chinese_calendar
import pytest
import typer
from typer.testing import CliRunner

from xinyong.calendar import ScheduleError
from xinyong.calendar_data import EXAMPLE_2027
from xinyong.cli import calendar_cmd
from xinyong.errors import UsageError

FIXTURE = Path(__file__).parent / "data" / "2027-fixture.yaml"
runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    a = typer.Typer()
    calendar_cmd.register(a)
    return a


@pytest.fixture
def package_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run without any store, whatever this checkout contains."""
    monkeypatch.setattr(calendar_cmd, "load_schedules", lambda engine: {})


def test_deadline_known_year(app: typer.Typer, package_only: None) -> None:
    r = runner.invoke(app, ["calendar", "deadline", "2025-09-26", "5 working_days"])
    assert r.exit_code == 0, r.output
    assert "2025-10-10" in r.output and "final" in r.output


def test_deadline_json(app: typer.Typer, package_only: None) -> None:
    r = runner.invoke(app, ["calendar", "deadline", "2026-09-28", "5 working_days", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    d, count = date(2026, 9, 28), 0
    while count < 5:  # independent reference
        d = date.fromordinal(d.toordinal() + 1)
        count += chinese_calendar.is_workday(d)
    assert body == {
        "start": "2026-09-28",
        "duration": "5 working_days",
        "due": d.isoformat(),
        "provisional": False,
        "unit": "working_days",
        "n": 5,
    }


def test_deadline_into_2027_is_provisional(app: typer.Typer, package_only: None) -> None:
    r = runner.invoke(app, ["calendar", "deadline", "2026-12-28", "10 working_days"])
    assert r.exit_code == 0, r.output
    assert "2027-01-11" in r.output
    assert "provisional" in r.output and "2027" in r.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["2026-13-01", "5 working_days"], "START"),
        (["2026-12-01", "5 fortnights"], "unit"),
        (["2026-12-01", "five working_days"], "duration"),
    ],
)
def test_deadline_bad_input_is_a_usage_error(
    app: typer.Typer, package_only: None, args: list[str], fragment: str
) -> None:
    r = runner.invoke(app, ["calendar", "deadline", *args])
    assert r.exit_code != 0
    assert isinstance(r.exception, UsageError) and fragment in r.exception.message


def test_show_package_year(app: typer.Typer, package_only: None) -> None:
    r = runner.invoke(app, ["calendar", "show", "2025"])
    assert r.exit_code == 0, r.output
    assert "chinesecalendar" in r.output and "2025-09-28" in r.output and "国庆" in r.output


def test_show_json_matches_package(app: typer.Typer, package_only: None) -> None:
    r = runner.invoke(app, ["calendar", "show", "2026", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert body["origin"] == "chinesecalendar" and body["known"] is True
    expected = sorted(d.isoformat() for d in chinese_calendar.holidays if d.year == 2026)
    assert body["holidays"] == expected
    assert "2026-02-14" in body["workdays"] and "2026-02-28" in body["workdays"]


def test_show_unknown_year(app: typer.Typer, package_only: None) -> None:
    r = runner.invoke(app, ["calendar", "show", "2027"])
    assert r.exit_code == 0, r.output
    assert "no holiday schedule" in r.output and "provisional" in r.output
    r = runner.invoke(app, ["calendar", "show", "2027", "--json"])
    assert json.loads(r.output) == {"year": 2027, "origin": "weekends_only", "known": False}


def test_load_check_only(app: typer.Typer) -> None:
    r = runner.invoke(app, ["calendar", "load", str(FIXTURE), "--check"])
    assert r.exit_code == 0, r.output
    assert "valid" in r.output and "2027" in r.output


def test_load_rejects_bad_file(app: typer.Typer, tmp_path: Path) -> None:
    bad = tmp_path / "2027.yaml"
    bad.write_text("year: 2027\nsource: t\nholidays:\n  - 2026-12-31\n", encoding="utf-8")
    r = runner.invoke(app, ["calendar", "load", str(bad), "--check"])
    assert r.exit_code != 0
    assert isinstance(r.exception, ScheduleError)
    assert "holidays[0]" in r.exception.message and r.exception.exit_code == 1


def test_load_refuses_example_without_flag(app: typer.Typer) -> None:
    r = runner.invoke(app, ["calendar", "load", str(EXAMPLE_2027), "--check"])
    assert isinstance(r.exception, ScheduleError)
    r = runner.invoke(app, ["calendar", "load", str(EXAMPLE_2027), "--check", "--allow-example"])
    assert r.exit_code == 0, r.output


def test_load_overriding_a_package_year_warns(app: typer.Typer, tmp_path: Path) -> None:
    f = tmp_path / "2026.yaml"
    f.write_text("year: 2026\nsource: t\nholidays: [2026-01-01]\n", encoding="utf-8")
    r = runner.invoke(app, ["calendar", "load", str(f), "--check"])
    assert r.exit_code == 0, r.output
    assert "replaces" in r.output


def test_load_then_deadline_with_real_store(app: typer.Typer, tmp_path: Path) -> None:
    from xinyong.store.context import Store
    from xinyong.store.migrate import upgrade

    db = f"sqlite:///{tmp_path / 'cal.db'}"
    upgrade(Store(db))  # a fresh store, as `xinyong db upgrade` leaves it
    before = runner.invoke(
        app, ["calendar", "deadline", "2026-12-28", "10 working_days", "--db", db, "--json"]
    )
    assert json.loads(before.output)["provisional"] is True
    r = runner.invoke(app, ["calendar", "load", str(FIXTURE), "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app, ["calendar", "deadline", "2026-12-28", "10 working_days", "--db", db, "--json"]
    )
    body = json.loads(r.output)
    assert body["provisional"] is False and body["due"] == "2027-01-12"
