"""Pausing Python's cyclic garbage collector while an ingest runs.

An ingest allocates millions of small objects that live on (memos of checked codes and
publicity, the subjects already written, a chunk's rows), so the collector's full passes
walk an ever larger heap: at 200,000 rows they took about a sixth of the preparing
process's time (decision 126). Ingest code makes no reference cycles of its own, and
reference counting still frees everything else at once, so pausing the collector for the
run costs no memory worth having. Pauses nest and may overlap across threads (two API
ingests at once): the collector runs again when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block (reference counting goes on)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
