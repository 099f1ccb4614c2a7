"""The people in the loop, acted out for the demo.

Nothing on a list takes effect without a named person, so the demo needs some: one
reviewer per deciding authority, one implementing agency (with one officer) per kind
of implementing agency the measures name. They decide a seeded sample of the proposals
(most approved, some rejected, some left pending for the portal to show), acknowledge
most notices and report back on some. Every step goes through the same functions as
the CLI and API, so it is audited like a real decision.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from typing import Any

from xinyong.actors import PLATFORM_ORG, Agency, Principal, Role
from xinyong.catalogue import Catalogue
from xinyong.errors import XinyongError
from xinyong.lists.decisions import decide
from xinyong.lists.expiry import expire
from xinyong.lists.proposals import sync
from xinyong.lists.queries import pending
from xinyong.measures.notices import NoticeStatus, acknowledge, notices_for, report_back
from xinyong.store.actors import add_agency, add_principal, get_agency, get_principal, list_agencies
from xinyong.store.context import Store

APPROVE_SHARE = 0.7
REJECT_SHARE = 0.15
ACK_SHARE = 0.8
REPORT_SHARE = 0.5

_REASONS_APPROVE = (
    "事实清楚，证据确凿，符合列入条件",
    "Facts established; the listing test of the rules is met",
)
_REASONS_REJECT = (
    "违法情节不属于严重，不予列入",
    "The violation was not serious enough for listing",
)


def implementing_code(kind: str) -> str:
    return "impl-" + kind.replace("_", "-")


def reviewer_id(authority: str) -> str:
    return f"{authority}-reviewer"


def officer_id(agency_code: str) -> str:
    return f"{agency_code}-officer"


def register_people(store: Store, cat: Catalogue) -> dict[str, int]:
    """Implementing agencies with an officer each, and a reviewer for every agency."""
    added = Counter[str]()
    with store.write() as tx:
        names = {m.implementing_agency.type: m.implementing_agency for m in cat.measures.values()}
        for kind, ia in sorted(names.items()):
            code = implementing_code(kind)
            if add_agency(
                tx,
                Agency(
                    code=code,
                    name_zh=ia.name_zh,
                    name_en=ia.name_en,
                    sector="other",
                    kinds=(),
                    implements=(kind,),
                ),
                update_existing=True,
            ):
                added["implementing_agencies"] += 1
            if get_principal(tx.conn, officer_id(code), missing_ok=True) is None:
                add_principal(
                    tx,
                    Principal(
                        principal_id=officer_id(code),
                        display_name=f"{ia.name_zh} 联络员",
                        organisation=code,
                        roles=frozenset({Role.IMPLEMENTING_OFFICER}),
                    ),
                )
                added["officers"] += 1
    return dict(added)


def _reviewer(store: Store, authority: str) -> Principal:
    pid = reviewer_id(authority)
    with store.write() as tx:
        p = get_principal(tx.conn, pid, missing_ok=True)
        if p is None:
            agency = get_agency(tx.conn, authority)
            assert agency is not None
            p = Principal(
                principal_id=pid,
                display_name=f"{agency.name_zh} 审核人",
                organisation=authority,
                roles=frozenset({Role.REVIEWER}),
            )
            add_principal(tx, p)
    return p


def act_out(store: Store, cat: Catalogue, *, day: date, seed: int) -> dict[str, Any]:
    """Propose, decide a sample, acknowledge most notices, run the expiry job."""
    rng = random.Random(seed)
    out: dict[str, Any] = {"people": register_people(store, cat)}
    with store.write() as tx:
        out["sync"] = sync(tx, cat, on=day).as_json()
    with store.read() as conn:
        proposals = pending(conn, limit=100_000)
    decided = Counter[str]()
    for authority in sorted({e.deciding_authority for e in proposals}):
        p = _reviewer(store, authority)
        with store.write(p.principal_id) as tx:
            for e in (x for x in proposals if x.deciding_authority == authority):
                r = rng.random()
                if r < APPROVE_SHARE:
                    decide(
                        tx,
                        cat,
                        p,
                        e.entry_id,
                        approve=True,
                        reason=rng.choice(_REASONS_APPROVE),
                        on=day,
                    )
                    decided["approved"] += 1
                elif r < APPROVE_SHARE + REJECT_SHARE:
                    decide(
                        tx,
                        cat,
                        p,
                        e.entry_id,
                        approve=False,
                        reason=rng.choice(_REASONS_REJECT),
                        on=day,
                    )
                    decided["rejected"] += 1
                else:
                    decided["left_pending"] += 1
    out["decisions"] = dict(decided)
    with store.read() as conn:
        sent = notices_for(conn, status=NoticeStatus.SENT, limit=1_000_000)
    acks = Counter[str]()
    for kind in sorted({n.implementing_type for n in sent}):
        code = implementing_code(kind)
        with store.read() as conn:
            officer = get_principal(conn, officer_id(code))
        assert officer is not None
        with store.write(officer.principal_id) as tx:
            for n in (x for x in sent if x.implementing_type == kind):
                if rng.random() >= ACK_SHARE:
                    acks["left_unacknowledged"] += 1
                    continue
                acknowledge(tx, officer, n.notice_id, on=day)
                acks["acknowledged"] += 1
                if rng.random() < REPORT_SHARE:
                    report_back(tx, officer, n.notice_id, applied=True, note="已落实")
                    acks["reported"] += 1
    out["notices"] = dict(acks)
    with store.write() as tx:
        out["expired"] = expire(tx, on=day).expired
    return out


# --------------------------------------------------------------------------- rights

HIGHER_COURT = "weihai-intermediate-court"
PLATFORM_REVIEWER = "platform-reviewer"
SUPERVISOR = "platform-supervisor"


def _platform_people(store: Store) -> None:
    """The higher court (for appeals), the platform's reviewer (Credit China's role) and a
    supervisor who watches deadlines."""
    with store.write() as tx:
        courts = [
            a for a in list_agencies(tx.conn) if a.sector == "court" and a.code != HIGHER_COURT
        ]
        add_agency(
            tx,
            Agency(code=HIGHER_COURT, name_zh="威海市中级人民法院", sector="court", kinds=()),
            update_existing=True,
        )
        for court in courts:
            if court.higher_authority != HIGHER_COURT:
                add_agency(
                    tx,
                    court.model_copy(update={"higher_authority": HIGHER_COURT}),
                    update_existing=True,
                )
        for pid, org, role, name in (
            (PLATFORM_REVIEWER, PLATFORM_ORG, Role.REVIEWER, "信用中国 修复审核"),
            (SUPERVISOR, PLATFORM_ORG, Role.SUPERVISOR, "平台督办"),
            (reviewer_id(HIGHER_COURT), HIGHER_COURT, Role.REVIEWER, "威海中院 复议审查"),
        ):
            if get_principal(tx.conn, pid, missing_ok=True) is None:
                add_principal(
                    tx,
                    Principal(
                        principal_id=pid,
                        display_name=name,
                        organisation=org,
                        roles=frozenset({role}),
                    ),
                )


def act_out_rights(store: Store, cat: Catalogue, *, day: date, seed: int) -> dict[str, int]:
    """A few subjects get keys, object and apply for repair; reviewers decide some cases and
    leave others open, so the portal shows cases in every state."""
    from sqlalchemy import select

    from xinyong.rights.access import issue_subject_key
    from xinyong.rights.cases import appeal, apply_repair, forward, object_to
    from xinyong.rights.cases import decide as decide_case
    from xinyong.rights.model import Outcome, TargetType
    from xinyong.rights.rules import get_rules
    from xinyong.store.calendar_repo import work_calendar
    from xinyong.store.tables import list_entries, records

    rng = random.Random(seed + 1)
    rules = get_rules()
    cal = work_calendar(store)
    _platform_people(store)
    done = Counter[str]()
    with store.read() as conn:
        penalties = conn.execute(
            select(
                records.c.record_id,
                records.c.subject_id,
                records.c.deciding_authority,
                records.c.repair_from,
                records.c.display_until,
            )
            .where(
                records.c.kind == "administrative_penalty",
                records.c.superseded_at.is_(None),
                records.c.publication == "published",
                records.c.linked_to.is_(None),
                records.c.deciding_authority.is_not(None),
            )
            .order_by(records.c.record_id)
        ).all()
        court_entries = conn.execute(
            select(
                list_entries.c.entry_id,
                list_entries.c.subject_id,
                list_entries.c.deciding_authority,
            )
            .where(
                list_entries.c.list_id == "court_dishonest_debtors",
                list_entries.c.status == "published",
            )
            .order_by(list_entries.c.entry_id)
        ).all()

    def subject(subject_id: str) -> Principal:
        with store.write() as tx:
            return issue_subject_key(
                tx, subject_id, verified_by="demo: identity checked at the service window"
            )[0]

    def reviewer(authority: str) -> Principal:
        return _reviewer(store, authority)

    # objections to penalties: one corrected, one upheld, one left open
    for i, rec in enumerate(rng.sample(list(penalties), min(3, len(penalties)))):
        p = subject(rec.subject_id)
        with store.write(p.principal_id) as tx:
            c = object_to(
                tx,
                rules,
                cal,
                p,
                target_type=TargetType.RECORD,
                target_id=rec.record_id,
                reason="处罚决定书记载的金额与实际不符",
                on=day,
            )
        done["objections"] += 1
        if i == 2:
            continue
        r = reviewer(rec.deciding_authority)
        with store.write(r.principal_id) as tx:
            if i == 0:
                decide_case(
                    tx,
                    cat,
                    rules,
                    cal,
                    r,
                    c.case_id,
                    outcome=Outcome.CORRECTED,
                    reason="核实后更正",
                    corrections={"notes": "经异议核实更正"},
                    on=day,
                )
            else:
                decide_case(
                    tx,
                    cat,
                    rules,
                    cal,
                    r,
                    c.case_id,
                    outcome=Outcome.UPHELD,
                    reason="原记录无误",
                    on=day,
                )
        done["objections_decided"] += 1
    # a court-list objection, upheld, appealed to the higher court (left for it to decide)
    if court_entries:
        e = court_entries[0]
        p = subject(e.subject_id)
        with store.write(p.principal_id) as tx:
            c = object_to(
                tx,
                rules,
                cal,
                p,
                target_type=TargetType.ENTRY,
                target_id=e.entry_id,
                reason="已经履行完毕，不应列入",
                on=day,
            )
        r = reviewer(e.deciding_authority)
        with store.write(r.principal_id) as tx:
            decide_case(
                tx,
                cat,
                rules,
                cal,
                r,
                c.case_id,
                outcome=Outcome.UPHELD,
                reason="未见履行凭证",
                on=day,
            )
        with store.write(p.principal_id) as tx:
            appeal(tx, rules, cal, p, c.case_id, reason="请求上一级法院复议", on=day)
        done["appeals"] += 1
    # repair applications for penalties already eligible: one granted, one forwarded, one new
    eligible = [
        x
        for x in penalties
        if x.repair_from is not None
        and x.repair_from <= day
        and (x.display_until is None or x.display_until >= day)
    ]
    with store.read() as conn:
        platform = get_principal(conn, PLATFORM_REVIEWER)
    assert platform is not None
    for i, rec in enumerate(rng.sample(eligible, min(3, len(eligible)))):
        p = subject(rec.subject_id)
        try:
            with store.write(p.principal_id) as tx:
                c = apply_repair(
                    tx,
                    cat,
                    rules,
                    cal,
                    p,
                    target_type=TargetType.RECORD,
                    target_id=rec.record_id,
                    reason="罚款已缴清，违法行为已纠正",
                    commitment="本主体承诺今后依法诚信经营",
                    on=day,
                )
        except XinyongError:
            continue  # e.g. an objection case already open on it
        done["repairs"] += 1
        if i == 2:
            continue
        with store.write(platform.principal_id) as tx:
            forward(tx, rules, cal, platform, c.case_id, on=day)
        if i == 0:
            r = reviewer(rec.deciding_authority)
            with store.write(r.principal_id) as tx:
                decide_case(
                    tx,
                    cat,
                    rules,
                    cal,
                    r,
                    c.case_id,
                    outcome=Outcome.GRANTED,
                    reason="符合修复条件",
                    on=day,
                )
            done["repairs_granted"] += 1
    return dict(done)
