"""Vectors from outside the project: REFERENCE.md and python-stdnum's own tests."""

from __future__ import annotations

from datetime import date

import pytest
import stdnum.cn.ric
import stdnum.cn.uscc

from xinyong.identity import (
    InvalidCode,
    Reason,
    check_code,
    is_valid_uscc,
    validate_ric,
    validate_uscc,
)

from ._reference import ref_ric_check, ref_uscc_check

TODAY = date(2025, 6, 1)

REFERENCE_USCC = ["91110000600037341L", "91350100M000100Y43", "91110000101623741K"]

# python-stdnum tests/test_cn_uscc.doctest, "found online and should all be valid" (excerpt
# covering authorities 1 and 9, categories 1 and 2, letter and digit check characters)
STDNUM_USCC = [
    "121200004013590816",
    "91110000600037341L",
    "91110000710926094P",
    "91120224064012553U",
    "911522010783710635",
    "91152201078371135X",
    "9115220107837757XE",
    "9115220107837941X1",
    "91310000631696382C",
    "91310115MA1K3BTP2B",
    "913101203509708598",
    "9131012056010553X5",
    "91340600MA2PBM9HXD",
    "91340600MA2PBNE723",
    "91340603MA2UJXXCXF",
    "91371082775260043P",
    "91440300568520498A",
    "9144030071526726XG",
    "91620105L015101280",
    "91620105MA73NBBLXE",
    "92340602MA2PBMEM24",
    "92340603MA2PBQ16XJ",
    "92340621MA2PBKRXXG",
    "92340621MA2UK3PJXE",
]

# real national-level codes (region 100000), e.g. the housing ministry and ISCAS, whose
# annual report gives 121000004000123696; stdnum accepts them too
NATIONAL_USCC = ["11100000000013338W", "121000004000123696", "12100000400002697C"]


@pytest.mark.parametrize("code", REFERENCE_USCC + STDNUM_USCC + NATIONAL_USCC)
def test_outside_uscc_vectors_are_valid(code: str) -> None:
    assert ref_uscc_check(code[:17]) == code[17]  # the vector itself is sound
    assert stdnum.cn.uscc.is_valid(code)
    assert validate_uscc(code) == code
    result = check_code(code)
    assert (result.valid, result.kind, result.canonical) == (True, "organisation", code)


def test_stdnum_uscc_doctest_rejections() -> None:
    # stdnum doctest: wrong check character N (should be L), letters I O Z S V, short
    with pytest.raises(InvalidCode) as e:
        validate_uscc("91110000600037341N")
    assert e.value.reason is Reason.CHECK_CHARACTER
    assert "'N' but should be 'L'" in e.value.message
    with pytest.raises(InvalidCode) as e:
        validate_uscc("9111000060003IOZSV")
    assert e.value.reason is Reason.ALPHABET
    with pytest.raises(InvalidCode) as e:
        validate_uscc("12345")
    assert e.value.reason is Reason.LENGTH
    assert validate_uscc("91 110000 600037341L") == "91110000600037341L"


def test_stdnum_a_prefixed_doctest_vector_is_refused_for_its_check_character() -> None:
    # stdnum rejects 'A1110000600037341L' for its format; authority A category 1 is real, so
    # we get to the check character, which is wrong (computed by REFERENCE's rule)
    assert ref_uscc_check("A1110000600037341") != "L"
    with pytest.raises(InvalidCode) as e:
        validate_uscc("A1110000600037341L")
    assert e.value.reason is Reason.CHECK_CHARACTER


# python-stdnum tests/test_cn_ric.doctest and module docstring
STDNUM_RIC_VALID = [
    ("360426199101010071", date(1991, 1, 1), "male"),
    ("44011320141005001X", date(2014, 10, 5), "male"),
    ("412723199010050012", date(1990, 10, 5), "male"),
    ("110102199101010078", date(1991, 1, 1), "male"),
    ("120110198012010073", date(1980, 12, 1), "male"),  # 东郊区, before the 1992 rename
    ("120110199212010072", date(1992, 12, 1), "male"),  # 东丽区, after
]


@pytest.mark.parametrize(("code", "born", "sex"), STDNUM_RIC_VALID)
def test_stdnum_ric_vectors_are_valid(code: str, born: date, sex: str) -> None:
    assert ref_ric_check(code[:17]) == code[17]
    info = validate_ric(code.lower(), today=TODAY)
    assert (info.canonical, info.birth_date, info.sex) == (code, born, sex)
    assert check_code(code, today=TODAY).kind == "person"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("T60426199101010078", Reason.ALPHABET),  # stdnum: InvalidFormat
        ("360426199113010079", Reason.BIRTH_DATE),  # month 13
        ("36042619910102009X", Reason.CHECK_CHARACTER),
        ("990426199112010074", Reason.ADDRESS_CODE),  # unknown county
        ("110201199312010077", Reason.ADDRESS_CODE),  # 昌平县 code retired 1982, born 1993
    ],
)
def test_stdnum_ric_rejections_agree(code: str, reason: Reason) -> None:
    assert not stdnum.cn.ric.is_valid(code)
    with pytest.raises(InvalidCode) as e:
        validate_ric(code, today=TODAY)
    assert e.value.reason is reason
    assert e.value.code == f"invalid_{reason}"


def test_rongcheng_adult_is_valid_although_stdnum_rejects_it() -> None:
    # 371082 (荣成市) exists since 1989; a person born 1975 got it when the number was issued
    code = "371082197506081364"
    assert ref_ric_check(code[:17]) == code[17]
    assert stdnum.cn.ric.is_valid(code) is False  # the divergence CONTRACTS.md records
    info = validate_ric(code, today=TODAY)
    assert info.address_code == "371082"
    assert info.address_name == "荣成市"
    assert info.birth_date == date(1975, 6, 8)
    assert info.sex == "female"  # sequence 136 is even
    assert check_code(code, today=TODAY).valid


def test_code_created_after_birth_year_is_valid_although_stdnum_rejects_it() -> None:
    # stdnum doctest: "county was not registered yet at birth year" (房山区 [1986-], born 1980)
    code = "110111198012010078"
    assert not stdnum.cn.ric.is_valid(code)
    assert validate_ric(code, today=TODAY).canonical == code


def test_doctest_vector_is_valid() -> None:
    assert is_valid_uscc("91110000600037341L")
    assert validate_ric("360426199101010071", today=TODAY).address_name == "德安县"
