"""Fidelity: a card compiled from optbinning scores exactly as optbinning does."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from tests.scorecard._support import GERMAN, TARGET

from xinyong.scorecard import Scorer, card_from_json, from_optbinning

pd = pytest.importorskip("pandas")
optbinning = pytest.importorskip("optbinning")
lm = pytest.importorskip("sklearn.linear_model")

#: a few numeric and categorical characteristics (optbinning's fit is slow: keep it small)
COLUMNS = [
    "status_of_existing_checking_account",
    "duration_in_month",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings_account_and_bonds",
    "age_in_years",
    "housing",
]


@pytest.fixture(scope="module")
def fitted():  # type: ignore[no-untyped-def]
    df = pd.read_csv(GERMAN).iloc[:400][COLUMNS]
    y = (pd.read_csv(GERMAN).iloc[:400][TARGET] == "bad").astype(int).to_numpy()
    sc = optbinning.Scorecard(
        binning_process=optbinning.BinningProcess(list(df.columns)),
        estimator=lm.LogisticRegression(),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.fit(df, y)
    return sc, df


def test_compiled_scores_equal_optbinning(fitted) -> None:  # type: ignore[no-untyped-def]
    sc, _df = fitted
    card = card_from_json(from_optbinning(sc).to_json())
    assert card.names == list(sc.binning_process_.get_support(names=True))
    full = pd.read_csv(GERMAN)[COLUMNS]
    np.testing.assert_array_equal(Scorer(card).score(full), sc.score(full))


def test_missing_and_unseen_match_optbinning(fitted) -> None:  # type: ignore[no-untyped-def]
    sc, _df = fitted
    d = pd.read_csv(GERMAN)[COLUMNS].iloc[:300].copy()
    d = d.astype({"age_in_years": float, "credit_amount": float})
    d.loc[d.index[::7], "age_in_years"] = np.nan
    d.loc[d.index[::9], "credit_amount"] = np.inf
    d.loc[d.index[::5], "purpose"] = "spaceship"
    d.loc[d.index[::11], "housing"] = None
    scorer = Scorer(from_optbinning(sc))
    want = sc.score(d)
    np.testing.assert_array_equal(scorer.score(d), want)
    obj = d.astype({c: object for c in d.columns if d[c].dtype.kind not in "if"})
    np.testing.assert_array_equal(scorer.score(obj), want)
