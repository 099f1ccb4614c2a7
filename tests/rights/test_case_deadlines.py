"""Case deadlines on their legal clocks: working days across National Day and the Spring
Festival with their adjusted working weekends, calendar days for the court list, and the
provisional weekends-only rule for a year without a holiday schedule. Expected dates are
counted by hand from the State Council's schedules (written out in the comments)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.rights.test_rights_e2e import DEBTOR, OTHER, WRONG, _record, _setup

from xinyong.actors import Principal
from xinyong.catalogue import get_catalogue
from xinyong.lists.proposals import sync
from xinyong.rights.cases import apply_repair, decide, forward, object_to, overdue
from xinyong.rights.model import TargetType
from xinyong.rights.rules import get_rules
from xinyong.store.actors import get_principal
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store
from xinyong.store.tables import list_entries


def _subject(store: Store, code: str) -> Principal:
    from xinyong.credit_file.assemble import find_subject

    with store.read() as conn:
        p = get_principal(conn, "subject-" + find_subject(conn, code).lower())
    assert p is not None
    return p


@pytest.fixture
def ready(store: Store, tmp_path: Path) -> Store:
    _setup(store, tmp_path)
    return store


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        # Tue 30 Sep 2025; 1–8 Oct holiday; Thu 9, Fri 10, Sat 11 Oct (adjusted working day)
        (date(2025, 9, 30), date(2025, 10, 11)),
        # Thu 12 Feb 2026; Fri 13, Sat 14 Feb (adjusted working day); 15–23 Feb holiday; Tue 24
        (date(2026, 2, 12), date(2026, 2, 24)),
        # Sat 27 Sep 2025 (rest day); Sun 28 Sep (adjusted working day), Mon 29, Tue 30
        (date(2025, 9, 27), date(2025, 9, 30)),
    ],
)
def test_objection_working_days_across_holidays(ready: Store, opened: date, due: date) -> None:
    store = ready
    p = _subject(store, WRONG)
    with store.write(p.principal_id) as tx:
        c = object_to(
            tx,
            get_rules(),
            work_calendar(store),
            p,
            target_type=TargetType.RECORD,
            target_id=_record(store, WRONG)["record_id"],
            reason="金额错误",
            on=opened,
        )
    assert c.rule_id == "shandong"
    assert (c.due_on, c.due_provisional) == (due, False)
    with store.read() as conn:
        assert [x.case_id for x in overdue(conn, due)] == []
        assert [x.case_id for x in overdue(conn, date.fromordinal(due.toordinal() + 1))] == [
            c.case_id
        ]


def test_court_list_objection_runs_on_calendar_days(ready: Store) -> None:
    store = ready
    with store.write() as tx:
        sync(tx, get_catalogue(), on=date(2026, 11, 27))
    with store.read() as conn:
        entry_id = conn.execute(
            select(list_entries.c.entry_id).where(
                list_entries.c.list_id == "court_dishonest_debtors"
            )
        ).scalar_one()
    p = _subject(store, DEBTOR)
    with store.write(p.principal_id) as tx:
        c = object_to(
            tx,
            get_rules(),
            work_calendar(store),
            p,
            target_type=TargetType.ENTRY,
            target_id=entry_id,
            reason="错误",
            on=date(2025, 9, 30),
        )
    # 15 calendar days, holidays counted: 30 Sep + 15 = 15 Oct
    assert c.due_on == date(2025, 10, 15)


def test_repair_stages_across_spring_festival(ready: Store) -> None:
    store = ready
    cal = work_calendar(store)
    p = _subject(store, WRONG)
    rec = _record(store, WRONG)
    with store.write(p.principal_id) as tx:
        c = apply_repair(
            tx,
            get_catalogue(),
            get_rules(),
            cal,
            p,
            target_type=TargetType.RECORD,
            target_id=rec["record_id"],
            reason="已缴纳",
            commitment="承诺",
            on=date(2026, 11, 27),
        )
    # the platform's 10 working days from Fri 27 Nov 2026 (no holiday in between, weekends
    # skipped): Mon 30 Nov, 1, 2, 3, 4, 7, 8, 9, 10, 11 Dec
    assert c.due_on == date(2026, 12, 11) and not c.due_provisional
    with store.read() as conn:
        platform = get_principal(conn, "platform-reviewer")
        reviewer = get_principal(conn, "samr-reviewer")
    assert platform is not None and reviewer is not None
    with store.write(platform.principal_id) as tx:
        f = forward(tx, get_rules(), cal, platform, c.case_id, on=date(2026, 2, 12))
    # the authority's 3 working days from Thu 12 Feb 2026: Fri 13, Sat 14 (adjusted), Tue 24
    assert f.due_on == date(2026, 2, 24) and f.forwarded_on == date(2026, 2, 12)
    with store.write(reviewer.principal_id) as tx:
        d = decide(
            tx,
            get_catalogue(),
            get_rules(),
            cal,
            reviewer,
            c.case_id,
            outcome="refused",
            reason="未履行完毕",
            on=date(2026, 2, 25),
        )
    assert d.late is True


def test_year_without_schedule_is_provisional(ready: Store) -> None:
    store = ready
    p = _subject(store, WRONG)
    with store.write(p.principal_id) as tx:
        c = object_to(
            tx,
            get_rules(),
            work_calendar(store),
            p,
            target_type=TargetType.RECORD,
            target_id=_record(store, WRONG)["record_id"],
            reason="错误",
            on=date(2030, 12, 30),
        )
    # no published schedule for 2031: weekends only. Mon 30 Dec 2030 → Tue 31, Wed 1 Jan,
    # Thu 2 Jan 2031 (New Year's Day is not known as a holiday yet: provisional)
    assert (c.due_on, c.due_provisional) == (date(2031, 1, 2), True)


def test_other_subjects_items_are_refused(ready: Store) -> None:
    from xinyong.errors import Forbidden

    store = ready
    p = _subject(store, WRONG)
    with store.write(p.principal_id) as tx, pytest.raises(Forbidden):
        object_to(
            tx,
            get_rules(),
            work_calendar(store),
            p,
            target_type=TargetType.RECORD,
            target_id=_record(store, OTHER)["record_id"],
            reason="x",
            on=date(2026, 11, 27),
        )
