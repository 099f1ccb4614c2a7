"""Fit a scorecard: monotone binning, WoE, logistic regression, points by PDO.

The defaults (:class:`FitOptions`) were fixed before measuring and are documented in
docs/scorecard.md; they are not tuned to any one dataset.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from xinyong.errors import UnusableInput, UsageError
from xinyong.scorecard import binning
from xinyong.scorecard.card import (
    DEFAULT_INQUIRY_PATTERNS,
    BinStats,
    Card,
    CategoricalCharacteristic,
    NumericCharacteristic,
    ReasonOptions,
    Scaling,
    Target,
)
from xinyong.scorecard.logistic import fit_logistic
from xinyong.scorecard.scorer import _is_pandas, _numeric_values, _to_arrow, columns_of

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class FitOptions:
    """Every choice the fitter makes. See docs/scorecard.md for why these values."""

    #: numeric pre-bins: cuts at quantiles of the distinct values
    max_prebins: int = 20
    #: pre-bins under this share of the non-missing rows are merged first
    min_prebin_size: float = 0.05
    #: no final bin under this share of the (non-missing) rows
    min_bin_size: float = 0.05
    #: categories under this share of the rows are pooled before grouping
    small_category: float = 0.01
    #: a categorical column with more distinct values than this and than half the rows
    #: looks like an identifier and is skipped
    max_categories: int = 50
    #: characteristics under this information value are dropped (0.02: "unpredictive")
    min_iv: float = 0.02
    #: inverse L2 strength of the logistic regression (scikit-learn's default C)
    l2_c: float = 1.0
    #: points to double the odds, and the score at the base odds (good:bad)
    pdo: float = 20.0
    base_score: float = 600.0
    base_odds: float = 50.0
    #: final score range, and how to reach it: "clip" (keeps the PDO) or "scale"
    score_range: tuple[float, float] | None = (300.0, 850.0)
    range_method: Literal["clip", "scale"] = "clip"
    #: integer points per attribute (and base)
    rounding: bool = True
    #: columns to treat as categorical even when numeric, and columns to leave out
    categorical: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    inquiry_patterns: tuple[str, ...] = DEFAULT_INQUIRY_PATTERNS
    #: fit on a random sample of at most this many rows (None: all rows); uses the seed
    sample_rows: int | None = None
    seed: int = 0


# --------------------------------------------------------------------------- input


def _text_array(col: Any) -> pa.Array:
    arr = _to_arrow(col)
    if arr is None:
        if _is_pandas(col):
            try:
                arr = pa.array(col, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                arr = pa.array(
                    [None if v is None or v != v else str(v) for v in col.to_numpy(dtype=object)]
                )
        else:
            raw = np.asarray(col)
            try:
                arr = pa.array(raw, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                arr = pa.array([None if v is None or v != v else str(v) for v in raw])
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    return arr


def _codes(col: Any) -> tuple[NDArray[np.intp], list[str]]:
    """Category codes per row (-1 missing) and the categories."""
    enc = pc.dictionary_encode(_text_array(col))
    codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.intp)
    return codes, [str(v) for v in enc.dictionary.to_pylist()]


def target_is_bad(col: Any, bad: str, *, name: str) -> NDArray[np.bool_]:
    """The target as booleans (True = bad); anything but two values is refused."""
    codes, cats = _codes(col)
    n_missing = int((codes < 0).sum())
    if n_missing:
        raise UnusableInput(
            f"target {name!r} has {n_missing} missing value(s)", code="target_invalid"
        )
    present = sorted({cats[i] for i in np.unique(codes)})
    if len(present) != 2:
        shown = ", ".join(repr(v) for v in present[:10])
        raise UnusableInput(
            f"target {name!r} must have exactly two values, it has {len(present)}: {shown}",
            code="target_invalid",
        )
    if bad not in present:
        raise UsageError(
            f"--bad {bad!r} is not a value of target {name!r} (values: {present[0]!r}, {present[1]!r})"
        )
    return np.asarray(codes == cats.index(bad), dtype=np.bool_)


# --------------------------------------------------------------------------- fitting


@dataclass
class _Binned:
    name: str
    kind: Literal["numeric", "categorical"]
    slots: NDArray[np.intp]  # per row: bin index, or n_bins for missing
    n_bins: int
    woe: F64  # per slot: bins, missing, unseen (0)
    count: list[int]
    bad: list[int]
    iv: float
    edges: list[float] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)


def _slot_woe(
    slots: NDArray[np.intp], n_bins: int, is_bad: NDArray[np.bool_], opts: FitOptions
) -> tuple[F64, list[int], list[int], float]:
    n = np.bincount(slots, minlength=n_bins + 1).astype(np.int64)
    b = np.bincount(slots, weights=is_bad.astype(np.float64), minlength=n_bins + 1)
    b = b.astype(np.int64)
    tb = int(is_bad.sum())
    tg = len(is_bad) - tb
    w = binning.woe(n, b, tg, tb)
    # the missing slot: estimated as if it had at least the minimum bin size, the shortfall
    # filled with rows at the overall bad rate (so a handful of missing rows stays near 0)
    nm, bm = int(n[-1]), int(b[-1])
    if nm:
        floor = opts.min_bin_size * len(is_bad)
        pad = max(0.0, floor - nm)
        bad_m = bm + pad * tb / len(is_bad)
        good_m = (nm - bm) + pad * tg / len(is_bad)
        w[-1] = math.log((good_m + 0.5) / (tg + 0.5)) - math.log((bad_m + 0.5) / (tb + 0.5))
    iv = binning.information_value(n, b, tg, tb)
    return np.append(w, 0.0), [int(v) for v in n], [int(v) for v in b], iv


def _bin_numeric(name: str, x: F64, is_bad: NDArray[np.bool_], opts: FitOptions) -> _Binned:
    ok = ~np.isnan(x)
    edges = binning.bin_numeric(
        x[ok],
        is_bad[ok],
        max_prebins=opts.max_prebins,
        min_prebin_size=opts.min_prebin_size,
        min_bin_size=opts.min_bin_size,
    )
    n_bins = len(edges) + 1
    slots = np.searchsorted(np.asarray(edges, dtype=np.float64), x, side="right").astype(np.intp)
    slots[~ok] = n_bins
    w, cnt, bad, iv = _slot_woe(slots, n_bins, is_bad, opts)
    return _Binned(name, "numeric", slots, n_bins, w, cnt, bad, iv, edges=edges)


def _bin_categorical(
    name: str, codes: NDArray[np.intp], cats: list[str], is_bad: NDArray[np.bool_], opts: FitOptions
) -> _Binned:
    ok = codes >= 0
    m = len(cats)
    cnt = np.bincount(codes[ok], minlength=m).astype(np.int64)
    bad = np.bincount(codes[ok], weights=is_bad[ok].astype(np.float64), minlength=m)
    present = np.flatnonzero(cnt)
    group_idx = binning.bin_categorical(
        cnt[present],
        bad[present].astype(np.int64),
        small_category=opts.small_category,
        min_bin_size=opts.min_bin_size,
        names=[cats[i] for i in present],
    )
    groups = [sorted(cats[present[i]] for i in g) for g in group_idx]
    n_bins = max(len(groups), 1)
    if not groups:
        groups = [[]]
    code_to_bin = np.full(m, n_bins, dtype=np.intp)  # categories never seen: not possible
    for gi, g in enumerate(group_idx):
        code_to_bin[present[np.asarray(g, dtype=np.intp)]] = gi
    slots = np.where(ok, code_to_bin[np.where(ok, codes, 0)], n_bins).astype(np.intp)
    w, c, b, iv = _slot_woe(slots, n_bins, is_bad, opts)
    return _Binned(name, "categorical", slots, n_bins, w, c, b, iv, groups=groups)


def _round(v: F64, on: bool) -> F64:
    return np.rint(v) if on else v


def fit_scorecard(
    data: Any,
    *,
    target: str,
    bad: str,
    options: FitOptions | None = None,
    source: str = "xinyong fit",
) -> Card:
    """Fit a card on every column of ``data`` but the target (and ``options.exclude``)."""
    opts = options or FitOptions()
    cols = columns_of(data)
    if target not in cols.names:
        raise UsageError(f"unknown column {target!r} (columns: {', '.join(cols.names)})")
    unknown = [c for c in (*opts.categorical, *opts.exclude) if c not in cols.names]
    if unknown:
        raise UsageError(f"unknown column(s): {', '.join(unknown)}")
    if cols.n_rows == 0:
        raise UnusableInput("the data has no rows", code="empty")
    is_bad = target_is_bad(cols.get(target), bad, name=target)
    rows: NDArray[np.intp] | None = None
    if opts.sample_rows is not None and cols.n_rows > opts.sample_rows:
        rng = np.random.default_rng(opts.seed)
        rows = np.sort(rng.choice(cols.n_rows, size=opts.sample_rows, replace=False))
        is_bad = is_bad[rows]
    n = len(is_bad)
    n_bad = int(is_bad.sum())

    binned: list[_Binned] = []
    dropped: dict[str, str] = {}
    for name in cols.names:
        if name == target or name in opts.exclude:
            continue
        col = cols.get(name)
        x = None if name in opts.categorical else _numeric_values(col)
        if x is not None:
            xf = np.asarray(x, dtype=np.float64)
            if rows is not None:
                xf = xf[rows]
            binned.append(_bin_numeric(name, xf, is_bad, opts))
        else:
            codes, cats = _codes(col)
            if rows is not None:
                codes = codes[rows]
            if len(cats) > opts.max_categories and len(cats) > 0.5 * n:
                dropped[name] = f"{len(cats)} distinct values: looks like an identifier"
                continue
            binned.append(_bin_categorical(name, codes, cats, is_bad, opts))
    if not binned:
        raise UnusableInput("no column to fit besides the target", code="no_characteristics")

    selected = []
    for b in binned:
        if b.iv < opts.min_iv:
            dropped[b.name] = f"information value {b.iv:.4f} < {opts.min_iv}"
        else:
            selected.append(b)

    y_good = (~is_bad).astype(np.float64)
    intercept, coef = math.log(max(n - n_bad, 1) / max(n_bad, 1)), np.zeros(0)
    while selected:
        x = np.column_stack([b.woe[b.slots] for b in selected])
        intercept, coef = fit_logistic(x, y_good, c=opts.l2_c)
        worst = int(np.argmin(coef))
        if coef[worst] > 0:
            break
        # a characteristic pulling against its own WoE: drop it and refit
        dropped[selected[worst].name] = f"coefficient {coef[worst]:.4f} <= 0 given the others"
        del selected[worst]
    if not selected:
        raise UnusableInput(
            f"no characteristic is predictive enough (information value >= {opts.min_iv} "
            "and a positive coefficient)",
            code="no_characteristics",
        )

    factor = opts.pdo / math.log(2.0)
    offset = opts.base_score - factor * math.log(opts.base_odds)
    base = offset + factor * intercept
    points = [factor * float(c) * b.woe for b, c in zip(selected, coef, strict=True)]

    scaling = Scaling(
        pdo=opts.pdo,
        base_score=opts.base_score,
        base_odds=opts.base_odds,
        range_method=opts.range_method,
        rounding=opts.rounding,
    )
    score_range = opts.score_range
    if score_range is not None and opts.range_method == "scale":
        lo_total = base + sum(float(p.min()) for p in points)
        hi_total = base + sum(float(p.max()) for p in points)
        if hi_total > lo_total:
            r = (score_range[1] - score_range[0]) / (hi_total - lo_total)
            points = [p * r for p in points]
            base = score_range[0] - sum(float(p.min()) for p in points)
            scaling = scaling.model_copy(update={"effective_pdo": opts.pdo * r})

    chars: list[NumericCharacteristic | CategoricalCharacteristic] = []
    for b, c, p in zip(selected, coef, points, strict=True):
        p = _round(p, opts.rounding)
        pts = [float(v) + 0.0 for v in p]  # no -0.0
        common: dict[str, Any] = {
            "name": b.name,
            "points": pts[: b.n_bins],
            "missing_points": pts[b.n_bins],
            "unseen_points": pts[b.n_bins + 1],
            "max_points": max(pts),
            "coefficient": float(c),
            "stats": BinStats(
                count=b.count, bad=b.bad, woe=[float(v) for v in b.woe[:-1]], iv=b.iv
            ),
        }
        if b.kind == "numeric":
            chars.append(NumericCharacteristic(edges=b.edges, **common))
        else:
            chars.append(CategoricalCharacteristic(groups=b.groups, **common))

    meta = {
        "options": asdict(opts),
        "n": n,
        "n_bad": n_bad,
        "intercept": intercept,
        "selected": [b.name for b in selected],
        "iv": {b.name: round(b.iv, 6) for b in binned},
        "dropped": dropped,
    }
    return Card(
        source=source,
        target=Target(column=target, bad=bad),
        base_points=float(_round(np.asarray([base]), opts.rounding)[0]) + 0.0,
        score_range=score_range,
        scaling=scaling,
        reasons=ReasonOptions(inquiry_patterns=list(opts.inquiry_patterns)),
        characteristics=chars,
        fit=json.loads(json.dumps(meta)),  # JSON-native (lists, not tuples)
    )
