"""Discrimination (AUC, KS, Gini) and stability (PSI) of a card's scores.

Scores rank good above bad: AUC is the probability that a random good row scores higher
than a random bad one (ties count half), Gini = 2 AUC - 1, KS the largest gap between the
bad and good cumulative score distributions.

PSI = sum over cells of (a - e) ln(a / e), with e and a the expected and actual shares of
rows per cell; a share of 0 is taken as 0.0001 (cells empty in both are skipped). Per
characteristic the cells are its slots (bins, missing, unseen); for the score they are ten
bands cut at the expected scores' deciles.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xinyong.errors import UnusableInput
from xinyong.scorecard.scorer import Scorer

F64 = NDArray[np.float64]

#: the floor of an empty cell's share in PSI
PSI_FLOOR = 1e-4
#: usual reading of PSI: under 0.1 stable, 0.1-0.25 watch, over 0.25 shifted
PSI_WATCH, PSI_SHIFT = 0.1, 0.25


@dataclass(frozen=True)
class Metrics:
    n: int
    n_bad: int
    auc: float
    ks: float
    gini: float

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "auc": self.auc, "ks": self.ks, "gini": self.gini}


def evaluate(scores: F64, is_bad: NDArray[np.bool_]) -> Metrics:
    """AUC, KS and Gini of scores against the bad flag (higher score = better)."""
    scores = np.asarray(scores, dtype=np.float64)
    is_bad = np.asarray(is_bad, dtype=np.bool_)
    n = len(scores)
    n_bad = int(is_bad.sum())
    n_good = n - n_bad
    if n_bad == 0 or n_good == 0:
        raise UnusableInput("evaluation needs both good and bad rows", code="target_invalid")
    if np.isnan(scores).any():
        raise UnusableInput("scores contain NaN")
    u, inv = np.unique(scores, return_inverse=True)
    bad_u = np.bincount(inv, weights=is_bad.astype(np.float64), minlength=len(u))
    all_u = np.bincount(inv, minlength=len(u)).astype(np.float64)
    good_u = all_u - bad_u
    bad_below = np.cumsum(bad_u) - bad_u
    auc = float(np.sum(good_u * (bad_below + 0.5 * bad_u)) / (n_good * n_bad))
    ks = float(np.max(np.abs(np.cumsum(bad_u) / n_bad - np.cumsum(good_u) / n_good)))
    return Metrics(n=n, n_bad=n_bad, auc=auc, ks=ks, gini=2.0 * auc - 1.0)


def psi(expected: NDArray[Any], actual: NDArray[Any]) -> float:
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    keep = (e > 0) | (a > 0)
    if e.sum() == 0 or a.sum() == 0:
        return 0.0
    pe = np.maximum(e[keep] / e.sum(), PSI_FLOOR)
    pa = np.maximum(a[keep] / a.sum(), PSI_FLOOR)
    return float(np.sum((pa - pe) * np.log(pa / pe)))


def psi_status(value: float) -> str:
    return "stable" if value < PSI_WATCH else "watch" if value <= PSI_SHIFT else "shifted"


@dataclass(frozen=True)
class PsiCell:
    label: str
    expected: int
    actual: int


@dataclass(frozen=True)
class PsiItem:
    name: str
    psi: float
    cells: list[PsiCell] = field(default_factory=list)

    def as_json(self, *, cells: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "psi": self.psi, "status": psi_status(self.psi)}
        if cells:
            d["cells"] = [
                {"label": c.label, "expected": c.expected, "actual": c.actual} for c in self.cells
            ]
        return d


@dataclass(frozen=True)
class PsiReport:
    n_expected: int
    n_actual: int
    score: PsiItem
    characteristics: list[PsiItem]

    def as_json(self, *, cells: bool = True) -> dict[str, Any]:
        return {
            "n_expected": self.n_expected,
            "n_actual": self.n_actual,
            "psi": self.score.psi,
            "status": psi_status(self.score.psi),
            "score": self.score.as_json(cells=cells),
            "characteristics": [c.as_json(cells=cells) for c in self.characteristics],
        }


def score_bands(expected_scores: F64, n_bands: int = 10) -> F64:
    """Band edges at the expected scores' quantiles (distinct, interior only)."""
    if len(expected_scores) == 0:
        return np.empty(0)
    q = np.quantile(expected_scores, np.linspace(0, 1, n_bands + 1)[1:-1])
    edges = np.unique(q)
    return edges[edges > expected_scores.min()] if len(edges) else edges


def band_counts(scores: F64, edges: F64) -> NDArray[np.int64]:
    """Rows per band [e_i-1, e_i) (one counting pass per edge: few edges, no sort)."""
    below = [int(np.count_nonzero(scores < e)) for e in edges]
    cum = np.asarray([0, *below, len(scores)], dtype=np.int64)
    out: NDArray[np.int64] = cum[1:] - cum[:-1]
    return out


def psi_report(
    scorer: Scorer,
    expected: Any,
    actual: Any,
    *,
    n_bands: int = 10,
    encoded: bool = False,
    threads: int = 1,
) -> PsiReport:
    """PSI of the score and of every characteristic, actual against expected."""
    exp_counts, exp_scores = scorer.slot_counts(expected, encoded=encoded, threads=threads)
    act_counts, act_scores = scorer.slot_counts(actual, encoded=encoded, threads=threads)
    if len(exp_scores) == 0 or len(act_scores) == 0:
        raise UnusableInput("both the expected and the actual data need rows", code="empty")
    edges = score_bands(exp_scores, n_bands)
    eb = band_counts(exp_scores, edges)
    ab = band_counts(act_scores, edges)
    bounds = [-np.inf, *edges.tolist(), np.inf]
    labels = [f"[{lo:g}, {hi:g})" for lo, hi in itertools.pairwise(bounds)]
    score_item = PsiItem(
        "score",
        psi(eb, ab),
        [PsiCell(lab, int(e), int(a)) for lab, e, a in zip(labels, eb, ab, strict=True)],
    )
    items = []
    for j, name in enumerate(scorer.names):
        labs = scorer.slot_labels(j)
        items.append(
            PsiItem(
                name,
                psi(exp_counts[j], act_counts[j]),
                [
                    PsiCell(lab, int(e), int(a))
                    for lab, e, a in zip(labs, exp_counts[j], act_counts[j], strict=True)
                ],
            )
        )
    return PsiReport(len(exp_scores), len(act_scores), score_item, items)
