"""Statistics: list sizes, additions and removals per month, penalties by severity and
region. Each aggregate runs under a time budget; past it, the last good result is served
(marked stale) rather than making the page wait."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, func, select

from xinyong.catalogue import Catalogue
from xinyong.store.context import Store
from xinyong.store.tables import list_entries, list_entry_history, records, subjects

BUDGET_S = 2.0
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-stats")
_cache: dict[str, tuple[float, Any]] = {}
_lock = threading.Lock()


class Series(BaseModel):
    title_zh: str
    title_en: str
    columns: list[str]
    rows: list[list[Any]]


class Stats(BaseModel):
    computed_at: datetime
    stale: bool
    series: list[Series]


def _month(col: Any, sqlite: bool) -> Any:
    return func.strftime("%Y-%m", col) if sqlite else func.to_char(col, "YYYY-MM")


def compute(conn: Connection, cat: Catalogue, *, sqlite: bool) -> list[Series]:
    sizes = {lid: 0 for lid in cat.lists}
    for lid, n in conn.execute(
        select(list_entries.c.list_id, func.count())
        .where(list_entries.c.status == "published")
        .group_by(list_entries.c.list_id)
    ):
        sizes[lid] = n
    month = _month(list_entry_history.c.at, sqlite)
    flows = conn.execute(
        select(month.label("m"), list_entry_history.c.event, func.count())
        .where(list_entry_history.c.event.in_(("published", "removed", "expired")))
        .group_by("m", list_entry_history.c.event)
        .order_by("m")
    ).all()
    by_month: dict[str, dict[str, int]] = {}
    for m, ev, n in flows:
        by_month.setdefault(m, {})[ev] = n
    penalties = conn.execute(
        select(subjects.c.region, records.c.severity, func.count())
        .join(subjects, subjects.c.subject_id == records.c.subject_id)
        .where(
            records.c.kind == "administrative_penalty",
            records.c.superseded_at.is_(None),
            records.c.linked_to.is_(None),
        )
        .group_by(subjects.c.region, records.c.severity)
        .order_by(func.count().desc())
        .limit(50)
    ).all()
    return [
        Series(
            title_zh="名单当前规模",
            title_en="List sizes now",
            columns=["list", "entries"],
            rows=[[lid, n] for lid, n in sizes.items()],
        ),
        Series(
            title_zh="每月列入与移出",
            title_en="Additions and removals per month",
            columns=["month", "published", "removed", "expired"],
            rows=[
                [m, d.get("published", 0), d.get("removed", 0), d.get("expired", 0)]
                for m, d in sorted(by_month.items())
            ],
        ),
        Series(
            title_zh="行政处罚（按地区和严重程度）",
            title_en="Administrative penalties by region and severity",
            columns=["region", "severity", "penalties"],
            rows=[[r or "", s or "", n] for r, s, n in penalties],
        ),
    ]


def stats(store: Store, cat: Catalogue, *, budget_s: float = BUDGET_S) -> Stats:
    key = store.url

    def run() -> list[Series]:
        with store.read() as conn:
            return compute(conn, cat, sqlite=store.sqlite)

    fut = _pool.submit(run)
    try:
        series = fut.result(timeout=budget_s)
    except FutureTimeout:
        with _lock:
            cached = _cache.get(key)
        if cached is None:
            series = fut.result()  # nothing to fall back on: wait once
        else:
            return Stats(
                computed_at=datetime.fromtimestamp(cached[0]), stale=True, series=cached[1]
            )
    now = time.time()
    with _lock:
        _cache[key] = (now, series)
    return Stats(computed_at=datetime.fromtimestamp(now), stale=False, series=series)
