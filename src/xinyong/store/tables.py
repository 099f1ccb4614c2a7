"""Tables of the system of record (SQLAlchemy Core).

Core rather than ORM: ingest writes hundreds of thousands of rows per minute and
the hot paths use ``executemany`` directly. Alembic migrations are written from
this metadata; ``tests/store/test_migrations.py`` checks they agree.

Time columns: ``*_at`` are UTC timestamps (transaction time), ``*_on`` are legal
dates in China Standard Time (valid time). Money is integer fen.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

TS = DateTime(timezone=True)

# --- actors -------------------------------------------------------------------------

agencies = Table(
    "agencies",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name_zh", Text, nullable=False),
    Column("name_en", Text),
    Column("uscc", String(18), unique=True),
    Column("sector", String(40), nullable=False),
    # record kinds it may report; JSON list of catalogue kind ids
    Column("kinds", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    # kinds of implementing agency it is (measures.yaml implementing_agency.type): its
    # officers acknowledge the notices of those measures and their keys may check them
    Column("implements", JSON),
    # the authority that hears appeals against its decisions (a court's higher court)
    Column("higher_authority", String(64)),
)

principals = Table(
    "principals",
    metadata,
    # a readable handle ("admin", "rongcheng-samr-reviewer-1"): options name principals by it
    Column("principal_id", String(80), primary_key=True),
    Column("display_name", Text, nullable=False),
    # the organisation it belongs to: an agency code, a lender code, or "platform"
    Column("organisation", String(64), nullable=False),
    Column("roles", JSON, nullable=False),
    # for subject principals: the subject they are
    Column("subject_id", String(26)),
    Column("created_at", TS, nullable=False),
    Column("disabled_at", TS),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(26), primary_key=True),
    Column("principal_id", ForeignKey("principals.principal_id"), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS),
    Column("revoked_at", TS),
)

# --- subjects -----------------------------------------------------------------------

subjects = Table(
    "subjects",
    metadata,
    Column("subject_id", String(26), primary_key=True),
    Column("kind", String(24), nullable=False),  # person | organisation | individual_business
    Column("name", Text, nullable=False),
    Column("region", String(6)),  # GB/T 2260 code from the identifier, when known
    Column("first_seen_at", TS, nullable=False),
    Column("first_batch", String(26)),
)

subject_identifiers = Table(
    "subject_identifiers",
    metadata,
    Column("scheme", String(12), primary_key=True),  # uscc | ric | ric15 | passport | other
    Column("value", String(64), primary_key=True),
    Column("subject_id", ForeignKey("subjects.subject_id"), nullable=False, index=True),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("first_seen_at", TS, nullable=False),
)

subject_names = Table(
    "subject_names",
    metadata,
    Column("subject_id", ForeignKey("subjects.subject_id"), primary_key=True),
    Column("name", Text, primary_key=True),
    # True when the variant differs materially from the registered name: needs review
    Column("flagged", Boolean, nullable=False, default=False),
    Column("source_batch", String(26)),
    Column("first_seen_at", TS, nullable=False),
)

roles = Table(
    "roles",
    metadata,
    Column("role_id", Integer, primary_key=True, autoincrement=True),
    Column("org_subject_id", ForeignKey("subjects.subject_id"), nullable=False, index=True),
    # legal_representative | principal | actual_controller | responsible_person
    Column("role", String(32), nullable=False),
    Column("person_subject_id", ForeignKey("subjects.subject_id"), index=True),
    Column("person_name", Text, nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("source_record_id", String(26)),
    Column("first_seen_at", TS, nullable=False),
)

# --- records ------------------------------------------------------------------------

records = Table(
    "records",
    metadata,
    # stable across versions; (record_id, version) is one version
    Column("record_id", String(26), primary_key=True),
    Column("version", Integer, primary_key=True),
    # natural key (CONTRACTS.md): reporting agency, source key, subject
    Column("reporting_agency", ForeignKey("agencies.code"), nullable=False),
    Column("source_key", String(200), nullable=False),
    Column("subject_id", ForeignKey("subjects.subject_id"), nullable=False),
    Column("kind", String(48), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("deciding_authority", String(64)),  # agency code
    Column("decision_no", String(200)),
    # the same decision from another channel points at the record it duplicates
    Column("linked_to", String(26)),
    Column("decided_on", Date),
    Column("published_on", Date),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("legal_basis_text", Text),  # the decision's own basis (处罚依据)
    Column("severity", String(12)),
    Column("severity_derived", Boolean),
    Column("amount_fen", BigInteger),
    Column("status", String(16), nullable=False),  # in_force | revoked | corrected
    Column("ended_on", Date),  # valid-time end: revocation or removal date
    Column("publication", String(16), nullable=False),  # published | unpublished | withdrawn
    Column("regime_id", String(48)),
    Column("display_until", Date),
    Column("repair_from", Date),
    Column("repair_regime_id", String(48)),
    Column("flags", JSON),
    Column("attributes", JSON, nullable=False),
    # a version set by a case outcome: older content may not silently revert it
    Column("locked", Boolean, nullable=False, default=False),
    Column("batch_id", String(26)),
    Column("source_row", Integer),
    Column("recorded_at", TS, nullable=False),  # transaction time: first seen
    Column("last_seen_at", TS, nullable=False),
    Column("superseded_at", TS),  # transaction time: replaced by the next version
    Index("ix_records_natural", "reporting_agency", "source_key", "subject_id"),
    Index("ix_records_subject", "subject_id", "kind"),
    Index("ix_records_decision", "deciding_authority", "decision_no"),
)

# --- lists and measures -------------------------------------------------------------

# One row per proposal or entry: its current state. The history table keeps every
# state it had, with the transaction time it was reached, for "as known at" questions.
list_entries = Table(
    "list_entries",
    metadata,
    Column("entry_id", String(26), primary_key=True),
    Column("list_id", String(48), nullable=False),
    Column("subject_id", ForeignKey("subjects.subject_id"), nullable=False),
    Column("source_record_id", String(26), nullable=False),
    Column("ground", String(48)),
    Column("via", String(12), nullable=False),  # direct | proposal
    Column("deciding_authority", String(64), nullable=False),  # agency code
    # proposed | rejected | published | removed | expired
    Column("status", String(12), nullable=False),
    Column("proposed_at", TS, nullable=False),
    Column("proposed_by", String(80), nullable=False),
    Column("decided_at", TS),
    Column("decided_by", String(80)),
    Column("decided_on", Date),
    Column("reason", Text),
    Column("term_start", Date),
    Column("term_end", Date),  # exclusive; null: no fixed term (until an event)
    Column("extensions", Integer, nullable=False, default=0),
    Column("ended_on", Date),  # valid-time end (exclusive): removal date or term end
    Column("end_event", String(48)),  # removal event id, or term_expired
    Column("event_on", Date),
    Column("removal_due", Date),
    Column("removal_late", Boolean),
    Column("version", Integer, nullable=False),  # = seq of its newest history row
    Column("changed_by_run", String(26)),  # the job run that last changed it (set-based jobs)
    Column("updated_at", TS, nullable=False),
    Index("ix_list_entries_source", "list_id", "source_record_id", "subject_id", unique=True),
    Index("ix_list_entries_subject", "subject_id", "list_id"),
    Index("ix_list_entries_list", "list_id", "status"),
    # partial: an expiring entry leaves the index and enters none (migration 0007)
    Index(
        "ix_list_entries_due",
        "term_end",
        sqlite_where=text("status = 'published' AND term_end IS NOT NULL"),
        postgresql_where=text("status = 'published' AND term_end IS NOT NULL"),
    ),
    Index(
        "ix_list_entries_pending",
        "proposed_at",
        "entry_id",
        sqlite_where=text("status = 'proposed'"),
        postgresql_where=text("status = 'proposed'"),
    ),
)

list_entry_history = Table(
    "list_entry_history",
    metadata,
    Column("entry_id", String(26), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", TS, nullable=False),
    Column("actor", String(80), nullable=False),
    # proposed | rejected | published | extended | removed | expired
    Column("event", String(16), nullable=False),
    Column("status", String(12), nullable=False),
    Column("term_start", Date),
    Column("term_end", Date),
    Column("ended_on", Date),
    Column("detail", JSON, nullable=False),
)

# 抄告/反馈: a published entry's measures are notified to their implementing agencies;
# a named officer acknowledges (the measure is in force from then) and reports back.
measure_notices = Table(
    "measure_notices",
    metadata,
    Column("notice_id", String(26), primary_key=True),
    Column("entry_id", ForeignKey("list_entries.entry_id"), nullable=False),
    Column("measure_id", String(64), nullable=False),
    Column("implementing_type", String(48), nullable=False),
    Column("subject_id", String(26), nullable=False),
    Column("status", String(14), nullable=False),  # sent | acknowledged | reported
    Column("sent_at", TS, nullable=False),
    Column("acknowledged_at", TS),
    Column("acknowledged_on", Date),
    Column("acknowledged_by", String(80)),
    Column("acknowledging_agency", String(64)),
    Column("applied", Boolean),
    Column("feedback", Text),
    Column("reported_at", TS),
    Column("reported_by", String(80)),
    Index("ix_measure_notices_entry", "entry_id", "measure_id", unique=True),
    Index("ix_measure_notices_subject", "subject_id", "measure_id"),
    Index("ix_measure_notices_queue", "implementing_type", "status"),
)

# --- subjects' rights: cases ------------------------------------------------------

# One case machine for objections, appeals, repairs and (financial) disputes. The case
# row holds the current state and deadlines; case_events every state change.
cases = Table(
    "cases",
    metadata,
    Column("case_id", String(26), primary_key=True),
    Column("kind", String(12), nullable=False),  # objection | appeal | repair | dispute
    Column("rule_id", String(48), nullable=False),  # cases.yaml rule that set the deadlines
    Column("subject_id", ForeignKey("subjects.subject_id"), nullable=False),
    Column("target_type", String(12), nullable=False),  # record | entry | case
    Column("target_id", String(26), nullable=False),
    Column("parent_case_id", String(26)),  # an appeal's objection
    Column("deciding_authority", String(64), nullable=False),
    # open | forwarded | decided | withdrawn
    Column("status", String(12), nullable=False),
    Column("outcome", String(12)),  # corrected | withdrawn | upheld | granted | refused
    Column("reason", Text, nullable=False),  # the subject's
    Column("commitment", Text),  # a repair's signed credit commitment
    Column("opened_at", TS, nullable=False),
    Column("opened_by", String(80), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),  # the current stage's deadline
    Column("due_provisional", Boolean, nullable=False),
    Column("forwarded_on", Date),
    Column("decided_at", TS),
    Column("decided_by", String(80)),
    Column("decided_on", Date),
    Column("decision_reason", Text),
    Column("late", Boolean),
    Column("detail", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index("ix_cases_subject", "subject_id", "status"),
    Index("ix_cases_target", "target_type", "target_id", "status"),
    Index("ix_cases_queue", "deciding_authority", "status", "due_on"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("case_id", String(26), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", TS, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("event", String(24), nullable=False),
    Column("status", String(12), nullable=False),
    Column("detail", JSON, nullable=False),
)

case_evidence = Table(
    "case_evidence",
    metadata,
    Column("evidence_id", String(26), primary_key=True),
    Column("case_id", ForeignKey("cases.case_id"), nullable=False, index=True),
    Column("file_name", Text, nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_at", TS, nullable=False),
    Column("uploaded_by", String(80), nullable=False),
)

# --- notifications -------------------------------------------------------------------

# Events for subjects and watchers, written in the transaction that caused them and
# delivered later by pluggable adapters (transactional outbox).
outbox = Table(
    "outbox",
    metadata,
    Column("event_id", String(26), primary_key=True),
    Column("at", TS, nullable=False),
    Column("topic", String(48), nullable=False),  # e.g. case.opened, list.entry.published
    Column("subject_id", String(26)),
    Column("payload", JSON, nullable=False),
    Column("delivered_at", TS),  # by every adapter and webhook it was due to
    Index("ix_outbox_pending", "delivered_at", "at"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("webhook_id", String(26), primary_key=True),
    Column("principal_id", ForeignKey("principals.principal_id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", String(128), nullable=False),  # HMAC-SHA256 key shared with the receiver
    Column("subject_id", String(26)),  # the subject watched (null: every subject; admins only)
    Column("topics", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("disabled_at", TS),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("webhook_id", ForeignKey("webhooks.webhook_id"), primary_key=True),
    Column("event_id", ForeignKey("outbox.event_id"), primary_key=True),
    Column("status", String(12), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", TS),
    Column("last_error", Text),
    Column("delivered_at", TS),
)

# --- ingest -------------------------------------------------------------------------

ingest_batches = Table(
    "ingest_batches",
    metadata,
    Column("batch_id", String(26), primary_key=True),
    Column("agency", ForeignKey("agencies.code"), nullable=False),
    Column("mapping", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("format", String(12), nullable=False),
    Column("encoding", String(24)),
    Column("actor", String(80), nullable=False),
    Column("status", String(12), nullable=False),  # running | done
    # the next data row (1-based) to process: everything before it is committed
    Column("next_row", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("superseded", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("started_at", TS, nullable=False),
    Column("finished_at", TS),
    Index("ix_ingest_batches_resume", "agency", "file_sha256", "mapping", "status"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("batch_id", ForeignKey("ingest_batches.batch_id"), primary_key=True),
    Column("row", Integer, primary_key=True),
    Column("reason", String(48), nullable=False),
    Column("message", Text, nullable=False),
    Column("raw", JSON, nullable=False),
)

# --- logs ---------------------------------------------------------------------------

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", TS, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(80), nullable=False),
    # ids, counts and hashes only: never personal data
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# one row: the chain head, locked by every append (row lock on PostgreSQL)
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("since_checkpoint", Integer, nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("key_fingerprint", String(16), nullable=False),
    Column("at", TS, nullable=False),
)

query_log = Table(
    "query_log",
    metadata,
    Column("query_id", String(26), primary_key=True),
    Column("at", TS, nullable=False),
    Column("principal_id", String(80), nullable=False),
    Column("organisation", String(64), nullable=False),
    Column("subject_id", String(26), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("resource", String(64), nullable=False),
    Column("audience", String(12), nullable=False),
    Column("channel", String(12), nullable=False),  # cli | api | portal
    Index("ix_query_log_subject", "subject_id", "at"),
)

calendar_schedules = Table(
    "calendar_schedules",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("schedule", JSON, nullable=False),
    Column("source", Text, nullable=False),
    Column("loaded_at", TS, nullable=False),
    Column("loaded_by", String(80), nullable=False),
)

platform_meta = Table(
    "platform_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- financial credit reporting (issue 5) --------------------------------------------
# Kept apart from public credit records, as the credit reporting regulation requires: its
# own lenders, batches, quarantine, accounts and statuses. Nothing here feeds public credit
# scoring; disputes are cases (kind "dispute", target type "account").

lenders = Table(
    "lenders",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name_zh", Text, nullable=False),
    Column("name_en", Text),
    Column("uscc", String(18), nullable=False, unique=True),
    # bank | consumer_finance | microcredit | trust | other
    Column("licence", String(24), nullable=False),
    Column("created_at", TS, nullable=False),
)

reporting_batches = Table(
    "reporting_batches",
    metadata,
    Column("batch_id", String(26), primary_key=True),
    Column("lender", ForeignKey("lenders.code"), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("status", String(12), nullable=False),  # running | done
    Column("next_row", Integer, nullable=False),  # 1-based: every row before it is committed
    Column("rows", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("superseded", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("started_at", TS, nullable=False),
    Column("finished_at", TS),
    Index("ix_reporting_batches_resume", "lender", "file_sha256", "status"),
)

reporting_quarantine = Table(
    "reporting_quarantine",
    metadata,
    Column("batch_id", ForeignKey("reporting_batches.batch_id"), primary_key=True),
    Column("row", Integer, primary_key=True),
    Column("reason", String(48), nullable=False),
    Column("message", Text, nullable=False),
    Column("raw", JSON, nullable=False),  # forbidden items are redacted, never kept
)

credit_accounts = Table(
    "credit_accounts",
    metadata,
    Column("account_id", String(26), primary_key=True),
    Column("lender", ForeignKey("lenders.code"), nullable=False),
    Column("account_no", String(64), nullable=False),  # the lender's own account number
    Column("subject_id", ForeignKey("subjects.subject_id"), nullable=False),
    Column("kind", String(16), nullable=False),  # loan | revolving | credit_card | guarantee
    Column("currency", String(3), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date),
    # loan principal, credit limit, or the amount guaranteed
    Column("amount_fen", BigInteger, nullable=False),
    # Art. 14 items (income, deposits, …) collected with the subject's written consent
    Column("sensitive", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("batch_id", String(26)),
    Column("recorded_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index("ix_credit_accounts_key", "lender", "account_no", unique=True),
    Index("ix_credit_accounts_subject", "subject_id"),
)

credit_statuses = Table(
    "credit_statuses",
    metadata,
    Column("account_id", ForeignKey("credit_accounts.account_id"), primary_key=True),
    Column("month", String(7), primary_key=True),  # YYYY-MM
    Column("status", String(1), nullable=False),  # N 1-7 D Z C G # * /
    Column("balance_fen", BigInteger),
    Column("overdue_fen", BigInteger),
    # the lender's prior notice to the borrower (Art. 15): required for a negative status
    Column("notified_on", Date),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    # set by a dispute's correction: the lender's feed may not silently revert it
    Column("locked", Boolean, nullable=False),
    Column("batch_id", String(26)),
    Column("recorded_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

reporting_consents = Table(
    "reporting_consents",
    metadata,
    Column("consent_id", String(26), primary_key=True),
    Column("subject_id", ForeignKey("subjects.subject_id"), nullable=False),
    Column("grantee", ForeignKey("lenders.code"), nullable=False),
    Column("scope", String(12), nullable=False),  # query | collect
    Column("purpose", String(40)),  # query: loan_approval, post_loan_management, …
    Column("items", JSON, nullable=False),  # collect: income, deposits, tax, …
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),  # inclusive
    Column("evidence", Text, nullable=False),  # reference of the signed authorisation
    Column("granted_at", TS, nullable=False),
    Column("granted_by", String(80), nullable=False),
    Column("revoked_at", TS),
    Column("revoked_by", String(80)),
    Index("ix_reporting_consents_subject", "subject_id", "grantee", "scope"),
)

report_queries = Table(
    "report_queries",
    metadata,
    Column("query_id", String(26), primary_key=True),  # also the report number
    Column("subject_id", ForeignKey("subjects.subject_id"), nullable=False),
    Column("at", TS, nullable=False),
    Column("query_on", Date, nullable=False),  # the CST day of the query
    Column("principal_id", String(80), nullable=False),
    Column("organisation", String(64), nullable=False),
    Column("kind", String(12), nullable=False),  # self | third_party | staff
    Column("purpose", String(40), nullable=False),
    Column("consent_id", String(26)),
    Column("chargeable", Boolean, nullable=False),
    Column("fee_fen", BigInteger, nullable=False),
    Column("channel", String(12), nullable=False),
    Index("ix_report_queries_subject", "subject_id", "at"),
)

report_statements = Table(
    "report_statements",
    metadata,
    Column("statement_id", String(26), primary_key=True),
    Column("subject_id", ForeignKey("subjects.subject_id"), nullable=False, index=True),
    Column("account_id", String(26)),  # a statement about one account, or null: general
    Column("text", Text, nullable=False),
    Column("added_at", TS, nullable=False),
    Column("added_by", String(80), nullable=False),
    Column("withdrawn_at", TS),
)

reporting_scorecards = Table(
    "reporting_scorecards",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("card", Text, nullable=False),  # the portable card JSON (xinyong.scorecard)
    Column("metrics", JSON, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("fitted_at", TS, nullable=False),
    Column("fitted_by", String(80), nullable=False),
)

# --- tiered supervision (issue 6) ---------------------------------------------------
# Grades and risk classes are records (kinds tax_credit_grade, market_risk_class); these
# tables hold only what is not a record: inspectors' recorded conflicts and the drawn
# "double random" spot-check plans.

inspector_conflicts = Table(
    "inspector_conflicts",
    metadata,
    Column("principal_id", ForeignKey("principals.principal_id"), primary_key=True),
    Column("subject_id", ForeignKey("subjects.subject_id"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("recorded_on", Date, nullable=False),
    Column("recorded_at", TS, nullable=False),
    Column("recorded_by", String(80), nullable=False),
)

inspection_plans = Table(
    "inspection_plans",
    metadata,
    Column("plan_id", String(26), primary_key=True),
    Column("agency", ForeignKey("agencies.code"), nullable=False),
    Column("period", String(16), nullable=False),  # 2026, 2026-H2, 2026-Q3 or 2026-07
    Column("seed", BigInteger, nullable=False),
    Column("rates", JSON, nullable=False),  # class → share drawn
    Column("inspectors_per_firm", Integer, nullable=False),
    Column("classes_on", Date, nullable=False),  # risk classes as of this day
    Column("population", JSON, nullable=False),  # class → firms
    Column("selected", Integer, nullable=False),
    Column("unassigned", Integer, nullable=False),  # drawn, too few unconflicted inspectors
    Column("drawn_at", TS, nullable=False),
    Column("drawn_by", String(80), nullable=False),
    Index("ix_inspection_plans_period", "agency", "period", unique=True),
)

inspection_plan_firms = Table(
    "inspection_plan_firms",
    metadata,
    Column("plan_id", ForeignKey("inspection_plans.plan_id"), primary_key=True),
    Column("subject_id", ForeignKey("subjects.subject_id"), primary_key=True),
    Column("risk_class", String(1), nullable=False),
    Column("classified", Boolean, nullable=False),  # false: no class record, drawn as default
    Column("assigned", Boolean, nullable=False),
)

inspection_plan_inspectors = Table(
    "inspection_plan_inspectors",
    metadata,
    Column("plan_id", String(26), primary_key=True),
    Column("subject_id", String(26), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("principal_id", ForeignKey("principals.principal_id"), nullable=False),
    Index("ix_inspection_plan_inspectors_who", "principal_id", "plan_id"),
)

# --- batch jobs and local score schemes (issue 6) -----------------------------------

# One row per run of a population-scale job (xinyong.batch): what ran, on which engine,
# over which snapshot, and what it counted. Results written back cite the run.
batch_runs = Table(
    "batch_runs",
    metadata,
    Column("run_id", String(26), primary_key=True),
    Column("job", String(64), nullable=False),  # e.g. scheme.evaluate
    Column("params", JSON, nullable=False),
    Column("engine", String(12), nullable=False),  # duckdb | spark
    Column("snapshot_id", String(26), nullable=False),
    Column("snapshot_at", TS, nullable=False),  # transaction time the inputs were read at
    Column("as_of", Date),  # valid time the job evaluated
    Column("status", String(12), nullable=False),  # running | done
    Column("counts", JSON),
    Column("started_at", TS, nullable=False),
    Column("finished_at", TS),
    Column("actor", String(80), nullable=False),
    Index("ix_batch_runs_job", "job", "as_of"),
)

# Opt-in consent to a local score scheme, per resident and scheme. A withdrawal ends
# scoring from its date; giving consent again later opens a new row.
scheme_consents = Table(
    "scheme_consents",
    metadata,
    Column("consent_id", String(26), primary_key=True),
    Column("scheme_id", String(48), nullable=False),
    Column("subject_id", ForeignKey("subjects.subject_id"), nullable=False),
    Column("given_on", Date, nullable=False),
    Column("withdrawn_on", Date),  # not scored from this date on
    Column("recorded_at", TS, nullable=False),
    Column("recorded_by", String(80), nullable=False),
    Column("withdrawn_at", TS),
    Column("withdrawn_by", String(80)),
    Index("ix_scheme_consents_subject", "scheme_id", "subject_id", "given_on"),
)

# A scheme run's result per consenting resident: score, tier and the rules that moved it
scheme_scores = Table(
    "scheme_scores",
    metadata,
    Column("run_id", ForeignKey("batch_runs.run_id"), primary_key=True),
    Column("subject_id", String(26), primary_key=True),
    Column("scheme_id", String(48), nullable=False),
    Column("scheme_version", String(32), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("score", Integer, nullable=False),
    Column("tier", String(16), nullable=False),
    Column("moves", JSON, nullable=False),  # [{rule, points, events}] by rule id
    Index("ix_scheme_scores_subject", "subject_id", "scheme_id"),
)
