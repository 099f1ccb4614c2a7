"""One entry point for "is this a valid code, and of what?".

Feeds and forms give a bare string; the kind (organisation or person) is
decided by its shape, and an all-digit 18-character string is tried as both.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from xinyong.identity.normalise import normalise_code
from xinyong.identity.reasons import Failure, Reason
from xinyong.identity.regions import address_code, is_uscc_region
from xinyong.identity.ric import RicParts, parse_ric
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


class Verdict(NamedTuple):
    """``CodeCheck`` as a plain tuple, for hot paths (ingest) that need no model per code."""

    valid: bool
    kind: Kind | None
    canonical: str | None
    legacy15: str | None
    error: Failure | None


def _invalid(kind: Kind | None, failure: Failure) -> Verdict:
    return Verdict(False, kind, None, None, failure)


def _person(parsed: RicParts) -> Verdict:
    return Verdict(True, "person", parsed.canonical, parsed.legacy15, None)


def _organisation(code: str) -> Verdict:
    return Verdict(True, "organisation", code, None, None)


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
    v = verdict(raw, today=today)
    return CodeCheck(
        input=raw,
        valid=v.valid,
        kind=v.kind,
        canonical=v.canonical,
        legacy15=v.legacy15,
        error=None
        if v.error is None
        else CodeError(code=v.error.reason.value, message=v.error.message),
    )


def verdict(raw: str, *, today: date | None = None) -> Verdict:
    """``check_code``'s verdict as a ``Verdict`` tuple (same rules, no model)."""
    code = normalise_code(raw)
    n = len(code)
    if n == 0:
        return _invalid(
            None, Failure(Reason.EMPTY, "no code given: the input is empty or only separators")
        )
    if n == 15:
        parsed = parse_ric(code, today)
        if isinstance(parsed, Failure):
            return _invalid("person", parsed)
        return _person(parsed)
    if n != 18:
        return _invalid(
            None,
            Failure(
                Reason.LENGTH,
                f"got {n} character{'s' if n > 1 else ''}; a USCC or resident ID has 18, "
                "a legacy resident ID 15 digits",
            ),
        )

    first17 = code[:17]
    if first17.isascii() and first17.isdigit() and code[17] in _RIC_LAST:
        ric = parse_ric(code, today)
        if not isinstance(ric, Failure):
            return _person(ric)
        org = uscc_failure(code)
        if org is None:
            return _organisation(code)
        if _uscc_structure(code) > _ric_structure(code):
            return _invalid("organisation", org)
        return _invalid("person", ric)

    if "*" in code and all(c in _RIC_LAST or c == "*" for c in code):
        return _invalid(
            "person",
            Failure(
                Reason.ALPHABET,
                f"character '*' at position {code.index('*') + 1}: this is a masked resident ID, "
                "which cannot be checked; use the full number",
            ),
        )
    org = uscc_failure(code)
    if org is not None:
        return _invalid("organisation", org)
    return _organisation(code)
