"""Realistically bad rows, each with one known cause.

Agencies' exports contain rows an ingest must quarantine: a mistyped check
character, a birth date that does not exist, an empty document number, a date
nobody can parse, a fine written in words. A bad row here is a copy of a good
row of the same feed, given a fresh document number and then broken in exactly
one way, so that every bad row is bad for its stated cause and for no other.
Codes are broken with ``xinyong.identity`` and checked with ``check_code``
before they are used.

The ground truth goes to ``truth/bad_rows.jsonl``: file, 1-based data row,
cause, the header of the broken field and its value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from xinyong.identity import USCC_ALPHABET, check_code, ric_check_char

Row = dict[str, Any]

#: cause → what is wrong (for docs and the CLI)
CAUSES: dict[str, str] = {
    "uscc_check_char": "USCC with a wrong check character (18th)",
    "ric_check_char": "resident ID with a wrong check character (18th)",
    "impossible_birth_date": "resident ID whose birth date does not exist (e.g. 0230, month 13)",
    "missing_decision_no": "document number / source key empty (决定书文号, 记录编号, source_key)",
    "unparseable_date": "decision date in no accepted form (2024-13-45, 二〇二三年五月八日)",
    "future_date": "decision date after the as-of date",
    "non_numeric_amount": "fine amount in words, not a number (五万)",
    "unknown_subject_category": "subject category outside the vocabulary of _values.yaml",
    "no_person_identifier": "a person with no usable identifier (证件号码 empty)",
}

#: dates no accepted form reads: impossible month/day, Chinese numerals, truncated
UNPARSEABLE_DATES = (
    "2024-13-45",
    "2023/02/30",
    "2022年13月1日",
    "二〇二三年五月八日",
    "2023.05.",
    "2021-00-12",
)
#: impossible month-day pairs for resident-ID birth dates
IMPOSSIBLE_MMDD = ("0230", "0231", "0431", "0631", "0931", "1131", "1301", "1232", "0000")
#: category labels outside _values.yaml (national-standard feeds / canonical feeds)
UNKNOWN_CATEGORIES_ZH = ("未知", "9", "其它类型", "待补录")
UNKNOWN_CATEGORIES_EN = ("unknown", "9", "other_entity")
_RIC_LAST = "0123456789X"
_CN_DIGITS = "零一二三四五六七八九"


def amount_in_words(wan: str) -> str:
    """A fine as an official might write it in words (五万, 三千元, 见决定书)."""
    try:
        yuan = round(float(wan) * 10000)
    except ValueError:
        return "五万"
    if yuan % 10000 == 0 and 0 < yuan // 10000 < 10:
        return _CN_DIGITS[yuan // 10000] + "万"
    if yuan % 1000 == 0 and 0 < yuan // 1000 < 10:
        return _CN_DIGITS[yuan // 1000] + "千元"
    if yuan % 100 == 0 and 0 < yuan // 100 < 10:
        return _CN_DIGITS[yuan // 100] + "百元"
    return "见决定书"


def _is_person(r: Row) -> bool:
    return r.get("subject_category") in ("自然人", "person")


def _has_ric(r: Row) -> bool:
    return (
        _is_person(r)
        and r.get("id_type") in ("身份证", "ric")
        and len(r.get("id_number", "")) == 18
    )


@dataclass(frozen=True, slots=True)
class BadRow:
    """Where a bad row sits in a chunk's rows, and what is wrong with it."""

    position: int
    cause: str
    field: str
    value: str


class Breaker:
    """Breaks copies of good rows; ``today`` is the as-of date."""

    def __init__(self, as_of: date, key_field: str, canonical: bool) -> None:
        self.as_of = as_of
        self.key_field = key_field
        self.canonical = canonical

    def eligible(self, cause: str) -> Callable[[Row], bool]:
        if cause == "uscc_check_char":
            return lambda r: bool(r.get("uscc"))
        if cause in ("ric_check_char", "impossible_birth_date"):
            return _has_ric
        if cause == "no_person_identifier":
            return _is_person
        if cause == "non_numeric_amount":
            return lambda r: bool(r.get("amount_wan"))
        return lambda r: True

    def break_row(self, r: Row, cause: str, rng: np.random.Generator) -> tuple[str, str]:
        """Break ``r`` in place; returns (field, new value)."""
        pick = rng.integers
        if cause == "uscc_check_char":
            code = r["uscc"]
            while True:
                c = USCC_ALPHABET[int(pick(0, len(USCC_ALPHABET)))]
                bad = code[:17] + c
                chk = check_code(bad)
                if c != code[17] and chk.error is not None and chk.error.code == "check_character":
                    break
            r["uscc"] = bad
            return "uscc", bad
        if cause == "ric_check_char":
            code = r["id_number"]
            while True:
                c = _RIC_LAST[int(pick(0, len(_RIC_LAST)))]
                bad = code[:17] + c
                chk = check_code(bad, today=self.as_of)
                if (
                    c != code[17]
                    and chk.kind == "person"
                    and chk.error is not None
                    and chk.error.code == "check_character"
                ):
                    break
            r["id_number"] = bad
            return "id_number", bad
        if cause == "impossible_birth_date":
            code = r["id_number"]
            for _ in range(50):
                mmdd = IMPOSSIBLE_MMDD[int(pick(0, len(IMPOSSIBLE_MMDD)))]
                first17 = code[:10] + mmdd + code[14:17]
                bad = first17 + ric_check_char(first17)
                chk = check_code(bad, today=self.as_of)
                if chk.error is not None and chk.error.code == "birth_date":
                    break
            r["id_number"] = bad
            return "id_number", bad
        if cause == "missing_decision_no":
            r["_no_key"] = True
            r[self.key_field] = ""
            return self.key_field, ""
        if cause == "unparseable_date":
            v = UNPARSEABLE_DATES[int(pick(0, len(UNPARSEABLE_DATES)))]
            r["decided_on"] = v
            return "decided_on", v
        if cause == "future_date":
            d = self.as_of + timedelta(days=int(pick(1, 366)))
            style = int(pick(0, 3)) if not self.canonical else 0
            v = (d.isoformat(), f"{d:%Y/%m/%d}", f"{d.year}年{d.month}月{d.day}日")[style]
            r["decided_on"] = v
            return "decided_on", v
        if cause == "non_numeric_amount":
            v = amount_in_words(r["amount_wan"])
            r["amount_wan"] = v
            return "amount_wan", v
        if cause == "unknown_subject_category":
            pool = UNKNOWN_CATEGORIES_EN if self.canonical else UNKNOWN_CATEGORIES_ZH
            v = pool[int(pick(0, len(pool)))]
            r["subject_category"] = v
            return "subject_category", v
        if cause == "no_person_identifier":
            r["id_number"] = ""
            if rng.random() < 0.5:
                r["id_type"] = ""
            return "id_number", ""
        raise ValueError(f"unknown cause {cause!r}")


def inject(
    rows: list[Row],
    n_bad: int,
    causes: list[str],
    start: int,
    breaker: Breaker,
    rng: np.random.Generator,
) -> tuple[list[Row], list[BadRow], int]:
    """Mix ``n_bad`` broken copies of good rows into ``rows`` at random places.

    Causes are taken in turn from ``causes`` starting at ``start`` (a cause no row
    of this chunk can carry is skipped). Returns the rows, where the bad ones are,
    and the next start.
    """
    if n_bad <= 0 or not rows or not causes:
        return rows, [], start
    made: list[tuple[Row, str, str, str]] = []
    pos = start
    tries = 0
    sources = [r for r in rows if "_same_as" not in r]
    candidates: dict[str, list[Row]] = {}
    while len(made) < n_bad and tries < n_bad + 4 * len(causes) and sources:
        cause = causes[pos % len(causes)]
        pos += 1
        tries += 1
        ok = breaker.eligible(cause)
        src = None
        # most causes fit most rows: try a few random rows before scanning them all
        for i in rng.integers(0, len(sources), size=32).tolist():
            if ok(sources[i]):
                src = sources[i]
                break
        if src is None:
            cands = candidates.get(cause)
            if cands is None:
                cands = candidates[cause] = [r for r in sources if ok(r)]
            if not cands:
                continue
            src = cands[int(rng.integers(0, len(cands)))]
        bad = {k: v for k, v in src.items() if k != "_same_as"}
        fld, val = breaker.break_row(bad, cause, rng)
        made.append((bad, cause, fld, val))
    slots = np.sort(rng.integers(0, len(rows) + 1, size=len(made)))
    out: list[Row] = []
    marks: list[BadRow] = []
    k = 0
    for i, r in enumerate(rows):
        while k < len(made) and slots[k] == i:
            bad, cause, fld, val = made[k]
            marks.append(BadRow(len(out), cause, fld, val))
            out.append(bad)
            k += 1
        out.append(r)
    while k < len(made):
        bad, cause, fld, val = made[k]
        marks.append(BadRow(len(out), cause, fld, val))
        out.append(bad)
        k += 1
    return out, marks, pos
