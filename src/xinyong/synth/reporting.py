"""Synthetic lender feeds for the demo population (financial credit reporting).

Deterministic from the seed: borrowers are drawn from a list the caller gives (the demo
passes the store's persons and organisations, ordered by identifier), and every draw
comes from numpy generators seeded by (seed, stream). Shares follow REFERENCE.md §2 where
it gives them and plausible guesses where it does not (marked): most months ``N``, a small
share overdue, few ``D``/``Z``/``G``.

Each borrower has a latent risk class (good 85 %, watch 10 %, poor 5 % — a guess) that
drives missed payments, cures, utilisation and recent account openings, so the platform's
person score has something to find. Negative months carry the lender's prior notice date;
a few rows are left bad on purpose (a negative month without notice, an unknown code,
a forbidden item, income without consent) to show the quarantine.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from xinyong.identity import make_uscc
from xinyong.identity.uscc import organisation_code_check_char
from xinyong.reporting import codes

HEADER = [
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
#: months of history in the feeds (the score looks 24 months back from a day 13 months ago)
HISTORY_MONTHS = 38
#: (class, share, monthly chance of a missed payment, chance an overdue is cured) — guesses
RISK = (("good", 0.82, 0.002, 0.6), ("watch", 0.12, 0.025, 0.4), ("poor", 0.06, 0.08, 0.25))


@dataclass(frozen=True)
class Borrower:
    scheme: str  # ric | uscc | passport
    value: str
    name: str
    kind: str  # person | organisation
    subject_id: str | None = None  # where the caller knows it (the demo's store)


@dataclass(frozen=True)
class SynthLender:
    code: str
    name_zh: str
    name_en: str
    uscc: str
    licence: str
    #: account kind → weight
    kinds: tuple[tuple[str, float], ...]
    extra_columns: tuple[str, ...] = ()


def _uscc(body8: str) -> str:
    body = body8 + (organisation_code_check_char(body8) or "0")
    return make_uscc("91" + "371082" + body)


LENDERS = (
    SynthLender(
        "rc-rural-bank",
        "山东荣成农村商业银行股份有限公司",
        "Rongcheng Rural Commercial Bank",
        _uscc("MA3C0001"),
        "bank",
        (("loan", 0.5), ("credit_card", 0.3), ("guarantee", 0.2)),
    ),
    SynthLender(
        "weihai-city-bank",
        "威海市商业银行股份有限公司",
        "Weihai City Commercial Bank",
        _uscc("MA3C0002"),
        "bank",
        (("loan", 0.35), ("credit_card", 0.45), ("revolving", 0.2)),
    ),
    SynthLender(
        "jiaodong-consumer",
        "胶东消费金融有限公司",
        "Jiaodong Consumer Finance",
        _uscc("MA3C0003"),
        "consumer_finance",
        (("loan", 0.6), ("revolving", 0.4)),
        extra_columns=("income_fen", "blood_type"),
    ),
)


@dataclass
class SynthResult:
    files: dict[str, Path]
    rows: dict[str, int]
    #: (borrower, lender) pairs whose rows carry income and who gave written consent
    income_consents: list[tuple[Borrower, str]] = field(default_factory=list)
    borrowers: int = 0
    accounts: int = 0
    status_shares: dict[str, float] = field(default_factory=dict)
    planted_bad_rows: dict[str, int] = field(default_factory=dict)


def _choice(rng: np.random.Generator, weighted: tuple[tuple[str, float], ...]) -> str:
    names = [n for n, _ in weighted]
    w = np.asarray([x for _, x in weighted])
    return str(names[int(rng.choice(len(names), p=w / w.sum()))])


def generate_lender_feeds(
    borrowers: list[Borrower],
    out_dir: Path,
    *,
    seed: int,
    as_of: date,
    max_borrowers: int = 1200,
    share: float = 0.55,
) -> SynthResult:
    """Write one CSV per lender of ``LENDERS`` into ``out_dir``; deterministic from ``seed``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 50])
    persons = [b for b in borrowers if b.kind == "person"]
    orgs = [b for b in borrowers if b.kind == "organisation"]
    n_p = min(max_borrowers, int(len(persons) * share))
    n_o = min(max_borrowers // 10, len(orgs) // 4)
    pick_p = sorted(rng.choice(len(persons), size=n_p, replace=False).tolist()) if n_p else []
    pick_o = sorted(rng.choice(len(orgs), size=n_o, replace=False).tolist()) if n_o else []
    chosen = [persons[i] for i in pick_p] + [orgs[i] for i in pick_o]
    last_month = codes.month_of(as_of) - 1  # the last complete month
    first_month = last_month - HISTORY_MONTHS + 1
    rows: dict[str, list[list[str]]] = {lend.code: [] for lend in LENDERS}
    counts: dict[str, int] = {}
    res = SynthResult(files={}, rows={})
    serial = 0
    for b in chosen:
        r = rng.random()
        acc_risk = (
            RISK[0] if r < RISK[0][1] else (RISK[1] if r < RISK[0][1] + RISK[1][1] else RISK[2])
        )
        _, _, p_miss, p_cure = acc_risk
        n_acc = 1 + int(rng.poisson(0.9 if b.kind == "person" else 0.5))
        # a tenth of persons declared an income to a lender that collects it
        income = 0
        if b.kind == "person" and rng.random() < 0.1:
            income = int(rng.integers(30, 300)) * 100_000
        income_lender: str | None = None
        for _ in range(n_acc):
            lend = LENDERS[int(rng.integers(len(LENDERS)))]
            kind = _choice(rng, lend.kinds)
            if b.kind == "organisation":
                kind = "loan"
            serial += 1
            account_no = f"{lend.code[:2].upper()}{seed % 100:02d}{serial:07d}"
            # poor borrowers opened more accounts lately (each opening was an inquiry)
            recent = acc_risk[0] == "poor" and rng.random() < 0.4
            age = int(rng.integers(1, 8)) if recent else int(rng.integers(1, 96))
            opened_m = last_month - age + 1
            opened = date(opened_m // 12, opened_m % 12 + 1, int(rng.integers(1, 29)))
            if kind == "loan":
                amount = (
                    int(rng.integers(20, 500)) * 100_000 * (5 if b.kind == "organisation" else 1)
                )
                term = int(rng.choice([12, 24, 36, 60]))
            elif kind == "guarantee":
                amount = int(rng.integers(50, 300)) * 100_000
                term = int(rng.choice([12, 24, 36]))
            else:
                amount = int(rng.choice([10_000, 20_000, 50_000, 100_000])) * 100
                term = 10_000
            end_m = opened_m + term
            util = min(
                0.95,
                max(0.0, rng.normal({"good": 0.25, "watch": 0.55, "poor": 0.8}[acc_risk[0]], 0.15)),
            )
            bucket = 0
            months_at_7 = 0
            closed: date | None = None
            history: list[tuple[int, str, int, int]] = []
            for m in range(max(opened_m, first_month - 24), last_month + 1):
                if closed is not None:
                    break
                if kind == "guarantee":
                    code = "N"  # the guaranteed debt's status is reported on the debtor's account
                elif bucket == 0:
                    bucket = 1 if rng.random() < p_miss else 0
                elif rng.random() < p_cure:
                    bucket = 0
                else:
                    bucket = min(7, bucket + 1)
                    months_at_7 = months_at_7 + 1 if bucket == 7 else 0
                code = str(bucket) if bucket else "N"
                if kind in ("credit_card", "revolving") and code == "N" and rng.random() < 0.05:
                    code = "*"
                if code == "N" and rng.random() < 0.003:
                    code = "#"
                if months_at_7 >= 3:
                    code = "D" if rng.random() < 0.5 else "Z"
                    closed = codes.month_end(m)
                    bucket = 0
                elif bucket == 0 and m >= end_m and kind != "credit_card":
                    code = "G" if rng.random() < 0.01 else "C"
                    closed = codes.month_end(m)
                if kind == "loan":
                    bal = max(0, amount - amount * max(0, m - opened_m) // max(term, 1))
                elif kind == "guarantee":
                    bal = amount
                else:
                    bal = int(amount * util * (0.8 + 0.4 * rng.random()))
                if code in ("C", "G"):
                    bal = 0
                overdue = 0 if not code.isdigit() else max(1, bal // 20) * int(code)
                history.append((m, code, bal, overdue))
            if closed is not None and closed > as_of:
                closed = None
            first_bad: int | None = None
            for m, code, bal, overdue in history:
                if m < first_month:
                    if code in codes.NEGATIVE and first_bad is None:
                        first_bad = m
                    elif code in codes.ENDING:
                        first_bad = None
                    continue
                if code in codes.NEGATIVE:
                    first_bad = m if first_bad is None else first_bad
                    notified = codes.month_end(first_bad).isoformat()
                else:
                    first_bad = None if code in codes.ENDING else first_bad
                    notified = ""
                row = [
                    account_no,
                    b.scheme,
                    b.value,
                    b.name,
                    kind,
                    "CNY",
                    opened.isoformat(),
                    closed.isoformat() if closed else "",
                    str(amount),
                    codes.month_text(m),
                    code,
                    str(bal),
                    str(overdue) if overdue else "",
                    notified,
                ]
                if lend.extra_columns:
                    if income:
                        income_lender = lend.code
                    row += [str(income) if income else "", ""]
                rows[lend.code].append(row)
                counts[code] = counts.get(code, 0) + 1
            res.accounts += 1
        if income_lender is not None:
            res.income_consents.append((b, income_lender))
    res.borrowers = len(chosen)
    # consent for income: all but one borrower in 40 (their rows are quarantined)
    res.income_consents = [x for i, x in enumerate(res.income_consents) if i % 40 != 39]
    for lend in LENDERS:
        data = rows[lend.code]
        planted = _plant_bad_rows(data, lend, rng)
        res.planted_bad_rows[lend.code] = planted
        path = out_dir / f"lender-{lend.code}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADER + list(lend.extra_columns))
            w.writerows(data)
        res.files[lend.code] = path
        res.rows[lend.code] = len(data)
    total = sum(counts.values()) or 1
    res.status_shares = {c: round(n / total, 5) for c, n in sorted(counts.items())}
    return res


def _plant_bad_rows(data: list[list[str]], lend: SynthLender, rng: np.random.Generator) -> int:
    """A few bad rows, so the demo's quarantine shows its reasons."""
    if len(data) < 50:
        return 0
    n = 0
    neg = [i for i, r in enumerate(data) if r[10] in codes.NEGATIVE]
    if neg:
        data[neg[int(rng.integers(len(neg)))]][13] = ""  # negative without prior notice
        n += 1
    i = int(rng.integers(len(data)))
    data[i][10] = "X"  # an unknown status code
    n += 1
    if "blood_type" in lend.extra_columns:
        j = int(rng.integers(len(data)))
        data[j][-1] = "A"  # a forbidden item: refused, never stored
        n += 1
    return n
