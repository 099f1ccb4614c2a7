"""L2-penalised logistic regression by damped Newton's method (IRLS), in numpy.

The objective is scikit-learn's ``LogisticRegression(C=C)``: ``0.5 * |w|^2 + C * sum of log
losses``, the intercept unpenalised; the solution is the same one (tests compare them).

Why damped: with nearly separated WoE columns a full Newton step can overshoot far enough
that the fitted probabilities saturate, the Hessian's intercept entry vanishes and the
next step is enormous (an intercept of 10^4 was seen on the reporting data). A backtracking
line search on the objective (Armijo) makes every step decrease it, so the iteration
converges to the same unique optimum and full steps are kept near it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


def _objective(xa: F64, y: F64, w: F64, reg: F64) -> float:
    z = xa @ w
    return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(reg * w * w))


def fit_logistic(
    x: F64, y: NDArray[np.float64], *, c: float = 1.0, max_iter: int = 100, tol: float = 1e-10
) -> tuple[float, F64]:
    """(intercept, coefficients) of P(y=1) = sigmoid(intercept + x @ coefficients)."""
    n, k = x.shape
    xa = np.empty((n, k + 1), dtype=np.float64)
    xa[:, 0] = 1.0
    xa[:, 1:] = x
    reg = np.full(k + 1, 1.0 / c)
    reg[0] = 0.0
    w = np.zeros(k + 1)
    p0 = min(max(float(y.mean()), 1e-6), 1 - 1e-6)
    w[0] = np.log(p0 / (1 - p0))
    f = _objective(xa, y, w, reg)
    for _ in range(max_iter):
        z = xa @ w
        p = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid, overflow-free
        g = xa.T @ (p - y) + reg * w
        h = (xa * (p * (1.0 - p))[:, None]).T @ xa + np.diag(reg)
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(h, g, rcond=None)[0]
        slope = float(g @ step)  # directional derivative along -step is -slope
        t = 1.0
        while True:
            cand = w - t * step
            f_cand = _objective(xa, y, cand, reg)
            if f_cand <= f - 1e-4 * t * slope or t < 1e-12:
                break
            t *= 0.5
        w, f = cand, f_cand
        if float(np.max(np.abs(t * step))) < tol:
            break
    return float(w[0]), w[1:].copy()
