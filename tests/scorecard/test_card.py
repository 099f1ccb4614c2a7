"""The card format: validation and versioning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.scorecard._support import toy_card

from xinyong.errors import UnusableInput
from xinyong.scorecard import card_from_json, load_card, save_card


def _raw() -> dict:  # type: ignore[type-arg]
    return json.loads(toy_card().to_json())


def test_save_and_load(tmp_path: Path) -> None:
    card = toy_card(score_range=(350.0, 950.0))
    save_card(card, tmp_path / "c.json")
    assert load_card(tmp_path / "c.json") == card
    raw = json.loads((tmp_path / "c.json").read_text())
    assert raw["format_version"] == 1
    assert list(raw["characteristics"][0])[:3] == ["name", "kind", "edges"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.update(format_version=2), "format_version 2"),
        (lambda r: r.update(format="other"), "not a xinyong.scorecard"),
        (lambda r: r["characteristics"][0].update(edges=[3.0, 1.0, 2.0]), "ascending"),
        (lambda r: r["characteristics"][0].update(points=[1.0]), "need 4 points"),
        (lambda r: r["characteristics"][0].update(max_points=0.0), "max_points"),
        (lambda r: r["characteristics"][1].update(groups=[["a"], ["a"], ["b"]]), "two groups"),
        (lambda r: r["characteristics"][1].update(kind="ordinal"), "characteristics.1"),
        (lambda r: r["characteristics"].append(r["characteristics"][0]), "repeat"),
        (lambda r: r.update(extra_field=1), "extra"),
    ],
)
def test_invalid_cards_are_refused(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    raw = _raw()
    mutate(raw)
    with pytest.raises(UnusableInput, match=message):
        card_from_json(json.dumps(raw))


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnusableInput, match="not JSON"):
        card_from_json("{")
    with pytest.raises(UnusableInput, match="does not exist"):
        load_card(tmp_path / "nope.json")
