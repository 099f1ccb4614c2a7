"""Reading a generated data set back, independently of the generator's own code.

Headers come from the ingest mapping YAML files, dates are parsed with a small
reference parser of the accepted forms, codes are judged by ``check_code``.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

import xinyong

MAPPINGS_DIR = Path(xinyong.__file__).parent / "ingest" / "mappings"

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@cache
def mapping(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((MAPPINGS_DIR / f"{name}.yaml").read_text("utf-8"))
    return data


@cache
def vocab() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = yaml.safe_load(
        (MAPPINGS_DIR / "_values.yaml").read_text("utf-8")
    )
    return {k: {str(a): str(b) for a, b in v.items()} for k, v in data.items()}


def in_vocab(kind: str, value: str) -> bool:
    return unicodedata.normalize("NFKC", value).strip() in vocab()[kind]


def parse_date(value: str) -> date | None:
    """A date in one of the accepted forms, None when no form reads it."""
    v = value.strip()
    for rx in (_ISO, _SLASH, _CN, _COMPACT):
        m = rx.match(v)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def date_form(value: str) -> str | None:
    for name, rx in (("iso", _ISO), ("slash", _SLASH), ("cn", _CN)):
        if rx.match(value):
            return name
    return None


@dataclass
class Feed:
    """One feed of a data set, rows keyed by canonical field name."""

    entry: dict[str, Any]
    header: list[str]
    rows: list[dict[str, str]]  # field → value
    bad: dict[int, dict[str, Any]]  # 0-based row index → truth entry

    @property
    def file(self) -> str:
        return str(self.entry["file"])

    def good(self) -> list[dict[str, str]]:
        return [r for i, r in enumerate(self.rows) if i not in self.bad]


def read_feed(out: Path, entry: dict[str, Any], truth: list[dict[str, Any]]) -> Feed:
    cols: dict[str, str] = mapping(entry["mapping"])["columns"]
    path = out / entry["file"]
    header: list[str]
    raw: list[dict[str, str]]
    if entry["format"] == "csv":
        with path.open(encoding=entry["encoding"], newline="") as fh:
            reader = csv.DictReader(fh)
            raw = list(reader)
            header = list(reader.fieldnames or [])
    elif entry["format"] == "jsonl":
        raw = [json.loads(line) for line in path.read_text(entry["encoding"]).splitlines()]
        header = sorted({k for r in raw for k in r})
    else:
        table = pq.read_table(path)
        header = table.schema.names
        raw = [{k: ("" if v is None else v) for k, v in r.items()} for r in table.to_pylist()]
    rows = [{cols[h]: v for h, v in r.items()} for r in raw]
    bad = {t["row"] - 1: t for t in truth if t["file"] == entry["file"]}
    return Feed(entry, header, rows, bad)


@dataclass
class DataSet:
    out: Path
    manifest: dict[str, Any]
    feeds: dict[str, Feed]  # by file name
    truth: list[dict[str, Any]]

    @property
    def as_of(self) -> date:
        return date.fromisoformat(self.manifest["as_of"])


def load(out: Path) -> DataSet:
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    truth_path = out / manifest["truth"]["bad_rows"]
    truth = [json.loads(x) for x in truth_path.read_text("utf-8").splitlines()]
    feeds = {e["file"]: read_feed(out, e, truth) for e in manifest["feeds"]}
    return DataSet(out, manifest, feeds, truth)


def ric_birth(code: str) -> date:
    return date(int(code[6:10]), int(code[10:12]), int(code[12:14]))


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_person(row: dict[str, str]) -> bool:
    return row.get("subject_category") in ("自然人", "person")


def is_ric_type(value: str) -> bool:
    return value in ("身份证", "ric")
