"""Reading and normalising a feed in a second process while this one writes.

Ingest is CPU-bound in Python on both sides: parsing, validating and hashing rows, then
building and writing them. With two cores the reader runs ahead in a forked child and
hands over prepared chunks through a bounded queue; the writer keeps every database step
(and so all of kill safety) to itself. If the writer dies (even by SIGKILL) the child
notices its parent is gone and exits.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
U = TypeVar("U")

QUEUE_CHUNKS = 3


def _put(q: Any, item: object, parent: int) -> None:
    while True:
        try:
            q.put(item, timeout=1.0)
            return
        except queue.Full:
            if os.getppid() != parent:
                os._exit(0)


def map_chunks(
    chunks: Iterator[list[T]],
    work: Callable[[T], U],
    *,
    parallel: bool,
) -> Iterator[list[U]]:
    """``[work(x) for x in chunk]`` for each chunk, in a forked child when ``parallel``.

    Forking is only safe from the main thread of a process without other threads doing
    work (the API server's worker threads are not), so callers elsewhere get the
    sequential path.
    """
    if not parallel or threading.current_thread() is not threading.main_thread():
        for chunk in chunks:
            yield [work(x) for x in chunk]
        return
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue(maxsize=QUEUE_CHUNKS)
    parent = os.getpid()

    def child() -> None:
        try:
            for chunk in chunks:
                _put(q, ("chunk", [work(x) for x in chunk]), parent)
            _put(q, ("end", None), parent)
        except BaseException:
            _put(q, ("error", traceback.format_exc()), parent)
        finally:
            q.close()
            q.join_thread()
            os._exit(0)

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    try:
        while True:
            try:
                kind, payload = q.get(timeout=2.0)
            except queue.Empty:
                if not proc.is_alive():
                    raise RuntimeError("the ingest reader process died") from None
                continue
            if kind == "chunk":
                yield payload
            elif kind == "end":
                return
            else:
                raise RuntimeError(f"the ingest reader process failed:\n{payload}")
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=5)
        q.close()
