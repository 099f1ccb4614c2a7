"""A small store world for supervision: a tax agency, a market regulator, firms sharing people.

Everything reaches the store through the real ingest pipeline (canonical feed rows).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.support.feeds import SAMR_USCC, TAX_USCC, org_uscc, person_ric

from xinyong.actors import Agency
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.store.actors import add_agency
from xinyong.store.context import Store
from xinyong.supervision.demo import SAMR_KINDS, TAX_KINDS
from xinyong.supervision.publish import write_feed

TAX = Agency(code="rc-tax", name_zh="国家税务总局荣成市税务局", uscc=TAX_USCC, sector="tax",
             kinds=(*TAX_KINDS, "administrative_penalty"))  # fmt: skip
SAMR = Agency(code="rc-samr", name_zh="荣成市市场监督管理局", uscc=SAMR_USCC,
              sector="market_regulation",
              kinds=("registration", "abnormal_operations", "serious_illegal_dishonest",
                     "administrative_penalty", *SAMR_KINDS))  # fmt: skip

#: firm number → (registered on, legal representative's person number)
FIRMS = {1: (date(2015, 3, 1), 1), 2: (date(2016, 3, 1), 2), 3: (date(2017, 3, 1), 2),
         4: (date(2018, 3, 1), 4)}  # fmt: skip


def row(agency: Agency, kind: str, n: int, key: str, on: date, **extra: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "source_key": key,
        "subject_category": "organisation",
        "subject_name": f"荣成市测试{n}号有限公司",
        "uscc": org_uscc(n),
        "decided_on": on.isoformat(),
        "deciding_authority": agency.name_zh,
        "deciding_authority_uscc": agency.uscc,
        **extra,
    }


def feed(store: Store, path: Path, agency: Agency, rows: list[dict[str, Any]], today: date) -> None:
    write_feed(path, rows)
    r = ingest(
        store, IngestRequest(path=path, agency=agency.code, mapping="canonical_en", today=today)
    )
    assert r.quarantined == 0, r.reasons


def populate(store: Store, tmp: Path) -> None:
    """Agencies, four registered firms (2 and 3 share their legal representative)."""
    with store.write() as tx:
        add_agency(tx, TAX)
        add_agency(tx, SAMR)
    regs = [
        row(SAMR, "registration", n, f"REG-{n}", on, legal_rep_name=f"法人{p}",
            legal_rep_id_type="ric", legal_rep_id_number=person_ric(p))
        for n, (on, p) in FIRMS.items()
    ]  # fmt: skip
    feed(store, tmp / "registry.csv", SAMR, regs, date(2026, 1, 5))
