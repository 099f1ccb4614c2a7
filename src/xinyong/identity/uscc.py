"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015).

Written here rather than delegated to ``stdnum.cn.uscc``: stdnum demands digits
in positions 1–8 and so rejects real codes of authorities A (military
establishment), N (agriculture) and Y (other), and it does not check the
authority/category table (REFERENCE.md §1.1).
"""

from __future__ import annotations

from operator import mul
from types import MappingProxyType

from xinyong.identity.normalise import normalise_code
from xinyong.identity.reasons import Failure, InvalidCode, Reason
from xinyong.identity.regions import PROVINCE_CODES, is_uscc_region

#: the 31 symbols of GB 32100 (no I, O, S, V, Z); a symbol's value is its index
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: W_i = 3^(i-1) mod 31, i = 1..17
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_ALPHABET_SET = frozenset(ALPHABET)

#: position 1 (registration authority) → its name and position 2 (organisation
#: category) → category name, from the GB 32100 table in REFERENCE.md §1.1
AUTHORITY_CATEGORIES: MappingProxyType[str, tuple[str, MappingProxyType[str, str]]] = (
    MappingProxyType(
        {
            authority: (name, MappingProxyType(categories))
            for authority, (name, categories) in {
                "1": (
                    "establishment (机构编制)",
                    {
                        "1": "organ",
                        "2": "public institution",
                        "3": "mass organisation",
                        "9": "other",
                    },
                ),
                "2": ("foreign affairs (外交)", {"1": "foreign press office", "9": "other"}),
                "3": (
                    "justice (司法行政)",
                    {
                        "1": "law firm",
                        "2": "notary office",
                        "3": "legal service office",
                        "4": "forensic appraisal institution",
                        "5": "arbitration commission",
                        "9": "other",
                    },
                ),
                "4": ("culture (文化)", {"1": "foreign cultural centre", "9": "other"}),
                "5": (
                    "civil affairs (民政)",
                    {
                        "1": "social group",
                        "2": "private non-enterprise unit",
                        "3": "foundation",
                        "9": "other",
                    },
                ),
                "6": (
                    "tourism (旅游)",
                    {"1": "foreign tourism office", "2": "tourism office", "9": "other"},
                ),
                "7": (
                    "religion (宗教)",
                    {"1": "religious venue", "2": "religious college", "9": "other"},
                ),
                "8": ("trade unions (工会)", {"1": "trade union", "9": "other"}),
                "9": (
                    "market regulation (工商)",
                    {"1": "enterprise", "2": "individual business", "3": "farmers' cooperative"},
                ),
                "A": (
                    "military establishment office (中央军委改革和编制办公室)",
                    {"1": "military institution", "9": "other"},
                ),
                "N": (
                    "agriculture (农业)",
                    {
                        "1": "group-level collective",
                        "2": "village-level collective",
                        "3": "township-level collective",
                        "9": "other",
                    },
                ),
                "Y": ("other registration authority (其他)", {"1": "other"}),
            }.items()
        }
    )
)

_ALPHABET_HINT = "digits and the letters A–Y except I, O, S, V and Z"


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters (mod 31, REFERENCE.md §1.1).

    Raises ``InvalidCode`` when ``first17`` is not 17 symbols of the alphabet.
    """
    if len(first17) != 17:
        raise InvalidCode(Reason.LENGTH, f"need the first 17 characters, got {len(first17)}")
    try:
        total = sum(map(mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    except KeyError as e:
        raise InvalidCode(Reason.ALPHABET, f"{e.args[0]!r} is not in the USCC alphabet") from None
    return ALPHABET[(31 - total % 31) % 31]


def make_uscc(first17: str) -> str:
    """A complete code from 17 characters (for the synthetic-data generator and tests).

    Only the check character is computed; the caller picks the authority,
    category and region, so ``validate_uscc`` may still refuse the result.
    """
    first17 = normalise_code(first17)
    return first17 + uscc_check_char(first17)


def uscc_failure(code: str) -> Failure | None:
    """Why a normalised code is not a USCC, or None when it is one."""
    if len(code) != 18:
        return Failure(Reason.LENGTH, f"a USCC has 18 characters, got {len(code)}")
    if not _ALPHABET_SET.issuperset(code):
        i, c = next((i, c) for i, c in enumerate(code) if c not in _ALPHABET_SET)
        return Failure(
            Reason.ALPHABET,
            f"character {c!r} at position {i + 1} is not allowed in a USCC ({_ALPHABET_HINT})",
        )
    authority, category = code[0], code[1]
    entry = AUTHORITY_CATEGORIES.get(authority)
    if entry is None:
        return Failure(
            Reason.AUTHORITY_CATEGORY,
            f"first character {authority!r} is not a registration authority code "
            f"(expected one of {', '.join(AUTHORITY_CATEGORIES)})",
        )
    name, categories = entry
    if category not in categories:
        return Failure(
            Reason.AUTHORITY_CATEGORY,
            f"authority {authority!r}, {name}, registers no category {category!r} "
            f"(expected one of {', '.join(categories)})",
        )
    region = code[2:8]
    if not is_uscc_region(region):
        if not (region.isascii() and region.isdigit()):
            detail = "must be six digits"
        elif region[:2] not in PROVINCE_CODES:
            detail = f"starts with {region[:2]!r}, which is not a province-level code"
        else:  # pragma: no cover - is_uscc_region accepts every other case
            detail = "is not a region code"
        return Failure(Reason.REGION, f"region code {region!r} (positions 3–8) {detail}")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return Failure(
            Reason.CHECK_CHARACTER,
            f"check character is {code[17]!r} but should be {expected!r}; "
            "a character was probably mistyped",
        )
    return None


def validate_uscc(raw: str) -> str:
    """The canonical code, or ``InvalidCode`` saying which rule failed."""
    code = normalise_code(raw)
    if not code:
        raise InvalidCode(Reason.EMPTY, "no code given")
    failure = uscc_failure(code)
    if failure is not None:
        raise InvalidCode.from_failure(failure)
    return code


def is_valid_uscc(raw: str) -> bool:
    """Whether ``raw`` (after normalisation) is a valid USCC."""
    code = normalise_code(raw)
    return bool(code) and uscc_failure(code) is None


# --- embedded organisation code (GB 11714), informational only ---------------

_OC_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code_check_char(body8: str) -> str | None:
    """The GB 11714 check character of an 8-character organisation-code body.

    None when the body has characters GB 11714 does not define. The rule is the
    commonly published one, without a primary source (REFERENCE.md §1.1).
    """
    total = 0
    for c, w in zip(body8, _OC_WEIGHTS, strict=True):
        if "0" <= c <= "9":
            v = ord(c) - 48
        elif "A" <= c <= "Z":
            v = ord(c) - 55
        else:
            return None
        total += v * w
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def organisation_code_warning(uscc: str) -> str | None:
    """A warning when positions 9–17 do not carry a valid GB 11714 check digit.

    Never a reason to refuse the code: the rule is not primary-sourced, and
    codes issued after 2015 (``MA…``) need not embed an old organisation code.
    """
    code = normalise_code(uscc)
    if len(code) != 18:
        return None
    body, check = code[8:16], code[16]
    expected = organisation_code_check_char(body)
    if expected is None or expected == check:
        return None
    return (
        f"embedded organisation code {code[8:17]} has check digit {check!r}, "
        f"GB 11714 would give {expected!r} (informational)"
    )
