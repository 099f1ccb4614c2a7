"""The hash-chained, checkpoint-signed audit log (CONTRACTS.md, "Audit and query log")."""

from xinyong.audit.chain import GENESIS, entry_hash
from xinyong.audit.log import AuditEntry, append, append_many
from xinyong.audit.signing import Signer, load_or_create_signer, public_key_hex
from xinyong.audit.verify import VerifyReport, verify

__all__ = [
    "GENESIS",
    "AuditEntry",
    "Signer",
    "VerifyReport",
    "append",
    "append_many",
    "entry_hash",
    "load_or_create_signer",
    "public_key_hex",
    "verify",
]
