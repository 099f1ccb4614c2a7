"""Monthly repayment status codes of the personal credit report and the 5-year rule.

Codes (REFERENCE.md §2): ``N`` on time; ``1``–``7`` overdue in 30-day buckets (7 = more
than 180 days); ``D`` repaid by the guarantor; ``Z`` repaid with assets; ``C`` closed;
``G`` ended other than by settlement; ``#`` unknown; ``*`` nothing due; ``/`` not opened.

Negative information (overdue buckets, ``D``, ``Z``) is kept 5 years from the day the
conduct ends (征信业管理条例 Art. 16). The platform's definition of "ends" (decision 75):
an *episode* is a run of an account's months from a negative month up to the first later
month reported ``N``, ``C``, ``G`` or ``*`` (cured, closed, ended, nothing due); ``#`` and
gaps do not end it. The conduct ends on the last day of that first clean month — the
first reporting date that shows it over, never earlier than it could have ended — or on
the account's closing date if that comes first. An episode with no such month has not
ended and stays. Pure functions: no store, no clock.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

CODES: dict[str, tuple[str, str]] = {
    "N": ("正常还款", "paid on time"),
    "1": ("逾期1-30天", "overdue 1-30 days"),
    "2": ("逾期31-60天", "overdue 31-60 days"),
    "3": ("逾期61-90天", "overdue 61-90 days"),
    "4": ("逾期91-120天", "overdue 91-120 days"),
    "5": ("逾期121-150天", "overdue 121-150 days"),
    "6": ("逾期151-180天", "overdue 151-180 days"),
    "7": ("逾期180天以上", "overdue more than 180 days"),
    "D": ("担保人代还", "repaid by the guarantor"),
    "Z": ("以资抵债", "repaid with assets"),
    "C": ("结清", "closed"),
    "G": ("结束（除结清外的其他终止）", "ended other than by settlement"),
    "#": ("还款状态未知", "status unknown"),
    "*": ("当月无还款义务", "nothing due this month"),
    "/": ("未开立", "not opened"),
}
NEGATIVE = frozenset("1234567DZ")
#: statuses that end a negative episode (cured, closed, ended, nothing due)
ENDING = frozenset("NCG*")
#: severity for "worst status": 0 clean or unknown, 1-7 the overdue bucket, 8 D/Z
_RANK = {c: 0 for c in CODES} | {str(i): i for i in range(1, 8)} | {"D": 8, "Z": 8}
RETENTION_YEARS = 5

MONTH_RE = re.compile(r"^((?:19|2\d)\d{2})-(0[1-9]|1[0-2])$")


def rank(code: str) -> int:
    """How bad a status is: 0 (clean, unknown, nothing due) … 7 (180+ days), 8 (D, Z)."""
    return _RANK[code]


def worst(codes: Iterable[str]) -> str:
    """The worst status among ``codes`` (``N`` when there is none or all are clean)."""
    best = "N"
    for c in codes:
        if _RANK[c] > _RANK[best]:
            best = c
    return best


def parse_month(text: str) -> int:
    """``YYYY-MM`` (years 1900–2999) → months since year 0 (a comparable integer);
    ValueError otherwise."""
    m = MONTH_RE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a month (YYYY-MM)")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_end(index: int) -> date:
    y, m = index // 12, index % 12 + 1
    return date(y, m, calendar.monthrange(y, m)[1])


def add_years(day: date, years: int) -> date:
    """Same calendar day ``years`` later; 29 February becomes 28 February (clamped to the
    calendar's ends, so a far date never raises)."""
    year = day.year + years
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


@dataclass(frozen=True)
class Episode:
    """A run of negative information on one account."""

    first_month: int
    last_negative_month: int
    worst: str
    #: the day the conduct ended (None: it has not ended, the information stays)
    ends_on: date | None
    #: the first day it is no longer shown (None while it has not ended)
    drops_on: date | None

    def visible_on(self, day: date) -> bool:
        return self.drops_on is None or day < self.drops_on

    def covers(self, month: int) -> bool:
        return self.first_month <= month <= self.last_negative_month


def episodes(months: Sequence[tuple[int, str]], closed_on: date | None = None) -> list[Episode]:
    """The negative episodes of one account's ``(month, code)`` history (any order)."""
    out: list[Episode] = []
    start: int | None = None
    last_neg = 0
    bad = "N"
    for month, code in sorted(months):
        if code in NEGATIVE:
            if start is None:
                start, bad = month, code
            else:
                bad = worst((bad, code))
            last_neg = month
        elif start is not None and code in ENDING:
            end = month_end(month)
            if closed_on is not None and month_of(closed_on) >= start:
                end = min(end, max(closed_on, month_end(last_neg)))
            out.append(Episode(start, last_neg, bad, end, add_years(end, RETENTION_YEARS)))
            start = None
    if start is not None:
        end2: date | None = None
        if closed_on is not None and month_of(closed_on) >= last_neg:
            end2 = max(closed_on, month_end(last_neg))
        drops = add_years(end2, RETENTION_YEARS) if end2 else None
        out.append(Episode(start, last_neg, bad, end2, drops))
    return out


def hidden_months(months: Sequence[tuple[int, str]], closed_on: date | None, on: date) -> set[int]:
    """Months whose negative status has passed its retention on ``on`` (not shown)."""
    gone: set[int] = set()
    for ep in episodes(months, closed_on):
        if not ep.visible_on(on):
            gone.update(m for m, c in months if ep.covers(m) and c in NEGATIVE)
    return gone
