"""Scoring a compiled card: bin semantics, slots, input forms, properties."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.scorecard._support import toy_card

from xinyong.errors import UnusableInput
from xinyong.scorecard import Scorer, card_from_json
from xinyong.scorecard.card import NumericCharacteristic


def _rows(age: list[object], housing: list[object], inq: list[object]) -> dict[str, object]:
    return {"age": age, "housing": housing, "inquiries_6m": inq}


def test_edges_belong_to_the_upper_bin_and_slots() -> None:
    s = Scorer(toy_card())
    data = {
        "age": np.array([24.999, 25.0, 34.9, 35.0, 50.0, math.nan, math.inf, -math.inf]),
        "housing": np.array(
            ["rent", "own", "mortgage", "free", None, "castle", "rent", "own"], dtype=object
        ),
        "inquiries_6m": np.array([0, 1, 2, 3, 9, 0, 0, 0]),
    }
    got = s.score(data)
    age = [-20, -5, -5, 10, 25, -7, 25, -20]
    housing = [-10, 15, 15, 0, -3, -12, -10, 15]
    inq = [12, 2, 2, -15, -15, 12, 12, 12]
    assert got.tolist() == [500 + a + h + i for a, h, i in zip(age, housing, inq, strict=True)]


def test_text_in_numeric_column_is_unseen_and_blank_is_missing() -> None:
    s = Scorer(toy_card())
    data = {
        "age": pa.array(["30", "abc", None, " 60 ", "", "NaN"]),
        "housing": pa.array(["own"] * 6),
        "inquiries_6m": pa.array([0] * 6),
    }
    pts = s.score(data) - 500 - 15 - 12
    assert pts.tolist() == [-5, -30, -7, 25, -7, -7]


def test_range_clips() -> None:
    s = Scorer(toy_card(score_range=(480.0, 520.0)))
    got = s.score(_rows([60], ["own"], [0]))
    assert got.tolist() == [520.0]


def test_missing_column_is_refused() -> None:
    with pytest.raises(UnusableInput, match="inquiries_6m"):
        Scorer(toy_card()).score({"age": [1.0], "housing": ["own"]})


def _forms(age: list[float], housing: list[str | None], inq: list[int]) -> list[object]:
    pd = pytest.importorskip("pandas")
    base = {
        "age": np.asarray(age, dtype=np.float64),
        "housing": housing,
        "inquiries_6m": np.asarray(inq),
    }
    df = pd.DataFrame(base)
    return [
        base,
        {**base, "housing": np.asarray(housing, dtype=object)},
        pa.table(
            {
                "age": pa.array(age),
                "housing": pa.array(housing, pa.string()),
                "inquiries_6m": pa.array(inq),
            }
        ),
        pa.table(
            {
                "age": pa.array(age),
                "housing": pa.array(housing, pa.string()).dictionary_encode(),
                "inquiries_6m": pa.array(inq),
            }
        ),
        df,
        df.astype({"housing": "category"}),
        df.astype({"housing": object}),
        df.astype({"age": "Float64", "inquiries_6m": "Int64"}),
    ]


words = st.sampled_from(["rent", "own", "mortgage", "free", "castle", "", "OWN", None])
ages = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([25.0, 35.0, 50.0])
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(ages, words, st.integers(-5, 10)), min_size=1, max_size=40))
def test_every_input_form_scores_the_same(rows: list[tuple[float, str | None, int]]) -> None:
    age = [r[0] for r in rows]
    housing = [r[1] for r in rows]
    inq = [r[2] for r in rows]
    s = Scorer(toy_card())
    scores = [s.score(f, block=7) for f in _forms(age, housing, inq)]
    for other in scores[1:]:
        np.testing.assert_array_equal(scores[0], other)
    # pre-encoded: codes into the card's categories, -1 missing, len for unseen
    cats = toy_card().characteristics[1].categories()  # type: ignore[union-attr]
    codes = np.asarray(
        [-1 if h is None else cats.index(h) if h in cats else len(cats) for h in housing]
    )
    enc = s.score(
        {"age": np.asarray(age), "housing": codes, "inquiries_6m": np.asarray(inq)}, encoded=True
    )
    np.testing.assert_array_equal(scores[0], enc)
    assert np.isfinite(scores[0]).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=8, unique=True),
    st.integers(0, 3),
    st.lists(st.floats(-2e6, 2e6, allow_nan=False), min_size=2, max_size=200),
)
def test_score_is_monotone_in_a_monotone_characteristic(
    edges: list[float], shift: int, values: list[float]
) -> None:
    edges = sorted(edges)
    pts = [float(i * 7 - shift) for i in range(len(edges) + 1)]  # ascending points
    card = toy_card().model_copy(
        update={
            "characteristics": [
                NumericCharacteristic(
                    name="x",
                    edges=edges,
                    points=pts,
                    missing_points=0.0,
                    unseen_points=0.0,
                    max_points=max(pts),
                )
            ]
        }
    )
    x = np.sort(np.asarray(values))
    got = Scorer(card).score({"x": x}, block=16)
    assert (np.diff(got) >= 0).all()
    gi = Scorer(card).score({"x": np.round(x).astype(np.int64)}, block=16)
    assert (np.diff(gi) >= 0).all()
    ref = np.asarray(pts)[np.searchsorted(edges, np.round(x), side="right")] + 500
    np.testing.assert_array_equal(gi, ref)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(max_size=6), st.floats(), st.integers(-10, 10), st.booleans()),
        min_size=1,
        max_size=30,
    )
)
def test_unseen_and_missing_never_crash(values: list[object]) -> None:
    s = Scorer(toy_card())
    n = len(values)
    obj = np.empty(n, dtype=object)
    obj[:] = values
    for age, housing in ((obj, obj), (obj, ["own"] * n), ([30.0] * n, obj)):
        got = s.score({"age": age, "housing": housing, "inquiries_6m": obj})
        assert got.shape == (n,)
        assert np.isfinite(got).all()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(ages, words, st.integers(-5, 10)), min_size=1, max_size=20))
def test_json_round_trip_scores_identically(rows: list[tuple[float, str | None, int]]) -> None:
    card = toy_card(score_range=(300.0, 850.0))
    again = card_from_json(card.to_json())
    assert again == card
    data = {
        "age": [r[0] for r in rows],
        "housing": [r[1] for r in rows],
        "inquiries_6m": [r[2] for r in rows],
    }
    np.testing.assert_array_equal(Scorer(card).score(data), Scorer(again).score(data))


def test_threads_and_blocks_agree() -> None:
    rng = np.random.default_rng(3)
    n = 50_000
    data = {
        "age": rng.normal(40, 15, n),
        "housing": pa.array(rng.choice(["rent", "own", "free", "x"], n)),
        "inquiries_6m": rng.integers(0, 6, n),
    }
    s = Scorer(toy_card())
    a = s.score(data)
    np.testing.assert_array_equal(a, s.score(data, threads=2, block=4096))
    np.testing.assert_array_equal(a, s.score(data, block=1000))


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(ages, words, st.integers(-5, 10)), min_size=1, max_size=40))
def test_slot_counts_agree_with_slots(rows: list[tuple[float, str | None, int]]) -> None:
    age = [r[0] for r in rows]
    housing = [r[1] for r in rows]
    inq = [r[2] for r in rows]
    s = Scorer(toy_card())
    for form in _forms(age, housing, inq):
        counts, scores = s.slot_counts(form, block=5)
        np.testing.assert_array_equal(scores, s.score(form))
        prepared, n = s.prepare(form)
        for p, c in zip(prepared, counts, strict=True):
            want = np.bincount(p.slots(0, n), minlength=p.comp.n_bins + 2)
            np.testing.assert_array_equal(c, want)
        assert all(int(c.sum()) == len(rows) for c in counts)
