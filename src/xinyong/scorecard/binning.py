"""A lean monotone binner: quantile pre-bins, pool-adjacent-violators, minimum bin size.

Pure numpy on counts. A characteristic's ordered pre-bins (numeric: quantile cuts over the
distinct values; categorical: categories, the small ones pooled, ordered by bad rate) are
merged into bins whose bad rate is strictly monotone, none smaller than a minimum share of
the rows. WoE and IV follow the usual scorecard convention: WoE = ln(%good / %bad), with
half a row added to each count so that an all-good or all-bad bin stays finite.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

#: a block of consecutive pre-bins [start, stop)
Block = tuple[int, int]


def _rate_gt(b1: int, n1: int, b2: int, n2: int) -> bool:
    """b1/n1 > b2/n2 exactly (integers)."""
    return b1 * n2 > b2 * n1


def pav(n: I64, bad: I64, *, ascending: bool) -> list[Block]:
    """Pool adjacent violators: the finest blocks whose bad rate is strictly monotone."""
    stack: list[list[int]] = []  # [start, stop, n, bad]
    for i in range(len(n)):
        stack.append([i, i + 1, int(n[i]), int(bad[i])])
        while len(stack) >= 2:
            s0, _, n0, b0 = stack[-2]
            _, e1, n1, b1 = stack[-1]
            ok = _rate_gt(b1, n1, b0, n0) if ascending else _rate_gt(b0, n0, b1, n1)
            if ok:
                break
            stack.pop()
            stack[-1] = [s0, e1, n0 + n1, b0 + b1]
    return [(s, e) for s, e, _, _ in stack]


def merge_small(blocks: list[Block], n: I64, bad: I64, min_count: float) -> list[Block]:
    """Merge blocks under ``min_count`` rows into the neighbour closest in bad rate.

    The smallest block goes first (the leftmost among equals); between two neighbours the
    one whose bad rate is closer wins, then the smaller, then the left one. Merging
    neighbours of a monotone sequence keeps it monotone.
    """
    cn = np.concatenate([[0], np.cumsum(n)])
    cb = np.concatenate([[0], np.cumsum(bad)])
    blocks = list(blocks)

    def size(b: Block) -> int:
        return int(cn[b[1]] - cn[b[0]])

    def rate(b: Block) -> float:
        s = size(b)
        return float(cb[b[1]] - cb[b[0]]) / s if s else 0.0

    while len(blocks) > 1:
        sizes = [size(b) for b in blocks]
        i = int(np.argmin(sizes))
        if sizes[i] >= min_count:
            break
        cands = [j for j in (i - 1, i + 1) if 0 <= j < len(blocks)]
        r = rate(blocks[i])
        j = min(cands, key=lambda j: (abs(rate(blocks[j]) - r), sizes[j], j))
        a, b = min(i, j), max(i, j)
        blocks[a : b + 1] = [(blocks[a][0], blocks[b][1])]
    return blocks


def block_counts(blocks: list[Block], n: I64, bad: I64) -> tuple[I64, I64]:
    cn = np.concatenate([[0], np.cumsum(n)])
    cb = np.concatenate([[0], np.cumsum(bad)])
    s = np.asarray([b[0] for b in blocks])
    e = np.asarray([b[1] for b in blocks])
    return (cn[e] - cn[s]).astype(np.int64), (cb[e] - cb[s]).astype(np.int64)


def woe(n: I64, bad: I64, total_good: int, total_bad: int) -> F64:
    """ln(%good / %bad) per bin, half a row added to each count; an empty bin gets 0."""
    good = n - bad
    w = np.log((good + 0.5) / (total_good + 0.5)) - np.log((bad + 0.5) / (total_bad + 0.5))
    return np.where(n > 0, w, 0.0).astype(np.float64)


def information_value(n: I64, bad: I64, total_good: int, total_bad: int) -> float:
    if total_good == 0 or total_bad == 0:
        return 0.0
    good = n - bad
    w = woe(n, bad, total_good, total_bad)
    return float(np.sum((good / total_good - bad / total_bad) * w))


def monotone_blocks(
    n: I64, bad: I64, min_count: float, *, directions: tuple[bool, ...]
) -> list[Block]:
    """The monotone binning (of the given directions) with the higher IV (ascending on ties)."""
    tg, tb = int(n.sum() - bad.sum()), int(bad.sum())
    best: tuple[float, list[Block]] | None = None
    for asc in directions:
        blocks = merge_small(pav(n, bad, ascending=asc), n, bad, min_count)
        bn, bb = block_counts(blocks, n, bad)
        iv = information_value(bn, bb, tg, tb)
        if best is None or iv > best[0] + 1e-12:
            best = (iv, blocks)
    assert best is not None
    return best[1]


def numeric_prebins(
    values: F64, is_bad: NDArray[np.bool_], *, max_prebins: int
) -> tuple[F64, I64, I64, list[Block]]:
    """Distinct values (ascending), their rows and bads, and quantile pre-bins over them."""
    u, inv, cnt = np.unique(values, return_inverse=True, return_counts=True)
    bad = np.bincount(inv, weights=is_bad.astype(np.float64), minlength=len(u)).astype(np.int64)
    cnt = cnt.astype(np.int64)
    if len(u) <= max_prebins:
        return u, cnt, bad, [(i, i + 1) for i in range(len(u))]
    cum = np.cumsum(cnt)
    total = int(cum[-1])
    targets = total * np.arange(1, max_prebins) / max_prebins
    cuts = sorted({int(j) for j in np.searchsorted(cum, targets, side="left") if j < len(u) - 1})
    starts = [0] + [c + 1 for c in cuts]
    stops = [c + 1 for c in cuts] + [len(u)]
    return u, cnt, bad, list(zip(starts, stops, strict=True))


def bin_numeric(
    values: F64,
    is_bad: NDArray[np.bool_],
    *,
    max_prebins: int,
    min_prebin_size: float,
    min_bin_size: float,
) -> list[float]:
    """Edges of a monotone binning of the non-missing values (bins [e_i-1, e_i))."""
    if len(values) == 0:
        return []
    finite = np.isfinite(values)
    if not finite.all():  # infinities share the extreme bins: edges stay finite
        if not finite.any():
            return []
        values = np.clip(values, values[finite].min(), values[finite].max())
    u, cnt, bad, pre = numeric_prebins(values, is_bad, max_prebins=max_prebins)
    total = len(values)
    pre = merge_small(pre, cnt, bad, min_prebin_size * total)
    pn, pb = block_counts(pre, cnt, bad)
    blocks = monotone_blocks(pn, pb, min_bin_size * total, directions=(True, False))
    edges: list[float] = []
    for s, _ in blocks[1:]:
        last_of_lower = pre[s - 1][1] - 1  # index into u of the lower block's top value
        lo, hi = float(u[last_of_lower]), float(u[last_of_lower + 1])
        mid = lo + (hi - lo) / 2.0
        edges.append(mid if lo < mid <= hi and math.isfinite(mid) else hi)
    return edges


def bin_categorical(
    counts: I64,
    bads: I64,
    *,
    small_category: float,
    min_bin_size: float,
    names: list[str],
) -> list[list[int]]:
    """Groups of category indices: small ones pooled, ordered by bad rate, merged monotone."""
    total = int(counts.sum())
    small = [i for i in range(len(counts)) if counts[i] < small_category * total]
    items: list[list[int]] = [
        [i] for i in range(len(counts)) if counts[i] >= small_category * total
    ]
    if small:
        items.append(small)
    if not items:
        return []
    n = np.asarray([int(counts[g].sum()) for g in items], dtype=np.int64)
    b = np.asarray([int(bads[g].sum()) for g in items], dtype=np.int64)
    order = sorted(
        range(len(items)),
        key=lambda k: (b[k] / n[k] if n[k] else 0.0, min(names[i] for i in items[k])),
    )
    items = [items[k] for k in order]
    n, b = n[order], b[order]
    blocks = monotone_blocks(n, b, min_bin_size * total, directions=(True,))
    return [sorted(i for k in range(s, e) for i in items[k]) for s, e in blocks]
