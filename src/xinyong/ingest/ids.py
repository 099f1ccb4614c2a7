"""Monotonic ULIDs for ingest, about five times cheaper than ``str(ulid.ULID())``.

The same 26-character Crockford base32 strings as ``python-ulid`` (48-bit millisecond
timestamp, 80 random bits), monotonic within the process like its generator: within one
millisecond (or if the clock steps back) the random part is incremented instead of
redrawn. A 1M-row ingest makes two ids per row, so ``python-ulid``'s object per id was
about a tenth of the time spent preparing rows.
"""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: every pair of symbols, indexed by the 10 bits they encode
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
_RANDOM_LIMIT = 1 << 80


def _timestamp(ms: int) -> str:
    # 48 bits as 10 symbols: two zero bits on top, like the ULID specification
    p = _PAIRS
    return (
        p[ms >> 40]
        + p[(ms >> 30) & 1023]
        + p[(ms >> 20) & 1023]
        + p[(ms >> 10) & 1023]
        + p[ms & 1023]
    )


class UlidFactory:
    """Call for the next id: ``make = UlidFactory(); make() → '01M8…'``."""

    __slots__ = ("_ms", "_prefix", "_random")

    def __init__(self) -> None:
        self._ms = -1
        self._random = 0
        self._prefix = ""

    def __call__(self) -> str:
        ms = time.time_ns() // 1_000_000
        if ms > self._ms:
            self._ms = ms
            self._prefix = _timestamp(ms)
            self._random = int.from_bytes(os.urandom(10), "big")
        else:
            self._random += 1
            if self._random >= _RANDOM_LIMIT:  # 2^80 ids in one millisecond: borrow the next
                self._ms += 1
                self._prefix = _timestamp(self._ms)
                self._random = int.from_bytes(os.urandom(10), "big") >> 1
        r = self._random
        p = _PAIRS
        return (
            self._prefix
            + p[r >> 70]
            + p[(r >> 60) & 1023]
            + p[(r >> 50) & 1023]
            + p[(r >> 40) & 1023]
            + p[(r >> 30) & 1023]
            + p[(r >> 20) & 1023]
            + p[(r >> 10) & 1023]
            + p[r & 1023]
        )


new_id = UlidFactory()
