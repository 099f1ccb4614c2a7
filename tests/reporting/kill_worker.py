"""Runs one lender feed ingest in its own process for the kill test; may SIGKILL itself.

argv: db_url key_path file lender chunk_rows mode n
mode: ``none`` (run to the end), ``commit`` (die inside the n-th commit, before the
database commits), ``after`` (die right after the n-th chunk committed).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import event

from xinyong.reporting.ingest import FeedRequest, ingest_feed
from xinyong.settings import Settings
from xinyong.store.context import Store


def main() -> None:
    url, key, path, lender, chunk, mode, n = sys.argv[1:8]
    store = Store(url, Settings(signing_key_path=Path(key), checkpoint_every=50))
    count = {"commits": 0, "chunks": 0}
    target = int(n)

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    if mode == "commit":

        @event.listens_for(store.engine, "commit")
        def _on_commit(_conn: object) -> None:
            count["commits"] += 1
            if count["commits"] == target:
                die()

    def after_chunk(_next_row: int) -> None:
        count["chunks"] += 1
        if mode == "after" and count["chunks"] == target:
            die()

    receipt = ingest_feed(
        store,
        FeedRequest(
            path=Path(path),
            lender=lender,
            today=date(2026, 11, 27),
            chunk_rows=int(chunk),
            after_chunk=after_chunk,
        ),
    )
    print(json.dumps(receipt.model_dump(mode="json")))


if __name__ == "__main__":
    main()
