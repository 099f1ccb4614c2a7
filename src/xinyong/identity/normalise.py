"""Fold a code as people type or paste it into its canonical spelling.

Feeds and forms carry codes typed with a Chinese IME (full-width ``９１１１…``,
ideographic spaces), grouped with spaces or dashes, or in lower case. None of
that changes the code, so every check starts here.
"""

from __future__ import annotations

#: ASCII hyphen and the dashes an IME or a word processor substitutes for it
DASHES = (
    "-"  # U+002D hyphen-minus
    "\u00ad"  # soft hyphen (invisible, survives copy-paste)
    "\u2010\u2011\u2012\u2013\u2014\u2015"  # hyphen … horizontal bar
    "\u2043"  # hyphen bullet
    "\u2212"  # minus sign
    "\ufe58\ufe63"  # small em dash, small hyphen-minus
    "\uff0d"  # full-width hyphen-minus
)

#: every Unicode space (incl. U+3000 ideographic space) and the zero-width joiners
#: that copy-paste from web pages leaves behind
SPACES = (
    "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
)

_TABLE: dict[int, int | None] = {ord(c): None for c in DASHES + SPACES}
# full-width ASCII block U+FF01..U+FF5E maps to U+0021..U+007E (the NFKC fold for it)
_TABLE.update({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if cp != 0xFF0D})


def normalise_code(raw: str) -> str:
    """Return ``raw`` folded to half-width, without spaces or dashes, upper-cased.

    >>> normalise_code("９１１１ ００００-６０００３７３４１ｌ")
    '91110000600037341L'
    """
    if raw.isascii() and raw.isalnum():  # the common case: nothing to fold or strip
        return raw.upper()
    return raw.translate(_TABLE).upper()
