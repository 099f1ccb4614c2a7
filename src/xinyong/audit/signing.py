"""Ed25519 checkpoint signing.

The private key lives outside the store (a file, or a secret mounted as one); the
public key is pinned in settings. Whoever can rewrite the store cannot re-sign its
chain, and verification never reads a key from the store.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from xinyong.audit.chain import checkpoint_message
from xinyong.errors import UsageError


def fingerprint(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    private: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)

    def sign_checkpoint(self, seq: int, hash_: str) -> str:
        return self.private.sign(checkpoint_message(seq, hash_)).hex()

    def sign(self, message: bytes) -> str:
        """A signature over ``message`` (callers put a domain prefix in it)."""
        return self.private.sign(message).hex()


def public_key_hex(signer: Signer) -> str:
    return signer.public_raw.hex()


def load_or_create_signer(path: Path) -> Signer:
    """Load the signing key, creating it (mode 0600) on first use."""
    if path.exists():
        data = path.read_bytes()
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except ValueError as e:
            raise UsageError(f"signing key {path} is not a PEM private key: {e}") from e
        if not isinstance(key, Ed25519PrivateKey):
            raise UsageError(f"signing key {path} is not an Ed25519 key")
        return Signer(key)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return Signer(key)


def verify_checkpoint(public_hex: str, seq: int, hash_: str, signature_hex: str) -> bool:
    try:
        pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        pub.verify(bytes.fromhex(signature_hex), checkpoint_message(seq, hash_))
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_message(public_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        pub.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True
