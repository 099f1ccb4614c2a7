"""Preparing rows in a second process while the first one writes (large files).

The writer starts ``python -m xinyong.ingest.worker``, sends it the job (the file, the
mapping, the agencies, 'today', the first row and the chunk size) on its standard
input, and reads chunks, in file order, from its standard output as length-prefixed
``marshal`` frames of plain tuples (``preparer.Ready``/``Refused``; about twice as cheap
to load as a pickle), the raw rows as one blob inside each that the writer opens only
when it needs one. The worker never touches the store, so the writer's chunk-by-chunk
commits stay the only thing that decides what is written: resuming, kill safety and the
results are those of the single-process path.

The two processes share the preparing as they go (decision 130). The worker reads every
row; when the writer runs out of prepared chunks to write, it sends one byte back, and
the worker ships its next chunk unprepared, for the writer to prepare while the worker
goes on with the one after. Whichever process would otherwise wait does the work, so the
split follows the machine and the engine (PostgreSQL's writer waits on its server more
than SQLite's) instead of a fixed share. If the writer dies (even by SIGKILL), the
worker's next write fails and it exits.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
import queue
import select
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from xinyong.actors import Agency
from xinyong.ingest import collector
from xinyong.ingest.mapping import Mapping
from xinyong.ingest.preparer import Chunk, RowPreparer, constant
from xinyong.ingest.readers import RawRow, SourceFile, Values, chunked, undecodable_seen

_F_SETPIPE_SZ = 1031  # Linux: let a pipe hold more than 64 KiB

#: frames: a prepared chunk, an unprepared one, the worker's error, the end of the file
_CHUNK, _RAW, _ERROR, _DONE = b"C", b"R", b"E", b"D"
#: the writer's request for an unprepared chunk
_ASK = b"?"
#: frames read ahead of the writer: the worker never waits on a full pipe while the
#: writer prepares a chunk or commits (a chunk's frame is a few MiB)
READ_AHEAD = 4

#: decides, when the writer needs chunk ``i``, whether to ask for an unprepared chunk;
#: ``starving``: no frame is waiting
AskPolicy = Callable[[int, bool], bool]


@dataclass(frozen=True)
class Job:
    src: SourceFile
    mapping: Mapping
    agency: Agency
    agencies: list[Agency]
    today: date
    start_row: int
    chunk_rows: int


def _when_starving(i: int, starving: bool) -> bool:
    return starving


#: the policy ``chunks_parallel`` follows (tests replace it to force either split)
ASK: AskPolicy = _when_starving


def chunks_parallel(job: Job, prep: RowPreparer) -> Iterator[Chunk]:
    """The job's chunks in file order, prepared by a worker process or, when the writer
    has nothing else to do, by ``prep`` in the writer's own process.

    The worker is stopped when the caller leaves early.
    """
    ask = ASK
    proc = subprocess.Popen(
        [sys.executable, "-m", "xinyong.ingest.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        close_fds=True,
    )
    frames: _Frames | None = None
    try:
        assert proc.stdin is not None and proc.stdout is not None
        _widen(proc.stdout)
        job_bytes = pickle.dumps(job, protocol=5)
        proc.stdin.write(len(job_bytes).to_bytes(8, "big") + job_bytes)
        proc.stdin.flush()
        frames = _Frames(proc.stdout)
        asked = False
        i = 0
        while True:
            if not asked and ask(i, frames.queue.empty()):
                asked = _ask(proc.stdin)
            kind, body = frames.next()
            if kind is None:
                raise RuntimeError(
                    f"the ingest worker stopped without finishing (exit {proc.wait()})"
                )
            if kind == _DONE:
                break
            if kind == _ERROR:
                raise _error(body)
            if kind == _RAW:
                asked = False
                first, last, clean, rows = marshal.loads(body)
                ready, refused, raws = prep.chunk_parts(rows, clean=clean)
                yield Chunk(first, last, len(rows), ready, refused, constant(raws))
            else:
                first, last, n, ready, refused, blob = marshal.loads(body)
                yield Chunk(first, last, n, ready, refused, _unpack(blob))
            i += 1
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if frames is not None:
            frames.stop()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                # (closing stdin may flush a request to a worker that has gone)
                with contextlib.suppress(OSError):
                    stream.close()


def _ask(stream: IO[bytes]) -> bool:
    try:
        stream.write(_ASK)
        stream.flush()
    except (BrokenPipeError, OSError):
        return False  # the worker has gone; reading its frames says how
    return True


class _Frames:
    """The worker's frames, read on a thread into a bounded queue.

    A pipe holds 1 MiB at most, less than one chunk, so without this the worker stalled
    whenever the writer was busy with anything but reading. Reading a pipe releases the
    GIL; the frames are decoded by the writer's own thread.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.queue: queue.Queue[tuple[bytes | None, bytes]] = queue.Queue(READ_AHEAD)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ingest-frames", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.is_set():
            head = self.stream.read(9)
            if len(head) < 9:
                self._put((None, b""))
                return
            body = self.stream.read(int.from_bytes(head[1:], "big"))
            self._put((head[:1], body))
            if head[:1] not in (_CHUNK, _RAW):
                return

    def _put(self, item: tuple[bytes | None, bytes]) -> None:
        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def next(self) -> tuple[bytes | None, bytes]:
        """The next frame's kind and body; kind None when the stream ended early."""
        return self.queue.get()

    def stop(self) -> None:
        """Called once the worker is gone (its pipe then reads as ended)."""
        self.stopped.set()
        self.thread.join()


def _error(body: bytes) -> BaseException:
    try:
        e = pickle.loads(body)
    except Exception as failed:
        return RuntimeError(f"the ingest worker failed, and its error cannot be read: {failed}")
    return e if isinstance(e, BaseException) else RuntimeError(repr(e))


def _unpack(blob: bytes) -> Callable[[], list[RawRow | Values | str]]:
    return lambda: marshal.loads(blob)  # type: ignore[no-any-return]


def _widen(stream: IO[bytes]) -> None:
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), _F_SETPIPE_SZ, 1 << 20)
    except (ImportError, OSError):
        pass  # a smaller pipe only means more, smaller writes


# --- the worker's side ------------------------------------------------------------


def _frame(out: IO[bytes], kind: bytes, body: bytes) -> None:
    out.write(kind + len(body).to_bytes(8, "big") + body)
    out.flush()


def _read_exactly(fd: int, n: int) -> bytes:
    parts: list[bytes] = []
    while n:
        part = os.read(fd, n)
        if not part:
            raise EOFError("the writer closed the job stream early")
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


class _Requests:
    """The writer's requests for unprepared chunks, read without waiting.

    Unbuffered reads on the descriptor: a buffered reader could swallow a request
    while reading the job.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.owed = 0
        self.open = True

    def take(self) -> bool:
        """True (and one request used up) when the writer has asked for a raw chunk."""
        while self.open and select.select([self.fd], [], [], 0)[0]:
            got = os.read(self.fd, 64)
            if not got:
                self.open = False  # the writer closed its end (or died)
            self.owed += got.count(_ASK)
        if self.owed:
            self.owed -= 1
            return True
        return False


def _serve(fd: int, out: IO[bytes]) -> None:
    from xinyong.catalogue import get_catalogue

    size = int.from_bytes(_read_exactly(fd, 8), "big")
    job: Job = pickle.loads(_read_exactly(fd, size))  # sent by the process that started us
    requests = _Requests(fd)
    prep = RowPreparer(
        get_catalogue(), job.agency, job.agencies, job.mapping, job.src.header, job.today
    )
    try:
        before = undecodable_seen()
        for rows in chunked(job.src.raw_rows(job.start_row), job.chunk_rows):
            first, last = rows[0][0], rows[-1][0]
            clean = undecodable_seen() == before
            body: tuple[Any, ...]
            if requests.take():
                _frame(out, _RAW, marshal.dumps((first, last, clean, rows)))
                continue
            ready, refused, raws = prep.chunk_parts(rows, clean=clean)
            body = (first, last, len(rows), ready, refused, marshal.dumps(raws))
            _frame(out, _CHUNK, marshal.dumps(body))
    except BrokenPipeError:
        raise
    except Exception as e:  # handed to the writer, which raises it as its own
        try:
            message = pickle.dumps(e)
        except Exception:
            message = pickle.dumps(RuntimeError(f"{type(e).__name__}: {e}"))
        _frame(out, _ERROR, message)
        return
    _frame(out, _DONE, b"")


def main() -> None:
    # the frames go to a private copy of stdout; anything printed goes to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        with collector.paused():
            _serve(sys.stdin.fileno(), out)
    except BrokenPipeError:  # the writer has gone: nothing to do
        os._exit(0)
    out.close()


if __name__ == "__main__":
    main()
