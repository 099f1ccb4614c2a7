"""Identifiers of subjects: USCC (GB 32100) and resident ID (GB 11643).

Checking, normalising, converting legacy numbers, and masking for public views.
Pure functions and pydantic models; no storage.
"""

from __future__ import annotations

from xinyong.calendar import today_cst
from xinyong.identity.check import CodeCheck, CodeError, Kind, check_code
from xinyong.identity.masking import (
    IdentifierScheme,
    MaskStyle,
    mask_identifier,
    mask_person_name,
    mask_ric,
)
from xinyong.identity.normalise import normalise_code
from xinyong.identity.reasons import InvalidCode, Reason
from xinyong.identity.regions import AddressCode, address_code, address_codes, province_name
from xinyong.identity.ric import (
    RicInfo,
    convert_ric15,
    is_valid_ric,
    make_ric,
    ric_check_char,
    validate_ric,
)
from xinyong.identity.uscc import (
    ALPHABET as USCC_ALPHABET,
)
from xinyong.identity.uscc import (
    AUTHORITY_CATEGORIES,
    is_valid_uscc,
    make_uscc,
    organisation_code_warning,
    uscc_check_char,
    validate_uscc,
)

__all__ = [
    "AUTHORITY_CATEGORIES",
    "USCC_ALPHABET",
    "AddressCode",
    "CodeCheck",
    "CodeError",
    "IdentifierScheme",
    "InvalidCode",
    "Kind",
    "MaskStyle",
    "Reason",
    "RicInfo",
    "address_code",
    "address_codes",
    "check_code",
    "convert_ric15",
    "is_valid_ric",
    "is_valid_uscc",
    "make_ric",
    "make_uscc",
    "mask_identifier",
    "mask_person_name",
    "mask_ric",
    "normalise_code",
    "organisation_code_warning",
    "province_name",
    "ric_check_char",
    "today_cst",
    "uscc_check_char",
    "validate_ric",
    "validate_uscc",
]
