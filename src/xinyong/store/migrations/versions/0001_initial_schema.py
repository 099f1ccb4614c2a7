"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("sector", sa.String(length=40), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agencies")),
        sa.UniqueConstraint("uscc", name=op.f("uq_agencies_uscc")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_checkpoints")),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("since_checkpoint", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "calendar_schedules",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_schedules")),
    )
    op.create_table(
        "platform_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_platform_meta")),
    )
    op.create_table(
        "principals",
        sa.Column("principal_id", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("principal_id", name=op.f("pk_principals")),
    )
    op.create_table(
        "query_log",
        sa.Column("query_id", sa.String(length=26), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("principal_id", sa.String(length=80), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("query_id", name=op.f("pk_query_log")),
    )
    with op.batch_alter_table("query_log", schema=None) as batch_op:
        batch_op.create_index("ix_query_log_subject", ["subject_id", "at"], unique=False)

    op.create_table(
        "subjects",
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_batch", sa.String(length=26), nullable=True),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_subjects")),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(length=26), nullable=False),
        sa.Column("principal_id", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.principal_id"],
            name=op.f("fk_api_keys_principal_id_principals"),
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("sha256", name=op.f("uq_api_keys_sha256")),
    )
    op.create_table(
        "ingest_batches",
        sa.Column("batch_id", sa.String(length=26), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("mapping", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=12), nullable=False),
        sa.Column("encoding", sa.String(length=24), nullable=True),
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
            ["agency"], ["agencies.code"], name=op.f("fk_ingest_batches_agency_agencies")
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_ingest_batches")),
    )
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ingest_batches_resume", ["agency", "file_sha256", "mapping", "status"], unique=False
        )

    op.create_table(
        "records",
        sa.Column("record_id", sa.String(length=26), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reporting_agency", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("deciding_authority", sa.String(length=64), nullable=True),
        sa.Column("decision_no", sa.String(length=200), nullable=True),
        sa.Column("linked_to", sa.String(length=26), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("legal_basis_text", sa.Text(), nullable=True),
        sa.Column("severity", sa.String(length=12), nullable=True),
        sa.Column("severity_derived", sa.Boolean(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("publication", sa.String(length=16), nullable=False),
        sa.Column("regime_id", sa.String(length=48), nullable=True),
        sa.Column("display_until", sa.Date(), nullable=True),
        sa.Column("repair_from", sa.Date(), nullable=True),
        sa.Column("repair_regime_id", sa.String(length=48), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.String(length=26), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["reporting_agency"],
            ["agencies.code"],
            name=op.f("fk_records_reporting_agency_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.subject_id"], name=op.f("fk_records_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("record_id", "version", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_records_decision", ["deciding_authority", "decision_no"], unique=False
        )
        batch_op.create_index(
            "ix_records_natural", ["reporting_agency", "source_key", "subject_id"], unique=False
        )
        batch_op.create_index("ix_records_subject", ["subject_id", "kind"], unique=False)

    op.create_table(
        "roles",
        sa.Column("role_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_subject_id", sa.String(length=26), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("person_subject_id", sa.String(length=26), nullable=True),
        sa.Column("person_name", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source_record_id", sa.String(length=26), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_roles_org_subject_id_subjects"),
        ),
        sa.ForeignKeyConstraint(
            ["person_subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_roles_person_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("role_id", name=op.f("pk_roles")),
    )
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roles_org_subject_id"), ["org_subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_roles_person_subject_id"), ["person_subject_id"], unique=False
        )

    op.create_table(
        "subject_identifiers",
        sa.Column("scheme", sa.String(length=12), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_subject_identifiers_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("scheme", "value", name=op.f("pk_subject_identifiers")),
    )
    with op.batch_alter_table("subject_identifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_identifiers_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "subject_names",
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("source_batch", sa.String(length=26), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_subject_names_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("subject_id", "name", name=op.f("pk_subject_names")),
    )
    op.create_table(
        "quarantine",
        sa.Column("batch_id", sa.String(length=26), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=48), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["ingest_batches.batch_id"],
            name=op.f("fk_quarantine_batch_id_ingest_batches"),
        ),
        sa.PrimaryKeyConstraint("batch_id", "row", name=op.f("pk_quarantine")),
    )

    # the audit chain starts at the genesis hash
    op.bulk_insert(
        sa.table(
            "audit_head",
            sa.column("id", sa.Integer),
            sa.column("seq", sa.BigInteger),
            sa.column("hash", sa.String),
            sa.column("since_checkpoint", sa.Integer),
        ),
        [{"id": 1, "seq": 0, "hash": "0" * 64, "since_checkpoint": 0}],
    )


def downgrade() -> None:
    op.drop_table("quarantine")
    op.drop_table("subject_names")
    with op.batch_alter_table("subject_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_identifiers_subject_id"))

    op.drop_table("subject_identifiers")
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roles_person_subject_id"))
        batch_op.drop_index(batch_op.f("ix_roles_org_subject_id"))

    op.drop_table("roles")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_subject")
        batch_op.drop_index("ix_records_natural")
        batch_op.drop_index("ix_records_decision")

    op.drop_table("records")
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_batches_resume")

    op.drop_table("ingest_batches")
    op.drop_table("api_keys")
    op.drop_table("subjects")
    with op.batch_alter_table("query_log", schema=None) as batch_op:
        batch_op.drop_index("ix_query_log_subject")

    op.drop_table("query_log")
    op.drop_table("principals")
    op.drop_table("platform_meta")
    op.drop_table("calendar_schedules")
    op.drop_table("audit_log")
    op.drop_table("audit_head")
    op.drop_table("audit_checkpoints")
    op.drop_table("agencies")
