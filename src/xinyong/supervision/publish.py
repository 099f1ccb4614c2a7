"""Publishing computed grades and classes as the authority's records, through ingest.

A grade is a record of the tax authority, a risk class one of the market regulator
(CONTRACTS.md, "One source of truth"). Rather than a second writer, the results go out
as a feed file in the canonical format and are ingested as that authority: the same
natural keys, content hashes, versions (a re-evaluation supersedes), quarantine, kill-
safe chunks and audit entries as any agency's records. Rows whose current record
already says the same (same grade, score and grounds) are not sent again, so a rerun
adds nothing and a class changes version only when it changes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from xinyong.actors import Agency
from xinyong.errors import NotFound, RuleRefused, UsageError
from xinyong.ingest.mapping import load_mapping
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.ingest.receipt import Receipt
from xinyong.store.actors import get_agency, list_agencies
from xinyong.store.context import Store
from xinyong.store.tables import records

MAPPING = "canonical_en"
#: the attributes compared to decide whether a row says something new
SAME = ("grade", "score", "grounds", "notes")


@dataclass(frozen=True)
class Published:
    """What publishing did: rows computed, rows sent (new or changed) and the receipt."""

    computed: int
    sent: int
    receipt: Receipt | None
    file: Path | None


def authority_for(store: Store, code: str | None, *, sector: str, kind: str) -> Agency:
    """The registered agency that issues ``kind``: ``code``, or the only one of ``sector``."""
    with store.read() as conn:
        if code is not None:
            a = get_agency(conn, code, missing_ok=True)
            if a is None:
                raise NotFound(f"agency {code!r} is not registered", code="unknown_agency")
        else:
            found = [x for x in list_agencies(conn) if x.sector == sector and kind in x.kinds]
            if len(found) != 1:
                names = ", ".join(x.code for x in found) or "none"
                raise UsageError(
                    f"name the issuing agency with --authority (registered {sector} agencies "
                    f"that may report {kind}: {names})",
                    code="authority_needed",
                )
            a = found[0]
    if kind not in a.kinds:
        raise RuleRefused(
            f"agency {a.code!r} may not report {kind} records (add the kind with "
            "`xinyong agencies add ... --kinds`)",
            code="kind_not_permitted",
        )
    assert a is not None
    return a


def current_attributes(store: Store, agency: str, kind: str) -> dict[str, dict[str, Any]]:
    """source_key → attributes of the agency's current records of ``kind``."""
    with store.read() as conn:
        rows = conn.execute(
            select(records.c.source_key, records.c.attributes).where(
                records.c.reporting_agency == agency,
                records.c.kind == kind,
                records.c.superseded_at.is_(None),
            )
        )
        return {r.source_key: dict(r.attributes or {}) for r in rows}


def write_feed(path: Path, rows: Iterable[Mapping[str, str | None]]) -> int:
    """Rows in the canonical feed format (UTF-8 CSV, the mapping's own headers)."""
    columns = list(load_mapping(MAPPING).columns)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c) or "" for c in columns])
            n += 1
    return n


def publish(
    store: Store,
    rows: list[dict[str, str | None]],
    *,
    agency: Agency,
    kind: str,
    on: date,
    out: Path,
    actor: str | None = None,
) -> Published:
    """Send the rows that say something new as ``agency``'s feed; ingest it."""
    have = current_attributes(store, agency.code, kind)
    fresh = []
    for r in rows:
        old = have.get(str(r["source_key"]))
        if old is not None and all((old.get(k) or None) == (r.get(k) or None) for k in SAME):
            continue
        fresh.append(r)
    if not fresh:
        return Published(len(rows), 0, None, None)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_feed(out, fresh)
    req = IngestRequest(path=out, agency=agency.code, mapping=MAPPING, today=on, actor=actor)
    receipt = ingest(store, req)
    return Published(len(rows), len(fresh), receipt, out)
