"""check_code: kind by shape, the ambiguity of all-digit codes, every reason code."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from xinyong.identity import CodeCheck, Reason, check_code, normalise_code

from ._reference import ref_ric_check, ref_uscc_check

TODAY = date(2025, 6, 1)


def _uscc(first17: str) -> str:
    return first17 + ref_uscc_check(first17)


def _ric(first17: str) -> str:
    return first17 + ref_ric_check(first17)


@pytest.mark.parametrize(
    ("raw", "reason", "kind"),
    [
        ("", Reason.EMPTY, None),
        ("\u3000 -－ ", Reason.EMPTY, None),
        ("9111000060003734", Reason.LENGTH, None),
        ("91110000600037341LX", Reason.LENGTH, None),
        ("91110000600037341I", Reason.ALPHABET, "organisation"),
        ("13050367040100A", Reason.ALPHABET, "person"),
        ("1101011990****1234", Reason.ALPHABET, "person"),
        ("B1110000600037341L", Reason.AUTHORITY_CATEGORY, "organisation"),
        ("91AB0000M000100Y43", Reason.REGION, "organisation"),
        ("91110000600037341K", Reason.CHECK_CHARACTER, "organisation"),
        ("360426199102300071", Reason.BIRTH_DATE, "person"),
        ("990426199112010074", Reason.ADDRESS_CODE, "person"),
    ],
)
def test_every_reason_code(raw: str, reason: Reason, kind: str | None) -> None:
    result = check_code(raw, today=TODAY)
    assert not result.valid
    assert result.canonical is None and result.legacy15 is None
    assert result.error is not None
    assert result.error.code == reason.value
    assert result.error.message
    assert result.kind == kind
    assert result.input == raw


def test_reason_codes_are_exactly_the_documented_strings() -> None:
    assert {r.value for r in Reason} == {
        "empty",
        "length",
        "alphabet",
        "authority_category",
        "region",
        "check_character",
        "birth_date",
        "address_code",
    }


def test_masked_number_says_so() -> None:
    result = check_code("1101011990****1234")
    assert result.error is not None and "masked" in result.error.message


def test_all_digit_uscc_is_an_organisation() -> None:
    # stdnum vector; as a resident ID its "birth date" 01078371 is impossible
    result = check_code("911522010783710635", today=TODAY)
    assert (result.valid, result.kind) == (True, "organisation")


def test_all_digit_resident_id_is_a_person() -> None:
    result = check_code("412723199010050012", today=TODAY)
    assert (result.valid, result.kind) == (True, "person")


def test_legacy_number_reports_both_forms() -> None:
    result = check_code("130503670401001", today=TODAY)
    assert result.valid and result.kind == "person"
    assert result.canonical == "130503196704010016"
    assert result.legacy15 == "130503670401001"


def test_ambiguous_failure_names_the_likelier_kind() -> None:
    # a mistyped all-digit USCC: structure of a USCC, nothing of a resident ID
    bad_uscc = "911522010783710636"
    result = check_code(bad_uscc, today=TODAY)
    assert result.kind == "organisation"
    assert result.error is not None and result.error.code == "check_character"
    # a mistyped resident ID whose first digits also form a valid authority/category pair
    bad_ric = "110101199001010072"  # '1','1' is authority 1 / category 1
    result = check_code(bad_ric, today=TODAY)
    assert result.kind == "person"
    assert result.error is not None and result.error.code == "check_character"
    # a resident ID with an impossible date still reads as a person
    result = check_code(_ric("110101" + "19901301" + "001"), today=TODAY)
    assert result.kind == "person"
    assert result.error is not None and result.error.code == "birth_date"


def test_ambiguous_string_valid_as_uscc_only() -> None:
    # an all-digit USCC under a region whose 6 digits are also a county code, with a
    # "birth date" that is impossible as a resident ID
    code = _uscc("12110101" + "001304567")
    assert check_code(code, today=TODAY).kind == "organisation"


def test_letters_make_an_organisation() -> None:
    result = check_code("91350100m000100y43")
    assert (result.valid, result.kind, result.canonical) == (
        True,
        "organisation",
        "91350100M000100Y43",
    )


def test_input_is_kept_verbatim() -> None:
    raw = " 9111-0000-6000-3734-1l "
    result = check_code(raw)
    assert result.input == raw
    assert result.canonical == "91110000600037341L"


def test_code_check_is_frozen() -> None:
    result = check_code("91110000600037341L")
    assert isinstance(result, CodeCheck)
    with pytest.raises(ValidationError):
        result.valid = False  # type: ignore[misc]


def test_json_shape() -> None:
    dumped = check_code("91110000600037341K").model_dump(mode="json")
    assert dumped == {
        "input": "91110000600037341K",
        "valid": False,
        "kind": "organisation",
        "canonical": None,
        "legacy15": None,
        "error": {"code": "check_character", "message": dumped["error"]["message"]},
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),
        ("９１１１００００６０００３７３４１ｌ", "91110000600037341L"),
        ("91 110000\u3000600037341L", "91110000600037341L"),
        ("91-110000‐600037341–L", "91110000600037341L"),
        ("91—110000－600037341―L", "91110000600037341L"),
        ("\t91110000600037341l\n", "91110000600037341L"),
        ("\ufeff91110000600037341L\u200b", "91110000600037341L"),
        ("44011320141005001x", "44011320141005001X"),
    ],
)
def test_normalise_code(raw: str, expected: str) -> None:
    assert normalise_code(raw) == expected
    assert check_code(raw, today=TODAY).canonical == expected
