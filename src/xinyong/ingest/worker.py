"""Preparing rows in a second process while the first one writes (large files).

The writer starts ``python -m xinyong.ingest.worker``, sends it the job (the file, the
mapping, the agencies, 'today', the first row and the chunk size) on its standard
input, and reads prepared chunks, in file order, from its standard output: one pickle
per chunk of plain tuples (``preparer.Ready``/``Refused``) in ``marshal`` form (about
twice as cheap to load as a pickle), the raw rows as one blob inside it that the writer
opens only when it needs one. The worker never touches the store, so
the writer's chunk-by-chunk commits stay the only thing that decides what is written:
resuming, kill safety and the results are those of the single-process path.

The writer prepares every few chunks itself (both read the whole file, each prepares
only its own chunks), so chunks still reach the writer in file order. A pipe holds
little, so the worker runs at most about one chunk ahead of the writer. If the writer
dies (even by SIGKILL), the worker's next write fails and it exits.
"""

from __future__ import annotations

import marshal
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import IO

from xinyong.actors import Agency
from xinyong.ingest import collector
from xinyong.ingest.mapping import Mapping
from xinyong.ingest.preparer import Chunk, RowPreparer
from xinyong.ingest.readers import RawRow, SourceFile, Values

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
    #: (residues, modulus): the worker prepares the chunks ``i`` (from 0) whose
    #: ``i % modulus`` is one of ``residues``
    turn: tuple[frozenset[int], int] = (frozenset({0}), 1)


def chunks_shared(job: Job, prep: RowPreparer, share: int) -> Iterator[Chunk]:
    """The job's prepared chunks in file order: every ``share``-th chunk prepared here
    (by ``prep``, in the writer's process), the others by a worker process.

    The writer taking a share keeps both processes busy on two cores (preparing a row
    costs more than writing it) and costs little when the machine has only one core
    free. The worker is stopped when the caller leaves early.
    """
    # share 0: the worker prepares every chunk
    mine = share - 1 if share else -1
    share = share or 1
    frames: _Frames | None = None
    proc = subprocess.Popen(
        [sys.executable, "-m", "xinyong.ingest.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        close_fds=True,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        inp = proc.stdout
        _widen(inp)
        theirs = frozenset(range(share)) - {mine}
        pickle.dump(replace(job, turn=(theirs, share)), proc.stdin, protocol=5)
        proc.stdin.close()
        own = prep.chunks(job.src, job.start_row, job.chunk_rows, (frozenset({mine}), share))
        frames = _Frames(inp)
        i = 0
        while True:
            if i % share == mine:
                chunk = next(own, None)
                if chunk is None:  # no chunk with this number: the file has ended
                    break
                yield chunk
            else:
                kind, body = frames.next()
                if kind is None:
                    raise RuntimeError(
                        f"the ingest worker stopped without finishing (exit {proc.wait()})"
                    )
                if kind == _DONE:
                    break
                if kind == _ERROR:
                    raise _error(body)
                first, last, rows, ready, refused, raws = marshal.loads(body)
                yield Chunk(first, last, rows, ready, refused, _unpack(raws))
            i += 1
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if frames is not None:
            frames.stop()
        if proc.stdout is not None:
            proc.stdout.close()


_CHUNK, _ERROR, _DONE = b"C", b"E", b"D"
#: frames read ahead of the writer: the worker never waits on a full pipe while the
#: writer prepares its own chunk or commits (a chunk's frame is a few MiB)
READ_AHEAD = 4


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
            if head[:1] != _CHUNK:
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


def _frame(out: IO[bytes], kind: bytes, body: bytes) -> None:
    out.write(kind + len(body).to_bytes(8, "big") + body)
    out.flush()


def _serve(inp: IO[bytes], out: IO[bytes]) -> None:
    from xinyong.catalogue import get_catalogue

    job: Job = pickle.load(inp)  # sent by the process that started us
    prep = RowPreparer(
        get_catalogue(), job.agency, job.agencies, job.mapping, job.src.header, job.today
    )
    try:
        for chunk in prep.chunks(job.src, job.start_row, job.chunk_rows, job.turn):
            raws = marshal.dumps(chunk.raws())
            body = (chunk.first, chunk.last, chunk.rows, chunk.ready, chunk.refused, raws)
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
            _serve(sys.stdin.buffer, out)
    except BrokenPipeError:  # the writer has gone: nothing to do
        os._exit(0)
    out.close()


if __name__ == "__main__":
    main()
