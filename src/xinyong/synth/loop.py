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

from xinyong.actors import Agency, Principal, Role
from xinyong.catalogue import Catalogue
from xinyong.lists.decisions import decide
from xinyong.lists.expiry import expire
from xinyong.lists.proposals import sync
from xinyong.lists.queries import pending
from xinyong.measures.notices import NoticeStatus, acknowledge, notices_for, report_back
from xinyong.store.actors import add_agency, add_principal, get_agency, get_principal
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
