"""Rows: every good row is valid, every bad row is bad for its stated cause only."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from xinyong.identity import check_code

from ._helpers import DataSet, date_form, in_vocab, is_person, is_ric_type, parse_date

CAUSES = {
    "uscc_check_char",
    "ric_check_char",
    "impossible_birth_date",
    "missing_decision_no",
    "unparseable_date",
    "future_date",
    "non_numeric_amount",
    "unknown_subject_category",
    "no_person_identifier",
}
KEY_FIELD = {
    "subject_registry": "record_no",
    "penalty_national": "decision_no",
    "licence_national": "decision_no",
    "canonical_en": "source_key",
}
DATE_FIELDS = ("decided_on", "valid_from", "valid_to", "display_until", "penalty_valid_to")


def _decimal(value: str) -> Decimal | None:
    if not re.fullmatch(r"\d+(\.\d+)?", value.strip()):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the regex already refuses
        return None


# --- good rows ------------------------------------------------------------------------


def test_good_rows_have_valid_codes(dataset: DataSet) -> None:
    today = dataset.as_of
    for f in dataset.feeds.values():
        for r in f.good():
            if r.get("uscc"):
                chk = check_code(r["uscc"])
                assert chk.valid and chk.kind == "organisation", (f.file, r["uscc"], chk.error)
            if is_person(r):
                assert r.get("id_number"), (f.file, r)
                if is_ric_type(r.get("id_type", "")):
                    chk = check_code(r["id_number"], today=today)
                    assert chk.valid and chk.kind == "person", (f.file, r["id_number"], chk.error)
                else:
                    assert r["id_type"] in ("护照", "passport")
                    assert re.fullmatch(r"[A-Z0-9]{8,9}", r["id_number"]), r["id_number"]
            else:
                assert r.get("uscc"), (f.file, r)
            if r.get("legal_rep_id_number"):
                assert is_ric_type(r["legal_rep_id_type"])
                chk = check_code(r["legal_rep_id_number"], today=today)
                assert chk.valid and chk.kind == "person", (f.file, chk.error)


def test_good_rows_use_the_vocabularies(dataset: DataSet) -> None:
    for f in dataset.feeds.values():
        for r in f.good():
            assert in_vocab("subject_category", r["subject_category"]), (f.file, r)
            for fld in ("id_type", "legal_rep_id_type"):
                if r.get(fld):
                    assert in_vocab("id_type", r[fld]), (f.file, r[fld])
            if f.entry["mapping"] in ("licence_national", "canonical_en") and r.get("status"):
                assert in_vocab("status", r["status"]), (f.file, r["status"])


def test_good_rows_have_keys_and_dates_up_to_as_of(dataset: DataSet) -> None:
    as_of = dataset.as_of
    for f in dataset.feeds.values():
        key = KEY_FIELD[f.entry["mapping"]]
        for r in f.good():
            assert r[key].strip(), (f.file, r)
            d = parse_date(r["decided_on"])
            assert d is not None, (f.file, r["decided_on"])
            assert d <= as_of, (f.file, r["decided_on"])
            for fld in DATE_FIELDS:
                if r.get(fld):
                    assert parse_date(r[fld]) is not None, (f.file, fld, r[fld])


def test_dates_come_in_the_accepted_forms(small: DataSet) -> None:
    forms = set()
    for f in small.feeds.values():
        if f.entry["mapping"] == "canonical_en":
            assert {date_form(r["decided_on"]) for r in f.good()} == {"iso"}, f.file
            continue
        forms |= {date_form(r["decided_on"]) for r in f.good()}
    assert forms == {"iso", "slash", "cn"}


def test_good_amounts_are_decimals(dataset: DataSet) -> None:
    amounts = []
    for f in dataset.feeds.values():
        if f.entry["mapping"] != "penalty_national":
            continue
        for r in f.good():
            for fld in ("amount_wan", "confiscated_wan"):
                if r[fld]:
                    v = _decimal(r[fld])
                    assert v is not None and v > 0, (f.file, fld, r[fld])
                    amounts.append(v)
            if r["amount_wan"]:
                assert "罚款" in r["penalty_types"].split(";")
    assert any(a != a.to_integral_value() for a in amounts)  # 万元 decimals like 0.5


def test_penalties_mix_types_and_subjects(mid: DataSet) -> None:
    rows = [
        r for f in mid.feeds.values() if f.entry["mapping"] == "penalty_national" for r in f.good()
    ]
    types = {t for r in rows for t in r["penalty_types"].split(";")}
    assert types >= {"警告", "罚款", "没收违法所得", "吊销许可证件", "责令停产停业", "限制从业"}
    assert any(";" in r["penalty_types"] for r in rows)
    cats = {r["subject_category"] for r in rows}
    assert cats == {"自然人", "法人及非法人组织", "个体工商户"}
    assert any(r["display_until"] for r in rows)
    assert all(r["legal_basis_text"].startswith("《") for r in rows)
    years = [parse_date(r["decided_on"]).year for r in rows]  # type: ignore[union-attr]
    assert min(years) == 2019
    # heavier in recent years
    assert years.count(2024) > years.count(2019)


def test_licence_revocations_supersede_an_earlier_row(mid: DataSet) -> None:
    f = mid.feeds["licences_approval.csv"]
    seen: dict[tuple[str, str], dict[str, str]] = {}
    revoked = 0
    for r in f.good():
        key = (r["decision_no"], r["uscc"])
        if r["status"] == "2":
            revoked += 1
            assert key in seen, r
            assert seen[key]["status"] == "1"
            assert seen[key]["licence_no"] == r["licence_no"]
        else:
            assert key not in seen, "a licence decision appears twice in force"
            seen[key] = r
        vf, vt = parse_date(r["valid_from"]), parse_date(r["valid_to"])
        assert vf is not None and vt is not None and vf < vt
    assert revoked > 0
    assert revoked == mid.manifest["stats"]["licence_revocations"]


def test_cross_channel_duplicates_keep_authority_and_number(mid: DataSet) -> None:
    samr = {
        (r["decision_no"], r["uscc"] or r["id_number"]): r
        for r in mid.feeds["penalties_samr.csv"].good()
    }
    dups = [
        r
        for r in mid.feeds["penalties_credit_platform.csv"].good()
        if r["deciding_authority"].endswith("市场监督管理局")
    ]
    assert len(dups) == mid.manifest["stats"]["penalties_cross_channel_duplicates"] > 0
    for r in dups:
        src = samr[(r["decision_no"], r["uscc"] or r["id_number"])]
        assert src["deciding_authority_uscc"] == r["deciding_authority_uscc"]
        assert src["facts"] == r["facts"] and src["amount_wan"] == r["amount_wan"]
        assert src["reporting_unit"] != r["reporting_unit"]


def test_source_keys_are_unique_except_declared_repeats(dataset: DataSet) -> None:
    for f in dataset.feeds.values():
        key = KEY_FIELD[f.entry["mapping"]]
        seen: set[tuple[str, str]] = set()
        repeats = 0
        for r in f.good():
            k = (r[key], r.get("uscc") or r.get("id_number", ""))
            if k in seen:
                repeats += 1
            seen.add(k)
        if f.file == "penalties_credit_platform.csv":
            continue  # its repeats are of the SAMR file's numbers, counted there
        assert repeats == f.entry.get("repeated_keys", 0), f.file


# --- bad rows ------------------------------------------------------------------------


def _cause_holds(cause: str, r: dict[str, str], key: str, as_of: date) -> bool:
    if cause == "uscc_check_char":
        chk = check_code(r["uscc"])
        return chk.error is not None and chk.error.code == "check_character"
    if cause == "ric_check_char":
        chk = check_code(r["id_number"], today=as_of)
        return (
            chk.kind == "person" and chk.error is not None and chk.error.code == "check_character"
        )
    if cause == "impossible_birth_date":
        chk = check_code(r["id_number"], today=as_of)
        return chk.error is not None and chk.error.code == "birth_date"
    if cause == "missing_decision_no":
        return r[key].strip() == ""
    if cause == "unparseable_date":
        return bool(r["decided_on"].strip()) and parse_date(r["decided_on"]) is None
    if cause == "future_date":
        d = parse_date(r["decided_on"])
        return d is not None and d > as_of
    if cause == "non_numeric_amount":
        return bool(r["amount_wan"].strip()) and _decimal(r["amount_wan"]) is None
    if cause == "unknown_subject_category":
        return not in_vocab("subject_category", r["subject_category"])
    if cause == "no_person_identifier":
        return is_person(r) and not r.get("id_number", "").strip()
    raise AssertionError(cause)


def _only_defect(cause: str, r: dict[str, str], key: str, as_of: date) -> None:
    """Apart from its cause, a bad row is as good as a good row."""
    if cause not in ("uscc_check_char",) and r.get("uscc"):
        assert check_code(r["uscc"]).valid
    id_causes = ("ric_check_char", "impossible_birth_date", "no_person_identifier")
    if cause not in id_causes and is_person(r) and is_ric_type(r.get("id_type", "")):
        assert check_code(r["id_number"], today=as_of).valid
    if cause != "missing_decision_no":
        assert r[key].strip()
    if cause not in ("unparseable_date", "future_date"):
        d = parse_date(r["decided_on"])
        assert d is not None and d <= as_of
    if cause != "unknown_subject_category":
        assert in_vocab("subject_category", r["subject_category"])
    if cause != "non_numeric_amount" and r.get("amount_wan"):
        assert _decimal(r["amount_wan"]) is not None


def test_every_bad_row_is_bad_for_its_cause_only(dataset: DataSet) -> None:
    for f in dataset.feeds.values():
        key = KEY_FIELD[f.entry["mapping"]]
        headers = set(f.header) | {key}
        for i, t in f.bad.items():
            assert t["cause"] in CAUSES
            r = f.rows[i]
            assert t["field"] in headers or f.entry["format"] == "jsonl", t
            assert _cause_holds(t["cause"], r, key, dataset.as_of), (f.file, t, r)
            _only_defect(t["cause"], r, key, dataset.as_of)


def test_bad_rows_are_a_small_share_of_each_feed(dataset: DataSet) -> None:
    for f in dataset.feeds.values():
        n = len(f.rows)
        if n >= 500:
            assert 0.005 <= len(f.bad) / n <= 0.025, (f.file, len(f.bad), n)
        if n >= 20:
            assert len(f.bad) >= 1, f.file
        if len(f.bad) > 3:
            spots = sorted(f.bad)
            assert spots[-1] - spots[0] > n / 4, f"bad rows bunched in {f.file}"


def test_all_causes_occur(mid: DataSet) -> None:
    assert {t["cause"] for t in mid.truth} == CAUSES
    pen = {
        t["cause"] for t in mid.truth if mid.feeds[t["file"]].entry["mapping"] == "penalty_national"
    }
    assert pen == CAUSES
