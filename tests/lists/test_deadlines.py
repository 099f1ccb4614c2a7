"""Removal deadlines in PRC working days, and late removals marked as such.

The expected dates are worked out by hand from the State Council's holiday notices:

* National Day and Mid-Autumn 2025 (国办发明电〔2024〕12号): 1–8 October off; Sunday
  28 September and Saturday 11 October are working days.
* Spring Festival 2026 (国办发明电〔2025〕7号): 15–23 February off; Saturday 14 February and
  Saturday 28 February are working days.

``chinese_calendar.is_workday`` only double-checks the hand count; the dates are the oracle.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from tests.lists._world import COURT_LIST, court_listing, entry_about, feed, populate
from tests.support.feeds import person_ric

from xinyong.calendar import WorkCalendar
from xinyong.catalogue import get_catalogue
from xinyong.errors import RuleRefused
from xinyong.lists.decisions import remove
from xinyong.lists.history import entry_history
from xinyong.lists.proposals import sync
from xinyong.lists.terms import removal_due, removal_event
from xinyong.store.actors import get_principal
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store

CAT = get_catalogue()
PERFORMED = removal_event(CAT.list_def(COURT_LIST), "performed")

CASES = [
    # event on the last working day before the Golden Week: 9, 10 and Saturday 11 October
    pytest.param(date(2025, 9, 30), date(2025, 10, 11), id="national-day"),
    # Friday before: Saturday 27 off, Sunday 28 (adjusted) works, then 29 and 30
    pytest.param(date(2025, 9, 26), date(2025, 9, 30), id="adjusted-sunday-counts"),
    # Friday after: Saturday 11 (adjusted) works, Sunday 12 off, then 13 and 14
    pytest.param(date(2025, 10, 10), date(2025, 10, 14), id="adjusted-saturday-counts"),
    # on a holiday: 9, 10, 11 October
    pytest.param(date(2025, 10, 3), date(2025, 10, 11), id="event-on-a-holiday"),
    # Thursday before the Spring Festival: 13, Saturday 14 (adjusted), then 24 February
    pytest.param(date(2026, 2, 12), date(2026, 2, 24), id="spring-festival"),
    # Friday before: Saturday 14 (adjusted), then 24 and 25 February
    pytest.param(date(2026, 2, 13), date(2026, 2, 25), id="spring-festival-friday"),
    # after it: 26, 27 and Saturday 28 February (adjusted)
    pytest.param(date(2026, 2, 25), date(2026, 2, 28), id="adjusted-saturday-after-festival"),
    # an ordinary week: Thursday, Friday, Monday
    pytest.param(date(2026, 3, 4), date(2026, 3, 9), id="ordinary-week"),
]


@pytest.mark.parametrize(("event_on", "due"), CASES)
def test_removal_due_in_working_days(event_on: date, due: date) -> None:
    # the hand count agrees with the package's data: due is the 3rd working day after
    days = [event_on + timedelta(days=i) for i in range(1, (due - event_on).days + 1)]
    assert sum(chinese_calendar.is_workday(d) for d in days) == 3
    assert chinese_calendar.is_workday(due)
    assert removal_due(WorkCalendar(), PERFORMED, event_on) == (due, False)


def test_deadline_reaching_into_an_unscheduled_year_is_provisional() -> None:
    cal = WorkCalendar()
    if cal.is_known(2027):
        pytest.skip("the installed chinesecalendar already knows 2027")
    # Wednesday 30 Dec 2026: Thursday 31, then Friday 1 and Monday 4 January on weekends alone
    assert removal_due(cal, PERFORMED, date(2026, 12, 30)) == (date(2027, 1, 4), True)


# --------------------------------------------------------------------------- in the store


@pytest.fixture
def listed(store: Store, tmp_path: Path) -> Store:
    populate(store)
    rows = [court_listing(n, decided_on=date(2025, 9, 1)) for n in (1, 2, 3, 4)]
    feed(store, tmp_path / "court.jsonl", "rc-court", rows, today=date(2025, 9, 2))
    with store.write() as tx:
        sync(tx, CAT, on=date(2025, 9, 2))
    return store


def _remove(store: Store, n: int, *, event_on: date, on: date) -> None:
    with store.read() as conn:
        reviewer = get_principal(conn, "court-reviewer")
    assert reviewer is not None
    e = entry_about(store, person_ric(n, date(1985, 1, 1)), COURT_LIST)
    with store.write(reviewer.principal_id) as tx:
        remove(
            tx,
            CAT,
            work_calendar(store),
            reviewer,
            e.entry_id,
            event="performed",
            event_on=event_on,
            reason="被执行人已履行完毕",
            on=on,
        )


REMOVALS = [
    # (case, event on, removed on, due, late)
    (1, date(2025, 9, 30), date(2025, 10, 11), date(2025, 10, 11), False),  # on the due date
    (2, date(2025, 9, 30), date(2025, 10, 12), date(2025, 10, 11), True),  # a day after it
    (3, date(2025, 9, 30), date(2025, 10, 8), date(2025, 10, 11), False),  # in the holiday
    (4, date(2025, 9, 26), date(2025, 10, 1), date(2025, 9, 30), True),  # adjusted Sunday counted
]


def test_removal_after_its_due_date_is_marked_late(listed: Store) -> None:
    with pytest.raises(RuleRefused) as exc:
        _remove(listed, 1, event_on=date(2025, 10, 9), on=date(2025, 10, 8))
    assert exc.value.code == "event_after_removal"
    for n, event_on, on, due, late in REMOVALS:
        _remove(listed, n, event_on=event_on, on=on)
        e = entry_about(listed, person_ric(n, date(1985, 1, 1)), COURT_LIST)
        assert (e.status.value, e.ended_on, e.end_event) == ("removed", on, "performed")
        assert (e.event_on, e.removal_due, e.removal_late) == (event_on, due, late), n
        with listed.read() as conn:
            last = entry_history(conn, e.entry_id)[-1]
        assert last["event"] == "removed"
        assert last["detail"]["due"] == due.isoformat() and last["detail"]["late"] is late
