"""Schema migrations (Alembic) and first-run set-up of a store.

``upgrade`` migrates to the newest schema and makes sure the local administrator
principal and the audit chain head exist, so a fresh store is usable at once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from xinyong.store.engine import write_tx

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: object) -> str | None:
    """Migrate ``store`` (a ``Store``) to head; returns the revision now in place."""
    from xinyong.store.context import Store

    assert isinstance(store, Store)
    cfg = alembic_config(store.url)
    with write_tx(store.engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        rev = current_revision(conn)
    return rev
