"""CSV in and out for the scorecard commands (pyarrow's reader and writer).

Reading: a header row names the columns; empty cells and the usual NA markers ("NA",
"N/A", "null", "NaN", ...) are missing values in every column, text columns included.
Columns a card treats as categorical are read as text (so "01" stays "01"); numeric ones
are inferred, and a numeric column holding text is parsed value by value (text that is not
a number scores in the unseen slot).
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from xinyong.errors import UnusableInput, UsageError

NULL_VALUES = [
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "n/a",
    "nan",
    "null",
    "None",
]


def header(path: str | Path, *, encoding: str = "utf-8") -> list[str]:
    """The CSV's column names; a missing or empty file is :class:`UnusableInput`."""
    p = Path(path)
    if not p.is_file():
        raise UnusableInput(f"{p}: no such file", code="not_found")
    try:
        with p.open(encoding=encoding, newline="") as f:
            first = next(csv.reader(io.StringIO(f.readline())), None)
    except (OSError, UnicodeDecodeError, LookupError) as e:
        raise UnusableInput(f"{p}: cannot be read as {encoding} CSV: {e}") from None
    if not first or all(not c.strip() for c in first):
        raise UnusableInput(f"{p}: the file is empty (no header row)", code="empty")
    names = [c.lstrip("\ufeff") if i == 0 else c for i, c in enumerate(first)]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UnusableInput(f"{p}: repeated column name(s): {', '.join(dup)}")
    return names


def require_columns(
    path: str | Path, names: Sequence[str], wanted: Iterable[str], what: str
) -> None:
    missing = [w for w in wanted if w not in names]
    if missing:
        raise UsageError(
            f"{path}: unknown column(s) {', '.join(repr(m) for m in missing)} ({what}); "
            f"the file has: {', '.join(names)}",
            code="unknown_column",
            details={"missing": missing},
        )


def read_csv(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    text_columns: Iterable[str] = (),
    encoding: str = "utf-8",
) -> pa.Table:
    """Read the CSV (only ``columns`` if given); ``text_columns`` are kept as text."""
    names = header(path, encoding=encoding)
    if columns is not None:
        require_columns(path, names, columns, "needed")
    text = {c for c in text_columns if c in names}
    read_opts = pacsv.ReadOptions(encoding=encoding, block_size=1 << 24)
    parse_opts = pacsv.ParseOptions(newlines_in_values=True)

    def convert(types: dict[str, pa.DataType]) -> pacsv.ConvertOptions:
        return pacsv.ConvertOptions(
            column_types=types,
            null_values=NULL_VALUES,
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            include_columns=list(columns) if columns is not None else None,
        )

    try:
        try:
            table = pacsv.read_csv(
                path,
                read_options=read_opts,
                parse_options=parse_opts,
                convert_options=convert({c: pa.string() for c in text}),
            )
        except pa.ArrowInvalid as e:
            if "conversion error" not in str(e).lower():
                raise
            # a column inferred as numbers from its first rows holds text further down: read
            # everything as text (numeric characteristics are parsed value by value)
            all_text = {c: pa.string() for c in (columns if columns is not None else names)}
            table = pacsv.read_csv(
                path,
                read_options=read_opts,
                parse_options=parse_opts,
                convert_options=convert(all_text),
            )
            table = _numbers_where_possible(table, text)
    except pa.ArrowInvalid as e:
        msg = str(e)
        if "Empty CSV file" in msg:
            raise UnusableInput(f"{path}: the file is empty", code="empty") from None
        raise UnusableInput(f"{path}: not a readable CSV: {msg}") from None
    return table


def _numbers_where_possible(table: pa.Table, keep_text: set[str]) -> pa.Table:
    """Text columns (but ``keep_text``) holding only numbers and missing values -> float64."""
    cols = []
    for name in table.column_names:
        col = table.column(name)
        if name not in keep_text and (
            pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
        ):
            with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
                col = pc.cast(pc.utf8_trim_whitespace(col), pa.float64())
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def write_scores(
    path: str | Path,
    blocks: Iterable[tuple[dict[str, pa.Array], NDArray[np.float64], NDArray[np.intp]]],
    *,
    reason_names: Sequence[str],
    n_reasons: int,
    integer_scores: bool,
) -> int:
    """Write id columns, ``score`` and ``reason_1..reason_N`` block by block; rows written."""
    labels = pa.array([*reason_names, ""], type=pa.string())  # index len(names) -> ""
    writer: pacsv.CSVWriter | None = None
    rows = 0
    try:
        for ids, scores, reasons in blocks:
            arrays: dict[str, pa.Array] = dict(ids)
            arrays["score"] = pa.array(scores.astype(np.int64) if integer_scores else scores)
            for j in range(n_reasons):
                idx = np.where(reasons[:, j] < 0, len(reason_names), reasons[:, j])
                arrays[f"reason_{j + 1}"] = labels.take(pa.array(idx))
            batch = pa.record_batch(list(arrays.values()), names=list(arrays))
            if writer is None:
                writer = pacsv.CSVWriter(str(path), batch.schema)
            writer.write_batch(batch)
            rows += len(scores)
        if writer is None:  # no rows: still a header
            names = [*(), "score", *(f"reason_{j + 1}" for j in range(n_reasons))]
            Path(path).write_text(",".join(f'"{n}"' for n in names) + "\n", encoding="utf-8")
    except OSError as e:
        raise UnusableInput(f"{path}: cannot write: {e}") from None
    finally:
        if writer is not None:
            writer.close()
    return rows
