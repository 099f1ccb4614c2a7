"""A small world for the list and measure tests: agencies, named people, feed rows.

Records reach the store through the real ingest pipeline (canonical_en JSON lines and the
national penalty CSV), so the list code sees what production data looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select
from tests.support.feeds import (
    court_row,
    org_uscc,
    penalty_row,
    person_ric,
    register_agencies,
    write_csv,
    write_jsonl,
)

from xinyong.actors import Agency, Principal, Role
from xinyong.audit.verify import VerifyReport, verify
from xinyong.credit_file.assemble import find_subject
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.lists.model import Entry, entry_from_row
from xinyong.store.actors import add_agency, add_principal, get_principal
from xinyong.store.context import Store
from xinyong.store.tables import audit_log, list_entries

COURT = "rc-court"
ENV = "rc-env"
TAX = "rc-tax"
SAMR = "rc-samr"
AVIATION = "impl-aviation"
RAILWAY = "impl-railway"
PROCUREMENT = "impl-procurement"

COURT_LIST = "court_dishonest_debtors"
SHANDONG_LIST = "shandong_serious_dishonest"
TAX_LIST = "red_tax_a"
FLIGHTS = "consumption_flights"
SHANDONG_FLIGHTS = "shandong_no_flights"
COURT_PROCUREMENT = "court_procurement_restriction"

ADULT = date(1985, 1, 1)


@dataclass(frozen=True)
class People:
    admin: Principal
    court_reviewer: Principal
    env_reviewer: Principal
    tax_reviewer: Principal
    samr_reviewer: Principal
    court_key: Principal  # the court's reporting key: no reviewer role, implements nothing
    env_key: Principal
    aviation_officer: Principal
    aviation_key: Principal  # the airline regulator's own key (agency role, no officer)
    railway_officer: Principal
    railway_key: Principal
    procurement_officer: Principal


def _person(pid: str, org: str, role: Role) -> Principal:
    return Principal(principal_id=pid, display_name=pid, organisation=org, roles=frozenset({role}))


def populate(store: Store) -> People:
    """The test agencies, implementing agencies for two measures, reviewers and officers."""
    register_agencies(store)
    implementing = [
        (AVIATION, "民航荣成站", "civil_aviation"),
        (RAILWAY, "荣成火车站", "railway"),
        (PROCUREMENT, "荣成市财政局", "government_procurement"),
    ]
    named = [
        _person("court-reviewer", COURT, Role.REVIEWER),
        _person("env-reviewer", ENV, Role.REVIEWER),
        _person("tax-reviewer", TAX, Role.REVIEWER),
        _person("samr-reviewer", SAMR, Role.REVIEWER),
        _person("aviation-officer", AVIATION, Role.IMPLEMENTING_OFFICER),
        _person("railway-officer", RAILWAY, Role.IMPLEMENTING_OFFICER),
        _person("procurement-officer", PROCUREMENT, Role.IMPLEMENTING_OFFICER),
    ]
    with store.write() as tx:
        for code, name, kind in implementing:
            add_agency(
                tx, Agency(code=code, name_zh=name, sector="other", kinds=(), implements=(kind,))
            )
        for p in named:
            add_principal(tx, p)
    with store.read() as conn:

        def get(pid: str) -> Principal:
            p = get_principal(conn, pid)
            assert p is not None
            return p

        return People(
            admin=get("admin"),
            court_reviewer=get("court-reviewer"),
            env_reviewer=get("env-reviewer"),
            tax_reviewer=get("tax-reviewer"),
            samr_reviewer=get("samr-reviewer"),
            court_key=get(COURT),
            env_key=get(ENV),
            aviation_officer=get("aviation-officer"),
            aviation_key=get(AVIATION),
            railway_officer=get("railway-officer"),
            railway_key=get(RAILWAY),
            procurement_officer=get("procurement-officer"),
        )


# --------------------------------------------------------------------------- feed rows


def court_listing(
    n: int,
    *,
    grounds: str = "1",
    decided_on: date | None = date(2026, 2, 1),
    born: date = ADULT,
    name: str = "李四",
    ric: str | None = None,
) -> dict[str, Any]:
    """The court's case ``n`` listing a person (resident ID ``ric``, else
    ``person_ric(n, born)``)."""
    return court_row(
        n,
        subject_name=name,
        id_number=ric or person_ric(n, born),
        grounds=grounds,
        decided_on=decided_on.isoformat() if decided_on else "",
    )


def court_unit_listing(
    n: int, rep: int, *, grounds: str = "1", decided_on: date = date(2026, 2, 1)
) -> dict[str, Any]:
    """The court's listing of organisation ``org_uscc(n)`` with legal representative
    ``person_ric(rep)``."""
    return court_row(
        n,
        subject_category="organisation",
        subject_name=f"荣成市第{n}水产有限公司",
        id_type="",
        id_number="",
        uscc=org_uscc(n),
        legal_rep_name="王五",
        legal_rep_id_type="ric",
        legal_rep_id_number=person_ric(rep),
        grounds=grounds,
        decided_on=decided_on.isoformat(),
    )


def env_penalty(
    n: int,
    *,
    decided_on: date = date(2026, 3, 1),
    born: date = ADULT,
    severity: str = "serious",
    key: str | None = None,
    ric: str | None = None,
) -> dict[str, Any]:
    """An environmental penalty on person ``n`` (resident ID ``ric``, else
    ``person_ric(n, born)``): serious ones meet the Shandong criterion."""
    key = key or f"威环罚〔2026〕{n}号"
    return {
        "kind": "administrative_penalty",
        "source_key": key,
        "subject_category": "person",
        "subject_name": "赵六",
        "id_type": "ric",
        "id_number": ric or person_ric(n, born),
        "decision_no": key,
        "decided_on": decided_on.isoformat(),
        "deciding_authority": "威海市生态环境局荣成分局",
        "severity": severity,
        "penalty_types": "罚款",
        "amount_yuan": "200000" if severity == "serious" else "2000",
        "legal_basis_text": "《中华人民共和国环境保护法》第五十九条",
    }


def tax_grade_a(n: int, *, decided_on: date = date(2026, 1, 15)) -> dict[str, Any]:
    return {
        "kind": "tax_credit_grade",
        "source_key": f"NSXY-2025-{n}",
        "subject_category": "organisation",
        "subject_name": f"荣成市第{n}贸易有限公司",
        "uscc": org_uscc(n),
        "decided_on": decided_on.isoformat(),
        "deciding_authority": "国家税务总局荣成市税务局",
        "grade": "A",
        "tax_year": "2025",
    }


def feed(
    store: Store,
    path: Path,
    agency: str,
    rows: list[dict[str, Any]],
    *,
    today: date = date(2026, 3, 20),
    quarantined: int = 0,
) -> None:
    """Ingest ``rows`` as one JSON-lines feed of ``agency``; all must be accepted."""
    receipt = ingest(store, IngestRequest(path=write_jsonl(path, rows), agency=agency, today=today))
    assert receipt.quarantined == quarantined, receipt.reasons
    assert receipt.accepted == len(rows) - quarantined


def samr_penalty(n: int, rep: int, *, decided_on: date, serious: bool = False) -> dict[str, str]:
    """A market-regulation penalty (national CSV) on organisation ``org_uscc(n)`` naming
    ``person_ric(rep)`` its legal representative; a licence revocation is serious."""
    return penalty_row(
        **{
            "行政相对人名称": f"荣成市第{n}水产有限公司",
            "统一社会信用代码": org_uscc(n),
            "法定代表人": f"代表{rep}",
            "法定代表人证件号码": person_ric(rep),
            "行政处罚决定书文号": f"荣市监罚〔2026〕{n}-{rep}号",
            "处罚类别": "吊销许可证件" if serious else "罚款",
            "处罚决定日期": decided_on.isoformat(),
        }
    )


def feed_penalties(
    store: Store, path: Path, rows: list[dict[str, str]], *, today: date = date(2026, 4, 2)
) -> None:
    """Ingest market-regulation penalties in the national CSV format."""
    csv_path = write_csv(path, "penalty_national", rows)
    receipt = ingest(store, IngestRequest(path=csv_path, agency=SAMR, today=today))
    assert receipt.quarantined == 0, receipt.reasons
    assert receipt.accepted == len(rows)


# --------------------------------------------------------------------------- reading back


def entries_about(conn: Connection, code: str, list_id: str | None = None) -> list[Entry]:
    q = select(list_entries).where(list_entries.c.subject_id == find_subject(conn, code))
    if list_id is not None:
        q = q.where(list_entries.c.list_id == list_id)
    return [entry_from_row(r) for r in conn.execute(q.order_by(list_entries.c.proposed_at))]


def entry_about(store: Store, code: str, list_id: str) -> Entry:
    with store.read() as conn:
        (e,) = entries_about(conn, code, list_id)
    return e


def audit_count(conn: Connection, action: str, entity_id: str | None = None) -> int:
    q = select(func.count()).select_from(audit_log).where(audit_log.c.action == action)
    if entity_id is not None:
        q = q.where(audit_log.c.entity_id == entity_id)
    return int(conn.execute(q).scalar_one())


def audit_chain(store: Store) -> VerifyReport:
    """What ``xinyong audit verify`` reports for ``store``."""
    pub, _ = store.pinned_public_key()
    with store.read() as conn:
        return verify(conn, pub, store.external_checkpoints())
