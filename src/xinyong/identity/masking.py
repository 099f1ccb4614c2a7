"""Masking identifiers and names for public views.

Pure functions: the catalogue decides which style each audience gets
(CONTRACTS.md: "the audience decides the masking, not the endpoint"). USCCs are
public by law (an organisation's code may appear anywhere), so masking styles
never alter them.
"""

from __future__ import annotations

from enum import StrEnum


class MaskStyle(StrEnum):
    """How much of an identifier an audience may see."""

    NONE = "none"
    """Shown in full (the subject itself, the reporting agency)."""
    COURT_LIST = "court_list"
    """As the SPC's dishonest judgment-debtor list shows it: address code and birth
    year visible, birth month and day masked (``^\\d{10}\\*{4}\\d{3}[\\dX]$``, ADDENDUM §4)."""
    FULL = "full"
    """Only the last four characters visible."""
    HIDDEN = "hidden"
    """Not shown at all (the field is omitted)."""


class IdentifierScheme(StrEnum):
    """The identifier schemes of CONTRACTS.md ("Identity and keys")."""

    USCC = "uscc"
    RIC = "ric"
    RIC15 = "ric15"
    PASSPORT = "passport"
    OTHER = "other"


def _mask_all_but_last4(value: str) -> str:
    # a value of four characters or fewer would be shown whole: mask it entirely
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_ric(canonical18: str) -> str:
    """``1101011990****1234``: first 10, four stars, last 4 (the court list's pattern).

    A 15-digit legacy number keeps address and 2-digit year (``13050367****001``);
    any other length is masked but for its last four characters, so a malformed
    value never leaks.
    """
    if len(canonical18) == 18:
        return canonical18[:10] + "****" + canonical18[14:]
    if len(canonical18) == 15:
        return canonical18[:8] + "****" + canonical18[12:]
    return _mask_all_but_last4(canonical18)


def mask_person_name(name: str) -> str:
    """First character, then one ``*`` per remaining character (张三丰 → 张**)."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1)


def mask_identifier(
    scheme: IdentifierScheme | str, value: str, style: MaskStyle | str
) -> str | None:
    """``value`` of ``scheme`` as ``style`` shows it; None for ``hidden``.

    USCCs are returned unchanged under every style but ``hidden``. The court-list
    pattern is defined for resident IDs only; other schemes get ``full`` under it.
    """
    scheme = IdentifierScheme(scheme)
    style = MaskStyle(style)
    if style is MaskStyle.HIDDEN:
        return None
    if style is MaskStyle.NONE or scheme is IdentifierScheme.USCC:
        return value
    if style is MaskStyle.COURT_LIST and scheme in (IdentifierScheme.RIC, IdentifierScheme.RIC15):
        return mask_ric(value)
    return _mask_all_but_last4(value)
