"""Check-character rules transcribed from REFERENCE.md §1, independent of xinyong.

Tests build codes with these, so a bug in the implementation's arithmetic cannot
also be the test's expectation.
"""

from __future__ import annotations

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def ref_uscc_check(first17: str) -> str:
    """C18 = 31 − (Σ Ci·Wi mod 31); 31 → '0' (REFERENCE.md §1.1)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    c18 = 31 - total % 31
    return USCC_ALPHABET[0 if c18 == 31 else c18]


def ref_ric_check(first17: str) -> str:
    """ISO 7064 MOD 11-2: "10X98765432"[Σ mod 11] (REFERENCE.md §1.2)."""
    total = sum(int(c) * w for c, w in zip(first17, RIC_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]
