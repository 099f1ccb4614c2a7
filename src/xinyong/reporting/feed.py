"""A lender's feed: one row per account and month, checked without the store.

The format (docs/reporting.md): a CSV (UTF-8 or GB18030), JSON Lines or Parquet file with
the columns below. Account fields repeat on each of the account's monthly rows; the
account takes the values of its latest row. Money is integer fen.

Forbidden items (征信业管理条例 Art. 14: religion, genes, fingerprints, blood type, disease
and medical history) are recognised by their column names in English or Chinese: a row
carrying one is quarantined and the value is redacted, never stored. Income, deposits,
securities, insurance, real estate and tax need the subject's recorded written consent,
which the store checks (``SENSITIVE``). Any other unknown column refuses the file, so
nothing unannounced slips in.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from xinyong.errors import UnusableInput
from xinyong.identity import check_code
from xinyong.reporting import codes

REQUIRED = (
    "account_no",
    "borrower_id",
    "borrower_name",
    "account_kind",
    "opened_on",
    "amount_fen",
    "month",
    "status",
)
OPTIONAL = (
    "borrower_id_type",
    "currency",
    "closed_on",
    "balance_fen",
    "overdue_fen",
    "notified_on",
)
#: Art. 14 items that need the subject's written consent (after a warning)
SENSITIVE = {
    "income_fen": "income",
    "deposits_fen": "deposits",
    "securities_fen": "securities",
    "insurance_fen": "insurance",
    "real_estate_fen": "real_estate",
    "tax_fen": "tax",
}
SENSITIVE_ITEMS = tuple(sorted(set(SENSITIVE.values())))
#: Art. 14 forbidden items: column names (folded) → the item
FORBIDDEN = {
    "religion": "religion",
    "宗教信仰": "religion",
    "宗教": "religion",
    "gene": "genes",
    "genes": "genes",
    "基因": "genes",
    "fingerprint": "fingerprints",
    "fingerprints": "fingerprints",
    "指纹": "fingerprints",
    "blood_type": "blood_type",
    "bloodtype": "blood_type",
    "血型": "blood_type",
    "medical_history": "medical_history",
    "disease": "medical_history",
    "diseases": "medical_history",
    "病史": "medical_history",
    "疾病": "medical_history",
    "疾病史": "medical_history",
}
ACCOUNT_KINDS = ("loan", "revolving", "credit_card", "guarantee")
ID_TYPES = ("ric", "uscc", "passport")
REDACTED = "[redacted: forbidden item, not stored]"
MAX_FEN = 10**15  # ten trillion yuan: anything larger is a typo

# quarantine reasons
MALFORMED_ROW = "malformed_row"
MISSING_FIELD = "missing_field"
INVALID_IDENTIFIER = "invalid_identifier"
UNKNOWN_ACCOUNT_KIND = "unknown_account_kind"
INVALID_DATE = "invalid_date"
FUTURE_DATE = "future_date"
INVALID_AMOUNT = "invalid_amount"
INVALID_MONTH = "invalid_month"
UNKNOWN_STATUS = "unknown_status"
MONTH_OUT_OF_RANGE = "month_out_of_range"
NO_PRIOR_NOTICE = "no_prior_notice"
FORBIDDEN_DATA = "forbidden_data"
NO_WRITTEN_CONSENT = "no_written_consent"
OTHER_BORROWER = "account_of_other_borrower"
CONFLICTS_WITH_CORRECTED = "conflicts_with_corrected"
BAD_ENCODING = "bad_encoding"


def fold_column(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lower().replace(" ", "_")


@dataclass(frozen=True)
class Columns:
    """The file's columns by role: known field → header, forbidden header → item."""

    fields: dict[str, str]
    forbidden: dict[str, str]


def plan_columns(header: list[str]) -> Columns:
    """Map the header; raises UnusableInput for a missing required or an unknown column."""
    known = set(REQUIRED) | set(OPTIONAL) | set(SENSITIVE)
    fields: dict[str, str] = {}
    forbidden: dict[str, str] = {}
    unknown: list[str] = []
    for h in header:
        f = fold_column(h)
        if f in known:
            if f in fields:
                raise UnusableInput(f"column {f!r} appears twice", code="duplicate_column")
            fields[f] = h
        elif f in FORBIDDEN:
            forbidden[h] = FORBIDDEN[f]
        else:
            unknown.append(h)
    missing = [c for c in REQUIRED if c not in fields]
    if missing:
        raise UnusableInput(
            f"the lender feed needs the column(s) {', '.join(missing)}", code="missing_columns"
        )
    if unknown:
        raise UnusableInput(
            f"unknown column(s) {', '.join(repr(u) for u in unknown[:10])}: a lender feed "
            "carries only the documented fields (docs/reporting.md)",
            code="unknown_columns",
        )
    return Columns(fields, forbidden)


@dataclass
class FeedRow:
    """One valid row: the account as reported and its month's status."""

    row: int
    account_no: str
    id_scheme: str
    id_value: str
    subject_kind: str  # person | organisation
    borrower_name: str
    account_kind: str
    currency: str
    opened_on: date
    closed_on: date | None
    amount_fen: int
    month: str
    status: str
    balance_fen: int | None
    overdue_fen: int | None
    notified_on: date | None
    sensitive: dict[str, int] = field(default_factory=dict)

    def account_values(self) -> dict[str, Any]:
        return {
            "kind": self.account_kind,
            "currency": self.currency,
            "opened_on": self.opened_on.isoformat(),
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "amount_fen": self.amount_fen,
            "sensitive": dict(sorted(self.sensitive.items())),
        }

    def status_values(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "balance_fen": self.balance_fen,
            "overdue_fen": self.overdue_fen,
            "notified_on": self.notified_on.isoformat() if self.notified_on else None,
        }


@dataclass(frozen=True)
class Rejection:
    row: int
    reason: str
    message: str


def status_hash(
    status: str, balance_fen: int | None, overdue_fen: int | None, notified_on: date | None
) -> str:
    """The content hash of one account-month (what a resend is compared with)."""
    text = f"{status}|{balance_fen}|{overdue_fen}|{notified_on}"
    return hashlib.sha256(text.encode()).hexdigest()


def account_hash(r: FeedRow) -> str:
    """``content_hash(r.account_values())``, computed once per distinct account content."""
    return _account_hash(
        (
            r.account_kind,
            r.currency,
            r.opened_on,
            r.closed_on,
            r.amount_fen,
            tuple(sorted(r.sensitive.items())),
        )
    )


@lru_cache(maxsize=65536)
def _account_hash(key: tuple[Any, ...]) -> str:
    kind, currency, opened, closed, amount, sensitive = key
    return content_hash(
        {
            "kind": kind,
            "currency": currency,
            "opened_on": opened.isoformat(),
            "closed_on": closed.isoformat() if closed else None,
            "amount_fen": amount,
            "sensitive": dict(sensitive),
        }
    )


def content_hash(values: dict[str, Any]) -> str:
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class _Bad(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _text(raw: dict[str, str | None], cols: Columns, name: str, *, required: bool) -> str | None:
    h = cols.fields.get(name)
    v = raw.get(h) if h is not None else None
    if v:
        v = v.strip()
        if v and not v.isascii():
            v = unicodedata.normalize("NFC", v)
    if not v:
        if required:
            raise _Bad(MISSING_FIELD, f"{name} is empty")
        return None
    if len(v) > 200 or "\x00" in v:
        raise _Bad(MALFORMED_ROW, f"{name} has a NUL or more than 200 characters")
    return v


def _date(v: str | None, name: str, today: date) -> date | None:
    if v is None:
        return None
    d = _DATES.get(v)
    if d is None:
        if not _DATE_RE.match(v):
            raise _Bad(INVALID_DATE, f"{name} {v!r} is not a date (YYYY-MM-DD)")
        try:
            d = date.fromisoformat(v)
        except ValueError:
            raise _Bad(INVALID_DATE, f"{name} {v!r} is not a date (YYYY-MM-DD)") from None
        if len(_DATES) < 100_000:
            _DATES[v] = d
    if d > today:
        raise _Bad(FUTURE_DATE, f"{name} {d} lies after the day of ingest ({today})")
    return d


_DATES: dict[str, date] = {}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"^-?\d{1,16}$")


def _fen(v: str | None, name: str, *, allow_negative: bool = False) -> int | None:
    if v is None:
        return None
    s = unicodedata.normalize("NFKC", v).replace(",", "")
    if not _INT.match(s):
        raise _Bad(INVALID_AMOUNT, f"{name} {v!r} is not a whole number of fen")
    n = int(s)
    if (n < 0 and not allow_negative) or abs(n) > MAX_FEN:
        raise _Bad(INVALID_AMOUNT, f"{name} {n} is out of range")
    return n


_ID_CACHE: dict[tuple[str, str], tuple[str, str, str] | _Bad] = {}


def _identifier(ident: str, id_type: str) -> tuple[str, str, str]:
    """(scheme, canonical value, subject kind) of a borrower id; cached (ids repeat per month)."""
    key = (ident, id_type)
    hit = _ID_CACHE.get(key)
    if hit is None:
        try:
            hit = _check_identifier(ident, id_type)
        except _Bad as b:
            hit = b
        if len(_ID_CACHE) > 200_000:
            _ID_CACHE.clear()
        _ID_CACHE[key] = hit
    if isinstance(hit, _Bad):
        raise hit
    return hit


def _check_identifier(ident: str, id_type: str) -> tuple[str, str, str]:
    if id_type == "passport":
        value = unicodedata.normalize("NFKC", ident).upper().replace(" ", "")
        if not re.fullmatch(r"[A-Z0-9]{5,20}", value):
            raise _Bad(INVALID_IDENTIFIER, "the passport number is not 5-20 letters or digits")
        return "passport", value, "person"
    chk = check_code(ident)
    if not chk.valid or chk.canonical is None:
        msg = chk.error.message if chk.error else "not a valid code"
        raise _Bad(INVALID_IDENTIFIER, f"borrower_id: {msg}")
    kind = "organisation" if chk.kind == "organisation" else "person"
    scheme = "uscc" if kind == "organisation" else "ric"
    if id_type and id_type != scheme:
        raise _Bad(INVALID_IDENTIFIER, f"borrower_id is a {scheme}, not a {id_type}")
    return scheme, chk.canonical, kind


ACCOUNT_FIELDS = (
    "account_no",
    "borrower_name",
    "borrower_id",
    "borrower_id_type",
    "account_kind",
    "currency",
    "opened_on",
    "closed_on",
    "amount_fen",
    *SENSITIVE,
)


@dataclass(frozen=True)
class _Account:
    account_no: str
    name: str
    scheme: str
    value: str
    kind: str
    account_kind: str
    currency: str
    opened: date
    closed: date | None
    amount: int
    sensitive: dict[str, int]


def _account(raw: dict[str, str | None], cols: Columns, today: date) -> _Account:
    account_no = _text(raw, cols, "account_no", required=True)
    assert account_no is not None
    if len(account_no) > 64:
        raise _Bad(MALFORMED_ROW, "account_no has more than 64 characters")
    name = _text(raw, cols, "borrower_name", required=True)
    assert name is not None
    ident = _text(raw, cols, "borrower_id", required=True)
    assert ident is not None
    id_type = (_text(raw, cols, "borrower_id_type", required=False) or "").lower()
    if id_type and id_type not in ID_TYPES:
        raise _Bad(INVALID_IDENTIFIER, f"borrower_id_type {id_type!r} is not one of {ID_TYPES}")
    scheme, value, kind = _identifier(ident, id_type)
    akind = (_text(raw, cols, "account_kind", required=True) or "").lower()
    if akind not in ACCOUNT_KINDS:
        raise _Bad(UNKNOWN_ACCOUNT_KIND, f"account_kind {akind!r} is not one of {ACCOUNT_KINDS}")
    currency = (_text(raw, cols, "currency", required=False) or "CNY").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise _Bad(MALFORMED_ROW, f"currency {currency!r} is not an ISO 4217 code")
    opened = _date(_text(raw, cols, "opened_on", required=True), "opened_on", today)
    assert opened is not None
    closed = _date(_text(raw, cols, "closed_on", required=False), "closed_on", today)
    if closed is not None and closed < opened:
        raise _Bad(INVALID_DATE, f"closed_on {closed} lies before opened_on {opened}")
    amount = _fen(_text(raw, cols, "amount_fen", required=True), "amount_fen")
    assert amount is not None
    sensitive: dict[str, int] = {}
    for col, item in SENSITIVE.items():
        v = _fen(_text(raw, cols, col, required=False), col)
        if v is not None:
            sensitive[item] = v
    return _Account(
        account_no, name, scheme, value, kind, akind, currency, opened, closed, amount, sensitive
    )


class RowParser:
    """Checks rows of one file; the account part of a row (repeated on every month of the
    account) is checked once per distinct content."""

    def __init__(self, cols: Columns, today: date) -> None:
        self.cols = cols
        self.today = today
        self.last_month = codes.month_of(today)
        heads = cols.fields
        self.account_heads = tuple(heads.get(f) for f in ACCOUNT_FIELDS)
        self.accounts: dict[tuple[str | None, ...], _Account | _Bad] = {}

    def __call__(self, row: int, raw: dict[str, str | None]) -> FeedRow | Rejection:
        cols, today = self.cols, self.today
        try:
            for h, item in cols.forbidden.items():
                if (raw.get(h) or "").strip():
                    raise _Bad(
                        FORBIDDEN_DATA,
                        f"column {h!r} carries {item}, which may not be collected "
                        "(征信业管理条例 Art. 14); the value was not stored",
                    )
            key = tuple(raw.get(h) if h else None for h in self.account_heads)
            acc = self.accounts.get(key)
            if acc is None:
                try:
                    acc = _account(raw, cols, today)
                except _Bad as b:
                    acc = b
                if len(self.accounts) > 100_000:
                    self.accounts.clear()
                self.accounts[key] = acc
            if isinstance(acc, _Bad):
                raise acc
            month = _text(raw, cols, "month", required=True)
            assert month is not None
            try:
                m = codes.parse_month(month)
            except ValueError as e:
                raise _Bad(INVALID_MONTH, str(e)) from None
            if m > self.last_month:
                raise _Bad(MONTH_OUT_OF_RANGE, f"month {month} lies after the day of ingest")
            status = (_text(raw, cols, "status", required=True) or "").upper()
            if status not in codes.CODES:
                raise _Bad(
                    UNKNOWN_STATUS, f"status {status!r} is not one of {' '.join(codes.CODES)}"
                )
            if status != "/" and m < codes.month_of(acc.opened):
                raise _Bad(MONTH_OUT_OF_RANGE, f"month {month} lies before the account opened")
            balance = _fen(_text(raw, cols, "balance_fen", required=False), "balance_fen")
            overdue = _fen(_text(raw, cols, "overdue_fen", required=False), "overdue_fen")
            notified = _date(_text(raw, cols, "notified_on", required=False), "notified_on", today)
            if status in codes.NEGATIVE and notified is None:
                raise _Bad(
                    NO_PRIOR_NOTICE,
                    f"status {status} is negative information: the lender must record that it "
                    "notified the borrower before reporting it (notified_on; Art. 15)",
                )
            return FeedRow(
                row=row,
                account_no=acc.account_no,
                id_scheme=acc.scheme,
                id_value=acc.value,
                subject_kind=acc.kind,
                borrower_name=acc.name,
                account_kind=acc.account_kind,
                currency=acc.currency,
                opened_on=acc.opened,
                closed_on=acc.closed,
                amount_fen=acc.amount,
                month=month,
                status=status,
                balance_fen=balance,
                overdue_fen=overdue,
                notified_on=notified,
                sensitive=acc.sensitive,
            )
        except _Bad as b:
            return Rejection(row, b.reason, b.message)


def parse_row(
    row: int, raw: dict[str, str | None], cols: Columns, today: date
) -> FeedRow | Rejection:
    """Check one row; everything that needs no store."""
    return RowParser(cols, today)(row, raw)


def redact(raw: dict[str, str | None], cols: Columns) -> dict[str, str | None]:
    """The row as the quarantine keeps it: forbidden items never stored."""
    return {
        k: (REDACTED if k in cols.forbidden and (v or "").strip() else v) for k, v in raw.items()
    }
