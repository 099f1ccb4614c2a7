"""Scoring with a compiled card: vectorised lookups, no I/O, no fitting library.

A :class:`Scorer` turns a :class:`~xinyong.scorecard.card.Card` into numpy tables. Each
characteristic has ``n_bins + 2`` slots: its bins, then ``missing`` (slot ``n_bins``), then
``unseen`` (slot ``n_bins + 1``), and a points table over the slots.

Input is any table-like object: a ``pyarrow.Table``, a pandas ``DataFrame`` or a mapping of
column name to array (numpy, pyarrow, pandas). Rows are processed in blocks that stay in
cache; per block and characteristic:

* numeric, float values: slot = number of edges <= v (one comparison pass per edge; NaN
  compares false everywhere and is then set to the missing slot); many edges: searchsorted;
* numeric, integer values over a small range: a lookup table over [min, max] of the column;
* categorical text (pyarrow/pandas-arrow strings): ``pyarrow.compute.index_in`` against the
  card's categories, then a code -> slot table; pandas categoricals use their codes; other
  text is factorised;
* pre-encoded input (``encoded=True``): a categorical column holds integer codes into
  :meth:`CategoricalCharacteristic.categories` (``-1`` = missing, ``len(categories)`` =
  unseen).
"""

from __future__ import annotations

import importlib
import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from xinyong.errors import UnusableInput
from xinyong.scorecard.card import Card, CategoricalCharacteristic, NumericCharacteristic

F64 = NDArray[np.float64]
IntP = NDArray[np.intp]

#: rows per block: small enough that a block's temporaries stay in cache
BLOCK_ROWS = 1 << 14
#: an integer column whose value range is at most this uses a lookup table
_LUT_MAX_RANGE = 1 << 16
#: with more edges than this, a binary search beats one comparison pass per edge
_CMP_MAX_EDGES = 24


def _pandas() -> Any | None:
    try:
        return importlib.import_module("pandas")
    except ImportError:  # pragma: no cover - pandas ships with the dev/bench extras
        return None


def _is_pandas(obj: Any) -> bool:
    return type(obj).__module__.split(".", 1)[0] == "pandas"


# --------------------------------------------------------------------------- table access


@dataclass(frozen=True)
class Columns:
    """Uniform access to a table-like input: names, a getter and the row count."""

    names: list[str]
    get: Callable[[str], Any]
    n_rows: int


def columns_of(data: Any) -> Columns:
    if isinstance(data, pa.Table | pa.RecordBatch):
        return Columns(list(data.column_names), data.column, data.num_rows)
    if _is_pandas(data) and hasattr(data, "columns"):
        names = [str(c) for c in data.columns]
        if len(set(names)) != len(names):
            raise UnusableInput("the data has repeated column names")
        lookup = {str(c): c for c in data.columns}
        return Columns(names, lambda n: data[lookup[n]], len(data))
    if isinstance(data, Mapping):
        names = [str(k) for k in data]
        lens = {len(v) for v in data.values()}
        if len(lens) > 1:
            raise UnusableInput("the data's columns differ in length")
        return Columns(names, lambda n: data[n], lens.pop() if lens else 0)
    raise TypeError(f"cannot read columns from {type(data).__name__}")


# --------------------------------------------------------------------------- column kinds


def _to_arrow(col: Any) -> pa.Array | pa.ChunkedArray | None:
    """The column as Arrow when that costs no copy of its values (else None)."""
    if isinstance(col, pa.Array | pa.ChunkedArray):
        return col
    if _is_pandas(col):
        dtype = col.dtype
        storage = getattr(dtype, "storage", None)
        if storage == "pyarrow" or type(dtype).__name__ == "ArrowDtype":
            return pa.array(col)
    return None


def _numeric_values(col: Any) -> NDArray[Any] | None:
    """A numeric view of the column (ints or floats, NaN for missing), or None for text."""
    if isinstance(col, pa.ChunkedArray | pa.Array):
        t = col.type
        if pa.types.is_dictionary(t):
            return None
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
            if col.null_count == 0 and not pa.types.is_boolean(t):
                arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
                return np.asarray(arr.to_numpy(zero_copy_only=False))
            f = pc.fill_null(pc.cast(col, pa.float64()), math.nan)
            if isinstance(f, pa.ChunkedArray):
                f = f.combine_chunks()
            return np.asarray(f.to_numpy(zero_copy_only=False), dtype=np.float64)
        if pa.types.is_null(t):
            return np.full(len(col), math.nan)
        return None
    if _is_pandas(col):
        dtype = col.dtype
        kind = getattr(dtype, "kind", "O")
        if type(dtype).__name__ == "CategoricalDtype":
            return None
        if kind in "iuf" and type(dtype).__module__.startswith("numpy"):
            return np.asarray(col.to_numpy())
        if kind in "iufb":  # nullable / arrow-backed numbers
            return np.asarray(col.to_numpy(dtype="float64", na_value=math.nan))
        return None
    arr = np.asarray(col)
    if arr.dtype.kind in "iuf":
        return arr
    if arr.dtype.kind == "b":
        return arr.astype(np.int8)
    return None


def _parse_numbers(col: Any) -> tuple[F64, NDArray[np.bool_]]:
    """Text in a numeric characteristic: (values with NaN for missing, unparseable mask)."""
    arr = _to_arrow(col)
    if arr is None:
        try:
            arr = pa.array(np.asarray(col, dtype=object), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = pa.array([None if _isna(v) else str(v) for v in np.asarray(col, dtype=object)])
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    stripped = pc.utf8_trim_whitespace(arr)
    blank = pc.fill_null(pc.equal(stripped, ""), True)
    try:
        values = pc.cast(stripped, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        py = stripped.to_pylist()
        out: list[float] = []
        for v in py:
            try:
                out.append(float(v) if v else math.nan)
            except ValueError:
                out.append(math.inf * 0)  # NaN, marked unparseable below
        values = pa.array(out, type=pa.float64())
    nums = np.asarray(pc.fill_null(values, math.nan).to_numpy(zero_copy_only=False), np.float64)
    blank_np = np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
    bad = np.isnan(nums) & ~blank_np
    if bad.any():
        # "nan"/"NaN" text parses to NaN: that is a missing value, not unparseable
        low = pc.utf8_lower(stripped)
        nan_text = np.asarray(
            pc.fill_null(pc.equal(low, "nan"), False).to_numpy(zero_copy_only=False), dtype=bool
        )
        bad &= ~nan_text
    return nums, bad


def _isna(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


# --------------------------------------------------------------------------- compiled parts


class _Compiled:
    """One characteristic's lookup tables."""

    def __init__(self, ch: NumericCharacteristic | CategoricalCharacteristic) -> None:
        self.name = ch.name
        self.kind = ch.kind
        self.n_bins = len(ch.points)
        self.missing_slot = self.n_bins
        self.unseen_slot = self.n_bins + 1
        self.points = np.asarray(ch.all_points(), dtype=np.float64)
        self.max_points = float(ch.max_points)
        self.reason = ch.reason or ch.name
        if isinstance(ch, NumericCharacteristic):
            self.edges = np.asarray(ch.edges, dtype=np.float64)
            self.edges_nan = np.append(self.edges, math.nan)
            self.categories: list[str] = []
        else:
            self.edges = np.empty(0)
            self.edges_nan = np.empty(0)
            self.categories = ch.categories()
            group_of = [i for i, g in enumerate(ch.groups) for _ in g]
            m = len(self.categories)
            self.index: dict[str, int] = {c: j for j, c in enumerate(self.categories)}
            # code -> slot for index_in codes: [cats..., missing (null input), unseen]
            self.code_slots = np.asarray(
                [*group_of, self.missing_slot, self.unseen_slot], dtype=np.intp
            )
            # code -> slot for pre-encoded codes: [cats..., unseen (m), missing (-1 wraps)]
            self.encoded_slots = np.asarray(
                [*group_of, self.unseen_slot, self.missing_slot], dtype=np.intp
            )
            self.value_set = pa.array([*self.categories, None], type=pa.string())
            self.m = m

    def slot_of_text(self, values: Sequence[Any]) -> IntP:
        """Slots of a few distinct values (None/NaN = missing, unknown = unseen)."""
        out = np.empty(len(values), dtype=np.intp)
        code_slots = self.code_slots
        for i, v in enumerate(values):
            if _isna(v):
                out[i] = self.missing_slot
            else:
                j = self.index.get(v if isinstance(v, str) else _text(v))
                out[i] = self.unseen_slot if j is None else code_slots[j]
        return out

    def numeric_slots(self, x: NDArray[Any]) -> IntP:
        """Slots of a block of numbers (NaN = missing)."""
        if x.dtype.kind != "f" or x.dtype.itemsize != 8:
            x = x.astype(np.float64)
        if len(self.edges) > _CMP_MAX_EDGES:
            return np.searchsorted(self.edges_nan, x, side="right").astype(np.intp, copy=False)
        slots = np.zeros(len(x), dtype=np.intp)
        b = np.empty(len(x), dtype=bool)
        for e in self.edges:
            np.greater_equal(x, e, out=b)
            np.add(slots, b, out=slots)
        np.isnan(x, out=b)
        if b.any():
            slots[b] = self.missing_slot
        return slots


def _text(v: Any) -> str:
    """Canonical text of a non-text category value (as Arrow casts numbers to text)."""
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return str(pa.scalar(float(v), pa.float64()).cast(pa.string()).as_py())
    return str(v)


class _Prepared:
    """One input column made ready for block lookups.

    Per block it yields integer codes; ``code_slots`` and ``code_points`` map a code to its
    slot and points. A code of -1 means the tables' last entry (``mode`` "wrap"); when no
    code is negative the lookups clip instead, which is faster.
    """

    mode: Literal["wrap", "clip"] = "clip"

    def __init__(self, comp: _Compiled, code_slots: IntP) -> None:
        self.comp = comp
        self.code_slots = np.asarray(code_slots, dtype=np.intp)
        self.code_points = comp.points[self.code_slots]

    def codes(self, start: int, stop: int) -> NDArray[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def slots(self, start: int, stop: int) -> IntP:
        return np.take(self.code_slots, self.codes(start, stop), mode=self.mode)

    def add_points(self, start: int, stop: int, acc: F64, buf: F64) -> None:
        """acc += the rows' points (buf: scratch of acc's length)."""
        np.take(self.code_points, self.codes(start, stop), mode=self.mode, out=buf)
        np.add(acc, buf, out=acc)

    def add_points_and_count(
        self, start: int, stop: int, acc: F64, buf: F64, code_counts: NDArray[np.int64]
    ) -> None:
        """As add_points, and code_counts += rows per code."""
        c = self.codes(start, stop)
        np.take(self.code_points, c, mode=self.mode, out=buf)
        np.add(acc, buf, out=acc)
        if self.mode == "wrap":
            c = np.where(c < 0, c + len(self.code_slots), c)
        code_counts += np.bincount(c, minlength=len(self.code_slots))

    def slot_counts(self, code_counts: NDArray[np.int64]) -> NDArray[np.int64]:
        n_slots = self.comp.n_bins + 2
        out = np.bincount(self.code_slots, weights=code_counts, minlength=n_slots)
        return np.rint(out).astype(np.int64)


class _Constant(_Prepared):
    """Every row in one slot (a column of nothing but missing values)."""

    def __init__(self, comp: _Compiled, slot: int) -> None:
        super().__init__(comp, np.asarray([slot], dtype=np.intp))

    def codes(self, start: int, stop: int) -> NDArray[Any]:
        return np.zeros(stop - start, dtype=np.intp)

    def add_points(self, start: int, stop: int, acc: F64, buf: F64) -> None:
        np.add(acc, self.code_points[0], out=acc)


class _Floats(_Prepared):
    """Numbers (NaN = missing): codes are the slots themselves."""

    def __init__(self, comp: _Compiled, x: NDArray[Any], unparseable: NDArray[np.bool_] | None):
        super().__init__(comp, np.arange(comp.n_bins + 2, dtype=np.intp))
        self.x = x
        self.unparseable = unparseable if unparseable is not None and unparseable.any() else None

    def codes(self, start: int, stop: int) -> NDArray[Any]:
        s = self.comp.numeric_slots(self.x[start:stop])
        if self.unparseable is not None:
            s[self.unparseable[start:stop]] = self.comp.unseen_slot
        return s


class _IntLUT(_Prepared):
    """Integers over a small range: codes are value - lo, tables over [lo, hi]."""

    def __init__(self, comp: _Compiled, x: NDArray[Any], lo: int, hi: int) -> None:
        self.lo = 0 if lo >= 0 else lo
        super().__init__(comp, comp.numeric_slots(np.arange(self.lo, hi + 1, dtype=np.float64)))
        self.x = x
        self.direct = self.lo == 0 and x.dtype == np.intp

    def codes(self, start: int, stop: int) -> NDArray[Any]:
        xb = self.x[start:stop]
        if self.direct:
            return xb
        out: NDArray[Any] = np.subtract(xb, self.lo, dtype=np.intp)
        return out


class _Codes(_Prepared):
    """Integer codes per row from a callable, and a fixed code -> slot table."""

    def __init__(
        self,
        comp: _Compiled,
        codes: Callable[[int, int], NDArray[Any]],
        code_slots: IntP,
        *,
        negative: bool = True,
    ) -> None:
        super().__init__(comp, code_slots)
        self._codes = codes
        self.mode = "wrap" if negative else "clip"

    def codes(self, start: int, stop: int) -> NDArray[Any]:
        return self._codes(start, stop)


class _Factorised(_Prepared):
    """Text without Arrow storage: factorised per block, distinct values mapped in Python.

    Codes are the slots themselves.
    """

    def __init__(self, comp: _Compiled, values: NDArray[Any]) -> None:
        super().__init__(comp, np.arange(comp.n_bins + 2, dtype=np.intp))
        self.values = values
        self.pd = _pandas()

    def codes(self, start: int, stop: int) -> NDArray[Any]:
        block = self.values[start:stop]
        if self.pd is not None:
            codes, uniques = self.pd.factorize(block, use_na_sentinel=True)
            table = np.append(self.comp.slot_of_text(list(uniques)), self.comp.missing_slot)
            slots: IntP = np.take(table, np.asarray(codes), mode="wrap")
            return slots
        try:
            uniq, inv = np.unique(block, return_inverse=True)
        except TypeError:  # mixed objects (None with text): compare as text
            keyed = np.asarray(["\0na" if _isna(v) else _text(v) for v in block], dtype=object)
            uniq, inv = np.unique(keyed, return_inverse=True)
            uniq = np.asarray([None if u == "\0na" else u for u in uniq], dtype=object)
        return np.asarray(self.comp.slot_of_text(list(uniq))[inv], dtype=np.intp)


def _arrow_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr
    return pc.cast(arr, pa.string())


def _arrow_codes(comp: _Compiled, arr: pa.Array | pa.ChunkedArray) -> Callable[[int, int], Any]:
    opts = pc.SetLookupOptions(comp.value_set, skip_nulls=False)
    unseen = comp.m + 1

    def codes(start: int, stop: int) -> NDArray[Any]:
        idx = pc.index_in(arr.slice(start, stop - start), options=opts)
        if isinstance(idx, pa.ChunkedArray):
            idx = idx.combine_chunks() if idx.num_chunks != 1 else idx.chunk(0)
        n, off = len(idx), idx.offset
        validity, data = idx.buffers()
        values = np.frombuffer(data, dtype=np.int32, count=off + n)[off:]
        if idx.null_count == 0:
            return values
        # a null index is a value not in the card (null input matched the set's null)
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        return np.where(bits[off : off + n].astype(np.bool_), values, unseen)

    return codes


def _prepare(comp: _Compiled, col: Any, *, encoded: bool, n_rows: int) -> _Prepared:
    if comp.kind == "numeric":
        x = _numeric_values(col)
        if x is None:
            arr = _to_arrow(col)
            if arr is not None and pa.types.is_dictionary(arr.type):
                col = pc.cast(arr, arr.type.value_type)
            if _is_pandas(col) and type(col.dtype).__name__ == "CategoricalDtype":
                col = col.astype(object)
            nums, bad = _parse_numbers(col)
            return _Floats(comp, nums, bad)
        if x.dtype.kind == "b":
            x = x.astype(np.int8)
        if x.dtype.kind in "iu" and len(x):
            lo, hi = int(x.min()), int(x.max())
            if hi - min(lo, 0) <= _LUT_MAX_RANGE and len(x) >= 4 * (hi - min(lo, 0) + 1):
                if x.dtype.kind == "u" or x.dtype.itemsize != np.dtype(np.intp).itemsize:
                    x = x.astype(np.intp) if lo >= 0 else x.astype(np.int64)
                return _IntLUT(comp, x, lo, hi)
        return _Floats(comp, x, None)

    # categorical
    if encoded:
        codes = np.asarray(col)
        if codes.dtype.kind not in "iu":
            raise UnusableInput(f"{comp.name}: encoded input needs integer category codes")
        if len(codes) and (int(codes.min()) < -1 or int(codes.max()) > comp.m):
            raise UnusableInput(
                f"{comp.name}: category codes must lie in -1..{comp.m} "
                "(-1 missing, the number of categories for unseen)"
            )
        negative = bool(len(codes)) and int(codes.min()) < 0
        return _Codes(comp, lambda s, e: codes[s:e], comp.encoded_slots, negative=negative)
    if _is_pandas(col) and type(col.dtype).__name__ == "CategoricalDtype":
        cat_codes = np.asarray(col.cat.codes.to_numpy())
        table = np.append(comp.slot_of_text(list(col.cat.categories)), comp.missing_slot)
        negative = bool(len(cat_codes)) and int(cat_codes.min()) < 0
        return _Codes(comp, lambda s, e: cat_codes[s:e], table.astype(np.intp), negative=negative)
    arr = _to_arrow(col)
    if arr is not None:
        if pa.types.is_dictionary(arr.type):
            chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
            if len(chunks) == 1:
                d = chunks[0]
                table = np.append(
                    comp.slot_of_text(d.dictionary.to_pylist()), comp.missing_slot
                ).astype(np.intp)
                ind = np.asarray(
                    pc.fill_null(d.indices, -1).to_numpy(zero_copy_only=False), dtype=np.intp
                )
                return _Codes(comp, lambda s, e: ind[s:e], table)
            arr = pc.cast(arr, arr.type.value_type)
        if pa.types.is_null(arr.type):
            return _Constant(comp, comp.missing_slot)
        arr = _arrow_text(arr)
        return _Codes(comp, _arrow_codes(comp, arr), comp.code_slots, negative=False)
    values = col.to_numpy(dtype=object) if _is_pandas(col) else np.asarray(col)
    if values.dtype.kind in "iufb":
        arrow = pc.cast(pa.array(values, from_pandas=True), pa.string())
        return _Codes(comp, _arrow_codes(comp, arrow), comp.code_slots, negative=False)
    if values.dtype.kind == "U":
        values = values.astype(object)
    return _Factorised(comp, values)


# --------------------------------------------------------------------------- the scorer


class Scorer:
    """A card compiled to lookup tables. Thread-safe; build once, score many tables."""

    def __init__(self, card: Card) -> None:
        self.card = card
        self.parts = [_Compiled(ch) for ch in card.characteristics]
        self.names = [p.name for p in self.parts]
        self.base_points = float(card.base_points)
        self.score_range = card.score_range
        self.max_points = np.asarray([p.max_points for p in self.parts], dtype=np.float64)

    # -- preparation

    def prepare(self, data: Any, *, encoded: bool = False) -> tuple[list[_Prepared], int]:
        cols = columns_of(data)
        have = set(cols.names)
        missing = [n for n in self.names if n not in have]
        if missing:
            raise UnusableInput(
                f"the data lacks {len(missing)} column(s) the card scores: {', '.join(missing)}",
                code="unknown_column",
                details={"missing": missing},
            )
        prepared = [
            _prepare(p, cols.get(p.name), encoded=encoded, n_rows=cols.n_rows) for p in self.parts
        ]
        return prepared, cols.n_rows

    @staticmethod
    def _blocks(n: int, block: int) -> Iterator[tuple[int, int]]:
        for s in range(0, n, block):
            yield s, min(n, s + block)

    # -- scores

    def score(
        self, data: Any, *, encoded: bool = False, threads: int = 1, block: int = BLOCK_ROWS
    ) -> F64:
        """Each row's score: base points plus characteristic points, clipped to the range."""
        prepared, n = self.prepare(data, encoded=encoded)
        return self.score_prepared(prepared, n, threads=threads, block=block)

    def score_prepared(
        self, prepared: list[_Prepared], n: int, *, threads: int = 1, block: int = BLOCK_ROWS
    ) -> F64:
        out = np.empty(n, dtype=np.float64)
        base = self.base_points

        def run(span: tuple[int, int]) -> None:
            s0, s1 = span
            acc = np.empty(min(block, max(s1 - s0, 1)), dtype=np.float64)
            buf = np.empty_like(acc)
            for s, e in self._blocks(s1 - s0, block):
                a = acc[: e - s]
                b = buf[: e - s]
                a.fill(0.0)
                for p in prepared:
                    p.add_points(s0 + s, s0 + e, a, b)
                # characteristic points first, then the base: the order optbinning adds in
                np.add(a, base, out=out[s0 + s : s0 + e])

        self._run(run, n, threads, block)
        if self.score_range is not None:
            np.clip(out, self.score_range[0], self.score_range[1], out=out)
        return out

    # -- per characteristic

    def iter_points(
        self, data: Any, *, encoded: bool = False, block: int = BLOCK_ROWS
    ) -> Iterator[tuple[int, int, F64, F64]]:
        """Blocks of (start, stop, scores, points matrix rows x characteristics)."""
        prepared, n = self.prepare(data, encoded=encoded)
        k = len(prepared)
        for s, e in self._blocks(n, block):
            mat = np.empty((e - s, k), dtype=np.float64)
            acc = np.zeros(e - s, dtype=np.float64)
            for j, p in enumerate(prepared):
                col = np.take(p.comp.points, p.slots(s, e), mode="clip")
                mat[:, j] = col
                np.add(acc, col, out=acc)
            np.add(acc, self.base_points, out=acc)
            if self.score_range is not None:
                np.clip(acc, self.score_range[0], self.score_range[1], out=acc)
            yield s, e, acc, mat

    def slot_counts(
        self, data: Any, *, encoded: bool = False, threads: int = 1, block: int = BLOCK_ROWS
    ) -> tuple[list[NDArray[np.int64]], F64]:
        """Rows per slot of each characteristic, and the scores (one pass over the data)."""
        prepared, n = self.prepare(data, encoded=encoded)
        scores = np.empty(n, dtype=np.float64)
        base = self.base_points

        def run(span: tuple[int, int]) -> list[NDArray[np.int64]]:
            counts = [np.zeros(len(p.code_slots), dtype=np.int64) for p in prepared]
            s0, s1 = span
            acc = np.empty(min(block, max(s1 - s0, 1)), dtype=np.float64)
            buf = np.empty_like(acc)
            for s, e in self._blocks(s1 - s0, block):
                a, b = acc[: e - s], buf[: e - s]
                a.fill(0.0)
                for p, c in zip(prepared, counts, strict=True):
                    p.add_points_and_count(s0 + s, s0 + e, a, b, c)
                np.add(a, base, out=scores[s0 + s : s0 + e])
            return counts

        parts = self._run(run, n, threads, block)
        counts = []
        for j, p in enumerate(prepared):
            code_counts = np.zeros(len(p.code_slots), dtype=np.int64)
            for part in parts:
                code_counts += part[j]
            counts.append(p.slot_counts(code_counts))
        if self.score_range is not None:
            np.clip(scores, self.score_range[0], self.score_range[1], out=scores)
        return counts, scores

    def _run(
        self, fn: Callable[[tuple[int, int]], Any], n: int, threads: int, block: int
    ) -> list[Any]:
        """fn over the row range split into one span per thread (block-aligned)."""
        if threads <= 1 or n < 2 * block:
            return [fn((0, n))] if n else []
        per = -(-n // threads)
        per = -(-per // block) * block
        spans = [(s, min(n, s + per)) for s in range(0, n, per)]
        with ThreadPoolExecutor(max_workers=threads) as ex:
            return list(ex.map(fn, spans))

    def slot_labels(self, j: int) -> list[str]:
        """Human labels of characteristic j's slots (bins, missing, unseen)."""
        ch = self.card.characteristics[j]
        if isinstance(ch, NumericCharacteristic):
            e = ch.edges
            if not e:
                labels = ["(-inf, inf)"]
            else:
                labels = [f"(-inf, {e[0]:g})"]
                labels += [f"[{a:g}, {b:g})" for a, b in itertools.pairwise(e)]
                labels.append(f"[{e[-1]:g}, inf)")
        else:
            assert isinstance(ch, CategoricalCharacteristic)
            labels = [", ".join(g) for g in ch.groups]
        return [*labels, "missing", "unseen"]
