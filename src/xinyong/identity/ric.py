"""Resident identity number (公民身份号码, GB 11643-1999).

The GB/T 2260 data come from python-stdnum (the check digit is stdnum's ISO 7064
computation, done here on code points for speed), its verdict does not: ``stdnum.cn.ric`` demands that the address code existed in the birth year,
but the code is the household registration's when the number was issued, often
years later (Rongcheng's 371082 exists since 1989, so stdnum rejects nearly
every adult of Rongcheng). We accept a code that existed at any time from the
birth year on (CONTRACTS.md, "Identity and keys").
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from operator import mul
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from xinyong.calendar import today_cst
from xinyong.identity.normalise import normalise_code
from xinyong.identity.reasons import Failure, InvalidCode, Reason
from xinyong.identity.regions import AddressCode
from xinyong.identity.regions import address_code as lookup_address

EARLIEST_BIRTH = date(1900, 1, 1)
_DIGITS = frozenset("0123456789")
#: ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 and the check character of each remainder
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ZERO_SUM = ord("0") * sum(_WEIGHTS)
_CHECK = "10X98765432"


def _check_of(first17: str) -> str:
    """The check character of 17 ASCII digits (the caller has checked them)."""
    return _CHECK[(sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _ZERO_SUM) % 11]


class RicInfo(BaseModel):
    """A valid resident ID, taken apart."""

    model_config = ConfigDict(frozen=True)

    canonical: str
    """The 18-character form (converted when the input was a 15-digit number)."""
    legacy15: str | None
    """The 15-digit form when the input was one, else None."""
    address_code: str
    address_name: str | None
    birth_date: date
    sequence: str
    sex: Literal["male", "female"]
    """From the sequence: odd is male, even is female (GB 11643)."""
    from_legacy15: bool
    """Whether the input was a 15-digit legacy number (then ``legacy15`` holds it)."""


def _is_digits(s: str) -> bool:
    # str.isdigit() alone accepts superscripts and other scripts' digits
    return s.isascii() and s.isdigit()


def ric_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of 17 digits (stdnum's computation)."""
    if len(first17) != 17 or not _is_digits(first17):
        raise InvalidCode(Reason.ALPHABET, f"need 17 digits, got {first17!r}")
    # the same computation as stdnum's calc_check_digit, on the digits' code points
    return _check_of(first17)


def make_ric(address_code: str, birth_date: date, seq: int) -> str:
    """An 18-character resident ID (for the synthetic-data generator and tests).

    ``seq`` is the 3-digit sequence (odd for men, even for women). The address
    code is not looked up: the caller chooses it, ``validate_ric`` judges it.
    """
    if len(address_code) != 6 or not _is_digits(address_code):
        raise InvalidCode(
            Reason.ADDRESS_CODE, f"address code must be six digits, got {address_code!r}"
        )
    if not 0 <= seq <= 999:
        raise ValueError(f"sequence must be 0–999, got {seq}")
    first17 = f"{address_code}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + ric_check_char(first17)


def convert_ric15(raw15: str) -> str:
    """The 18-character form of a 15-digit legacy number: insert "19", add the check."""
    code = normalise_code(raw15)
    if len(code) != 15 or not _is_digits(code):
        raise InvalidCode(Reason.LENGTH, f"a legacy resident ID has 15 digits, got {raw15!r}")
    first17 = code[:6] + "19" + code[6:]
    return first17 + ric_check_char(first17)


class ParsedRic(NamedTuple):
    """A valid resident ID, as cheap values (``check_code`` needs no model per code)."""

    canonical: str
    legacy15: str | None
    address_name: str | None
    birth_date: date


@lru_cache(maxsize=1 << 16)
def _address_for(addr: str, year: int) -> AddressCode | Failure:
    """The address code of a resident ID born in ``year``, or why it cannot be one."""
    known = lookup_address(addr)
    if known is None:
        return Failure(
            Reason.ADDRESS_CODE,
            f"address code {addr} (positions 1–6) is not a GB/T 2260 administrative-division code",
        )
    if not known.usable_for_birth_year(year):
        return Failure(
            Reason.ADDRESS_CODE,
            f"address code {addr} ({known.name_in()}) went out of use in {known.last_year}, "
            f"before the birth year {year}",
        )
    return known


class RicParts(NamedTuple):
    canonical: str
    legacy15: str | None
    birth_date: date
    address: AddressCode


def parse_ric(code: str, today: date | None = None) -> RicParts | Failure:
    """``ric_failure`` without the address name (the hot path of ``check_code``)."""
    n = len(code)
    if n not in (15, 18):
        return Failure(
            Reason.LENGTH, f"a resident ID has 18 characters (or 15 digits if legacy), got {n}"
        )
    body = code if n == 15 else code[:17]
    if not _is_digits(body) or (n == 18 and code[17] not in _DIGITS and code[17] != "X"):
        for i, c in enumerate(code):
            if not ("0" <= c <= "9" or (c == "X" and i == 17)):
                where = "digits only" if n == 15 else "digits, and X as the 18th character"
                return Failure(
                    Reason.ALPHABET,
                    f"character {c!r} at position {i + 1} is not allowed "
                    f"in a resident ID ({where})",
                )
    if n == 15:
        legacy15: str | None = code
        first17 = code[:6] + "19" + code[6:]
        date_pos = "positions 7–12"
    else:
        legacy15 = None
        first17 = body
        date_pos = "positions 7–14"

    try:
        birth = date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
    except ValueError:
        digits8 = first17[6:14]
        shown = digits8[2:] if n == 15 else digits8
        return Failure(Reason.BIRTH_DATE, f"birth date {shown} ({date_pos}) is not a real date")
    if birth < EARLIEST_BIRTH:
        return Failure(Reason.BIRTH_DATE, f"birth date {birth} ({date_pos}) is before 1900-01-01")
    now = today or today_cst()
    if birth > now:
        return Failure(
            Reason.BIRTH_DATE,
            f"birth date {birth} ({date_pos}) is in the future (today is {now} in China)",
        )

    known = _address_for(first17[:6], birth.year)
    if isinstance(known, Failure):
        return known

    check = _check_of(first17)
    if legacy15 is None and code[17] != check:
        return Failure(
            Reason.CHECK_CHARACTER,
            f"check character is {code[17]!r} but should be {check!r}; "
            "a digit was probably mistyped",
        )
    return RicParts(first17 + check, legacy15, birth, known)


def ric_failure(code: str, today: date | None = None) -> ParsedRic | Failure:
    """Parse a normalised code as a resident ID; a ``Failure`` says why it is not one."""
    parsed = parse_ric(code, today)
    if isinstance(parsed, Failure):
        return parsed
    canonical, legacy15, birth, known = parsed
    return ParsedRic(canonical, legacy15, known.name_in(birth.year), birth)


def validate_ric(raw: str, today: date | None = None) -> RicInfo:
    """Parse a resident ID (18 characters or 15-digit legacy) or raise ``InvalidCode``.

    ``today`` (default: today in China Standard Time) bounds the birth date.
    """
    code = normalise_code(raw)
    if not code:
        raise InvalidCode(Reason.EMPTY, "no code given")
    parsed = ric_failure(code, today)
    if isinstance(parsed, Failure):
        raise InvalidCode.from_failure(parsed)
    canonical = parsed.canonical
    seq = canonical[14:17]
    return RicInfo(
        canonical=canonical,
        legacy15=parsed.legacy15,
        address_code=canonical[:6],
        address_name=parsed.address_name,
        birth_date=parsed.birth_date,
        sequence=seq,
        sex="male" if int(seq) % 2 else "female",
        from_legacy15=parsed.legacy15 is not None,
    )


def is_valid_ric(raw: str, today: date | None = None) -> bool:
    """Whether ``raw`` (after normalisation) is a valid resident ID."""
    code = normalise_code(raw)
    return bool(code) and not isinstance(ric_failure(code, today), Failure)
