"""Compile an optbinning ``Scorecard`` into a card (the fidelity path).

optbinning is not needed to score the result, nor imported here: the fitted object is read
through its public attributes (``binning_process_``, ``table("detailed")``, ``intercept_``).
What optbinning's own ``Scorecard.score`` does, the card reproduces:

* numeric bins from the binned variable's ``splits`` (``np.digitize(x, splits)``, i.e.
  ``edges[i-1] <= x < edges[i]``); categorical groups from the table's ``Bin`` column;
* the ``Missing`` row's points for missing values, and for unseen categories too (optbinning
  maps an unknown category to index -1, the last row: ``Missing``);
* the score as the characteristic points added in order, then ``intercept_``; no clipping.

Special codes are refused (the card format has no special slot yet).
"""

from __future__ import annotations

import importlib.metadata
import math
from typing import Any

from xinyong.errors import UsageError
from xinyong.scorecard.card import (
    Card,
    CategoricalCharacteristic,
    NumericCharacteristic,
    ReasonOptions,
    Scaling,
)
from xinyong.scorecard.scorer import _text


def _version() -> str:
    try:
        return importlib.metadata.version("optbinning")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def from_optbinning(scorecard: Any, *, inquiry_patterns: list[str] | None = None) -> Card:
    """The card of a fitted optbinning ``Scorecard`` (binary target)."""
    bp = getattr(scorecard, "binning_process_", None)
    if bp is None or not getattr(scorecard, "_is_fitted", False):
        raise UsageError("from_optbinning needs a fitted optbinning Scorecard")
    table = scorecard.table(style="detailed")
    names = [str(v) for v in bp.get_support(names=True)]
    chars: list[NumericCharacteristic | CategoricalCharacteristic] = []
    for name in names:
        optb = bp.get_binned_variable(name)
        if optb.special_codes is not None:
            raise UsageError(f"{name}: special codes are not supported by the card format")
        rows = table[table["Variable"] == name]
        points = [float(p) for p in rows["Points"].to_numpy()]
        n_bins = len(points) - 2  # regular bins, then Special, then Missing
        missing = points[-1]
        regular = points[:n_bins]
        common: dict[str, Any] = {
            "name": name,
            "points": regular,
            "missing_points": missing,
            "unseen_points": missing,
            "max_points": max([*regular, missing]),
        }
        coef = rows["Coefficient"].to_numpy()
        if len(coef) and math.isfinite(float(coef[0])):
            common["coefficient"] = float(coef[0])
        if optb.dtype == "numerical":
            edges = [float(s) for s in optb.splits]
            if len(edges) + 1 != n_bins:
                raise UsageError(f"{name}: {len(edges)} splits but {n_bins} bins in the table")
            chars.append(NumericCharacteristic(edges=edges, **common))
        else:
            groups = [[_text(c) for c in b] for b in rows["Bin"].to_numpy()[:n_bins]]
            chars.append(CategoricalCharacteristic(groups=groups, **common))

    scaling = None
    params = getattr(scorecard, "scaling_method_params", None) or {}
    if getattr(scorecard, "scaling_method", None) == "pdo_odds":
        scaling = Scaling(
            pdo=float(params["pdo"]),
            base_score=float(params["scorecard_points"]),
            base_odds=float(params["odds"]),
            rounding=bool(getattr(scorecard, "rounding", False)),
        )
    reasons = ReasonOptions()
    if inquiry_patterns is not None:
        reasons = ReasonOptions(inquiry_patterns=inquiry_patterns)
    return Card(
        source=f"optbinning {_version()}",
        base_points=float(scorecard.intercept_),
        score_range=None,
        scaling=scaling,
        reasons=reasons,
        characteristics=chars,
    )
