"""Small lender feeds and a registered lender, for the reporting tests."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from tests.support.feeds import person_ric

from xinyong.actors import Principal, Role
from xinyong.identity import make_uscc
from xinyong.reporting.lenders import Lender, add_lender
from xinyong.store.actors import add_principal
from xinyong.store.context import Store

BANK = "test-bank"
OTHER = "other-bank"
BANK_USCC = make_uscc("91371082MA3T00011")
OTHER_USCC = make_uscc("91371082MA3T00021")
TODAY = date(2026, 11, 27)
COLUMNS = [
    "account_no",
    "borrower_id_type",
    "borrower_id",
    "borrower_name",
    "account_kind",
    "currency",
    "opened_on",
    "closed_on",
    "amount_fen",
    "month",
    "status",
    "balance_fen",
    "overdue_fen",
    "notified_on",
]


def register(store: Store) -> None:
    with store.write() as tx:
        add_lender(tx, Lender(code=BANK, name_zh="测试银行", uscc=BANK_USCC))
        add_lender(tx, Lender(code=OTHER, name_zh="另一银行", uscc=OTHER_USCC))
        add_principal(
            tx,
            Principal(
                principal_id=f"{BANK}-reviewer",
                display_name="测试银行异议核查",
                organisation=BANK,
                roles=frozenset({Role.LENDER, Role.REVIEWER}),
            ),
        )


def row(**over: Any) -> dict[str, str]:
    r = {
        "account_no": "L0001",
        "borrower_id_type": "ric",
        "borrower_id": person_ric(1),
        "borrower_name": "王小明",
        "account_kind": "loan",
        "currency": "CNY",
        "opened_on": "2024-01-10",
        "closed_on": "",
        "amount_fen": "10000000",
        "month": "2024-02",
        "status": "N",
        "balance_fen": "9500000",
        "overdue_fen": "",
        "notified_on": "",
    }
    r.update({k: str(v) for k, v in over.items()})
    return r


def account_rows(
    account_no: str, ric: str, name: str, statuses: dict[str, str], **over: Any
) -> list[dict[str, str]]:
    """Monthly rows of one account; negative months get a prior notice date."""
    out = []
    for month, status in statuses.items():
        notified = ""
        if status in "1234567DZ":
            y, m = map(int, month.split("-"))
            notified = date(y, m, 28).isoformat()
        out.append(
            row(
                account_no=account_no,
                borrower_id=ric,
                borrower_name=name,
                month=month,
                status=status,
                notified_on=notified,
                **over,
            )
        )
    return out


def write(path: Path, rows: list[dict[str, str]], extra: list[str] | None = None) -> Path:
    cols = COLUMNS + (extra or [])
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([r.get(c, "") for c in cols])
    return path


def months(start: str, n: int) -> list[str]:
    y, m = map(int, start.split("-"))
    out = []
    for i in range(n):
        k = y * 12 + m - 1 + i
        out.append(f"{k // 12:04d}-{k % 12 + 1:02d}")
    return out
