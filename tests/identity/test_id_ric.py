"""Resident ID rules: birth date, address-code history, legacy 15-digit numbers."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.calendar import today_cst
from xinyong.identity import (
    InvalidCode,
    Reason,
    convert_ric15,
    is_valid_ric,
    make_ric,
    ric_check_char,
    validate_ric,
)
from xinyong.identity.regions import address_code, address_codes, province_name

from ._reference import ref_ric_check

TODAY = date(2025, 6, 1)


def _ric(first17: str) -> str:
    return first17 + ref_ric_check(first17)


def _reason(raw: str, today: date = TODAY) -> Reason:
    with pytest.raises(InvalidCode) as e:
        validate_ric(raw, today=today)
    return e.value.reason


def test_legacy_15_digit_number_is_converted() -> None:
    # textbook example: insert "19" before the year, compute the check with REFERENCE's rule
    assert ref_ric_check("13050319670401001") == "6"
    assert convert_ric15("130503670401001") == "130503196704010016"
    info = validate_ric("130503 670401 001", today=TODAY)
    assert info.canonical == "130503196704010016"
    assert info.legacy15 == "130503670401001"
    assert info.from_legacy15
    assert info.birth_date == date(1967, 4, 1)
    assert info.sex == "male"


def test_18_digit_input_is_not_legacy() -> None:
    info = validate_ric("360426199101010071", today=TODAY)
    assert info.legacy15 is None and not info.from_legacy15


def test_legacy_number_with_impossible_date_is_refused() -> None:
    assert _reason("130503670230001") is Reason.BIRTH_DATE  # 1967-02-30
    with pytest.raises(InvalidCode) as e:
        validate_ric("130503670230001", today=TODAY)
    assert "670230 (positions 7–12)" in e.value.message


def test_legacy_number_with_a_letter_is_refused() -> None:
    assert _reason("13050367040100X") is Reason.ALPHABET


def test_future_birth_date_is_refused() -> None:
    code = _ric("110101" + "20250602" + "001")
    assert _reason(code, today=date(2025, 6, 1)) is Reason.BIRTH_DATE
    with pytest.raises(InvalidCode) as e:
        validate_ric(code, today=date(2025, 6, 1))
    assert "in the future" in e.value.message
    # born today is fine
    assert validate_ric(code, today=date(2025, 6, 2)).birth_date == date(2025, 6, 2)


def test_default_today_refuses_next_year() -> None:
    far_future = _ric("110101" + f"{today_cst().year + 1}0101" + "001")
    assert not is_valid_ric(far_future)


def test_february_30_is_refused() -> None:
    code = _ric("110101" + "19900230" + "001")
    assert _reason(code) is Reason.BIRTH_DATE
    with pytest.raises(InvalidCode) as e:
        validate_ric(code, today=TODAY)
    assert "19900230 (positions 7–14) is not a real date" in e.value.message


def test_february_29_only_in_leap_years() -> None:
    assert validate_ric(_ric("110101" + "20000229" + "002"), today=TODAY).sex == "female"
    assert _reason(_ric("110101" + "19000229" + "002")) is Reason.BIRTH_DATE  # 1900 not leap


def test_birth_before_1900_is_refused() -> None:
    assert _reason(_ric("110101" + "18991231" + "001")) is Reason.BIRTH_DATE
    assert validate_ric(_ric("110000" + "19000101" + "001"), today=TODAY)


def test_address_code_history() -> None:
    # 110103 崇文区 [-2010]: usable for anyone born up to 2010, not after
    assert validate_ric(_ric("110103" + "20100101" + "001"), today=TODAY)
    assert _reason(_ric("110103" + "20110101" + "001")) is Reason.ADDRESS_CODE
    # 371082 荣成市 [1989-]: usable for anyone born before or after 1989
    assert validate_ric(_ric("371082" + "19300101" + "001"), today=TODAY)
    # a code that never existed
    with pytest.raises(InvalidCode) as e:
        validate_ric(_ric("379999" + "19800101" + "001"), today=TODAY)
    assert e.value.reason is Reason.ADDRESS_CODE
    assert "379999" in e.value.message


def test_retired_code_message_names_the_year() -> None:
    with pytest.raises(InvalidCode) as e:
        validate_ric(_ric("110103" + "20110101" + "001"), today=TODAY)
    assert "went out of use in 2010, before the birth year 2011" in e.value.message


def test_sex_from_sequence_parity() -> None:
    assert validate_ric(make_ric("360426", date(1991, 1, 1), 7), today=TODAY).sex == "male"
    assert validate_ric(make_ric("360426", date(1991, 1, 1), 8), today=TODAY).sex == "female"


def test_make_ric_matches_stdnum_vector() -> None:
    assert make_ric("360426", date(1991, 1, 1), 7) == "360426199101010071"
    assert make_ric("440113", date(2014, 10, 5), 1) == "44011320141005001X"
    assert ric_check_char("44011320141005001") == "X"


def test_make_ric_refuses_bad_parts() -> None:
    with pytest.raises(InvalidCode):
        make_ric("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_ric("110101", date(1990, 1, 1), 1000)


def test_ric_check_char_refuses_non_ascii_digits() -> None:
    # int(..., 13) inside stdnum would take 'A'-'C' and other scripts' digits
    for bad in ("1101011990010100A", "١١٠١٠١١٩٩٠٠١٠١٠٠١", "110101199001010"):
        with pytest.raises(InvalidCode):
            ric_check_char(bad)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", Reason.EMPTY),
        ("11010119900101001", Reason.LENGTH),
        ("1101011990010X0011", Reason.ALPHABET),
        ("360426199101010072", Reason.CHECK_CHARACTER),
    ],
)
def test_other_reasons(raw: str, reason: Reason) -> None:
    assert _reason(raw) is reason


def test_lower_case_x_and_full_width_are_accepted() -> None:
    assert validate_ric("４４０１１３２０１４１００５００１ｘ", today=TODAY).canonical == (
        "44011320141005001X"
    )


def test_region_table_comes_from_stdnum_history() -> None:
    assert province_name("37") == "山东省"
    assert province_name("99") is None
    rongcheng = address_code("371082")
    assert rongcheng is not None
    assert [(p.name, p.start, p.end) for p in rongcheng.periods] == [("荣成市", 1989, None)]
    assert rongcheng.usable_for_birth_year(1950) and rongcheng.last_year is None
    renamed = address_code("120110")  # 东郊区 until 1991, 东丽区 since 1992
    assert renamed is not None and renamed.name_in(1980) == "东郊区"
    assert renamed.name_in(2000) == "东丽区"
    assert address_code("999999") is None
    assert len(address_codes()) > 3000
