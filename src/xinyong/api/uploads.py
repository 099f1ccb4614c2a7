"""A feed file sent as a request body, spooled to a temporary file for ingest.

Agency records and lender feeds arrive the same way; both get the same limits and the same
errors (415 for an unknown type, 413 past the size limit, 400 for an empty body).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Request

from xinyong.errors import PayloadTooLarge, UnsupportedMediaType, UsageError

MAX_UPLOAD = 512 << 20

CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
}


@asynccontextmanager
async def spooled_body(request: Request, prefix: str) -> AsyncIterator[tuple[Path, str]]:
    """(path, format) of the body written to a temporary file, removed afterwards."""
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    fmt = CONTENT_TYPES.get(ctype)
    if fmt is None:
        raise UnsupportedMediaType(
            f"unsupported Content-Type {ctype or '(none)'!r}; use one of "
            + ", ".join(sorted(CONTENT_TYPES))
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD:
        raise PayloadTooLarge(f"the body is larger than {MAX_UPLOAD >> 20} MiB")
    tmpdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        path = tmpdir / f"upload.{fmt}"
        size = 0
        with path.open("wb") as f:
            async for block in request.stream():
                size += len(block)
                if size > MAX_UPLOAD:
                    raise PayloadTooLarge(f"the body is larger than {MAX_UPLOAD >> 20} MiB")
                f.write(block)
        if size == 0:
            raise UsageError("the request body is empty", code="empty_body")
        yield path, fmt
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
