"""Search certificates: a signed statement of what a page showed, when, on which data
version. Anyone can check one offline with ``xinyong certificate verify FILE``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from xinyong.audit.chain import format_ts
from xinyong.audit.log import now_utc
from xinyong.audit.signing import Signer, public_key_hex, verify_message
from xinyong.store.tables import audit_head

DOMAIN = b"xinyong-certificate-v1\n"
KIND = "xinyong.search-certificate"


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def issue(
    conn: Connection, signer: Signer, *, path: str, query: str, results: Any
) -> dict[str, Any]:
    """A certificate for ``results`` (the page's JSON twin) served at ``path``."""
    head = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
    ).one()
    cert: dict[str, Any] = {
        "kind": KIND,
        "version": 1,
        "path": path,
        "query": query,
        "issued_at": format_ts(now_utc()),
        "data_version": {"audit_seq": int(head.seq), "audit_hash": head.hash},
        "results_sha256": hashlib.sha256(_canonical(results)).hexdigest(),
        "results": results,
        "public_key": public_key_hex(signer),
        "key_fingerprint": signer.fingerprint,
    }
    cert["signature"] = signer.sign(_message(cert))
    return cert


def _message(cert: dict[str, Any]) -> bytes:
    signed = {k: v for k, v in cert.items() if k not in ("signature", "results")}
    return DOMAIN + _canonical(signed)


def verify(cert: dict[str, Any], public_hex: str | None = None) -> tuple[bool, str]:
    """(valid, why); ``public_hex`` pins the platform's key."""
    if cert.get("kind") != KIND:
        return False, "not a xinyong search certificate"
    if public_hex is not None and cert.get("public_key") != public_hex:
        return False, "signed with another key than the pinned one"
    if hashlib.sha256(_canonical(cert.get("results"))).hexdigest() != cert.get("results_sha256"):
        return False, "the results were changed after signing"
    if not verify_message(str(cert.get("public_key")), _message(cert), str(cert.get("signature"))):
        return False, "bad signature"
    return True, "ok"


def verify_file(path: Path, public_hex: str | None = None) -> tuple[bool, str]:
    try:
        cert = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return False, f"cannot read {path}: {exc}"
    if not isinstance(cert, dict):
        return False, "not a certificate"
    return verify(cert, public_hex)
