"""Yearly schedule files: the format, and errors that name the offending entry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from xinyong.calendar import (
    ScheduleError,
    YearSchedule,
    load_schedule_file,
    package_schedules,
    parse_schedule_yaml,
)
from xinyong.calendar_data import EXAMPLE_2027
from xinyong.errors import UnusableInput

FIXTURE = Path(__file__).parent / "data" / "2027-fixture.yaml"

GOOD = """
year: 2027
source: "test"
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
  - {name: 端午, date: 2027-06-09}
  - 2027-09-15
workdays:
  - {name: 国庆, date: 2027-10-09}
  - "2027-09-26"
"""


def _bad(text: str, *fragments: str) -> ScheduleError:
    with pytest.raises(ScheduleError) as e:
        parse_schedule_yaml(text, origin="t.yaml")
    for f in fragments:
        assert f in e.value.message, e.value.message
    assert e.value.message.startswith("t.yaml")
    return e.value


def test_good_file_forms() -> None:
    s = parse_schedule_yaml(GOOD)
    assert s.year == 2027
    assert s.holidays == {
        date(2027, 1, 1),
        date(2027, 1, 2),
        date(2027, 1, 3),
        date(2027, 6, 9),
        date(2027, 9, 15),
    }
    assert s.workdays == {date(2027, 10, 9), date(2027, 9, 26)}
    assert s.names[date(2027, 1, 2)] == "元旦"
    assert s.names[date(2027, 10, 9)] == "国庆"
    assert date(2027, 9, 15) not in s.names
    assert s.loaded_at is not None and s.loaded_at.tzinfo is not None
    assert [(p.first, p.last, p.name) for p in s.periods()] == [
        (date(2027, 1, 1), date(2027, 1, 3), "元旦"),
        (date(2027, 6, 9), date(2027, 6, 9), "端午"),
        (date(2027, 9, 15), date(2027, 9, 15), None),
    ]


def test_fixture_file_loads() -> None:
    s = load_schedule_file(FIXTURE)
    assert s.year == 2027 and "fixture" in s.source
    assert date(2027, 2, 20) in s.workdays


def test_shipped_example_is_refused_unless_allowed() -> None:
    with pytest.raises(ScheduleError, match="example"):
        load_schedule_file(str(EXAMPLE_2027))
    s = load_schedule_file(str(EXAMPLE_2027), allow_example=True)
    assert s.year == 2027
    assert "EXAMPLE" in s.source
    assert "EXAMPLE ONLY" in EXAMPLE_2027.read_text(encoding="utf-8")


def test_example_flag_marks_the_source(tmp_path: Path) -> None:
    text = GOOD + "example: true\n"
    s = parse_schedule_yaml(text, allow_example=True)
    assert s.source.startswith("EXAMPLE")


def test_serialisation_round_trip_is_sorted() -> None:
    s = load_schedule_file(FIXTURE)
    dumped = s.model_dump(mode="json")
    assert dumped["holidays"] == sorted(dumped["holidays"])
    assert YearSchedule.model_validate_json(s.model_dump_json()) == s


def test_package_schedules_mirror_chinesecalendar() -> None:
    import chinese_calendar

    s = package_schedules()[2025]
    assert s.holidays == {d for d in chinese_calendar.holidays if d.year == 2025}
    assert s.workdays == {d for d in chinese_calendar.workdays if d.year == 2025}
    assert s.source.startswith("chinesecalendar")
    assert "国庆" in s.names[date(2025, 10, 1)]


# -- errors -------------------------------------------------------------------


def test_date_outside_year_names_entry() -> None:
    e = _bad(
        GOOD.replace("from: 2027-01-01", "from: 2026-12-31"),
        "holidays[0]",
        "2026-12-31 is not in 2027",
        "元旦",
    )
    assert isinstance(e, UnusableInput) and e.exit_code == 1


def test_workday_outside_year() -> None:
    _bad(GOOD.replace('"2027-09-26"', "2028-01-01"), "workdays[1]", "not in 2027")


def test_both_holiday_and_workday() -> None:
    _bad(
        GOOD.replace('"2027-09-26"', "2027-01-02"),
        "2027-01-02 is both a holiday",
        "holidays[0]",
        "workdays[1]",
    )


def test_workday_on_a_weekday() -> None:
    _bad(GOOD.replace('"2027-09-26"', "2027-09-27"), "workdays[1]", "Monday", "调休")


def test_duplicate_across_entries() -> None:
    _bad(
        GOOD.replace("- 2027-09-15", "- 2027-01-02"),
        "holidays[2]",
        "2027-01-02 is already listed by holidays[0]",
    )


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("{name: x, from: 2027-01-05, to: 2027-01-03}", "'from' 2027-01-05 is after 'to'"),
        ("{name: x, from: 2027-01-05}", "needs both 'from' and 'to'"),
        ("{name: x, date: 2027-01-05, from: 2027-01-05, to: 2027-01-06}", "not both"),
        ("{name: x, from: 2027-03-01, to: 2027-05-01}", "longer than any holiday period"),
        ("{name: x, day: 2027-01-05}", "unknown key(s) day"),
        ("{name: x}", "needs 'date' or 'from' and 'to'"),
        ("{name: '', date: 2027-01-05}", "name must be non-empty"),
        ("2027-13-01", "is not a date"),
        ("2027-02-30", "'2027-02-30' is not a date"),
        ("tomorrow", "is not a date"),
        ("2027-01-05 09:00:00", "has a time"),
    ],
)
def test_bad_holiday_entries(entry: str, fragment: str) -> None:
    text = f"year: 2027\nsource: t\nholidays:\n  - 2027-06-09\n  - {entry}\n"
    _bad(text, "holidays[1]", fragment)


def test_workday_ranges_are_refused() -> None:
    text = GOOD.replace('"2027-09-26"', "{from: 2027-09-25, to: 2027-09-26}")
    _bad(text, "workdays[1]", "unknown key(s) from, to")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("year: 2027\nholidays: [2027-01-01]\n", "'source' is required"),
        ("year: 2027\nsource: '  '\nholidays: [2027-01-01]\n", "'source' is required"),
        ("source: t\nholidays: [2027-01-01]\n", "'year' must be a year"),
        ("year: '2027'\nsource: t\nholidays: [2027-01-01]\n", "'year' must be a year"),
        ("year: true\nsource: t\nholidays: [2027-01-01]\n", "'year' must be a year"),
        ("year: 2027\nsource: t\n", "'holidays' is required"),
        ("year: 2027\nsource: t\nholidays: []\n", "no holidays for 2027"),
        ("year: 2027\nsource: t\nholidays: 2027-01-01\n", "'holidays' must be a list"),
        ("year: 2027\nsource: t\nholiday: [2027-01-01]\n", "unknown key(s) holiday"),
        ("year: 2027\nsource: t\nexample: maybe\nholidays: [2027-01-01]\n", "'example'"),
        ("- 2027-01-01\n", "expected a mapping"),
        ("year: 2027\nsource: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_files(text: str, fragment: str) -> None:
    _bad(text, fragment)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="no such file"):
        load_schedule_file(tmp_path / "2027.yaml")


def test_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "2027.yaml"
    p.write_bytes("year: 2027\nsource: 国办\n".encode("gb18030"))
    with pytest.raises(ScheduleError, match="UTF-8"):
        load_schedule_file(p)


def test_model_level_validation() -> None:
    """Schedules built in code (e.g. read back from the store) are checked too."""
    ok = {"year": 2027, "holidays": {date(2027, 1, 1)}, "source": "t"}
    YearSchedule(**ok, loaded_at=datetime(2026, 11, 27, tzinfo=UTC))  # type: ignore[arg-type]
    bad_cases: list[tuple[dict[str, object], str]] = [
        ({"holidays": {date(2026, 1, 1)}}, "not in 2027"),
        ({"workdays": {date(2027, 1, 1)}}, "both a holiday"),
        ({"workdays": {date(2027, 1, 4)}}, "Saturdays or Sundays"),
        ({"holidays": set()}, "no holidays"),
        ({"names": {date(2027, 3, 3): "x"}}, "names given"),
        ({"source": ""}, "source"),
    ]
    for change, fragment in bad_cases:
        with pytest.raises(ValueError, match=fragment):
            YearSchedule(**{**ok, **change})  # type: ignore[arg-type]


def test_yaml_dates_and_strings_agree() -> None:
    a = parse_schedule_yaml("year: 2027\nsource: t\nholidays: [2027-01-01]\n")
    b = parse_schedule_yaml(
        yaml.safe_dump({"year": 2027, "source": "t", "holidays": ["2027-01-01"]})
    )
    assert a.holidays == b.holidays
