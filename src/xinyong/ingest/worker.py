"""Preparing rows in a second process while the first one writes (large files).

The writer starts ``python -m xinyong.ingest.worker``, sends it the job (the file, the
mapping, the agencies, 'today', the first row and the chunk size) on its standard
input, and reads prepared chunks, in file order, from its standard output: one pickle
per chunk of plain tuples (``preparer.Ready``/``Refused``), the raw rows as a single
pickle the writer opens only when it needs one. The worker never touches the store, so
the writer's chunk-by-chunk commits stay the only thing that decides what is written:
resuming, kill safety and the results are those of the single-process path.

A pipe holds little, so the worker runs at most about one chunk ahead of the writer. If
the writer dies (even by SIGKILL), the worker's next write fails and it exits.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from xinyong.actors import Agency
from xinyong.ingest.mapping import Mapping
from xinyong.ingest.preparer import Chunk, RowPreparer
from xinyong.ingest.readers import SourceFile

_F_SETPIPE_SZ = 1031  # Linux: let a pipe hold more than 64 KiB


@dataclass(frozen=True)
class Job:
    src: SourceFile
    mapping: Mapping
    agency: Agency
    agencies: list[Agency]
    today: date
    start_row: int
    chunk_rows: int


def chunks_from_worker(job: Job) -> Iterator[Chunk]:
    """The job's prepared chunks, made by a worker process; stops it when left early."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "xinyong.ingest.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        close_fds=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    _widen(proc.stdout)
    try:
        pickle.dump(job, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.close()
        while True:
            try:
                frame = pickle.load(proc.stdout)
            except EOFError:
                raise RuntimeError(
                    f"the ingest worker stopped without finishing (exit {proc.wait()})"
                ) from None
            if frame is None:
                break
            if frame[0] == "error":
                raise frame[1]
            _, first, last, count, ready, refused, raws = frame
            yield Chunk(first, last, count, ready, refused, packed_raws_from(raws))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def packed_raws_from(blob: bytes) -> Any:
    return lambda: pickle.loads(blob)


def _widen(stream: IO[bytes]) -> None:
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), _F_SETPIPE_SZ, 1 << 20)
    except (ImportError, OSError):
        pass  # a smaller pipe only means more, smaller writes


def _serve(inp: IO[bytes], out: IO[bytes]) -> None:
    from xinyong.catalogue import get_catalogue

    job: Job = pickle.load(inp)
    prep = RowPreparer(
        get_catalogue(), job.agency, job.agencies, job.mapping, job.src.header, job.today
    )
    dump = pickle.dump
    top = pickle.HIGHEST_PROTOCOL
    try:
        for chunk in prep.chunks(job.src, job.start_row, job.chunk_rows):
            blob = pickle.dumps(chunk.raws(), protocol=top)
            frame = ("chunk", chunk.first, chunk.last, chunk.count, chunk.ready, chunk.refused)
            dump((*frame, blob), out, protocol=top)
            out.flush()
    except BrokenPipeError:
        raise
    except Exception as e:  # handed to the writer, which raises it as its own
        try:
            dump(("error", e), out, protocol=top)
        except Exception:
            dump(("error", RuntimeError(f"{type(e).__name__}: {e}")), out, protocol=top)
        out.flush()
        return
    dump(None, out, protocol=top)
    out.flush()


def main() -> None:
    # the frames go to a private copy of stdout; anything printed goes to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        _serve(sys.stdin.buffer, out)
    except BrokenPipeError:  # the writer has gone: nothing to do
        os._exit(0)
    out.close()


if __name__ == "__main__":
    main()
