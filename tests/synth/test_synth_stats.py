"""Statistics of the population and the records, measured on the files.

Shares are recomputed from the rows (resident IDs give birth dates and sex), not
read from the manifest; the manifest's own counts are compared with them.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ._helpers import DataSet, age_on, is_ric_type, parse_date, ric_birth

TAX_THRESHOLDS = {"A": (90, 100), "B": (70, 89), "M": (70, 100), "C": (40, 69), "D": (0, 39)}


def _residents(ds: DataSet) -> list[dict[str, str]]:
    return ds.feeds["registry_psb_residence.csv"].good()


def test_every_person_has_a_residence_row(dataset: DataSet) -> None:
    rows = _residents(dataset)
    stats = dataset.manifest["stats"]
    assert len(rows) == stats["persons"]
    assert len({r["id_number"] for r in rows}) == len(rows)  # unique identifiers
    assert all(re.fullmatch(r"\d{6}", r["region"]) for r in rows)
    passports = [r for r in rows if r["id_type"] == "护照"]
    assert len(passports) == stats["persons_passport"]


def test_age_pyramid_and_sex(mid: DataSet) -> None:
    as_of = mid.as_of
    ages = [
        age_on(ric_birth(r["id_number"]), as_of)
        for r in _residents(mid)
        if r["id_type"] == "身份证"
    ]
    n = len(ages)
    assert min(ages) >= 0 and max(ages) <= 95
    minors = sum(a < 18 for a in ages) / n
    working = sum(18 <= a <= 59 for a in ages) / n
    old = sum(a >= 60 for a in ages) / n
    assert 0.17 <= minors <= 0.23  # 2020 census: about 20 %
    assert 0.57 <= working <= 0.64
    assert 0.16 <= old <= 0.22
    male = sum(int(r["id_number"][16]) % 2 for r in _residents(mid) if r["id_type"] == "身份证")
    assert 0.49 <= male / n <= 0.535  # odd sequence digit = male; sex ratio 105:100


def test_address_codes_are_mostly_rongcheng(mid: DataSet) -> None:
    codes = Counter(r["id_number"][:6] for r in _residents(mid) if r["id_type"] == "身份证")
    n = sum(codes.values())
    assert codes["371082"] / n > 0.7
    weihai = sum(c for k, c in codes.items() if k.startswith("3710"))
    shandong = sum(c for k, c in codes.items() if k.startswith("37"))
    assert weihai / n > 0.8
    assert 0.9 < shandong / n < 0.99  # some from elsewhere
    assert len(codes) > 100


def test_names_look_chinese(mid: DataSet) -> None:
    people = [r["subject_name"] for r in _residents(mid) if r["id_type"] == "身份证"]
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", n) for n in people)
    lengths = Counter(len(n) for n in people)
    assert lengths[3] > lengths[2] > 0
    surnames = Counter(n[0] for n in people)
    assert {s for s, _ in surnames.most_common(6)} & {"王", "张", "李", "刘"}
    orgs = [r["subject_name"] for r in mid.feeds["registry_samr.csv"].good()]
    assert sum(n.startswith("荣成市") for n in orgs) / len(orgs) > 0.9
    assert any(re.fullmatch(r"荣成市.{2}水产有限公司", n) for n in orgs)
    assert any(re.fullmatch(r"荣成市.*[\u4e00-\u9fff]记.+店", n) for n in orgs)
    assert len(set(orgs)) == len(orgs)


def test_uscc_category_mix(mid: DataSet) -> None:
    codes = [
        r["uscc"][:2]
        for name in ("registry_samr.csv", "registry_other_registrars.csv")
        for r in mid.feeds[name].good()
    ]
    mix = Counter(codes)
    n = len(codes)
    assert (mix["91"] + mix["92"]) / n > 0.85
    assert mix["92"] > mix["91"]
    for code in ("93", "12", "51", "52", "53", "N2", "A1", "Y1"):
        assert mix[code] > 0, code
    regions = {r["uscc"][2:8] for r in mid.feeds["registry_samr.csv"].good()}
    assert regions <= {"371082", "371000"}


def test_legal_representatives_are_adult_residents(mid: DataSet) -> None:
    residents = {r["id_number"] for r in _residents(mid)}
    for name in ("registry_samr.csv", "registry_other_registrars.csv"):
        for r in mid.feeds[name].good():
            assert r["legal_rep_id_number"] in residents
            reg = parse_date(r["decided_on"])
            assert reg is not None
            assert age_on(ric_birth(r["legal_rep_id_number"]), reg) >= 18


@pytest.mark.parametrize("ds_name", ["small", "mid"])
def test_about_one_percent_of_adults_listed_and_no_minors(
    ds_name: str, request: pytest.FixtureRequest
) -> None:
    ds: DataSet = request.getfixturevalue(ds_name)
    as_of = ds.as_of
    adults = sum(
        18 <= age_on(ric_birth(r["id_number"]), as_of) <= 59
        for r in _residents(ds)
        if r["id_type"] == "身份证"
    )
    listings = ds.feeds["court_dishonest_listings.jsonl"].good()
    persons = [r for r in listings if r["subject_category"] == "person"]
    listed = 0
    for r in persons:
        born = ric_birth(r["id_number"])
        decided = parse_date(r["decided_on"])
        assert decided is not None
        assert age_on(born, decided) >= 18, "a minor was listed"
        if 18 <= age_on(born, as_of) <= 59:
            listed += 1
    share = listed / adults
    # exact quota up to rounding: 1 % of 18–59-year-olds
    tolerance = 0.003 if adults < 10_000 else 0.001
    assert abs(share - 0.01) <= tolerance, share
    stats = ds.manifest["stats"]
    assert stats["listed_persons_18_59"] == listed
    assert stats["listed_persons"] == len(persons)
    assert stats["listed_minors"] == 0


def test_court_listings(mid: DataSet) -> None:
    rows = mid.feeds["court_dishonest_listings.jsonl"].good()
    case = re.compile(r"^\(\d{4}\)鲁1082执\d+号$")
    grounds = Counter(r["grounds"] for r in rows)
    assert set(grounds) <= {"1", "2", "3", "4", "5", "6"}
    assert grounds["1"] / len(rows) > 0.5
    units = [r for r in rows if r["subject_category"] == "organisation"]
    assert units and all(r["uscc"] and r["legal_rep_name"] for r in units)
    for r in rows:
        assert case.match(r["case_no"]) and r["decision_no"] == r["case_no"]
        if r["grounds"] != "1":
            assert r["valid_to"]  # 2-year term
    restrictions = mid.feeds["court_consumption_restrictions.jsonl"].good()
    listed_cases = {r["case_no"] for r in rows}
    linked = [r for r in restrictions if r["case_no"] in listed_cases]
    assert len(linked) > 0.7 * len(rows)
    assert len(restrictions) > len(linked)  # some restricted without a listing


def test_tax_grade_shares_and_scores(mid: DataSet) -> None:
    rows = mid.feeds["tax_credit_grades.csv"].good()
    by_year: dict[str, Counter[str]] = {}
    for r in rows:
        lo, hi = TAX_THRESHOLDS[r["grade"]]
        assert lo <= int(r["score"]) <= hi, r
        assert r["uscc"].startswith("91")
        by_year.setdefault(r["tax_year"], Counter())[r["grade"]] += 1
    assert len(by_year) == 3
    for year, grades in by_year.items():
        n = sum(grades.values())
        assert abs(grades["A"] / n - 0.0489) < 0.004, (year, grades)
        assert abs(grades["D"] / n - 0.0701) < 0.004, (year, grades)
        assert grades["B"] > grades["M"] > grades["C"] > 0
        assert dict(grades) == mid.manifest["stats"]["tax_grades"][year]
    # published in April after the tax year, before the as-of date
    for r in rows:
        d = parse_date(r["decided_on"])
        assert d is not None and d.year == int(r["tax_year"]) + 1 and d.month == 4


def test_serious_list_firms_are_graded_d(mid: DataSet) -> None:
    serious = {
        r["uscc"]: parse_date(r["decided_on"])
        for r in mid.feeds["samr_serious_illegal_dishonest.csv"].good()
    }
    assert serious
    for r in mid.feeds["tax_credit_grades.csv"].good():
        listed_on = serious.get(r["uscc"])
        decided = parse_date(r["decided_on"])
        if listed_on is not None and decided is not None and listed_on <= decided:
            assert r["grade"] == "D", r


def test_abnormal_operations_and_honours(mid: DataSet) -> None:
    abnormal = mid.feeds["samr_abnormal_operations.jsonl"].good()
    assert {r["subject_category"] for r in abnormal} == {"organisation", "individual_business"}
    honours = mid.feeds["honours.parquet"].good()
    assert {r["subject_category"] for r in honours} >= {"person", "organisation"}
    listed = {r.get("id_number") for r in mid.feeds["court_dishonest_listings.jsonl"].good()}
    assert not listed & {r["id_number"] for r in honours if r.get("id_number")}
    commitments = mid.feeds["credit_commitments.csv"].good()
    assert {r["notes"] for r in commitments} >= {"审批替代型", "信用修复型"}


def test_person_penalties_use_resident_ids(mid: DataSet) -> None:
    rows = [
        r
        for f in mid.feeds.values()
        if f.entry["mapping"] == "penalty_national"
        for r in f.good()
        if r["subject_category"] == "自然人"
    ]
    assert rows
    assert all(is_ric_type(r["id_type"]) or r["id_type"] == "护照" for r in rows)
    assert all(not r["legal_rep_name"] for r in rows)
