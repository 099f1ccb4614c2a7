"""Reading agency files: CSV (UTF-8, UTF-8 with BOM, GB18030), JSON Lines, Parquet.

A file is read in one pass for its SHA-256 (the resume key) and its encoding: UTF-8
is checked over the whole file, so a GB18030 feed is never half-decoded as UTF-8.
Rows come out numbered from 1 (the header excluded), values as stripped strings or
None, so every format reaches the mappings in the same shape.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from xinyong.errors import UnusableInput

FORMATS = ("csv", "jsonl", "parquet")
RawRow = dict[str, str | None]
#: a CSV row's values in header order (``SourceFile.raw_rows``)
Values = tuple[str | None, ...]


@dataclass(frozen=True)
class SourceFile:
    path: Path
    format: str
    encoding: str | None
    sha256: str
    header: list[str]

    def rows(self, start_row: int = 1) -> Iterator[tuple[int, RawRow | str]]:
        """Yield ``(row_number, row)``; a row that cannot be parsed is yielded as a message."""
        if self.format == "csv":
            header = self.header
            for row_no, values in _csv_values(self, start_row):
                if isinstance(values, str):
                    yield row_no, values
                else:
                    yield row_no, dict(zip(header, values, strict=True))
        elif self.format == "jsonl":
            yield from _jsonl_rows(self, start_row)
        else:
            yield from _parquet_rows(self, start_row)

    def raw_rows(self, start_row: int = 1) -> Iterator[tuple[int, RawRow | Values | str]]:
        """``rows`` without building a dict per CSV row: a CSV row is its values in header
        order (``dict(zip(header, values))`` is the row ``rows`` gives)."""
        if self.format == "csv":
            yield from _csv_values(self, start_row)
        else:
            yield from self.rows(start_row)


def clean_header(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lstrip("\ufeff")


def _format_of(path: Path, claimed: str | None) -> str:
    if claimed:
        if claimed not in FORMATS:
            raise UnusableInput(f"unknown format {claimed!r}; use one of {', '.join(FORMATS)}")
        return claimed
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    with path.open("rb") as f:
        head = f.read(4)
    if head == b"PAR1":
        return "parquet"
    if head[:1] == b"{":
        return "jsonl"
    return "csv"


def _hash_and_sniff(path: Path) -> tuple[str, bool, bytes]:
    """SHA-256 of the file, whether it is entirely valid UTF-8, and its first bytes."""
    sha = hashlib.sha256()
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    utf8 = True
    first = b""
    with path.open("rb") as f:
        while block := f.read(8 << 20):
            if not first:
                first = block[: 1 << 20]
            sha.update(block)
            if utf8:
                try:
                    dec.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return sha.hexdigest(), utf8, first


def _detect_encoding(first: bytes, utf8: bool) -> str:
    """UTF-8 (with or without BOM) or GB18030, the encodings Chinese agency feeds use.

    A file that is not entirely valid in either gets the one with fewer undecodable
    sequences in its first megabyte; its bad rows are quarantined as bad_encoding.
    """
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if utf8:
        return "utf-8"
    sample = first[: (1 << 20) - 8]
    try:
        codecs.getincrementaldecoder("gb18030")("strict").decode(sample)
        return "gb18030"
    except UnicodeDecodeError:
        pass
    errors = {
        enc: codecs.getincrementaldecoder(enc)("replace").decode(sample).count("\ufffd")
        for enc in ("utf-8", "gb18030")
    }
    best = min(errors, key=lambda e: errors[e])
    if errors[best] * 100 > len(sample):  # over 1% garbage: not text we know
        raise UnusableInput("cannot tell the file's text encoding; pass --encoding")
    return best


def open_source(path: Path, *, fmt: str | None = None, encoding: str | None = None) -> SourceFile:
    """Open an agency file, or raise ``UnusableInput`` with what is wrong with it."""
    if not path.exists():
        raise UnusableInput(f"no such file: {path}", code="file_missing")
    if not path.is_file():
        raise UnusableInput(f"not a file: {path}", code="file_missing")
    fmt = _format_of(path, fmt)
    sha, utf8, first = _hash_and_sniff(path)
    if not first:
        raise UnusableInput(f"{path} is empty", code="file_empty")
    if fmt == "parquet":
        return SourceFile(path, fmt, None, sha, _parquet_header(path))
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as e:
            raise UnusableInput(f"unknown encoding {encoding!r}") from e
        enc = encoding
    else:
        enc = _detect_encoding(first, utf8)
    header = _csv_header(path, enc) if fmt == "csv" else _jsonl_header(path, enc)
    return SourceFile(path, fmt, enc, sha, header)


# --- CSV --------------------------------------------------------------------------


_escape = codecs.lookup_error("surrogateescape")
#: undecodable byte runs met by any reader so far (only ever compared for a change)
_undecodable = [0]


def _escape_and_count(exc: UnicodeError) -> tuple[str | bytes, int]:
    _undecodable[0] += 1
    return _escape(exc)


codecs.register_error("xinyong.escape", _escape_and_count)


def undecodable_seen() -> int:
    """A count that moves whenever a reader (in any thread) meets undecodable bytes.

    A reader that saw it unchanged from before its first row to after its last one read
    only valid text, so its rows need no search for the surrogates that stand in for bad
    bytes (a per-row search cost the preparer as much as a code check).
    """
    return _undecodable[0]


def _open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    # surrogateescape (counted): a row with undecodable bytes is quarantined, not the file
    return open(path, encoding=encoding, errors="xinyong.escape", newline="")


def _csv_header(path: Path, encoding: str) -> list[str]:
    with _open_text(path, encoding) as f:
        sample = f.read(64 << 10)
        if "\x00" in sample:
            raise UnusableInput(f"{path} is not a text CSV file (binary content)", code="not_csv")
        f.seek(0)
        try:
            header = next(csv.reader(f))
        except (StopIteration, csv.Error) as e:
            raise UnusableInput(f"{path} has no CSV header: {e}", code="not_csv") from e
    header = [clean_header(h) for h in header]
    if len(header) < 2:
        raise UnusableInput(f"{path} does not look like a CSV file (one column)", code="not_csv")
    return header


def _csv_values(src: SourceFile, start_row: int) -> Iterator[tuple[int, Values | str]]:
    assert src.encoding
    n = len(src.header)
    with _open_text(src.path, src.encoding) as f:
        reader = csv.reader(f)
        try:
            next(reader)
        except StopIteration:
            return
        row_no = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                row_no += 1
                if row_no >= start_row:
                    yield row_no, f"malformed CSV: {e}"
                continue
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # blank lines are not data rows
            row_no += 1
            if row_no < start_row:
                continue
            if len(values) != n:
                yield row_no, f"has {len(values)} fields, the header has {n}"
                continue
            yield row_no, tuple([v.strip() or None for v in values])


# --- JSON Lines -------------------------------------------------------------------


def _jsonl_header(path: Path, encoding: str) -> list[str]:
    keys: dict[str, None] = {}
    with _open_text(path, encoding) as f:
        for i, line in enumerate(f):
            if i >= 200:
                break
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                if i == 0:
                    raise UnusableInput(
                        f"{path} is not JSON Lines (first line is not JSON)", code="not_jsonl"
                    ) from None
                continue
            if not isinstance(obj, dict):
                raise UnusableInput(f"{path}: JSON Lines rows must be objects", code="not_jsonl")
            for k in obj:
                keys[clean_header(str(k))] = None
    if not keys:
        raise UnusableInput(f"{path} has no JSON objects", code="not_jsonl")
    return list(keys)


def _stringify(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, Decimal | int):
        return str(v)
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False)
    s = str(v).strip()
    return s or None


def _jsonl_rows(src: SourceFile, start_row: int) -> Iterator[tuple[int, RawRow | str]]:
    assert src.encoding
    with _open_text(src.path, src.encoding) as f:
        row_no = 0
        for line in f:
            if not line.strip():
                continue
            row_no += 1
            if row_no < start_row:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield row_no, f"not valid JSON: {e.msg} at column {e.colno}"
                continue
            if not isinstance(obj, dict):
                yield row_no, "not a JSON object"
                continue
            yield row_no, {clean_header(str(k)): _stringify(v) for k, v in obj.items()}


# --- Parquet ----------------------------------------------------------------------


def _parquet_header(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as e:
        raise UnusableInput(f"{path} is not a Parquet file: {e}", code="not_parquet") from e
    return [clean_header(n) for n in schema.names]


def _parquet_rows(src: SourceFile, start_row: int) -> Iterator[tuple[int, RawRow | str]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(src.path)
    names = [clean_header(n) for n in pf.schema_arrow.names]
    row_no = 0
    for batch in pf.iter_batches(batch_size=20_000):
        if row_no + batch.num_rows < start_row:
            row_no += batch.num_rows
            continue
        cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for i in range(batch.num_rows):
            row_no += 1
            if row_no < start_row:
                continue
            yield row_no, {names[j]: _stringify(cols[j][i]) for j in range(len(names))}


T = TypeVar("T")


def chunked(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    """``rows`` in lists of ``size`` (the last may be shorter): one list per transaction."""
    chunk: list[T] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def has_surrogates(raw: RawRow) -> bool:
    """Whether a value kept undecodable bytes (``surrogateescape``): such a row is
    quarantined as ``bad_encoding``."""
    for v in raw.values():
        if v is not None and not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False
