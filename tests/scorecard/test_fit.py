"""Fitting: the binner, the logistic regression, the whole fit on German credit."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.scorecard._support import TARGET, german

from xinyong.errors import UnusableInput, UsageError
from xinyong.scorecard import FitOptions, Scorer, card_from_json, evaluate, fit_scorecard
from xinyong.scorecard.binning import merge_small, pav
from xinyong.scorecard.card import CategoricalCharacteristic, NumericCharacteristic
from xinyong.scorecard.logistic import fit_logistic


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 60), st.integers(0, 60)), min_size=1, max_size=25),
    st.booleans(),
    st.integers(0, 120),
)
def test_pav_then_merge_is_strictly_monotone_and_big_enough(
    cells: list[tuple[int, int]], ascending: bool, min_count: int
) -> None:
    n = np.asarray([c[0] for c in cells], dtype=np.int64)
    bad = np.asarray([min(c[0], c[1]) for c in cells], dtype=np.int64)
    blocks = merge_small(pav(n, bad, ascending=ascending), n, bad, min_count)
    assert blocks[0][0] == 0 and blocks[-1][1] == len(n)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(blocks))
    rates = [bad[s:e].sum() / n[s:e].sum() for s, e in blocks]
    diffs = np.diff(rates)
    assert (diffs > 0).all() if ascending else (diffs < 0).all()
    if len(blocks) > 1:
        assert min(n[s:e].sum() for s, e in blocks) >= min_count


def test_logistic_matches_sklearn() -> None:
    lm = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(7)
    x = rng.normal(size=(600, 5))
    y = (rng.random(600) < 1 / (1 + np.exp(-(x @ [1.0, -0.5, 0.2, 0.0, 2.0] + 0.3)))).astype(float)
    b0, b = fit_logistic(x, y, c=1.0)
    ref = lm.LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(x, y)
    np.testing.assert_allclose(b, ref.coef_[0], atol=1e-5)
    assert b0 == pytest.approx(ref.intercept_[0], abs=1e-5)


def test_logistic_converges_on_nearly_separated_woe_columns() -> None:
    """WoE columns from the reporting demo's person score (969 rows, 4.8 % bad) on which a
    full Newton step overshoots into saturation: undamped, the intercept ran to ~9,400.
    The damped iteration must reach scikit-learn's optimum."""
    lm = pytest.importorskip("sklearn.linear_model")
    d = np.load(Path(__file__).parent / "data" / "near_separated_woe.npz")
    codes = d["codes"]
    x = np.column_stack([d[f"v{j}"][codes[:, j]] for j in range(codes.shape[1])])
    y = d["y"].astype(np.float64)
    b0, b = fit_logistic(x, y, c=1.0)
    ref = lm.LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(x, y)
    assert b0 == pytest.approx(ref.intercept_[0], abs=1e-4)
    np.testing.assert_allclose(b, ref.coef_[0], atol=1e-4)


def test_german_credit_fit() -> None:
    table = german()
    card = fit_scorecard(table, target=TARGET, bad="bad")
    assert card_from_json(card.to_json()) == card
    assert card.target is not None and card.target.bad == "bad"
    assert 8 <= len(card.characteristics) <= 20
    assert "status_of_existing_checking_account" in card.names
    for ch in card.characteristics:
        assert ch.stats is not None and ch.stats.iv >= 0.02
        assert ch.coefficient is not None and ch.coefficient > 0
        cnt = np.asarray(ch.stats.count[:-1])
        rate = np.asarray(ch.stats.bad[:-1]) / cnt
        d = np.diff(rate)
        assert (d > 0).all() or (d < 0).all() or len(d) == 0, ch.name
        assert cnt.min() >= 0.05 * 1000 or len(cnt) == 1
        assert all(float(p).is_integer() for p in ch.all_points())
        if isinstance(ch, CategoricalCharacteristic):
            col = pc.unique(table.column(ch.name)).to_pylist()
            assert sorted(ch.categories()) == sorted(col)
    scores = Scorer(card).score(table)
    is_bad = np.asarray(table.column(TARGET).to_numpy(zero_copy_only=False) == "bad")
    assert evaluate(scores, is_bad).auc > 0.78
    assert scores.min() >= 300 and scores.max() <= 850
    # deterministic
    assert fit_scorecard(table, target=TARGET, bad="bad") == card


def test_missing_values_and_scale_range() -> None:
    t = german()
    n = t.num_rows
    rng = np.random.default_rng(1)
    age = t.column("age_in_years").to_numpy().astype(float)
    age[rng.random(n) < 0.2] = np.nan
    purpose = np.asarray(t.column("purpose").to_pylist(), dtype=object)
    purpose[rng.random(n) < 0.1] = None
    t = t.set_column(t.column_names.index("age_in_years"), "age_in_years", pa.array(age))
    t = t.set_column(t.column_names.index("purpose"), "purpose", pa.array(purpose, pa.string()))
    opts = FitOptions(score_range=(350.0, 950.0), range_method="scale")
    card = fit_scorecard(t, target=TARGET, bad="bad", options=opts)
    age_ch = next(c for c in card.characteristics if c.name == "age_in_years")
    assert isinstance(age_ch, NumericCharacteristic)
    assert age_ch.stats is not None and age_ch.stats.count[-1] == int(np.isnan(age).sum())
    lo = card.base_points + sum(min(c.all_points()) for c in card.characteristics)
    hi = card.base_points + sum(max(c.all_points()) for c in card.characteristics)
    k = len(card.characteristics)
    assert abs(lo - 350) <= k and abs(hi - 950) <= k
    assert card.scaling is not None and card.scaling.effective_pdo is not None
    s = Scorer(card).score(t)
    assert s.min() >= 350 and s.max() <= 950


@pytest.mark.parametrize(
    ("target", "bad", "error", "match"),
    [
        ("nope", "bad", UsageError, "unknown column"),
        ("purpose", "car (new)", UnusableInput, "exactly two values"),
        (TARGET, "terrible", UsageError, "not a value"),
    ],
)
def test_target_errors(target: str, bad: str, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        fit_scorecard(german(), target=target, bad=bad)


def test_missing_target_and_empty() -> None:
    t = german()
    y = t.column(TARGET).to_pylist()
    y[3] = None
    t2 = t.set_column(t.column_names.index(TARGET), TARGET, pa.array(y, pa.string()))
    with pytest.raises(UnusableInput, match="missing"):
        fit_scorecard(t2, target=TARGET, bad="bad")
    with pytest.raises(UnusableInput, match="no rows"):
        fit_scorecard(t.slice(0, 0), target=TARGET, bad="bad")


def test_sample_rows_uses_the_seed() -> None:
    t = german()
    a = fit_scorecard(t, target=TARGET, bad="bad", options=FitOptions(sample_rows=600, seed=1))
    b = fit_scorecard(t, target=TARGET, bad="bad", options=FitOptions(sample_rows=600, seed=1))
    c = fit_scorecard(t, target=TARGET, bad="bad", options=FitOptions(sample_rows=600, seed=2))
    assert a == b and a.fit is not None and a.fit["n"] == 600
    assert a != c
