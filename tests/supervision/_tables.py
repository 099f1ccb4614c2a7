"""Tiny snapshot tables built in memory with the store's own export schema."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from xinyong.batch import Snapshot
from xinyong.batch.snapshot import table_schema
from xinyong.store.tables import metadata

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def arrow(name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    schema = table_schema(metadata.tables[name])
    cols: dict[str, list[Any]] = {f.name: [] for f in schema}
    for r in rows:
        for f in schema:
            v = r.get(f.name)
            if f.name in ("attributes", "flags", "kinds", "implements") and isinstance(
                v, dict | list
            ):
                v = json.dumps(v, ensure_ascii=False)
            cols[f.name].append(v)
    return pa.Table.from_pydict(cols, schema=schema)


def snapshot(tmp: Path, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> Snapshot:
    tmp.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, rows in tables.items():
        p = tmp / f"{name}.parquet"
        pq.write_table(arrow(name, rows), p)
        paths[name] = p
    return Snapshot(tmp, NOW, paths, f"T{tmp.name[-8:]}", {k: len(v) for k, v in tables.items()})


_n = 0


def record(
    subject_id: str,
    kind: str,
    decided_on: date,
    *,
    agency: str = "tax",
    attributes: Mapping[str, Any] | None = None,
    severity: str | None = None,
    status: str = "in_force",
    ended_on: date | None = None,
) -> dict[str, Any]:
    global _n
    _n += 1
    return {
        "record_id": f"R{_n:08d}",
        "version": 1,
        "reporting_agency": agency,
        "source_key": f"K{_n}",
        "subject_id": subject_id,
        "kind": kind,
        "content_hash": "x",
        "deciding_authority": agency,
        "decided_on": decided_on,
        "severity": severity,
        "status": status,
        "ended_on": ended_on,
        "publication": "published",
        "attributes": dict(attributes or {}),
        "locked": False,
        "recorded_at": NOW,
        "last_seen_at": NOW,
    }


def org(sid: str, uscc: str, registered: date, **attrs: Any) -> list[dict[str, Any]]:
    """The subject rows and registration record of one organisation."""
    return [
        {"_t": "subjects", "subject_id": sid, "kind": "organisation", "name": sid,
         "first_seen_at": NOW},
        {"_t": "subject_identifiers", "scheme": "uscc", "value": uscc, "subject_id": sid,
         "first_seen_at": NOW},
        {"_t": "records", **record(sid, "registration", registered, agency="samr",
                                   attributes={"registration_status": "存续", **attrs})},
    ]  # fmt: skip


AGENCIES = [
    {"code": "tax", "name_zh": "税务局", "sector": "tax", "kinds": [], "created_at": NOW},
    {"code": "samr", "name_zh": "市场监管局", "sector": "market_regulation", "kinds": [],
     "created_at": NOW},
]  # fmt: skip


def world(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {
        "records": [], "subjects": [], "subject_identifiers": [], "roles": [],
        "agencies": list(AGENCIES),
    }  # fmt: skip
    for r in rows:
        r = dict(r)
        out[r.pop("_t")].append(r)
    return out
