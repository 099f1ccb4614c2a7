"""financial credit reporting: lenders, their feeds, accounts, monthly statuses, consents,
report queries, personal statements and the platform's person scorecards

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lenders",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("licence", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_lenders")),
        sa.UniqueConstraint("uscc", name=op.f("uq_lenders_uscc")),
    )
    op.create_table(
        "reporting_scorecards",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("card", sa.Text(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fitted_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_reporting_scorecards")),
    )
    op.create_table(
        "credit_accounts",
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("lender", sa.String(length=64), nullable=False),
        sa.Column("account_no", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("sensitive", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=26), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lender"], ["lenders.code"], name=op.f("fk_credit_accounts_lender_lenders")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_credit_accounts_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_credit_accounts")),
    )
    op.create_index(
        "ix_credit_accounts_key", "credit_accounts", ["lender", "account_no"], unique=True
    )
    op.create_index("ix_credit_accounts_subject", "credit_accounts", ["subject_id"], unique=False)
    op.create_table(
        "report_queries",
        sa.Column("query_id", sa.String(length=26), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("query_on", sa.Date(), nullable=False),
        sa.Column("principal_id", sa.String(length=80), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("consent_id", sa.String(length=26), nullable=True),
        sa.Column("chargeable", sa.Boolean(), nullable=False),
        sa.Column("fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_report_queries_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("query_id", name=op.f("pk_report_queries")),
    )
    op.create_index(
        "ix_report_queries_subject", "report_queries", ["subject_id", "at"], unique=False
    )
    op.create_table(
        "report_statements",
        sa.Column("statement_id", sa.String(length=26), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=80), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_report_statements_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("statement_id", name=op.f("pk_report_statements")),
    )
    op.create_index(
        op.f("ix_report_statements_subject_id"), "report_statements", ["subject_id"], unique=False
    )
    op.create_table(
        "reporting_batches",
        sa.Column("batch_id", sa.String(length=26), nullable=False),
        sa.Column("lender", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("next_row", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("superseded", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lender"], ["lenders.code"], name=op.f("fk_reporting_batches_lender_lenders")
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_reporting_batches")),
    )
    op.create_index(
        "ix_reporting_batches_resume",
        "reporting_batches",
        ["lender", "file_sha256", "status"],
        unique=False,
    )
    op.create_table(
        "reporting_consents",
        sa.Column("consent_id", sa.String(length=26), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("grantee", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=80), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["grantee"], ["lenders.code"], name=op.f("fk_reporting_consents_grantee_lenders")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_reporting_consents_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_reporting_consents")),
    )
    op.create_index(
        "ix_reporting_consents_subject",
        "reporting_consents",
        ["subject_id", "grantee", "scope"],
        unique=False,
    )
    op.create_table(
        "credit_statuses",
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=True),
        sa.Column("overdue_fen", sa.BigInteger(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.String(length=26), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["credit_accounts.account_id"],
            name=op.f("fk_credit_statuses_account_id_credit_accounts"),
        ),
        sa.PrimaryKeyConstraint("account_id", "month", name=op.f("pk_credit_statuses")),
    )
    op.create_table(
        "reporting_quarantine",
        sa.Column("batch_id", sa.String(length=26), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=48), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["reporting_batches.batch_id"],
            name=op.f("fk_reporting_quarantine_batch_id_reporting_batches"),
        ),
        sa.PrimaryKeyConstraint("batch_id", "row", name=op.f("pk_reporting_quarantine")),
    )


def downgrade() -> None:
    op.drop_table("reporting_quarantine")
    op.drop_table("credit_statuses")
    op.drop_index("ix_reporting_consents_subject", table_name="reporting_consents")
    op.drop_table("reporting_consents")
    op.drop_index("ix_reporting_batches_resume", table_name="reporting_batches")
    op.drop_table("reporting_batches")
    op.drop_index(op.f("ix_report_statements_subject_id"), table_name="report_statements")
    op.drop_table("report_statements")
    op.drop_index("ix_report_queries_subject", table_name="report_queries")
    op.drop_table("report_queries")
    op.drop_index("ix_credit_accounts_subject", table_name="credit_accounts")
    op.drop_index("ix_credit_accounts_key", table_name="credit_accounts")
    op.drop_table("credit_accounts")
    op.drop_table("reporting_scorecards")
    op.drop_table("lenders")
