"""Features of the platform's person score, from reporting data alone (pure functions).

Only information still retained on the day asked is used: a negative month past its
5-year retention is gone for the score as it is for the report. Inquiries count the
third parties' approval queries of the last 6 months plus the accounts opened in them
(each opening implies the lender's approval inquiry; feeds predate the platform's own
query records — decision 78).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from xinyong.reporting import codes

REVOLVING = ("revolving", "credit_card")

#: feature → (description shown as a reason, zh)
FEATURES: dict[str, tuple[str, str]] = {
    "worst_status_24m": ("worst repayment status in the last 24 months", "近24个月最差还款状态"),
    "overdue_months_24m": ("months overdue in the last 24 months", "近24个月逾期月数"),
    "months_since_delinquency": ("time since the last delinquency", "距最近一次逾期月数"),
    "utilisation": ("utilisation of revolving credit", "循环授信使用率"),
    "inquiries_6m": ("credit inquiries in the last 6 months", "近6个月审批查询次数"),
    "oldest_account_months": ("age of the oldest account", "最早账户账龄"),
    "average_account_months": ("average age of the accounts", "平均账龄"),
    "accounts": ("number of credit accounts", "信贷账户数"),
    "open_accounts": ("number of open credit accounts", "未结清账户数"),
}
#: the status bucket from which a month counts as "bad" for the synthetic target (60+ days)
BAD_RANK = 3


@dataclass(frozen=True)
class AccountHistory:
    kind: str
    opened_on: date
    closed_on: date | None
    amount_fen: int
    #: month index (``codes.parse_month``) → (status, balance in fen)
    months: dict[int, tuple[str, int | None]] = field(default_factory=dict)


def _visible(a: AccountHistory, on: date) -> tuple[dict[int, tuple[str, int | None]], date | None]:
    """The months known on ``on`` that are still retained, and the closing date by then."""
    last = codes.month_of(on)
    months = {m: v for m, v in a.months.items() if m <= last}
    closed = a.closed_on if a.closed_on is not None and a.closed_on <= on else None
    gone = codes.hidden_months([(m, v[0]) for m, v in months.items()], closed, on)
    return {m: v for m, v in months.items() if m not in gone}, closed


def features(
    accounts: Sequence[AccountHistory], inquiries: Iterable[date], on: date
) -> dict[str, float | None]:
    """The score's characteristics on ``on`` (None = missing: the card has a slot for it)."""
    now = codes.month_of(on)
    window = now - 23
    worst = 0
    overdue = 0
    last_bad: int | None = None
    limit = balance = 0
    ages: list[int] = []
    n_open = 0
    opened_recently = 0
    since = on - timedelta(days=183)
    n_accounts = 0
    for a in accounts:
        if a.kind == "guarantee" or a.opened_on > on:
            continue
        n_accounts += 1
        months, closed = _visible(a, on)
        ages.append(now - codes.month_of(a.opened_on))
        if since < a.opened_on <= on:
            opened_recently += 1
        if closed is None:
            n_open += 1
        for m, (code, _) in months.items():
            if code in codes.NEGATIVE:
                last_bad = m if last_bad is None else max(last_bad, m)
                if m >= window:
                    overdue += 1
            if m >= window:
                worst = max(worst, codes.rank(code))
        if a.kind in REVOLVING and closed is None and a.amount_fen > 0:
            limit += a.amount_fen
            with_balance = [m for m, v in months.items() if v[1] is not None]
            if with_balance:
                balance += months[max(with_balance)][1] or 0
    n_inq = sum(1 for d in inquiries if since < d <= on) + opened_recently
    return {
        "worst_status_24m": float(worst),
        "overdue_months_24m": float(overdue),
        "months_since_delinquency": None if last_bad is None else float(now - last_bad),
        "utilisation": None if limit == 0 else round(balance / limit, 4),
        "inquiries_6m": float(n_inq),
        "oldest_account_months": float(max(ages)) if ages else None,
        "average_account_months": round(sum(ages) / len(ages), 2) if ages else None,
        "accounts": float(n_accounts),
        "open_accounts": float(n_open),
    }


def went_bad(accounts: Sequence[AccountHistory], after: date, months: int = 12) -> bool:
    """The synthetic target: a status of 60+ days overdue (or D/Z) in the ``months`` after."""
    start = codes.month_of(after) + 1
    for a in accounts:
        for m, (code, _) in a.months.items():
            if start <= m < start + months and codes.rank(code) >= BAD_RANK:
                return True
    return False
