"""batch jobs and local score schemes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("run_id", sa.String(length=26), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("engine", sa.String(length=12), nullable=False),
        sa.Column("snapshot_id", sa.String(length=26), nullable=False),
        sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_batch_runs")),
    )
    with op.batch_alter_table("batch_runs", schema=None) as batch_op:
        batch_op.create_index("ix_batch_runs_job", ["job", "as_of"], unique=False)

    op.create_table(
        "scheme_consents",
        sa.Column("consent_id", sa.String(length=26), nullable=False),
        sa.Column("scheme_id", sa.String(length=48), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_scheme_consents_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_scheme_consents")),
    )
    with op.batch_alter_table("scheme_consents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scheme_consents_subject", ["scheme_id", "subject_id", "given_on"], unique=False
        )

    op.create_table(
        "scheme_scores",
        sa.Column("run_id", sa.String(length=26), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("scheme_id", sa.String(length=48), nullable=False),
        sa.Column("scheme_version", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("moves", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["batch_runs.run_id"], name=op.f("fk_scheme_scores_run_id_batch_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "subject_id", name=op.f("pk_scheme_scores")),
    )
    with op.batch_alter_table("scheme_scores", schema=None) as batch_op:
        batch_op.create_index("ix_scheme_scores_subject", ["subject_id", "scheme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheme_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_scheme_scores_subject")
    op.drop_table("scheme_scores")
    with op.batch_alter_table("scheme_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_scheme_consents_subject")
    op.drop_table("scheme_consents")
    with op.batch_alter_table("batch_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_batch_runs_job")
    op.drop_table("batch_runs")
