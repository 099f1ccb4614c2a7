"""list entries: partial indexes for due and pending entries instead of (status, term_end)

The expiry job moved every expiring entry inside ``ix_list_entries_term`` (out of the
``published`` prefix, into ``expired``), in term order, i.e. in random order against
the table: about half of the job's time at a million entries (decision 104). A partial
index of published entries with a term (what the job looks for) loses an entry when it
expires and gains none; proposals awaiting a decision get their own small index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE = sa.text("status = 'published' AND term_end IS NOT NULL")
PENDING = sa.text("status = 'proposed'")


def upgrade() -> None:
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entries_term")
    op.create_index(
        "ix_list_entries_due",
        "list_entries",
        ["term_end"],
        sqlite_where=DUE,
        postgresql_where=DUE,
    )
    op.create_index(
        "ix_list_entries_pending",
        "list_entries",
        ["proposed_at", "entry_id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_list_entries_pending", table_name="list_entries")
    op.drop_index("ix_list_entries_due", table_name="list_entries")
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_list_entries_term", ["status", "term_end"], unique=False)
