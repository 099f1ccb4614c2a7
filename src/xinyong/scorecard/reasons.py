"""Reason codes: the characteristics that cost a row the most points.

For each row and characteristic, points lost = the characteristic's ``max_points`` minus
the row's points. The up to ``max_reasons`` (4) characteristics with the largest loss are
the key factors, largest first, ties in card order; a characteristic that lost nothing is
never a reason. When a characteristic whose name matches an inquiry pattern lost points
but is not among them, it is added as one more factor (the 5th), as US Regulation B and the
FCRA's key-factor disclosure allow for the number of inquiries.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

#: losses at or under this are no loss (float noise)
_EPS = 1e-9


def inquiry_mask(names: Sequence[str], patterns: Sequence[str]) -> NDArray[np.bool_]:
    pats = [p.casefold() for p in patterns if p]
    return np.asarray([any(p in n.casefold() for p in pats) for n in names], dtype=np.bool_)


def reason_codes(
    points: NDArray[np.float64],
    max_points: NDArray[np.float64],
    *,
    inquiries: NDArray[np.bool_] | None = None,
    max_reasons: int = 4,
) -> NDArray[np.intp]:
    """Per row, characteristic indices of the reasons (-1 = none): ``max_reasons`` + 1 columns.

    The last column is the inquiries factor when it is not already among the first ones.
    """
    n, k = points.shape
    out = np.full((n, max_reasons + 1), -1, dtype=np.intp)
    if k == 0 or n == 0:
        return out
    lost = max_points[None, :] - points
    top = min(max_reasons, k)
    if top:
        order = np.argsort(-lost, axis=1, kind="stable")[:, :top]
        top_lost = np.take_along_axis(lost, order, axis=1)
        out[:, :top] = np.where(top_lost > _EPS, order, -1)
    if inquiries is not None and inquiries.any():
        inq = np.where(inquiries[None, :], lost, -np.inf)
        if top:
            chosen = out[:, :top]
            taken = np.zeros((n, k), dtype=np.bool_)
            rows = np.repeat(np.arange(n), top)
            flat = chosen.ravel()
            keep = flat >= 0
            taken[rows[keep], flat[keep]] = True
            inq = np.where(taken, -np.inf, inq)
        best = np.argmax(inq, axis=1)
        best_lost = inq[np.arange(n), best]
        out[:, max_reasons] = np.where(best_lost > _EPS, best, -1)
    return out
