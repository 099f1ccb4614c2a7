"""Reason codes: ranking by points lost, ties, the inquiries factor."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.scorecard.reasons import inquiry_mask, reason_codes


def test_ranking_ties_and_no_loss() -> None:
    maxp = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 10.0])
    pts = np.array(
        [
            [0.0, 5.0, 10.0, 2.0, 0.0, 9.0],  # losses 10,5,0,8,10,1
            [10.0, 10.0, 10.0, 10.0, 10.0, 10.0],  # nothing lost
            [10.0, 9.0, 10.0, 10.0, 10.0, 10.0],  # one reason
        ]
    )
    rc = reason_codes(pts, maxp, max_reasons=4)
    assert rc.tolist() == [[0, 4, 3, 1, -1], [-1, -1, -1, -1, -1], [1, -1, -1, -1, -1]]


def test_inquiries_as_fifth_factor() -> None:
    names = ["a", "b", "c", "d", "Number of inquiries 6m", "e", "近6个月查询次数"]
    inq = inquiry_mask(names, ["inquir", "查询"])
    assert inq.tolist() == [False, False, False, False, True, False, True]
    maxp = np.full(7, 20.0)
    pts = np.array(
        [
            [0.0, 0.0, 0.0, 0.0, 15.0, 20.0, 18.0],  # inquiries lost 5 and 2: not in top 4
            [0.0, 20.0, 20.0, 20.0, 1.0, 20.0, 20.0],  # inquiries already in top 4
            [0.0, 0.0, 0.0, 0.0, 20.0, 20.0, 20.0],  # inquiries lost nothing
        ]
    )
    rc = reason_codes(pts, maxp, inquiries=inq, max_reasons=4)
    assert rc.tolist() == [[0, 1, 2, 3, 4], [0, 4, -1, -1, -1], [0, 1, 2, 3, -1]]


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 50))
def test_reasons_are_the_largest_losses(seed: int, k: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    maxp = rng.integers(5, 30, k).astype(float)
    pts = maxp - rng.integers(0, 6, (n, k))
    rc = reason_codes(pts, maxp, max_reasons=4)
    lost = maxp - pts
    for i in range(n):
        chosen = [j for j in rc[i, :4] if j >= 0]
        assert all(lost[i, j] > 0 for j in chosen)
        assert [lost[i, j] for j in chosen] == sorted((lost[i, j] for j in chosen), reverse=True)
        rest = [lost[i, j] for j in range(k) if j not in chosen]
        if chosen and rest:
            assert max(rest) <= lost[i, chosen[-1]]
        if len(chosen) < 4:
            assert all(v == 0 for v in rest)
