"""Masking for public views (ADDENDUM.md §4: the court list's pattern)."""

from __future__ import annotations

import re

import pytest

from xinyong.identity import (
    IdentifierScheme,
    MaskStyle,
    mask_identifier,
    mask_person_name,
    mask_ric,
)

COURT_LIST = re.compile(r"^\d{10}\*{4}\d{3}[\dX]$")


@pytest.mark.parametrize("code", ["371082197506081364", "44011320141005001X"])
def test_mask_ric_matches_the_court_list_pattern(code: str) -> None:
    masked = mask_ric(code)
    assert COURT_LIST.match(masked)
    assert masked[:10] == code[:10] and masked[-4:] == code[-4:]


def test_mask_ric_hides_month_and_day() -> None:
    assert mask_ric("371082197506081364") == "3710821975****1364"


def test_mask_ric_legacy_and_malformed_values_never_leak() -> None:
    assert mask_ric("130503670401001") == "13050367****001"
    assert mask_ric("1305036704") == "******6704"
    assert mask_ric("123") == "***"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("李四", "李*"), ("欧阳娜娜", "欧***"), ("王", "王"), ("", "")],
)
def test_mask_person_name(name: str, masked: str) -> None:
    assert mask_person_name(name) == masked


def test_mask_identifier_styles_for_a_resident_id() -> None:
    ric = "371082197506081364"
    assert mask_identifier("ric", ric, "none") == ric
    assert mask_identifier("ric", ric, "court_list") == "3710821975****1364"
    assert mask_identifier("ric", ric, "full") == "**************1364"
    assert mask_identifier("ric", ric, "hidden") is None
    assert mask_identifier(IdentifierScheme.RIC15, "130503670401001", MaskStyle.COURT_LIST) == (
        "13050367****001"
    )


@pytest.mark.parametrize("style", ["none", "court_list", "full"])
def test_usccs_are_never_masked(style: str) -> None:
    assert mask_identifier("uscc", "91110000600037341L", style) == "91110000600037341L"


def test_hidden_hides_every_scheme() -> None:
    for scheme in IdentifierScheme:
        assert mask_identifier(scheme, "91110000600037341L", MaskStyle.HIDDEN) is None


def test_other_schemes_under_court_list_get_full_masking() -> None:
    assert mask_identifier("passport", "E12345678", "court_list") == "*****5678"


def test_unknown_style_or_scheme_is_refused() -> None:
    with pytest.raises(ValueError):
        mask_identifier("ric", "371082197506081364", "partial")
    with pytest.raises(ValueError):
        mask_identifier("ssn", "123", "none")


def test_mask_style_values() -> None:
    assert [s.value for s in MaskStyle] == ["none", "court_list", "full", "hidden"]
