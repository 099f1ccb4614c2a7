"""Bulk screening: a CSV of subjects in, a signed CSV of answers out.

For lists too long for the batch API (a procurement portal screening every bidder of
the year). The subjects are checked 1,000 at a time, each chunk one logged transaction
like an API batch; the result file is signed with the platform's Ed25519 key, and the
signature file beside it lets the recipient check the answers were not altered.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from xinyong.actors import Principal
from xinyong.audit.chain import format_ts
from xinyong.audit.log import now_utc
from xinyong.audit.signing import public_key_hex, verify_message
from xinyong.catalogue import Catalogue
from xinyong.errors import UnusableInput
from xinyong.measures.check import MAX_BATCH, CheckAnswer, check
from xinyong.store.context import Store

SIGNATURE_DOMAIN = b"xinyong-screening-v1\n"
CODE_COLUMNS = ("code", "subject", "uscc", "ric", "subject_id")
OUT_COLUMNS = ("code", "known", "subject_id", "restricted", "granted", "scope", "lists", "entries")


@dataclass(frozen=True)
class ScreeningReport:
    rows: int
    restricted: int
    unknown: int
    out: Path
    signature: Path


def signature_path(out: Path) -> Path:
    return out.with_name(out.name + ".sig.json")


def _codes(path: Path) -> Iterator[str]:
    try:
        f = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise UnusableInput(f"cannot read {path}: {exc.strerror}", code="unreadable_file") from exc
    with f:
        reader = csv.DictReader(f)
        cols = [c.strip().lower() for c in reader.fieldnames or []]
        col = next((c for c in CODE_COLUMNS if c in cols), None)
        if col is None:
            raise UnusableInput(
                f"{path} needs a header with one of the columns {', '.join(CODE_COLUMNS)}",
                code="no_code_column",
            )
        name = (reader.fieldnames or [])[cols.index(col)]
        for row in reader:
            value = (row.get(name) or "").strip()
            if value:
                yield value


def _row(a: CheckAnswer) -> dict[str, Any]:
    return {
        "code": a.subject,
        "known": str(a.known).lower(),
        "subject_id": a.subject_id or "",
        "restricted": str(a.restricted).lower(),
        "granted": str(a.granted).lower(),
        "scope": a.scope or "",
        "lists": ";".join(sorted({e.list_id for e in a.entries})),
        "entries": ";".join(e.entry_id for e in a.entries),
    }


def screen(
    store: Store,
    cat: Catalogue,
    p: Principal,
    src: Path,
    out: Path,
    *,
    measure_id: str,
    on: date,
) -> ScreeningReport:
    """Check every subject of ``src``; write the answers to ``out`` and sign them."""
    cat.measure(measure_id)
    rows = restricted = unknown = 0
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=OUT_COLUMNS)
        w.writeheader()
        chunk: list[str] = []

        def flush() -> None:
            nonlocal rows, restricted, unknown
            for a in check(store, cat, p, chunk, measure_id, on, channel="screening"):
                w.writerow(_row(a))
                rows += 1
                restricted += a.restricted
                unknown += not a.known
            chunk.clear()

        for code in _codes(src):
            chunk.append(code)
            if len(chunk) == MAX_BATCH:
                flush()
        if chunk:
            flush()
    tmp.replace(out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    signer = store.signer
    meta = {
        "file": out.name,
        "sha256": digest,
        "measure": measure_id,
        "on": on.isoformat(),
        "rows": rows,
        "requested_by": p.principal_id,
        "signed_at": format_ts(now_utc()),
        "public_key": public_key_hex(signer),
        "key_fingerprint": signer.fingerprint,
    }
    meta["signature"] = signer.sign(_message(meta))
    sig = signature_path(out)
    sig.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return ScreeningReport(
        rows=rows, restricted=restricted, unknown=unknown, out=out, signature=sig
    )


def _message(meta: dict[str, Any]) -> bytes:
    signed = {k: v for k, v in meta.items() if k != "signature"}
    return SIGNATURE_DOMAIN + json.dumps(signed, sort_keys=True, ensure_ascii=False).encode()


def verify_result(out: Path, public_hex: str | None = None) -> tuple[bool, str]:
    """(valid, why) for a result file and its signature; ``public_hex`` pins the key."""
    sig = signature_path(out)
    try:
        meta = json.loads(sig.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return False, f"cannot read {sig}: {exc}"
    if public_hex is not None and meta.get("public_key") != public_hex:
        return False, "signed with another key than the pinned one"
    if hashlib.sha256(out.read_bytes()).hexdigest() != meta.get("sha256"):
        return False, "the result file was changed after signing"
    if not verify_message(str(meta.get("public_key")), _message(meta), str(meta.get("signature"))):
        return False, "bad signature"
    return True, "ok"
