"""Prior notice: one record.pending_publication per new negative record about a person
(both engines), and the publish_from date on the PRC calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from tests.notify.conftest import (
    OTHER_PERSON,
    WARNED,
    World,
    ingest_rows,
    person_penalty,
    warning,
)
from tests.support.feeds import org_uscc, penalty_row, person_ric

from xinyong.calendar import Duration, WorkCalendar, today_cst
from xinyong.credit_file.assemble import find_subject
from xinyong.notify.prior_notice import (
    TOPIC,
    WATERMARK_KEY,
    needs_prior_notice,
    notice_kinds,
    publish_from,
    publish_from_deadline,
    recorded_on,
    scan,
)
from xinyong.rights.rules import get_rules
from xinyong.store.calendar_repo import work_calendar
from xinyong.store.context import Store
from xinyong.store.tables import outbox, platform_meta, records


def _events(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [
            {"subject_id": s, **p}
            for s, p in conn.execute(
                select(outbox.c.subject_id, outbox.c.payload)
                .where(outbox.c.topic == TOPIC)
                .order_by(outbox.c.at)
            )
        ]


def _record(store: Store, subject_id: str) -> Any:
    with store.read() as conn:
        return conn.execute(
            select(records).where(
                records.c.subject_id == subject_id, records.c.superseded_at.is_(None)
            )
        ).one()


def test_publish_from_counts_working_days_on_the_prc_calendar() -> None:
    cal = WorkCalendar()
    # Friday 2026-09-25 + 5 working days: 28, 29, 30 Sep, then the National Day holiday
    # (1–7 Oct; Sunday 27 Sep and Saturday 10 Oct are adjusted working days)
    assert (
        publish_from(date(2026, 9, 25), cal)
        == cal.add(date(2026, 9, 25), Duration.parse("5 working_days")).due
    )
    assert publish_from(date(2026, 11, 23), cal) == date(2026, 11, 30)  # Mon → next Mon
    assert publish_from(date(2026, 11, 27), cal) == date(2026, 12, 4)  # Fri → next Fri
    assert publish_from(date(2026, 11, 27), cal, Duration.parse("3 calendar_days")) == date(
        2026, 11, 30
    )
    late = publish_from_deadline(date(2026, 12, 28), cal)
    assert late.provisional and late.due == date(2027, 1, 4)  # 2027 has no schedule yet
    # a CST day: 2026-11-26 17:00 UTC is already the 27th in Beijing
    assert recorded_on(datetime(2026, 11, 26, 17, tzinfo=UTC)) == date(2026, 11, 27)
    assert recorded_on(datetime(2026, 11, 26, 15, 59)) == date(2026, 11, 26)  # naive = UTC


def test_which_records_are_held_back() -> None:
    assert get_rules().prior_notice.kinds == ("administrative_penalty",)
    assert needs_prior_notice("administrative_penalty", "person")
    assert not needs_prior_notice("administrative_penalty", "organisation")
    assert not needs_prior_notice("administrative_penalty", "individual_business")
    assert not needs_prior_notice("court_dishonest_listing", "person")  # the court publishes
    # a rule naming a kind the catalogue does not mark negative holds nothing back of it
    rule = get_rules().prior_notice.model_copy(
        update={"kinds": ("administrative_penalty", "administrative_licence")}
    )
    assert notice_kinds(rule) == ["administrative_penalty"]
    assert not needs_prior_notice("administrative_licence", "person", rule=rule)


def test_scan_emits_once_per_new_negative_person_record(world: World, tmp_path: Path) -> None:
    store = world.store
    on = today_cst()
    cal = work_calendar(store)
    # the world holds: a penalty about an organisation, a fine to a person, a residence
    # record about another person
    assert scan(store, on=on) == 1
    (ev,) = _events(store)
    rec = _record(store, world.person)
    day = recorded_on(rec.recorded_at)
    assert ev == {
        "subject_id": world.person,
        "record_id": rec.record_id,
        "version": 1,
        "kind": "administrative_penalty",
        "recorded_on": day.isoformat(),
        "publish_from": publish_from(day, cal).isoformat(),
        "provisional": publish_from_deadline(day, cal).provisional,
        "period": "5 working_days",
        "late": False,
    }
    assert scan(store, on=on) == 0  # rerun: nothing twice
    assert scan(store, on=on + timedelta(days=3)) == 0

    # new records: a fine to another person (new), a warning (unpublished: nothing to hold
    # back), another penalty about an organisation, and a new version of the first fine
    rep = ingest_rows(
        store,
        tmp_path,
        "more",
        [
            person_penalty(OTHER_PERSON, 20),
            warning(WARNED, 21),
            penalty_row(
                **{"统一社会信用代码": org_uscc(2), "行政处罚决定书文号": "荣市监罚〔2026〕22号"}
            ),
            person_penalty(person_ric(9), 2, **{"罚款金额（万元）": "6"}),
        ],
    )
    assert rep.accepted == 3 and rep.superseded == 1
    assert scan(store, on=on) == 1
    events = _events(store)
    assert [e["subject_id"] for e in events] == [world.person, world.other_person]
    assert len({e["record_id"] for e in events}) == 2
    assert scan(store, on=on) == 0


def test_scan_looks_back_for_records_committed_late_and_on_bounds_the_day(
    world: World, tmp_path: Path
) -> None:
    store = world.store
    on = today_cst()
    assert scan(store, on=on) == 1
    with store.read() as conn:
        mark = datetime.fromisoformat(
            conn.execute(
                select(platform_meta.c.value).where(platform_meta.c.key == WATERMARK_KEY)
            ).scalar_one()
        )
    # a record whose transaction committed after the scan although it was stamped before
    ingest_rows(store, tmp_path, "late", [person_penalty(OTHER_PERSON, 30)])
    with store.write() as tx:
        tx.conn.execute(
            update(records)
            .where(records.c.subject_id == world.other_person)
            .values(recorded_at=mark - timedelta(minutes=10))
        )
    # a scan for yesterday does not see records recorded today
    assert scan(store, on=recorded_on(mark) - timedelta(days=1)) == 0
    assert scan(store, on=on) == 1
    assert scan(store, on=on) == 0
    assert {e["subject_id"] for e in _events(store)} == {world.person, world.other_person}


def test_first_scan_skips_records_already_public(world: World) -> None:
    store = world.store
    with store.write() as tx:
        tx.conn.execute(update(records).values(recorded_at=datetime.now(UTC) - timedelta(days=30)))
    assert scan(store, on=today_cst()) == 0  # their notice period is over: already public
    assert _events(store) == []
    with store.read() as conn:
        assert find_subject(conn, person_ric(9)) == world.person
