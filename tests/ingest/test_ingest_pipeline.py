"""Ingest: receipts, every quarantine reason, idempotence, supersession, formats (both engines)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from tests.support.feeds import (
    COURT_USCC,
    SAMR_USCC,
    court_row,
    org_uscc,
    penalty_row,
    person_ric,
    register_agencies,
    write_csv,
    write_jsonl,
)

from xinyong.errors import NotFound, RuleRefused, UnusableInput
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.ingest.quarantine import list_quarantine
from xinyong.store.context import Store
from xinyong.store.tables import ingest_batches, quarantine, records, roles, subject_names, subjects

TODAY = date(2026, 11, 27)


@pytest.fixture
def reg(store: Store) -> Store:
    register_agencies(store)
    return store


def run(store: Store, path: Path, agency: str = "rc-samr", **kw):  # type: ignore[no-untyped-def]
    return ingest(store, IngestRequest(path=path, agency=agency, today=TODAY, **kw))


def count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_good_rows_become_records_with_derived_severity_and_publicity(
    reg: Store, tmp_path: Path
) -> None:
    rows = [
        penalty_row(),
        penalty_row(
            **{
                "行政处罚决定书文号": "荣市监罚〔2026〕2号",
                "处罚类别": "警告",
                "罚款金额（万元）": "",
                "统一社会信用代码": org_uscc(2),
                "行政相对人名称": "荣成市张记小吃店",
            }
        ),
    ]
    r = run(reg, write_csv(tmp_path / "p.csv", "penalty_national", rows))
    assert (r.rows, r.accepted, r.duplicates, r.superseded, r.quarantined) == (2, 2, 0, 0, 0)
    assert r.mapping == "penalty_national"  # detected from the header
    with reg.read() as conn:
        recs = {x.decision_no: x for x in conn.execute(select(records))}
    fine = recs["荣市监罚〔2026〕1号"]
    assert fine.amount_fen == 5 * 1_000_000  # 5 万元 = 50,000 yuan = 5,000,000 fen
    assert fine.severity == "general" and fine.severity_derived is True
    assert fine.deciding_authority == "rc-samr"
    assert fine.display_until is not None and fine.display_until > date(2026, 3, 9)
    warning = recs["荣市监罚〔2026〕2号"]
    assert warning.severity == "minor"
    assert warning.amount_fen is None
    assert warning.publication == "unpublished"  # warnings are not published by SAMR


def test_every_quarantine_reason_with_row_number_and_raw(reg: Store, tmp_path: Path) -> None:
    good = penalty_row()
    bad = {
        "missing_field": penalty_row(**{"行政处罚决定书文号": ""}),
        "invalid_uscc": penalty_row(**{"统一社会信用代码": org_uscc(3)[:-1] + "0"}),
        "invalid_date": penalty_row(**{"处罚决定日期": "2026-13-45"}),
        "future_date": penalty_row(**{"处罚决定日期": "2027-01-02"}),
        "invalid_amount": penalty_row(**{"罚款金额（万元）": "五万"}),
        "invalid_value": penalty_row(**{"行政相对人类别": "外星人"}),
        "no_identifier": penalty_row(
            **{"行政相对人类别": "自然人", "行政相对人名称": "赵六", "证件号码": ""}
        ),
        "invalid_ric": penalty_row(
            **{
                "行政相对人类别": "自然人",
                "行政相对人名称": "赵六",
                "证件类型": "身份证",
                "证件号码": person_ric(9)[:-1] + ("0" if person_ric(9)[-1] != "0" else "1"),
            }
        ),
        "unregistered_authority": penalty_row(
            **{"处罚机关": "某不存在的局", "处罚机关统一社会信用代码": org_uscc(77, "11")}
        ),
    }
    rows = [good, *bad.values()]
    for i, r in enumerate(rows):
        r["行政处罚决定书文号"] = r["行政处罚决定书文号"] and f"荣市监罚〔2026〕{100 + i}号"
    r = run(reg, write_csv(tmp_path / "p.csv", "penalty_national", rows))
    assert r.rows == len(rows) and r.accepted == 1
    assert r.quarantined == len(bad)
    assert r.reasons == {k: 1 for k in bad}
    with reg.read() as conn:
        q = list_quarantine(conn, batch_id=r.batch_id)
    by_reason = {x.reason: x for x in q}
    for n, reason in enumerate(bad, start=2):  # data row numbers are 1-based; row 1 is good
        assert by_reason[reason].row == n
        assert by_reason[reason].raw["行政相对人名称"] == rows[n - 1]["行政相对人名称"]
        assert by_reason[reason].message
    # a resident ID never appears in clear in a message
    assert person_ric(9)[6:14] not in by_reason["invalid_ric"].message


def test_kind_rules_reasons_in_canonical_feed(reg: Store, tmp_path: Path) -> None:
    rows = [
        court_row(1),
        court_row(2, kind="no_such_kind"),
        court_row(3, kind="tax_credit_grade", grade="A"),  # grades are for organisations
        court_row(4, kind="residence"),  # court may not report residence either
        court_row(5, id_number=person_ric(5, date(2010, 6, 1))),  # a minor
        court_row(6, grounds="9"),
        court_row(
            7,
            kind="consumption_restriction",
            subject_category="organisation",
            id_type=None,
            id_number=None,
            uscc=org_uscc(7),
            subject_name="荣成市某公司",
        ),
    ]
    r = run(reg, write_jsonl(tmp_path / "court.jsonl", rows), agency="rc-court")
    assert r.mapping == "canonical_en"
    assert r.accepted == 2
    assert r.reasons == {
        "unknown_kind": 1,
        "subject_kind_not_allowed": 1,
        "kind_not_permitted": 1,
        "minor_not_listable": 1,
        "invalid_value": 1,
    }


def test_subject_kind_not_allowed(reg: Store, tmp_path: Path) -> None:
    rows = [
        {
            "记录编号": "REG-1",
            "主体类别": "自然人",
            "主体名称": "张三",
            "证件类型": "身份证",
            "证件号码": person_ric(1),
            "登记日期": "2020-01-01",
        }
    ]
    # the market regulator's registry rows for persons would be residence records,
    # which it may not report
    r = run(reg, write_csv(tmp_path / "r.csv", "subject_registry", rows))
    assert r.reasons == {"kind_not_permitted": 1}


def test_malformed_and_bad_encoding_rows(reg: Store, tmp_path: Path) -> None:
    p = write_csv(tmp_path / "p.csv", "penalty_national", [penalty_row()])
    with p.open("ab") as f:
        f.write(b"only,three,fields\n")
        f.write("荣成,".encode() + b"\xff\xfe" + b"," * 28 + b"\n")
    r = run(reg, p)
    assert r.accepted == 1
    assert r.reasons == {"malformed_row": 1, "bad_encoding": 1}


def test_reingest_is_idempotent(reg: Store, tmp_path: Path) -> None:
    p = write_csv(tmp_path / "p.csv", "penalty_national", [penalty_row(), penalty_row()])
    first = run(reg, p)
    assert (first.accepted, first.duplicates) == (1, 1)  # a repeated row inside the file
    n_records, n_subjects = count(reg, records), count(reg, subjects)
    second = run(reg, p)
    assert second.batch_id != first.batch_id
    assert (second.accepted, second.duplicates, second.superseded) == (0, 2, 0)
    assert (count(reg, records), count(reg, subjects)) == (n_records, n_subjects)
    # seen again: the record's last_seen_at moves on to the second batch, nothing else
    with reg.read() as conn:
        rec = conn.execute(select(records)).one()
        batch_at = conn.execute(
            select(ingest_batches.c.started_at).where(ingest_batches.c.batch_id == second.batch_id)
        ).scalar_one()
    assert rec.last_seen_at > rec.recorded_at and rec.last_seen_at >= batch_at
    assert rec.batch_id == first.batch_id and rec.superseded_at is None


def test_changed_row_supersedes_and_keeps_history(reg: Store, tmp_path: Path) -> None:
    run(reg, write_csv(tmp_path / "a.csv", "penalty_national", [penalty_row()]))
    changed = penalty_row(**{"罚款金额（万元）": "8", "处罚内容": "罚款人民币八万元"})
    r = run(reg, write_csv(tmp_path / "b.csv", "penalty_national", [changed]))
    assert (r.accepted, r.superseded) == (0, 1)
    with reg.read() as conn:
        versions = conn.execute(select(records).order_by(records.c.version)).all()
    assert [v.version for v in versions] == [1, 2]
    # the old version is superseded at the instant the new one was recorded
    assert versions[0].superseded_at == versions[1].recorded_at
    assert versions[1].superseded_at is None
    assert versions[1].amount_fen == 8_000_000
    assert versions[0].record_id == versions[1].record_id


def test_revoked_licence_ends_publicity(reg: Store, tmp_path: Path) -> None:
    lic = {
        "行政相对人名称": "荣成市海润水产有限公司",
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": org_uscc(1),
        "行政许可决定文书号": "荣市监许〔2025〕9号",
        "许可类别": "普通",
        "许可内容": "食品经营许可",
        "许可决定日期": "2025/03/09",
        "有效期自": "2025年3月9日",
        "有效期至": "2030-03-08",
        "许可机关": "荣成市市场监督管理局",
        "许可机关统一社会信用代码": SAMR_USCC,
        "当前状态": "1",
    }
    p = write_csv(tmp_path / "l.csv", "licence_national", [lic, {**lic, "当前状态": "2"}])
    r = run(reg, p)
    assert (r.accepted, r.superseded) == (1, 1)
    with reg.read() as conn:
        cur = conn.execute(select(records).where(records.c.superseded_at.is_(None))).one()
    assert cur.status == "revoked" and cur.publication == "withdrawn"
    assert cur.valid_from == date(2025, 3, 9)


def test_gb18030_bom_jsonl_parquet(reg: Store, tmp_path: Path) -> None:
    gb = write_csv(tmp_path / "gb.csv", "penalty_national", [penalty_row()], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        gb.read_bytes().decode("utf-8")
    assert run(reg, gb).accepted == 1
    bom = write_csv(
        tmp_path / "bom.csv",
        "penalty_national",
        [penalty_row(**{"行政处罚决定书文号": "荣市监罚〔2026〕50号"})],
        encoding="utf-8-sig",
    )
    assert run(reg, bom).accepted == 1
    # the same content in GB18030 and UTF-8 is the same record (content hash on normalised text)
    utf = write_csv(tmp_path / "u.csv", "penalty_national", [penalty_row()])
    assert run(reg, utf).duplicates == 1
    rows = [court_row(11), court_row(12)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "court.parquet")
    r = run(reg, tmp_path / "court.parquet", agency="rc-court")
    assert r.accepted == 2


def test_unreadable_files_write_nothing(reg: Store, tmp_path: Path) -> None:
    before = count(reg, ingest_batches)
    with pytest.raises(UnusableInput):
        run(reg, tmp_path / "missing.csv")
    fake = tmp_path / "fake.parquet"
    fake.write_text("not parquet at all")
    with pytest.raises(UnusableInput):
        run(reg, fake)
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(UnusableInput, match="no known header"):
        run(reg, unknown)
    with pytest.raises(NotFound):
        run(reg, write_csv(tmp_path / "p.csv", "penalty_national", [penalty_row()]), agency="nope")
    with pytest.raises(RuleRefused):  # the court may not report penalties
        run(
            reg,
            write_csv(tmp_path / "p.csv", "penalty_national", [penalty_row()]),
            agency="rc-court",
        )
    assert count(reg, ingest_batches) == before
    assert count(reg, records) == 0


def test_dry_run_writes_nothing(reg: Store, tmp_path: Path) -> None:
    p = write_csv(
        tmp_path / "p.csv",
        "penalty_national",
        [penalty_row(), penalty_row(**{"罚款金额（万元）": "x"})],
    )
    r = run(reg, p, dry_run=True)
    assert r.dry_run and r.batch_id is None
    assert (r.accepted, r.quarantined) == (1, 1)
    assert count(reg, records) == 0 and count(reg, quarantine) == 0


def test_same_decision_through_two_channels_is_linked(reg: Store, tmp_path: Path) -> None:
    run(reg, write_csv(tmp_path / "a.csv", "penalty_national", [penalty_row()]))
    # the same SAMR decision, forwarded by the tax bureau's channel
    r = run(
        reg, write_csv(tmp_path / "b.csv", "penalty_national", [penalty_row()]), agency="rc-tax"
    )
    assert r.accepted == 1 and r.linked == 1
    with reg.read() as conn:
        rows = conn.execute(select(records).order_by(records.c.recorded_at)).all()
    assert rows[1].linked_to == rows[0].record_id


def test_name_variants_and_legal_representative_roles(reg: Store, tmp_path: Path) -> None:
    rows = [
        penalty_row(),
        penalty_row(
            **{
                "行政处罚决定书文号": "荣市监罚〔2026〕3号",
                "行政相对人名称": "荣成市海润水产股份有限公司",
                "法定代表人": "刘洋",
                "法定代表人证件号码": person_ric(2),
                "处罚决定日期": "2026-05-01",
            }
        ),
        penalty_row(
            **{
                "行政处罚决定书文号": "荣市监罚〔2026〕4号",
                "行政相对人名称": "荣成市海润水产有限公司 ",
            }
        ),
    ]
    run(reg, write_csv(tmp_path / "p.csv", "penalty_national", rows))
    with reg.read() as conn:
        variants = conn.execute(select(subject_names)).all()
        rs = conn.execute(select(roles).order_by(roles.c.valid_from)).all()
    assert [(v.name, v.flagged) for v in variants] == [("荣成市海润水产股份有限公司", True)]
    assert [(r.person_name, r.valid_from, r.valid_to) for r in rs] == [
        ("王海", date(2026, 3, 9), date(2026, 5, 1)),
        ("刘洋", date(2026, 5, 1), None),
    ]
    assert all(r.person_subject_id for r in rs)


def test_roles_held_from_earlier_files_are_ended_and_bounded(reg: Store, tmp_path: Path) -> None:
    """Roles written by an earlier ingest are read back: a later representative ends the
    open one in the store, and one learned late is bounded by the next one's start."""
    run(reg, write_csv(tmp_path / "a.csv", "penalty_national", [penalty_row()]))
    newer = {
        "行政处罚决定书文号": "荣市监罚〔2026〕3号",
        "法定代表人": "刘洋",
        "法定代表人证件号码": person_ric(2),
        "处罚决定日期": "2026-05-01",
    }
    run(reg, write_csv(tmp_path / "b.csv", "penalty_national", [penalty_row(**newer)]))
    older = {
        "行政处罚决定书文号": "荣市监罚〔2025〕7号",
        "法定代表人": "陈静",
        "法定代表人证件号码": person_ric(3),
        "处罚决定日期": "2025-02-01",
    }
    again = {**newer, "行政处罚决定书文号": "荣市监罚〔2026〕9号"}  # a role already held
    rows = [penalty_row(**older), penalty_row(**again)]
    run(reg, write_csv(tmp_path / "c.csv", "penalty_national", rows))
    with reg.read() as conn:
        rs = conn.execute(select(roles).order_by(roles.c.valid_from)).all()
    assert [(r.person_name, r.valid_from, r.valid_to) for r in rs] == [
        ("陈静", date(2025, 2, 1), date(2026, 5, 1)),
        ("王海", date(2026, 3, 9), date(2026, 5, 1)),
        ("刘洋", date(2026, 5, 1), None),
    ]
    assert len({r.org_subject_id for r in rs}) == 1 and all(r.person_subject_id for r in rs)


def test_registry_unregistered_authority_name(reg: Store, tmp_path: Path) -> None:
    rows = [
        {
            "记录编号": "REG-9",
            "主体类别": "法人及非法人组织",
            "主体名称": "荣成市某公司",
            "统一社会信用代码": org_uscc(9),
            "登记日期": "2020-01-01",
            "登记机关": "荣成市市场监督管理局",
        },
        {
            "记录编号": "REG-10",
            "主体类别": "法人及非法人组织",
            "主体名称": "荣成市某某公司",
            "统一社会信用代码": org_uscc(10),
            "登记日期": "2020-01-01",
            "登记机关": "荣成市法院",  # a name no agency is registered under
        },
    ]
    r = run(reg, write_csv(tmp_path / "r.csv", "subject_registry", rows))
    assert r.accepted == 1 and r.reasons == {"unregistered_authority": 1}
    assert COURT_USCC  # (the court is registered, but under its full name)


def test_a_corrected_version_is_not_reverted_by_a_resend(reg: Store, tmp_path: Path) -> None:
    from sqlalchemy import update

    p = write_csv(tmp_path / "a.csv", "penalty_national", [penalty_row()])
    run(reg, p)
    # a case outcome corrected the record (rights module, later): its version is locked
    corrected = penalty_row(**{"罚款金额（万元）": "1"})
    run(reg, write_csv(tmp_path / "b.csv", "penalty_national", [corrected]))
    with reg.write() as tx:
        tx.conn.execute(
            update(records).where(records.c.superseded_at.is_(None)).values(locked=True)
        )
    # the agency resends its old content: quarantined, never a silent revert
    r = run(reg, write_csv(tmp_path / "c.csv", "penalty_national", [penalty_row(), corrected]))
    assert r.reasons == {"conflicts_with_corrected": 1} and r.duplicates == 1
    with reg.read() as conn:
        cur = conn.execute(select(records).where(records.c.superseded_at.is_(None))).one()
    assert cur.amount_fen == 1_000_000 and cur.version == 2
