"""Random lifecycles of list entries against a naive oracle of when a measure applies.

A hypothesis state machine ingests a few court listings (direct entries) and serious
penalties (proposals for the Shandong list), then syncs, decides, acknowledges notices,
extends, removes and runs the expiry job in random order while the decision date moves
forward day by day. The oracle is written here from the events applied, with no call into
the code under test: a subject is restricted on day d iff its entry was published, the
notice was acknowledged on or before d, term start <= d < term end (after any extension)
and d is before the removal date. Every day of the window is compared at the end.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from tests.lists._world import (
    COURT,
    COURT_LIST,
    ENV,
    FLIGHTS,
    SHANDONG_FLIGHTS,
    SHANDONG_LIST,
    court_listing,
    env_penalty,
    feed,
    populate,
)
from tests.support.feeds import person_ric

from xinyong.calendar import Duration
from xinyong.catalogue import get_catalogue
from xinyong.credit_file.assemble import find_subject
from xinyong.errors import Conflict, RuleRefused
from xinyong.lists import decisions
from xinyong.lists.expiry import expire
from xinyong.lists.proposals import sync
from xinyong.measures.check import answer, check
from xinyong.measures.notices import acknowledge, notices_for
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store
from xinyong.store.tables import list_entries

CAT = get_catalogue()
WINDOW_START = date(2026, 2, 16)
WINDOW_END = date(2026, 3, 8)  # across 28 February / 1 March
WINDOW = [WINDOW_START + timedelta(days=i) for i in range((WINDOW_END - WINDOW_START).days + 1)]
INGEST_DAY = date(2026, 3, 31)
EVER_PUBLISHED = ("published", "removed", "expired")

# court listings: 2 years before the window (so 2-year terms end inside it, 29 Feb 2024
# included) or in the window itself (published by the first sync on or after that day)
COURT_SPEC = st.tuples(
    st.sampled_from(["2", "1"]),
    st.one_of(
        st.dates(date(2024, 2, 14), date(2024, 3, 10)),
        st.dates(date(2026, 2, 12), date(2026, 3, 2)),
    ),
)
PENALTY_SPEC = st.dates(date(2026, 2, 10), date(2026, 3, 2))
WAIT = st.integers(0, 2)  # days that pass before an action


def add_years(d: date, n: int) -> date:
    """The same day ``n`` years later; a 29 February without one becomes the 28th."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return date(d.year + n, 2, 28)


@dataclass
class Subject:
    """What the oracle knows about one subject's (single) entry."""

    code: str
    subject_id: str
    list_id: str
    measure: str
    decided_on: date  # the source record's decision date
    ground: str | None  # the court's ground code; None on the proposal list
    status: str | None = None  # None: no entry yet
    entry_id: str | None = None
    term_start: date | None = None
    term_end: date | None = None
    extended: bool = False
    ack_on: date | None = None
    removed_on: date | None = None

    def in_term(self, d: date) -> bool:
        return (
            self.term_start is not None
            and self.term_start <= d
            and (self.term_end is None or d < self.term_end)
        )

    def restricted(self, d: date) -> bool:
        return (
            self.status in EVER_PUBLISHED
            and self.ack_on is not None
            and self.ack_on <= d
            and self.in_term(d)
            and (self.removed_on is None or d < self.removed_on)
        )

    def ended_on(self) -> date | None:
        if self.status == "expired":
            return self.term_end
        if self.status == "removed":
            assert self.removed_on is not None
            if self.term_end is not None and self.term_end <= self.removed_on:
                return self.term_end
            return self.removed_on
        return None


def test_random_lifecycles_agree_with_the_oracle(store: Store, tmp_path: Path) -> None:
    people = populate(store)
    calendar = work_calendar(store)
    serial = itertools.count(1)

    class Lifecycles(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.today = WINDOW_START
            self.expired_through = WINDOW_START - timedelta(days=1)
            self.subjects: list[Subject] = []

        # ------------------------------------------------------------------ set-up

        @initialize(
            court=st.lists(COURT_SPEC, min_size=1, max_size=3),
            penalties=st.lists(PENALTY_SPEC, min_size=1, max_size=2),
        )
        def records(self, court: list[tuple[str, date]], penalties: list[date]) -> None:
            court_rows, env_rows = [], []
            specs: list[tuple[str, str, str, date, str | None]] = []
            for grounds, decided in court:
                k = next(serial)
                ric = person_ric(7, date(1960, 1, 1) + timedelta(days=k))
                court_rows.append(court_listing(k, grounds=grounds, decided_on=decided, ric=ric))
                specs.append((ric, COURT_LIST, FLIGHTS, decided, grounds))
            for decided in penalties:
                k = next(serial)
                ric = person_ric(8, date(1960, 1, 1) + timedelta(days=k))
                env_rows.append(env_penalty(k, decided_on=decided, key=f"PBT-{k}", ric=ric))
                specs.append((ric, SHANDONG_LIST, SHANDONG_FLIGHTS, decided, None))
            feed(store, tmp_path / f"court-{k}.jsonl", COURT, court_rows, today=INGEST_DAY)
            feed(store, tmp_path / f"env-{k}.jsonl", ENV, env_rows, today=INGEST_DAY)
            with store.read() as conn:
                for code, list_id, measure, decided, ground in specs:
                    sid = find_subject(conn, code)
                    self.subjects.append(Subject(code, sid, list_id, measure, decided, ground))
            self.propose(0)  # the first run of the job, on the window's first day

        def listed(self) -> list[Subject]:
            return [s for s in self.subjects if s.entry_id is not None]

        def wait(self, days: int) -> None:
            self.today = min(self.today + timedelta(days=days), WINDOW_END)

        def pick(self, i: int) -> Subject:
            """One of the subjects with an entry, whatever its state."""
            listed = self.listed()
            return listed[i % len(listed)]

        def pick_published(self, i: int) -> Subject:
            ever = [s for s in self.subjects if s.status in EVER_PUBLISHED]
            return ever[i % len(ever)]

        # ------------------------------------------------------------------ rules

        @rule(days=st.integers(1, 4))
        def next_days(self, days: int) -> None:
            self.wait(days)

        @rule(wait=WAIT)
        def propose(self, wait: int) -> None:
            self.wait(wait)
            with store.write() as tx:
                sync(tx, CAT, on=self.today)
            for s in self.subjects:
                if s.status is not None or s.decided_on > self.today:
                    continue
                if s.list_id == COURT_LIST:  # the court's own decision: published at once
                    s.status, s.term_start = "published", s.decided_on
                    s.term_end = add_years(s.decided_on, 2) if s.ground == "2" else None
                else:
                    s.status = "proposed"
            with store.read() as conn:
                ids = {
                    r.subject_id: r.entry_id
                    for r in conn.execute(
                        select(list_entries.c.subject_id, list_entries.c.entry_id).where(
                            list_entries.c.subject_id.in_([s.subject_id for s in self.subjects])
                        )
                    )
                }
            for s in self.subjects:
                s.entry_id = ids.get(s.subject_id)
                assert (s.entry_id is None) == (s.status is None)

        @precondition(lambda self: any(s.entry_id for s in self.subjects))
        @rule(i=st.integers(0, 4), approve=st.booleans(), wait=WAIT)
        def decide(self, i: int, approve: bool, wait: int) -> None:
            self.wait(wait)
            # mostly proposals; now and then a direct entry, which is decided already
            proposals = [x for x in self.listed() if x.list_id == SHANDONG_LIST]
            s = proposals[i % len(proposals)] if proposals and i < 4 else self.pick(i)
            reviewer = people.court_reviewer if s.list_id == COURT_LIST else people.env_reviewer

            def run() -> None:
                assert s.entry_id is not None
                with store.write(reviewer.principal_id) as tx:
                    decisions.decide(
                        tx,
                        CAT,
                        reviewer,
                        s.entry_id,
                        approve=approve,
                        reason="审核意见",
                        on=self.today,
                    )

            if s.status != "proposed":
                with pytest.raises(Conflict):
                    run()
                return
            run()
            if approve:
                s.status, s.term_start = "published", self.today
                s.term_end = add_years(self.today, 3)
            else:
                s.status = "rejected"

        @precondition(lambda self: any(s.status in EVER_PUBLISHED for s in self.subjects))
        @rule(i=st.integers(0, 4), wait=WAIT)
        def acknowledge_notice(self, i: int, wait: int) -> None:
            self.wait(wait)
            s = self.pick_published(i)
            with store.read() as conn:
                (n,) = [
                    n for n in notices_for(conn, entry_id=s.entry_id) if n.measure_id == s.measure
                ]
            officer = people.aviation_officer

            def run() -> None:
                with store.write(officer.principal_id) as tx:
                    acknowledge(tx, officer, n.notice_id, on=self.today)

            if s.ack_on is not None:
                with pytest.raises(Conflict):
                    run()
                return
            run()
            s.ack_on = self.today

        @precondition(lambda self: any(s.entry_id for s in self.subjects))
        @rule(i=st.integers(0, 4), years=st.integers(1, 4), wait=WAIT)
        def extend(self, i: int, years: int, wait: int) -> None:
            self.wait(wait)
            s = self.pick(i)
            reviewer = people.court_reviewer if s.list_id == COURT_LIST else people.env_reviewer

            def run() -> None:
                assert s.entry_id is not None
                with store.write(reviewer.principal_id) as tx:
                    decisions.extend(
                        tx,
                        CAT,
                        reviewer,
                        s.entry_id,
                        by=Duration.parse(f"{years} years"),
                        reason="情节严重，延长期限",
                        on=self.today,
                    )

            if s.status != "published" or not s.in_term(self.today):
                with pytest.raises(Conflict):
                    run()
            elif s.ground != "2" or s.extended or years > 3:
                with pytest.raises(RuleRefused):
                    run()
            else:
                run()
                event("extended")
                assert s.term_end is not None
                s.term_end, s.extended = add_years(s.term_end, years), True

        @precondition(lambda self: any(s.entry_id for s in self.subjects))
        @rule(i=st.integers(0, 4), lag=st.integers(0, 3), wait=WAIT)
        def remove(self, i: int, lag: int, wait: int) -> None:
            self.wait(wait)
            s = self.pick(i)
            reviewer = people.court_reviewer if s.list_id == COURT_LIST else people.env_reviewer
            removal = "performed" if s.list_id == COURT_LIST else "repair_granted"

            def run() -> None:
                assert s.entry_id is not None
                with store.write(reviewer.principal_id) as tx:
                    decisions.remove(
                        tx,
                        CAT,
                        calendar,
                        reviewer,
                        s.entry_id,
                        event=removal,
                        event_on=self.today - timedelta(days=lag),
                        reason="移出",
                        on=self.today,
                    )

            if s.status != "published":
                with pytest.raises(Conflict):
                    run()
                return
            run()
            s.status, s.removed_on = "removed", self.today

        @rule(wait=WAIT)
        def expire_due(self, wait: int) -> None:
            """The daily expiry job, run for every day since it last ran."""
            self.wait(wait)
            while self.expired_through < self.today:
                day = self.expired_through = self.expired_through + timedelta(days=1)
                with store.write() as tx:
                    expire(tx, on=day)
                for s in self.subjects:
                    if s.status == "published" and s.term_end is not None and s.term_end <= day:
                        s.status = "expired"
                self.stored_entries_match()

        @rule(i=st.integers(0, 4))
        def check_through_the_service(self, i: int) -> None:
            s = self.subjects[i % len(self.subjects)]
            officer = people.aviation_officer
            (a,) = check(store, CAT, officer, [s.code], s.measure, self.today, channel="api")
            assert a.known and a.subject_id == s.subject_id
            assert a.restricted == s.restricted(self.today), (s, self.today)

        # ------------------------------------------------------------------ checks

        @invariant()
        def stored_entries_match(self) -> None:
            if not self.subjects:
                return
            with store.read() as conn:
                rows = {
                    r.subject_id: r
                    for r in conn.execute(
                        select(list_entries).where(
                            list_entries.c.subject_id.in_([s.subject_id for s in self.subjects])
                        )
                    )
                }
            for s in self.subjects:
                r = rows.get(s.subject_id)
                if s.status is None:
                    assert r is None
                    continue
                assert r is not None
                got = (r.status, r.term_start, r.term_end, r.ended_on, r.extensions)
                assert got == (s.status, s.term_start, s.term_end, s.ended_on(), int(s.extended)), s

        def teardown(self) -> None:
            if not self.subjects:
                return
            with store.read() as conn:
                for s in self.subjects:
                    m = CAT.measure(s.measure)
                    got = [answer(conn, CAT, m, s.code, d).restricted for d in WINDOW]
                    want = [s.restricted(d) for d in WINDOW]
                    assert got == want, (
                        s,
                        [d for d, g, w in zip(WINDOW, got, want, strict=True) if g != w],
                    )
                    event(f"{s.list_id}: {s.status}, restricted on {sum(want) // 5 * 5}+ days")

    run_state_machine_as_test(  # type: ignore[no-untyped-call]
        Lifecycles,
        settings=settings(
            max_examples=20 if store.sqlite else 8,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
