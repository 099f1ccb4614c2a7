"""Credit files: audiences and masking, publicity windows, the two time axes, query logging."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.support.feeds import (
    court_row,
    org_uscc,
    penalty_row,
    person_ric,
    register_agencies,
    write_csv,
    write_jsonl,
)

from xinyong.actors import Principal, Role
from xinyong.audit.verify import verify
from xinyong.catalogue import Audience, get_catalogue
from xinyong.credit_file.assemble import find_subject, read_file
from xinyong.errors import NotFound
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.store.actors import get_principal
from xinyong.store.context import Store
from xinyong.store.query_log import queries_about
from xinyong.store.tables import query_log

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    register_agencies(store)
    pen = write_csv(tmp_path / "p.csv", "penalty_national", [penalty_row()])
    ingest(store, IngestRequest(path=pen, agency="rc-samr", today=TODAY))
    court = write_jsonl(tmp_path / "c.jsonl", [court_row(1, subject_name="李四")])
    ingest(store, IngestRequest(path=court, agency="rc-court", today=TODAY))
    res = write_csv(
        tmp_path / "res.csv",
        "subject_registry",
        [
            {
                "记录编号": "HJ-1",
                "主体类别": "自然人",
                "主体名称": "孙七",
                "证件类型": "身份证",
                "证件号码": person_ric(50),
                "登记日期": "2001-01-01",
                "登记机关": "荣成市公安局",
                "行政区划代码": "371082",
            }
        ],
    )
    ingest(store, IngestRequest(path=res, agency="rc-psb", today=TODAY))
    return store


def _file(store: Store, code: str, audience: Audience = Audience.PUBLIC, **kw):  # type: ignore[no-untyped-def]
    with store.read() as conn:
        sid = find_subject(conn, code)
        admin = get_principal(conn, "admin")
    return read_file(
        store,
        get_catalogue(),
        sid,
        on=kw.get("on", TODAY),
        known_at=kw.get("known_at", datetime.now(UTC)),
        audience=audience,
        principal=admin,
        purpose=kw.get("purpose", "test"),
        channel="test",
    )


def test_public_org_file_has_records_with_basis_and_public_until(loaded: Store) -> None:
    f = _file(loaded, org_uscc(1))
    assert f.kind == "organisation" and f.name == "荣成市海润水产有限公司"
    assert [i.scheme for i in f.identifiers] == ["uscc"]
    (rec,) = f.records
    assert rec.kind == "administrative_penalty" and rec.public
    assert rec.legal_basis and all(b.strip() for b in rec.legal_basis)
    assert rec.decision_basis and "产品质量法" in rec.decision_basis
    assert rec.display_until is not None and rec.deciding_authority is not None
    assert f.roles and f.roles[0].person_name == "王海" and f.roles[0].person_id is None


def test_listed_person_public_view_masks_the_id(loaded: Store) -> None:
    ric = person_ric(1, date(1985, 1, 1))
    f = _file(loaded, ric)
    assert f.name == "李四"  # the court list publishes full names
    (ident,) = f.identifiers
    assert ident.masked and ident.value == ric[:10] + "****" + ric[-4:]
    assert ric not in f.model_dump_json()


def test_person_without_public_records_has_no_public_file(loaded: Store) -> None:
    with pytest.raises(NotFound):
        _file(loaded, person_ric(50))
    f = _file(loaded, person_ric(50), Audience.AGENCY)
    assert f.name == "孙七" and f.identifiers[0].value == person_ric(50)
    assert [r.kind for r in f.records] == ["residence"]


def test_past_its_publicity_a_record_leaves_public_view_but_is_kept(loaded: Store) -> None:
    f = _file(loaded, org_uscc(1))
    end = f.records[0].display_until
    assert end is not None
    later = end + timedelta(days=1)
    assert _file(loaded, org_uscc(1), on=later).records == []
    agency_view = _file(loaded, org_uscc(1), Audience.AGENCY, on=later)
    assert [r.kind for r in agency_view.records] == [
        "administrative_penalty"
    ]  # in force, not public
    assert not agency_view.records[0].public


def test_on_before_the_decision_and_known_at_before_ingest(loaded: Store, tmp_path: Path) -> None:
    assert _file(loaded, org_uscc(1), on=date(2026, 3, 8)).records == []
    with pytest.raises(NotFound):
        _file(loaded, org_uscc(1), known_at=datetime(2020, 1, 1, tzinfo=UTC))
    before_change = datetime.now(UTC)
    changed = penalty_row(**{"罚款金额（万元）": "9"})
    ingest(
        loaded,
        IngestRequest(
            path=write_csv(tmp_path / "p2.csv", "penalty_national", [changed]),
            agency="rc-samr",
            today=TODAY,
        ),
    )
    now = _file(loaded, org_uscc(1), Audience.AGENCY)
    then = _file(loaded, org_uscc(1), Audience.AGENCY, known_at=before_change)
    assert now.records[0].amount_fen == 9_000_000 and now.records[0].version == 2
    assert then.records[0].amount_fen == 5_000_000 and then.records[0].version == 1
    assert [h.version for h in now.records[0].history] == [1, 2]


def test_every_non_public_read_goes_to_the_query_log(loaded: Store) -> None:
    _file(loaded, org_uscc(1))  # public: not logged
    with loaded.read() as conn:
        assert conn.execute(select(query_log)).all() == []
    _file(loaded, org_uscc(1), Audience.AGENCY, purpose="licence review")
    with loaded.read() as conn:
        sid = find_subject(conn, org_uscc(1))
        (q,) = queries_about(conn, sid)
    assert (q.principal_id, q.purpose, q.audience, q.resource) == (
        "admin",
        "licence review",
        "agency",
        "credit_file",
    )
    pub, _ = loaded.pinned_public_key()
    with loaded.read() as conn:
        assert verify(conn, pub, loaded.external_checkpoints()).ok


def test_a_subject_reading_its_own_file(loaded: Store) -> None:
    with loaded.read() as conn:
        sid = find_subject(conn, person_ric(50))
    me = Principal(
        principal_id="me",
        display_name="孙七",
        organisation="platform",
        roles=frozenset({Role.SUBJECT}),
        subject_id=sid,
    )
    f = read_file(
        loaded,
        get_catalogue(),
        sid,
        on=TODAY,
        known_at=datetime.now(UTC),
        audience=Audience.SUBJECT,
        principal=me,
        purpose="own file",
        channel="test",
    )
    assert f.audience == "subject" and f.identifiers[0].value == person_ric(50)
