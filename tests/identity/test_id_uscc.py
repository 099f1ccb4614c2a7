"""USCC rules: authority/category table, region, check character, A/N/Y authorities."""

from __future__ import annotations

import pytest
import stdnum.cn.uscc

from xinyong.errors import RuleRefused
from xinyong.identity import (
    AUTHORITY_CATEGORIES,
    InvalidCode,
    Reason,
    make_uscc,
    organisation_code_warning,
    uscc_check_char,
    validate_uscc,
)

from ._reference import USCC_ALPHABET, ref_uscc_check


def _code(first17: str) -> str:
    return first17 + ref_uscc_check(first17)


@pytest.mark.parametrize(
    "first17",
    [
        "A1110000MB0012345",  # CMC establishment office, military institution
        "A9440300MA5DA8QK3",
        "N1371082MF1234567",  # agriculture, group-level collective
        "N2350100MF0000019",  # village-level collective
        "N3330106MF00000A1",
        "N9410100MF000001X",
        "Y1110000MC0000010",  # other authority
    ],
)
def test_authorities_a_n_y_are_accepted_where_stdnum_refuses(first17: str) -> None:
    code = _code(first17)
    assert not stdnum.cn.uscc.is_valid(code)  # stdnum wants digits in positions 1-8
    assert validate_uscc(code) == code


def test_literal_a_n_y_codes_checked_by_hand() -> None:
    # hand computation for N1371082MF1234567: values 22,1,3,7,1,0,8,2,21,15,1,2,3,4,5,6,7
    # Σ Ci·Wi = 22+3+27+189+19+0+128+34+420+435+25+26+24+96+50+180+196 = 1874;
    # 1874 mod 31 = 14, 31 - 14 = 17 → alphabet[17] = 'H'
    assert validate_uscc("N1371082MF1234567H") == "N1371082MF1234567H"
    assert uscc_check_char("N1371082MF1234567") == "H"


def test_check_character_edge_values() -> None:
    # Σ ≡ 0 (mod 31) gives 31, which is written '0'; Σ ≡ 1 gives 30, written 'Y'
    zero = "91110000" + "0" * 9
    assert ref_uscc_check(zero) == uscc_check_char(zero)
    found = {uscc_check_char(f"9111000000000{n:04d}") for n in range(2000)}
    assert found == set(USCC_ALPHABET)  # every symbol, including '0' and 'Y', occurs


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("B1110000600037341L", "'B' is not a registration authority"),
        (
            "95110000600037341L",
            "authority '9', market regulation (工商), registers no category '5'",
        ),
        ("Y2110000600037341L", "registers no category '2'"),
        ("A3110000600037341L", "registers no category '3'"),
    ],
)
def test_authority_category_pairs_outside_the_table_are_refused(code: str, fragment: str) -> None:
    with pytest.raises(InvalidCode) as e:
        validate_uscc(code)
    assert e.value.reason is Reason.AUTHORITY_CATEGORY
    assert fragment in e.value.message


def test_every_pair_of_the_table_is_accepted_and_no_other() -> None:
    accepted = set()
    for a in USCC_ALPHABET:
        for c in USCC_ALPHABET:
            try:
                validate_uscc(_code(f"{a}{c}110000MA0000001"))
            except InvalidCode as e:
                assert e.reason is Reason.AUTHORITY_CATEGORY
            else:
                accepted.add(a + c)
    # REFERENCE.md §1.1, transcribed independently of AUTHORITY_CATEGORIES
    expected = {
        *("11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39"),
        *("41", "49", "51", "52", "53", "59", "61", "62", "69", "71", "72", "79"),
        *("81", "89", "91", "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"),
    }
    assert accepted == expected
    assert {a + c for a, (_, cats) in AUTHORITY_CATEGORIES.items() for c in cats} == expected


@pytest.mark.parametrize(
    ("first17", "fragment"),
    [
        ("91990000MA0000001", "starts with '99'"),
        ("91000000MA0000001", "starts with '00'"),
        ("91160000MA0000001", "starts with '16'"),
        ("9111A000MA0000001", "must be six digits"),
        ("91100100MA0000001", "starts with '10'"),  # only 100000 itself is national level
    ],
)
def test_region_must_be_under_a_province(first17: str, fragment: str) -> None:
    with pytest.raises(InvalidCode) as e:
        validate_uscc(_code(first17))
    assert e.value.reason is Reason.REGION
    assert fragment in e.value.message


@pytest.mark.parametrize("prov", ["11", "15", "23", "37", "46", "54", "65", "71", "81", "82"])
def test_every_province_prefix_is_a_region(prov: str) -> None:
    code = _code(f"91{prov}0000MA0000001")
    assert validate_uscc(code) == code


def test_check_character_message_names_both_characters() -> None:
    with pytest.raises(InvalidCode) as e:
        validate_uscc("91110000600037341K")
    assert e.value.reason is Reason.CHECK_CHARACTER
    assert "check character is 'K' but should be 'L'" in e.value.message
    assert e.value.code == "invalid_check_character"
    assert isinstance(e.value, RuleRefused)
    assert e.value.exit_code == 3 and e.value.http_status == 422


def test_alphabet_message_points_at_the_character() -> None:
    with pytest.raises(InvalidCode) as e:
        validate_uscc("91110000O00037341L")
    assert e.value.reason is Reason.ALPHABET
    assert "'O' at position 9" in e.value.message


def test_empty_is_its_own_reason() -> None:
    with pytest.raises(InvalidCode) as e:
        validate_uscc(" - ")
    assert e.value.reason is Reason.EMPTY


def test_make_uscc_matches_the_reference_rule() -> None:
    assert make_uscc("91110000600037341") == "91110000600037341L"
    assert make_uscc("９１３５０１００m０００１００y４") == "91350100M000100Y43"


def test_uscc_check_char_refuses_bad_input() -> None:
    with pytest.raises(InvalidCode) as e:
        uscc_check_char("9111")
    assert e.value.reason is Reason.LENGTH
    with pytest.raises(InvalidCode) as e:
        uscc_check_char("9111000060003734I")
    assert e.value.reason is Reason.ALPHABET


def test_organisation_code_digit_is_a_warning_never_a_refusal() -> None:
    # the three REFERENCE.md codes embed consistent GB 11714 check digits
    for code in ("91110000600037341L", "91350100M000100Y43", "91110000101623741K"):
        assert organisation_code_warning(code) is None
    # 600037342 breaks GB 11714 (check should be 1); the USCC is still valid
    code = _code("91110000600037342")
    assert validate_uscc(code) == code
    warning = organisation_code_warning(code)
    assert warning is not None and "'2'" in warning and "'1'" in warning
