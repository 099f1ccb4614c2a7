"""Normalising and validating one mapped row (pure: no I/O).

A row either becomes a ``Candidate`` (normalised values plus the content hash the
store compares against the current version) or a ``Rejection`` with a reason code
and a message naming the feed's own column, so the agency can fix its export.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Mapping as MappingT
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache, partial
from typing import Any, NamedTuple, TypeVar

from xinyong.catalogue import Catalogue
from xinyong.identity.check import Verdict, verdict
from xinyong.ingest.mapping import Mapping, value_maps

# reason codes (docs/ingest.md lists them with examples)
MISSING_FIELD = "missing_field"
INVALID_VALUE = "invalid_value"
INVALID_USCC = "invalid_uscc"
INVALID_RIC = "invalid_ric"
NO_IDENTIFIER = "no_identifier"
INVALID_DATE = "invalid_date"
FUTURE_DATE = "future_date"
INVALID_AMOUNT = "invalid_amount"
UNKNOWN_KIND = "unknown_kind"
KIND_NOT_PERMITTED = "kind_not_permitted"
SUBJECT_KIND_NOT_ALLOWED = "subject_kind_not_allowed"
UNREGISTERED_AUTHORITY = "unregistered_authority"
MINOR_NOT_LISTABLE = "minor_not_listable"
CONFLICTS_WITH_CORRECTED = "conflicts_with_corrected"
MALFORMED_ROW = "malformed_row"
BAD_ENCODING = "bad_encoding"

REASONS = {
    MISSING_FIELD: "a required field is empty",
    INVALID_VALUE: "a value outside the field's vocabulary",
    INVALID_USCC: "the Unified Social Credit Code is invalid",
    INVALID_RIC: "the resident identity number is invalid",
    NO_IDENTIFIER: "a person row with no usable identifier",
    INVALID_DATE: "a date that cannot be parsed",
    FUTURE_DATE: "a decision date after today (CST)",
    INVALID_AMOUNT: "an amount that is not a number",
    UNKNOWN_KIND: "a record kind the catalogue does not know",
    KIND_NOT_PERMITTED: "the agency is not registered to report this kind",
    SUBJECT_KIND_NOT_ALLOWED: "the record kind does not apply to this kind of subject",
    UNREGISTERED_AUTHORITY: "the deciding authority is not a registered agency",
    MINOR_NOT_LISTABLE: "a listing of a person under 18",
    CONFLICTS_WITH_CORRECTED: "conflicts with a version corrected by a case outcome",
    MALFORMED_ROW: "the row cannot be parsed",
    BAD_ENCODING: "bytes that are not valid in the file's encoding",
}

SEVERITY_WORDS = {
    "minor": "minor",
    "轻微": "minor",
    "general": "general",
    "一般": "general",
    "serious": "serious",
    "严重": "serious",
    "较重": "serious",
}

_DATE_RE = re.compile(
    r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$"
)
_COMPACT_DATE_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")

# fields consumed into columns of their own; everything else goes to attributes
CONSUMED = {
    "kind",
    "source_key",
    "record_no",
    "subject_category",
    "subject_name",
    "uscc",
    "id_type",
    "id_number",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_number",
    "decision_no",
    "decided_on",
    "valid_from",
    "valid_to",
    "display_until",
    "deciding_authority",
    "deciding_authority_uscc",
    "legal_basis_text",
    "severity",
    "amount_wan",
    "amount_yuan",
    "confiscated_wan",
    "capital_wan",
    "status",
}


class RowError(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Rejection(NamedTuple):
    row: int
    reason: str
    message: str


class PersonRef(NamedTuple):
    name: str
    scheme: str | None
    value: str | None
    legacy15: str | None = None
    birth_date: date | None = None


@dataclass(slots=True)
class Candidate:
    row: int
    kind: str
    source_key: str
    subject_kind: str
    subject_name: str
    id_scheme: str
    id_value: str
    legacy15: str | None
    region: str | None
    birth_date: date | None
    legal_rep: PersonRef | None
    decision_no: str | None
    decided_on: date | None
    valid_from: date | None
    valid_to: date | None
    feed_display_until: date | None
    authority_uscc: str | None
    authority_name: str | None
    legal_basis_text: str | None
    severity: str | None
    severity_derived: bool | None
    amount_fen: int | None
    status: str
    attributes: dict[str, Any]
    flags: list[str] = field(default_factory=list)
    content_hash: str = ""
    # set once the deciding authority is resolved to a registered agency
    authority_code: str | None = None
    authority_sector: str | None = None
    # the record row as far as it follows from this row alone (see pipeline._record_template)
    template: dict[str, Any] = field(default_factory=dict)
    attributes_json: str = "{}"


K = TypeVar("K")
V = TypeVar("V")
#: entries a per-ingest memo holds before it starts over (values repeat: a firm's decisions)
MEMO_LIMIT = 1 << 18


def remember(memo: dict[K, V], key: K, value: V) -> V:
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s).strip()


def _opt_nfc(s: str | None) -> str | None:
    return nfc(s) if s else None


def parse_date(value: str | None, label: str) -> date | None:
    if value is None:
        return None
    v = value.strip()
    if not v:
        return None
    try:
        if len(v) == 10 and v[4] == "-":
            return date.fromisoformat(v)
    except ValueError:
        pass
    m = _DATE_RE.match(v) or _COMPACT_DATE_RE.match(v)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise RowError(INVALID_DATE, f"{label} {value!r} is not a date (use 2025-03-09)")


def parse_amount_fen(value: str | None, label: str, fen_per_unit: int) -> int | None:
    """Parse a decimal amount in 万元 or 元 into integer fen; empty means none."""
    if value is None:
        return None
    v = unicodedata.normalize("NFKC", value).strip().replace(",", "")
    if v in ("", "-", "/", "无"):
        return None
    try:
        d = Decimal(v)
    except InvalidOperation:
        raise RowError(INVALID_AMOUNT, f"{label} {value!r} is not a number") from None
    if not d.is_finite() or d < 0:
        raise RowError(INVALID_AMOUNT, f"{label} {value!r} is not a non-negative number")
    return int((d * fen_per_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_VOCAB_MEMO: dict[tuple[str, str], str] = {}


def _lookup(vocab: str, value: str, label: str) -> str:
    out = _VOCAB_MEMO.get((vocab, value))
    if out is not None:
        return out
    folded = unicodedata.normalize("NFKC", value).strip()
    out = value_maps()[vocab].get(folded)
    if out is not None:
        return remember(_VOCAB_MEMO, (vocab, value), out)
    if out is None:
        known = sorted({k for k in value_maps()[vocab] if not k.isascii()})
        raise RowError(INVALID_VALUE, f"{label} {value!r} is not one of {', '.join(known)}")
    return out


def _identify_person(
    name: str,
    id_type: str | None,
    id_number: str | None,
    label: str,
    check: Callable[[str], Verdict],
) -> PersonRef:
    if not id_number:
        raise RowError(NO_IDENTIFIER, f"person {name!r} has no identifier ({label} is empty)")
    scheme = _lookup("id_type", id_type, "证件类型") if id_type else None
    if scheme is None:
        chk = check(id_number)
        if chk.valid and chk.kind == "person":
            return PersonRef(name, "ric", chk.canonical, chk.legacy15, _birth(chk.canonical))
        raise RowError(NO_IDENTIFIER, f"person {name!r}: {label} has no 证件类型 and is not an ID")
    if scheme == "ric":
        chk = check(id_number)
        if not chk.valid or chk.kind != "person":
            msg = chk.error.message if chk.error else "not a resident identity number"
            code = chk.error.reason.value if chk.error else "length"
            raise RowError(INVALID_RIC, f"{label} {_mask(id_number)}: {msg} [{code}]")
        return PersonRef(name, "ric", chk.canonical, chk.legacy15, _birth(chk.canonical))
    value = unicodedata.normalize("NFKC", id_number).strip().upper().replace(" ", "")
    if not value:
        raise RowError(NO_IDENTIFIER, f"person {name!r} has no identifier")
    return PersonRef(name, scheme, value)


def _birth(ric: str | None) -> date | None:
    if not ric:
        return None
    try:
        return date(int(ric[6:10]), int(ric[10:12]), int(ric[12:14]))
    except ValueError:
        return None


def _mask(value: str) -> str:
    """Resident IDs never appear in clear in messages (CONTRACTS.md)."""
    v = value.strip()
    return v[:6] + "*" * max(0, len(v) - 10) + v[-4:] if len(v) > 10 else "*" * len(v)


def _age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def content_hash(c: Candidate) -> str:
    """SHA-256 over the normalised row: same content in any encoding or format, same hash.

    The attributes enter as their stored JSON (sorted keys), encoded once per row and
    reused for storage; the other fields through ``repr``, which is exact for strings,
    integers and None and cheaper than a second JSON encoding.
    """
    rep = c.legal_rep
    fixed = (
        c.kind,
        c.source_key,
        c.subject_kind,
        c.subject_name,
        c.id_scheme,
        c.id_value,
        rep.name if rep else None,
        rep.value if rep else None,
        c.decision_no,
        _iso(c.decided_on),
        _iso(c.valid_from),
        _iso(c.valid_to),
        _iso(c.feed_display_until),
        c.authority_uscc,
        c.authority_name,
        c.legal_basis_text,
        None if c.severity_derived else c.severity,
        c.amount_fen,
        c.status,
    )
    # the digest of the two texts one after the other (no joined copy of the long one)
    h = hashlib.sha256(repr(fixed).encode("utf-8", "surrogatepass"))
    h.update(c.attributes_json.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


_ATTR_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _no_default(o: Any) -> Any:
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


# ``_ATTR_JSON.encode`` builds its C encoder anew for every call; this one is built once
# with the same settings (so the same text: the content hash covers it)
_attr_encoder: Callable[[Any, int], Any] | None = (
    json.encoder.c_make_encoder(  # type: ignore[attr-defined]
        None, _no_default, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )
    if getattr(json.encoder, "c_make_encoder", None) is not None
    else None
)


def attributes_json(attributes: dict[str, Any]) -> str:
    """The stored (and hashed) JSON of a row's attributes: sorted keys, compact, unescaped."""
    if _attr_encoder is None or not attributes:
        return _ATTR_JSON.encode(attributes)
    return "".join(_attr_encoder(attributes, 0))


#: kinds ``Normaliser._kind_rules`` has checks for
_KINDS_WITH_RULES = frozenset({"tax_credit_grade", "court_dishonest_listing"})


class Normaliser:
    """Turns mapped rows into candidates for one mapping, catalogue and 'today' (CST).

    Feeds repeat values (a firm's codes and representative, dates, amounts, vocabulary
    words), so the pure parts are memoised per instance: a code is checked once per
    ingest, a date string parsed once.
    """

    def __init__(self, mapping: Mapping, catalogue: Catalogue, today: date) -> None:
        self.mapping = mapping
        self.cat = catalogue
        self.today = today
        self.headers: dict[str, str] = {}
        for header, fld in mapping.columns.items():
            self.headers.setdefault(fld, header)
        self._severity = lru_cache(maxsize=65_536)(self._derive_severity)
        self._check: Callable[[str], Verdict] = lru_cache(maxsize=1 << 20)(
            partial(verdict, today=today)
        )
        self._dates: dict[str, date | None] = {}
        self._amounts: dict[tuple[str, int], int | None] = {}
        self._persons: dict[tuple[str, str | None, str, str], PersonRef | RowError] = {}
        self._kind_of: dict[tuple[str, str], str] = {}
        self._required_fields = tuple(mapping.required)
        self._source_key = mapping.source_key

    def _derive_severity(
        self, penalty_types: str | None, amount_fen: int | None
    ) -> tuple[str, bool]:
        """Severity from the catalogue's rules, memoised: feeds repeat types and amounts."""
        res = self.cat.derive_severity(penalty_types, amount_fen)
        return str(res.severity), bool(res.unknown_types)

    def h(self, fld: str) -> str:
        """The feed's own header for a field, so messages name what the agency sees."""
        return self.headers.get(fld, fld)

    def __call__(self, row_no: int, fields: MappingT[str, str | None]) -> Candidate | Rejection:
        try:
            return self._normalise(row_no, fields)
        except RowError as e:
            return Rejection(row_no, e.reason, e.message)

    def _required(self, fields: MappingT[str, str | None]) -> None:
        for f in self._required_fields:
            if not fields.get(f):
                raise RowError(MISSING_FIELD, f"{self.h(f)} is empty")

    def _kind(self, fields: MappingT[str, str | None], subject_kind: str) -> str:
        m = self.mapping
        if m.kind:
            kind = m.kind
        elif m.kind_by_subject:
            kind = m.kind_by_subject.get(subject_kind, "")
        else:
            kind = (fields.get(m.kind_column or "kind") or "").strip()
        if self._kind_of.get((kind, subject_kind)) is not None:
            return kind
        if kind not in self.cat.kinds:
            raise RowError(UNKNOWN_KIND, f"record kind {kind!r} is not in the catalogue")
        if subject_kind not in self.cat.kinds[kind].subject_kinds:
            raise RowError(
                SUBJECT_KIND_NOT_ALLOWED,
                f"a {kind} record cannot be about a {subject_kind.replace('_', ' ')}",
            )
        return remember(self._kind_of, (kind, subject_kind), kind)

    def _date(self, value: str | None, fld: str) -> date | None:
        if value is None:
            return None
        try:
            return self._dates[value]
        except KeyError:
            return remember(self._dates, value, parse_date(value, self.h(fld)))

    def _amount(self, value: str | None, fld: str, fen_per_unit: int) -> int | None:
        if value is None:
            return None
        key = (value, fen_per_unit)
        try:
            return self._amounts[key]
        except KeyError:
            return remember(self._amounts, key, parse_amount_fen(value, self.h(fld), fen_per_unit))

    def _person(self, name: str, id_type: str | None, id_number: str | None, fld: str) -> PersonRef:
        """``_identify_person`` memoised: a firm's representative recurs with its decisions."""
        key = (name, id_type, id_number or "", fld)
        got = self._persons.get(key)
        if got is None:
            try:
                got = _identify_person(name, id_type, id_number, self.h(fld), self._check)
            except RowError as e:
                got = e
            remember(self._persons, key, got)
        if isinstance(got, RowError):
            raise RowError(got.reason, got.message)
        return got

    def _normalise(self, row_no: int, fields: MappingT[str, str | None]) -> Candidate:
        h = self.h
        get = fields.get
        self._required(fields)
        subject_kind = _lookup(
            "subject_category", get("subject_category") or "", h("subject_category")
        )
        kind = self._kind(fields, subject_kind)
        name = nfc(get("subject_name") or "")
        if not name:
            raise RowError(MISSING_FIELD, f"{h('subject_name')} is empty")
        source_key = nfc(unicodedata.normalize("NFKC", get(self._source_key) or ""))
        if not source_key:
            raise RowError(MISSING_FIELD, f"{h(self._source_key)} is empty")

        flags: list[str] = []
        legacy15 = None
        birth = None
        if subject_kind == "person":
            p = self._person(name, get("id_type"), get("id_number"), "id_number")
            assert p.scheme and p.value
            scheme, value, legacy15, birth = p.scheme, p.value, p.legacy15, p.birth_date
            region = value[:6] if scheme == "ric" else None
        else:
            raw = get("uscc")
            if not raw:
                raise RowError(MISSING_FIELD, f"{h('uscc')} is empty for an organisation")
            chk = self._check(raw)
            if not chk.valid or chk.kind != "organisation":
                msg = chk.error.message if chk.error else "a resident ID, not a USCC"
                code = chk.error.reason.value if chk.error else "kind"
                raise RowError(INVALID_USCC, f"{h('uscc')} {raw!r}: {msg} [{code}]")
            assert chk.canonical
            scheme, value, region = "uscc", chk.canonical, chk.canonical[2:8]

        legal_rep = None
        rep_name = get("legal_rep_name")
        if rep_name and subject_kind != "person":
            rep_name = nfc(rep_name)
            rep_id = get("legal_rep_id_number")
            if rep_id:
                try:
                    legal_rep = self._person(
                        rep_name, get("legal_rep_id_type"), rep_id, "legal_rep_id_number"
                    )
                except RowError:
                    legal_rep = PersonRef(rep_name, None, None)
                    flags.append("legal_rep_id_invalid")
            else:
                legal_rep = PersonRef(rep_name, None, None)

        decided_on = self._date(get("decided_on"), "decided_on")
        if decided_on is not None and decided_on > self.today:
            raise RowError(
                FUTURE_DATE, f"{h('decided_on')} {decided_on} is after today ({self.today}, CST)"
            )
        valid_from = self._date(get("valid_from"), "valid_from")
        valid_to = self._date(get("valid_to"), "valid_to")
        feed_display_until = self._date(get("display_until"), "display_until")

        amount_fen = self._amount(get("amount_wan"), "amount_wan", 1_000_000)
        if amount_fen is None:
            amount_fen = self._amount(get("amount_yuan"), "amount_yuan", 100)
        attributes: dict[str, Any] = {}
        conf = self._amount(get("confiscated_wan"), "confiscated_wan", 1_000_000)
        if conf is not None:
            attributes["confiscated_fen"] = conf
        capital = self._amount(get("capital_wan"), "capital_wan", 1_000_000)
        if capital is not None:
            attributes["capital_fen"] = capital
        normalize = unicodedata.normalize
        for k, v in fields.items():
            if v is not None and k not in CONSUMED:
                attributes[k] = normalize("NFC", v).strip()

        status_raw = get("status")
        status = _lookup("status", status_raw, h("status")) if status_raw else "in_force"

        severity: str | None = None
        derived: bool | None = None
        sev_raw = get("severity")
        if sev_raw:
            severity = SEVERITY_WORDS.get(sev_raw.strip().lower())
            if severity is None:
                raise RowError(
                    INVALID_VALUE, f"{h('severity')} {sev_raw!r} is not minor/general/serious"
                )
            derived = False
        elif kind == "administrative_penalty":
            severity, unknown = self._severity(attributes.get("penalty_types"), amount_fen)
            derived = True
            if unknown:
                flags.append("severity_unknown_penalty_type")

        if kind in _KINDS_WITH_RULES:
            self._kind_rules(kind, attributes, subject_kind, birth, decided_on)

        decision_no = get("decision_no")
        authority = get("deciding_authority")
        basis = get("legal_basis_text")
        c = Candidate(
            row_no,
            kind,
            source_key,
            subject_kind,
            name,
            scheme,
            value,
            legacy15,
            region,
            birth,
            legal_rep,
            nfc(decision_no) if decision_no else None,
            decided_on,
            valid_from,
            valid_to,
            feed_display_until,
            get("deciding_authority_uscc") or None,
            nfc(authority) if authority else None,
            nfc(basis) if basis else None,
            severity,
            derived,
            amount_fen,
            status,
            attributes,
            flags,
        )
        c.attributes_json = attributes_json(attributes)
        c.content_hash = content_hash(c)
        return c

    def _kind_rules(
        self,
        kind: str,
        attributes: dict[str, Any],
        subject_kind: str,
        birth: date | None,
        decided_on: date | None,
    ) -> None:
        """Checks a kind's own fields need (the catalogue names the kinds)."""
        if kind == "tax_credit_grade":
            grade = str(attributes.get("grade", "")).upper()
            if grade not in {"A", "B", "M", "C", "D"}:
                raise RowError(INVALID_VALUE, f"grade {grade!r} is not one of A, B, M, C, D")
            attributes["grade"] = grade
        if kind == "court_dishonest_listing":
            grounds = str(attributes.get("grounds", ""))
            if grounds not in {"1", "2", "3", "4", "5", "6"}:
                raise RowError(INVALID_VALUE, f"grounds {grounds!r} is not one of 1–6 (Art. 1)")
            if (
                subject_kind == "person"
                and birth
                and decided_on
                and _age_on(birth, decided_on) < 18
            ):
                raise RowError(
                    MINOR_NOT_LISTABLE,
                    "the person was under 18 on the listing date; minors are never listed",
                )
