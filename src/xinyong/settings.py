"""Typed settings from the environment (prefix ``XINYONG_``).

Defaults suit a laptop: a SQLite file in the working directory and a signing
key beside it. Outside ``dev`` mode the platform refuses to run without a
pinned audit public key, because verification must not trust the store.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_URL = "sqlite:///xinyong.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")

    database_url: str = DEFAULT_DB_URL
    #: principal the CLI acts as (CONTRACTS.md, Actors); None = local administrator
    actor: str | None = None
    #: Ed25519 private key used to sign audit checkpoints; default: beside the SQLite file
    signing_key_path: Path | None = None
    #: pinned audit public key (hex); verification trusts only this
    audit_pubkey: str | None = None
    #: sign a checkpoint at least every N audit entries
    checkpoint_every: int = 1000
    #: rows per committed ingest chunk (decision 128: fewer, larger commits rewrite fewer
    #: index pages; a chunk holds SQLite's write lock for about a second or two)
    ingest_chunk_rows: int = 20_000
    mode: str = "dev"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def key_path_for(database_url: str, settings: Settings | None = None) -> Path:
    """Where the audit signing key lives for a given store.

    Kept outside the store (a file beside a SQLite database, or in the working
    directory for a server database) so that whoever can rewrite the store
    cannot also re-sign its audit chain.
    """
    s = settings or get_settings()
    if s.signing_key_path is not None:
        return s.signing_key_path
    if database_url.startswith("sqlite:///"):
        db_file = Path(database_url.removeprefix("sqlite:///"))
        if str(db_file) not in ("", ":memory:"):
            return db_file.with_name(db_file.name + ".signing.key")
    return Path("xinyong.signing.key")
