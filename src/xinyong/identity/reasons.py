"""Why a code is refused: stable reason codes and the exception that carries them."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from xinyong.errors import RuleRefused


class Reason(StrEnum):
    """Machine-readable reasons, stable across releases (API, CLI and tests rely on them)."""

    EMPTY = "empty"
    LENGTH = "length"
    ALPHABET = "alphabet"
    AUTHORITY_CATEGORY = "authority_category"
    REGION = "region"
    CHECK_CHARACTER = "check_character"
    BIRTH_DATE = "birth_date"
    ADDRESS_CODE = "address_code"


class Failure(NamedTuple):
    """A refusal as a value, so the kind dispatcher can compare two without raising."""

    reason: Reason
    message: str


class InvalidCode(RuleRefused):
    """A USCC or resident ID that fails a GB 32100 / GB 11643 rule.

    A rule refusal (exit 3, HTTP 422): the input was readable, the code is wrong.
    ``reason`` is the bare reason code, ``code`` the error code ``invalid_<reason>``.
    """

    def __init__(self, reason: Reason | str, message: str) -> None:
        self.reason = Reason(reason)
        super().__init__(
            message, code=f"invalid_{self.reason.value}", details={"reason": str(self.reason)}
        )

    @classmethod
    def from_failure(cls, failure: Failure) -> InvalidCode:
        return cls(failure.reason, failure.message)
