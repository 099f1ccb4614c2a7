"""Runs one ingest in its own process for the kill tests; may SIGKILL itself on cue.

argv: db_url key_path file agency chunk_rows mode n [parallel]
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

from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.settings import Settings
from xinyong.store.context import Store


def main() -> None:
    url, key, path, agency, chunk, mode, n = sys.argv[1:8]
    # "parallel": rows prepared by a worker process as for a large file
    parallel = len(sys.argv) > 8 and sys.argv[8] == "parallel"
    store = Store(url, Settings(signing_key_path=Path(key), checkpoint_every=50))
    count = {"commits": 0}
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
        count["chunks"] = count.get("chunks", 0) + 1
        if mode == "after" and count["chunks"] == target:
            die()

    receipt = ingest(
        store,
        IngestRequest(
            path=Path(path),
            agency=agency,
            today=date(2026, 11, 27),
            chunk_rows=int(chunk),
            after_chunk=after_chunk,
            parallel=parallel,
        ),
    )
    print(json.dumps(receipt.model_dump(mode="json")))


if __name__ == "__main__":
    main()
