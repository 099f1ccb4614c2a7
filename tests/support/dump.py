"""A canonical dump of every table: rows keyed by natural keys, without surrogate ids,
timestamps or audit sequence numbers, so two stores built by different runs compare."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from xinyong.store.context import Store
from xinyong.store.tables import (
    agencies,
    api_keys,
    audit_checkpoints,
    audit_log,
    batch_runs,
    calendar_schedules,
    case_events,
    case_evidence,
    cases,
    credit_accounts,
    credit_statuses,
    ingest_batches,
    inspection_plan_firms,
    inspection_plan_inspectors,
    inspection_plans,
    inspector_conflicts,
    lenders,
    list_entries,
    list_entry_history,
    measure_notices,
    metadata,
    outbox,
    principals,
    quarantine,
    query_log,
    records,
    report_queries,
    report_statements,
    reporting_batches,
    reporting_consents,
    reporting_quarantine,
    reporting_scorecards,
    roles,
    scheme_consents,
    scheme_scores,
    subject_identifiers,
    subject_names,
    subjects,
    webhook_deliveries,
    webhooks,
)

DUMPED = {
    "agencies",
    "principals",
    "api_keys",
    "subjects",
    "subject_identifiers",
    "subject_names",
    "roles",
    "records",
    "ingest_batches",
    "quarantine",
    "list_entries",
    "list_entry_history",
    "measure_notices",
    "cases",
    "case_events",
    "case_evidence",
    "outbox",
    "webhooks",
    "webhook_deliveries",
    "audit_log",
    "audit_head",
    "audit_checkpoints",
    "query_log",
    "calendar_schedules",
    "platform_meta",
    # financial credit reporting
    "lenders",
    "reporting_batches",
    "reporting_quarantine",
    "credit_accounts",
    "credit_statuses",
    "reporting_consents",
    "report_queries",
    "report_statements",
    "reporting_scorecards",
    # batch jobs and local score schemes
    "batch_runs",
    "scheme_consents",
    "scheme_scores",
    # tiered supervision
    "inspector_conflicts",
    "inspection_plans",
    "inspection_plan_firms",
    "inspection_plan_inspectors",
}


def _j(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def canonical_dump(store: Store) -> dict[str, list[str]]:
    assert {t.name for t in metadata.sorted_tables} == DUMPED, "a new table must be dumped"
    out: dict[str, list[str]] = {}
    with store.read() as conn:
        skey: dict[str, str] = {}
        for r in conn.execute(select(subject_identifiers).order_by(subject_identifiers.c.scheme)):
            skey.setdefault(r.subject_id, f"{r.scheme}:{r.value}")
        bkey = {
            r.batch_id: f"{r.agency}/{r.file_sha256}/{r.mapping}"
            for r in conn.execute(select(ingest_batches))
        }
        rkey = {
            r.record_id: f"{r.reporting_agency}/{r.source_key}/{skey[r.subject_id]}"
            for r in conn.execute(select(records))
        }
        ids = {**skey, **bkey, **rkey}
        # financial credit reporting: accounts by (lender, account number), batches by file
        ids.update(
            {
                r.account_id: f"{r.lender}/{r.account_no}"
                for r in conn.execute(select(credit_accounts))
            }
        )
        ids.update(
            {
                r.batch_id: f"{r.lender}/{r.file_sha256}"
                for r in conn.execute(select(reporting_batches))
            }
        )

        def rows(table: Any, drop: set[str], remap: set[str]) -> list[str]:
            res = []
            for r in conn.execute(select(table)):
                d = {k: v for k, v in r._mapping.items() if k not in drop}
                for k in remap:
                    if d.get(k) is not None:
                        d[k] = ids.get(d[k], d[k])
                res.append(_j(d))
            return sorted(res)

        out["agencies"] = rows(agencies, {"created_at"}, set())
        out["principals"] = rows(principals, {"created_at", "disabled_at"}, {"subject_id"})
        out["api_keys"] = rows(
            api_keys, {"key_id", "sha256", "prefix", "created_at", "expires_at"}, set()
        )
        out["subjects"] = [
            _j(
                {
                    "key": skey[r.subject_id],
                    "kind": r.kind,
                    "name": r.name,
                    "region": r.region,
                    "batch": bkey.get(r.first_batch),
                }
            )
            for r in conn.execute(select(subjects))
        ]
        out["subjects"].sort()
        out["subject_identifiers"] = rows(subject_identifiers, {"first_seen_at"}, {"subject_id"})
        out["subject_names"] = rows(
            subject_names, {"first_seen_at"}, {"subject_id", "source_batch"}
        )
        out["roles"] = rows(
            roles,
            {"role_id", "first_seen_at"},
            {"org_subject_id", "person_subject_id", "source_record_id"},
        )
        out["records"] = [
            _j(
                {
                    **{
                        k: v
                        for k, v in r._mapping.items()
                        if k not in {"record_id", "recorded_at", "last_seen_at", "superseded_at"}
                    },
                    "subject_id": skey[r.subject_id],
                    "linked_to": rkey.get(r.linked_to),
                    "batch_id": bkey.get(r.batch_id),
                    "current": r.superseded_at is None,
                    "key": rkey[r.record_id],
                }
            )
            for r in conn.execute(select(records))
        ]
        out["records"].sort()
        out["ingest_batches"] = rows(
            ingest_batches, {"batch_id", "started_at", "finished_at"}, set()
        )
        out["quarantine"] = rows(quarantine, set(), {"batch_id"})
        out["audit_log"] = rows(audit_log, {"seq", "at", "prev_hash", "hash"}, {"entity_id"})
        out["audit_checkpoints"] = [str(len(conn.execute(select(audit_checkpoints)).all()))]
        out["query_log"] = rows(query_log, {"query_id", "at"}, {"subject_id"})
        out["calendar_schedules"] = rows(calendar_schedules, {"loaded_at"}, set())
        ids.update(
            {
                r.entry_id: f"{r.list_id}/{rkey.get(r.source_record_id)}/{skey[r.subject_id]}"
                for r in conn.execute(select(list_entries))
            }
        )
        out["list_entries"] = rows(
            list_entries,
            {"proposed_at", "decided_at", "updated_at", "changed_by_run"},
            {"entry_id", "subject_id", "source_record_id"},
        )
        out["list_entry_history"] = rows(list_entry_history, {"at", "detail"}, {"entry_id"})
        out["measure_notices"] = rows(
            measure_notices,
            {"notice_id", "sent_at", "acknowledged_at", "reported_at"},
            {"entry_id", "subject_id"},
        )
        out["cases"] = rows(
            cases,
            {"case_id", "opened_at", "decided_at", "updated_at", "parent_case_id"},
            {"subject_id", "target_id"},
        )
        out["case_events"] = [str(len(conn.execute(select(case_events)).all()))]
        out["case_evidence"] = rows(
            case_evidence, {"evidence_id", "case_id", "uploaded_at", "content"}, set()
        )
        out["outbox"] = rows(outbox, {"event_id", "at", "delivered_at", "payload"}, {"subject_id"})
        out["webhooks"] = rows(webhooks, {"webhook_id", "created_at", "secret"}, {"subject_id"})
        out["webhook_deliveries"] = rows(
            webhook_deliveries, {"webhook_id", "event_id", "next_attempt_at", "delivered_at"}, set()
        )
        out["lenders"] = rows(lenders, {"created_at"}, set())
        out["reporting_batches"] = rows(
            reporting_batches, {"batch_id", "started_at", "finished_at"}, set()
        )
        out["reporting_quarantine"] = rows(reporting_quarantine, set(), {"batch_id"})
        out["credit_accounts"] = rows(
            credit_accounts, {"account_id", "recorded_at", "updated_at"}, {"subject_id", "batch_id"}
        )
        out["credit_statuses"] = rows(
            credit_statuses, {"recorded_at", "updated_at"}, {"account_id", "batch_id"}
        )
        out["reporting_consents"] = rows(
            reporting_consents, {"consent_id", "granted_at", "revoked_at"}, {"subject_id"}
        )
        out["report_queries"] = rows(
            report_queries, {"query_id", "at", "consent_id"}, {"subject_id"}
        )
        out["report_statements"] = rows(
            report_statements,
            {"statement_id", "added_at", "withdrawn_at"},
            {"subject_id", "account_id"},
        )
        out["reporting_scorecards"] = rows(reporting_scorecards, {"fitted_at", "card"}, set())
        out["batch_runs"] = rows(
            batch_runs, {"run_id", "snapshot_id", "snapshot_at", "started_at", "finished_at"}, set()
        )
        out["scheme_consents"] = rows(
            scheme_consents, {"consent_id", "recorded_at", "withdrawn_at"}, {"subject_id"}
        )
        out["scheme_scores"] = rows(scheme_scores, {"run_id"}, {"subject_id"})
        # tiered supervision: plans by (agency, period)
        ids.update(
            {r.plan_id: f"{r.agency}/{r.period}" for r in conn.execute(select(inspection_plans))}
        )
        out["inspector_conflicts"] = rows(inspector_conflicts, {"recorded_at"}, {"subject_id"})
        out["inspection_plans"] = rows(inspection_plans, {"plan_id", "drawn_at"}, set())
        out["inspection_plan_firms"] = rows(inspection_plan_firms, set(), {"plan_id", "subject_id"})
        out["inspection_plan_inspectors"] = rows(
            inspection_plan_inspectors, set(), {"plan_id", "subject_id"}
        )
    return out
