"""AUC/KS/Gini against scikit-learn and scipy; PSI by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.scorecard._support import toy_card

from xinyong.errors import UnusableInput
from xinyong.scorecard import Scorer, evaluate, psi_report
from xinyong.scorecard.metrics import psi


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 400), st.sampled_from([3, 20, 1000]))
def test_auc_ks_match_sklearn_and_scipy(seed: int, n: int, levels: int) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    bad = rng.random(n) < 0.3
    bad[0], bad[1] = True, False
    scores = rng.integers(0, levels, n).astype(np.float64) + 5 * (~bad)  # ties included
    m = evaluate(scores, bad)
    assert m.auc == pytest.approx(metrics.roc_auc_score(bad, -scores), abs=1e-12)
    assert m.gini == pytest.approx(2 * m.auc - 1)
    ks = stats.ks_2samp(scores[bad], scores[~bad]).statistic
    assert m.ks == pytest.approx(ks, abs=1e-12)
    assert m.n == n and m.n_bad == int(bad.sum())


def test_evaluate_needs_both_classes() -> None:
    with pytest.raises(UnusableInput):
        evaluate(np.array([1.0, 2.0]), np.array([True, True]))


def test_psi_by_hand() -> None:
    e, a = np.array([50, 30, 20, 0]), np.array([40, 30, 25, 5])
    pe, pa_ = np.array([0.5, 0.3, 0.2, 1e-4]), np.array([0.4, 0.3, 0.25, 0.05])
    want = float(np.sum((pa_ - pe) * np.log(pa_ / pe)))
    assert psi(e, a) == pytest.approx(want)
    assert psi(e, e) == 0.0
    assert psi(np.array([1, 0]), np.array([1, 0])) == 0.0


def test_psi_report_per_characteristic() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    exp = {
        "age": rng.normal(40, 10, n),
        "housing": rng.choice(["rent", "own", "free"], n),
        "inquiries_6m": rng.integers(0, 5, n),
    }
    act = {
        "age": rng.normal(30, 10, n),
        "housing": rng.choice(["rent", "own", "free"], n),
        "inquiries_6m": rng.integers(0, 5, n),
    }
    rep = psi_report(Scorer(toy_card()), exp, act)
    by = {c.name: c.psi for c in rep.characteristics}
    assert by["housing"] < 0.01 and by["inquiries_6m"] < 0.01
    assert by["age"] > 0.25
    assert rep.score.psi > 0.05
    j = rep.as_json(cells=True)
    assert j["n_expected"] == n and j["characteristics"][0]["cells"][-1]["label"] == "unseen"
    assert sum(c["expected"] for c in j["score"]["cells"]) == n
    assert not math.isnan(j["psi"])
