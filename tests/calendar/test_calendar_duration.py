"""Typed durations: the string and dict forms the catalogue YAML writes."""

from __future__ import annotations

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from xinyong.calendar import Duration, DurationError, DurationUnit
from xinyong.errors import UnusableInput


class Rule(BaseModel):
    """Stand-in for a catalogue model with a Duration field."""

    name: str
    within: Duration


@pytest.mark.parametrize("unit", list(DurationUnit))
def test_str_round_trip(unit: DurationUnit) -> None:
    d = Duration(n=15, unit=unit)
    assert str(d) == f"15 {unit.value}"
    assert Duration.parse(str(d)) == d


def test_parse_examples() -> None:
    assert Duration.parse("15 calendar_days") == Duration(n=15, unit=DurationUnit.CALENDAR_DAYS)
    assert Duration.parse("  3 working_days ") == Duration(n=3, unit="working_days")
    # singular units, spaces and case are accepted; str() is always canonical
    assert str(Duration.parse("1 working day")) == "1 working_days"
    assert str(Duration.parse("1 Month")) == "1 months"
    assert str(Duration.parse("0 years")) == "0 years"


def test_dict_and_string_forms_from_yaml() -> None:
    doc = yaml.safe_load(
        """
        - {name: repair decision, within: {n: 3, unit: working_days}}
        - {name: court correction, within: "15 calendar_days"}
        - {name: publicity, within: 3 years}
        """
    )
    rules = [Rule.model_validate(r) for r in doc]
    assert [r.within for r in rules] == [
        Duration(n=3, unit=DurationUnit.WORKING_DAYS),
        Duration(n=15, unit=DurationUnit.CALENDAR_DAYS),
        Duration(n=3, unit=DurationUnit.YEARS),
    ]
    assert rules[0].model_dump(mode="json")["within"] == {"n": 3, "unit": "working_days"}
    assert Rule.model_validate_json(rules[1].model_dump_json()) == rules[1]


def test_frozen_and_hashable() -> None:
    d = Duration.parse("10 working_days")
    with pytest.raises(ValidationError):
        d.n = 11  # type: ignore[misc]
    assert len({d, Duration(n=10, unit="working_days")}) == 1


@pytest.mark.parametrize(
    "text",
    ["", "days", "-3 working_days", "3", "3 fortnights", "3.5 months", "three months", "3 工作日"],
)
def test_bad_strings(text: str) -> None:
    with pytest.raises(DurationError) as e:
        Duration.parse(text)
    assert "duration" in e.value.message or "unit" in e.value.message
    # both a ValueError (pydantic) and a user-facing error (CLI exit 1)
    assert isinstance(e.value, ValueError)
    assert isinstance(e.value, UnusableInput)


@pytest.mark.parametrize(
    "value",
    [
        {"n": -1, "unit": "working_days"},
        {"n": True, "unit": "working_days"},
        {"n": 3, "unit": "weeks"},
        {"n": 3},
        {"n": 3, "unit": "months", "extra": 1},
        "3 weeks",
        17,
    ],
)
def test_bad_field_values(value: object) -> None:
    with pytest.raises(ValidationError):
        Rule.model_validate({"name": "x", "within": value})
