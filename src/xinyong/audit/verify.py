"""Verifying the audit chain against the pinned public key.

Detects the four tamperings of CONTRACTS.md: an edited row (its hash no longer
matches its content), a deleted row (a gap in the sequence or a broken link), a
truncated tail (the chain ends before a signed checkpoint or the recorded head),
and a recomputed chain (rows re-hashed consistently, but a signed checkpoint no
longer matches, or a checkpoint whose signature fails under the pinned key).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, select

from xinyong.audit.chain import GENESIS, entry_hash, format_ts
from xinyong.audit.signing import verify_checkpoint
from xinyong.store.tables import audit_checkpoints, audit_head, audit_log


class Problem(BaseModel):
    kind: str  # edited_row | deleted_row | truncated_tail | recomputed_chain | bad_signature
    seq: int | None
    message: str


class VerifyReport(BaseModel):
    ok: bool
    entries: int
    last_seq: int
    checkpoints: int
    last_checkpoint_seq: int | None
    problems: list[Problem]


def verify(
    conn: Connection,
    public_key_hex: str,
    external_checkpoints: Iterable[dict[str, Any]] = (),
    *,
    max_problems: int = 100,
) -> VerifyReport:
    problems: list[Problem] = []

    def problem(kind: str, seq: int | None, message: str) -> None:
        if len(problems) < max_problems:
            problems.append(Problem(kind=kind, seq=seq, message=message))

    cps: dict[tuple[int, str, str], None] = {}
    for row in conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.seq)):
        cps[(int(row.seq), row.hash, row.signature)] = None
    for ext in external_checkpoints:
        cps[(int(ext["seq"]), str(ext["hash"]), str(ext["signature"]))] = None

    wanted = {seq for seq, _, _ in cps}
    hashes: dict[int, str] = {}  # only at checkpointed positions
    expected_seq = 1
    prev = GENESIS
    count = 0
    last_seq = 0
    result = conn.execution_options(yield_per=10_000).execute(
        select(audit_log).order_by(audit_log.c.seq)
    )
    for r in result:
        count += 1
        seq = int(r.seq)
        if seq != expected_seq:
            problem(
                "deleted_row",
                expected_seq,
                f"entries {expected_seq}..{seq - 1} are missing (sequence jumps to {seq})",
            )
        elif r.prev_hash != prev:
            problem("deleted_row", seq, f"entry {seq} does not link to entry {seq - 1}")
        recomputed = entry_hash(
            r.prev_hash,
            seq,
            format_ts(r.at),
            r.actor,
            r.action,
            r.entity_type,
            r.entity_id,
            r.detail,
        )
        if recomputed != r.hash:
            problem("edited_row", seq, f"entry {seq} ({r.action}) does not match its hash")
        if seq in wanted:
            hashes[seq] = r.hash
        prev = r.hash
        expected_seq = seq + 1
        last_seq = seq

    last_cp: int | None = None
    for seq, h, sig in sorted(cps):
        if not verify_checkpoint(public_key_hex, seq, h, sig):
            problem(
                "bad_signature",
                seq,
                f"checkpoint at {seq} is not signed by the pinned key (forged or re-signed)",
            )
            continue
        last_cp = seq if last_cp is None else max(last_cp, seq)
        if seq > last_seq:
            problem(
                "truncated_tail",
                seq,
                f"a signed checkpoint covers entry {seq} but the log ends at {last_seq}",
            )
        elif seq in hashes and hashes[seq] != h:
            problem(
                "recomputed_chain",
                seq,
                f"entry {seq} differs from the hash signed at its checkpoint",
            )

    head = conn.execute(select(audit_head).where(audit_head.c.id == 1)).one_or_none()
    if head is not None and int(head.seq) > last_seq:
        problem(
            "truncated_tail",
            int(head.seq),
            f"the chain head records entry {head.seq} but the log ends at {last_seq}",
        )

    return VerifyReport(
        ok=not problems,
        entries=count,
        last_seq=last_seq,
        checkpoints=len(cps),
        last_checkpoint_seq=last_cp,
        problems=problems,
    )
