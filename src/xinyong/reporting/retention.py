"""Purging negative information past its retention (Art. 16; CONTRACTS.md, "Retention").

Reports already hide it from the day it expires; the daily job deletes the months from the
store. Each purged account gets a redaction tombstone in the audit log (the account id and
the months, never the statuses or amounts), so the chain still verifies and the deletion is
accounted for. A lender's later resend of a purged month is hidden again at read time: the
cure that ended its episode is still stored.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import and_, bindparam, delete, select

from xinyong.reporting import codes
from xinyong.store.context import Store
from xinyong.store.tables import credit_accounts, credit_statuses

BATCH_ACCOUNTS = 2000


def purge_expired(store: Store, *, on: date, actor: str | None = None) -> dict[str, int]:
    """Delete every negative month whose episode dropped off by ``on``; counts."""
    with store.read() as conn:
        closed = dict(
            conn.execute(select(credit_accounts.c.account_id, credit_accounts.c.closed_on)).all()
        )
        months: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for aid, month, status in conn.execute(
            select(credit_statuses.c.account_id, credit_statuses.c.month, credit_statuses.c.status)
        ):
            months[aid].append((codes.parse_month(month), status))
    doomed: dict[str, list[str]] = {}
    for aid, hist in months.items():
        end = closed.get(aid)
        gone = codes.hidden_months(hist, end if end is not None and end <= on else None, on)
        if gone:
            doomed[aid] = sorted(codes.month_text(m) for m in gone)
    total = 0
    ids = sorted(doomed)
    for i in range(0, len(ids), BATCH_ACCOUNTS):
        part = ids[i : i + BATCH_ACCOUNTS]
        with store.write(actor) as tx:
            rows = [{"b_id": aid, "b_month": m} for aid in part for m in doomed[aid]]
            tx.conn.execute(
                delete(credit_statuses).where(
                    and_(
                        credit_statuses.c.account_id == bindparam("b_id"),
                        credit_statuses.c.month == bindparam("b_month"),
                    )
                ),
                rows,
            )
            for aid in part:
                tx.audit(
                    "reporting.purged",
                    "account",
                    aid,
                    {"months": doomed[aid], "on": on.isoformat(), "tombstone": True},
                )
            total += len(rows)
    return {"accounts": len(ids), "months": total}
