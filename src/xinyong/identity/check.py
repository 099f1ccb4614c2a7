"""One entry point for "is this a valid code, and of what?".

Feeds and forms give a bare string; the kind (organisation or person) is
decided by its shape, and an all-digit 18-character string is tried as both.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from xinyong.identity.normalise import normalise_code
from xinyong.identity.reasons import Failure, Reason
from xinyong.identity.regions import address_code, is_uscc_region
from xinyong.identity.ric import ParsedRic, ric_failure
from xinyong.identity.uscc import AUTHORITY_CATEGORIES, uscc_failure

Kind = Literal["organisation", "person"]

_RIC_LAST = frozenset("0123456789X")


class CodeError(BaseModel):
    """Why a code was refused: ``code`` is a stable reason code, ``message`` says what to fix."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str


class CodeCheck(BaseModel):
    """The verdict on one input, as the API and ``xinyong id check --json`` show it."""

    model_config = ConfigDict(frozen=True)

    input: str
    valid: bool
    kind: Kind | None
    canonical: str | None
    """The canonical form (18 characters) when valid, else None."""
    legacy15: str | None
    """The 15-digit input when a valid legacy resident ID was converted, else None."""
    error: CodeError | None


def _invalid(raw: str, kind: Kind | None, failure: Failure) -> CodeCheck:
    return CodeCheck(
        input=raw,
        valid=False,
        kind=kind,
        canonical=None,
        legacy15=None,
        error=CodeError(code=failure.reason.value, message=failure.message),
    )


def _person(raw: str, parsed: ParsedRic) -> CodeCheck:
    return CodeCheck(
        input=raw,
        valid=True,
        kind="person",
        canonical=parsed.canonical,
        legacy15=parsed.legacy15,
        error=None,
    )


def _organisation(raw: str, code: str) -> CodeCheck:
    return CodeCheck(
        input=raw, valid=True, kind="organisation", canonical=code, legacy15=None, error=None
    )


def _ric_structure(code: str) -> int:
    """How many resident-ID structure rules hold (a known address code, a real date)."""
    score = int(address_code(code[:6]) is not None)
    try:
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return score
    return score + int(born.year >= 1900)


def _uscc_structure(code: str) -> int:
    """How many USCC structure rules hold (authority/category pair, region)."""
    entry = AUTHORITY_CATEGORIES.get(code[0])
    pair_ok = entry is not None and code[1] in entry[1]
    return int(pair_ok) + int(is_uscc_region(code[2:8]))


def check_code(raw: str, *, today: date | None = None) -> CodeCheck:
    """Check a USCC or resident ID and say which it is.

    Never raises for bad input: the verdict and reason are in the result.
    ``today`` (default: today in China Standard Time) bounds birth dates.
    An 18-digit string is tried as a resident ID first, then as a USCC; when
    neither validates, the error is that of the kind whose structure (address
    code and birth date, or authority/category and region) fits better.
    """
    code = normalise_code(raw)
    n = len(code)
    if n == 0:
        return _invalid(
            raw, None, Failure(Reason.EMPTY, "no code given: the input is empty or only separators")
        )
    if n == 15:
        parsed = ric_failure(code, today)
        if isinstance(parsed, Failure):
            return _invalid(raw, "person", parsed)
        return _person(raw, parsed)
    if n != 18:
        return _invalid(
            raw,
            None,
            Failure(
                Reason.LENGTH,
                f"got {n} character{'s' if n > 1 else ''}; a USCC or resident ID has 18, "
                "a legacy resident ID 15 digits",
            ),
        )

    first17 = code[:17]
    if first17.isascii() and first17.isdigit() and code[17] in _RIC_LAST:
        ric = ric_failure(code, today)
        if not isinstance(ric, Failure):
            return _person(raw, ric)
        org = uscc_failure(code)
        if org is None:
            return _organisation(raw, code)
        if _uscc_structure(code) > _ric_structure(code):
            return _invalid(raw, "organisation", org)
        return _invalid(raw, "person", ric)

    if "*" in code and all(c in _RIC_LAST or c == "*" for c in code):
        return _invalid(
            raw,
            "person",
            Failure(
                Reason.ALPHABET,
                f"character '*' at position {code.index('*') + 1}: this is a masked resident ID, "
                "which cannot be checked; use the full number",
            ),
        )
    org = uscc_failure(code)
    if org is not None:
        return _invalid(raw, "organisation", org)
    return _organisation(raw, code)
