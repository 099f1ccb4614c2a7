"""Shared helpers of the scorecard tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from xinyong.scorecard.card import Card, CategoricalCharacteristic, NumericCharacteristic

GERMAN = Path(__file__).parent / "data" / "germancredit.csv"
TARGET = "creditability"


def german() -> pa.Table:
    return pacsv.read_csv(GERMAN)


def toy_card(*, score_range: tuple[float, float] | None = None) -> Card:
    """Two characteristics with distinct missing and unseen points."""
    return Card(
        source="test",
        base_points=500.0,
        score_range=score_range,
        characteristics=[
            NumericCharacteristic(
                name="age",
                edges=[25.0, 35.0, 50.0],
                points=[-20.0, -5.0, 10.0, 25.0],
                missing_points=-7.0,
                unseen_points=-30.0,
                max_points=25.0,
            ),
            CategoricalCharacteristic(
                name="housing",
                groups=[["rent"], ["own", "mortgage"], ["free"]],
                points=[-10.0, 15.0, 0.0],
                missing_points=-3.0,
                unseen_points=-12.0,
                max_points=15.0,
            ),
            NumericCharacteristic(
                name="inquiries_6m",
                edges=[1.0, 3.0],
                points=[12.0, 2.0, -15.0],
                missing_points=0.0,
                unseen_points=-15.0,
                max_points=12.0,
            ),
        ],
    )
