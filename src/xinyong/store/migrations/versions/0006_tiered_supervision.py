"""tiered supervision: inspectors' conflicts and "double random" spot-check plans

Grades and risk classes are records (no table of their own).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inspector_conflicts",
        sa.Column("principal_id", sa.String(length=80), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.principal_id"],
            name=op.f("fk_inspector_conflicts_principal_id_principals"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_inspector_conflicts_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("principal_id", "subject_id", name=op.f("pk_inspector_conflicts")),
    )
    op.create_table(
        "inspection_plans",
        sa.Column("plan_id", sa.String(length=26), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=False),
        sa.Column("inspectors_per_firm", sa.Integer(), nullable=False),
        sa.Column("classes_on", sa.Date(), nullable=False),
        sa.Column("population", sa.JSON(), nullable=False),
        sa.Column("selected", sa.Integer(), nullable=False),
        sa.Column("unassigned", sa.Integer(), nullable=False),
        sa.Column("drawn_at", TS, nullable=False),
        sa.Column("drawn_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency"], ["agencies.code"], name=op.f("fk_inspection_plans_agency_agencies")
        ),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_inspection_plans")),
    )
    with op.batch_alter_table("inspection_plans", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_plans_period", ["agency", "period"], unique=True)
    op.create_table(
        "inspection_plan_firms",
        sa.Column("plan_id", sa.String(length=26), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("risk_class", sa.String(length=1), nullable=False),
        sa.Column("classified", sa.Boolean(), nullable=False),
        sa.Column("assigned", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["inspection_plans.plan_id"],
            name=op.f("fk_inspection_plan_firms_plan_id_inspection_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_inspection_plan_firms_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("plan_id", "subject_id", name=op.f("pk_inspection_plan_firms")),
    )
    op.create_table(
        "inspection_plan_inspectors",
        sa.Column("plan_id", sa.String(length=26), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("principal_id", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.principal_id"],
            name=op.f("fk_inspection_plan_inspectors_principal_id_principals"),
        ),
        sa.PrimaryKeyConstraint(
            "plan_id", "subject_id", "position", name=op.f("pk_inspection_plan_inspectors")
        ),
    )
    with op.batch_alter_table("inspection_plan_inspectors", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspection_plan_inspectors_who", ["principal_id", "plan_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_plan_inspectors", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_plan_inspectors_who")
    op.drop_table("inspection_plan_inspectors")
    op.drop_table("inspection_plan_firms")
    with op.batch_alter_table("inspection_plans", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_plans_period")
    op.drop_table("inspection_plans")
    op.drop_table("inspector_conflicts")
