"""Severity derived from 处罚类别 and the fine, one example per rule."""

from __future__ import annotations

import pytest

from xinyong.catalogue import Catalogue, Severity
from xinyong.errors import UnusableInput

THRESHOLD = 100_000_000  # fen: 1,000,000 yuan, the platform's (not the law's) threshold


@pytest.mark.parametrize(
    ("text", "expected", "type_id"),
    [
        ("警告", Severity.MINOR, "warning"),
        ("通报批评", Severity.MINOR, "circulated_criticism"),
        ("罚款", Severity.GENERAL, "fine"),
        ("没收违法所得", Severity.GENERAL, "confiscation"),
        ("没收非法财物", Severity.GENERAL, "confiscation"),
        ("暂扣许可证件", Severity.GENERAL, "licence_suspension"),
        ("吊销许可证件", Severity.SERIOUS, "licence_revocation"),
        ("吊销营业执照", Severity.SERIOUS, "licence_revocation"),
        ("责令关闭", Severity.SERIOUS, "closure"),
        ("限制从业", Severity.SERIOUS, "practice_ban"),
        ("降低资质等级", Severity.SERIOUS, "qualification_downgrade"),
        ("责令停产停业", Severity.SERIOUS, "suspension_of_business"),
        ("限制开展生产经营活动", Severity.SERIOUS, "business_restriction"),
        ("行政拘留", Severity.SERIOUS, "administrative_detention"),
    ],
)
def test_each_penalty_type(cat: Catalogue, text: str, expected: Severity, type_id: str) -> None:
    r = cat.derive_severity(text, None)
    assert r.severity is expected
    assert r.derived is True
    assert r.types == [type_id]
    assert r.unknown_types == []
    assert text in r.rule


def test_a_fine_below_the_threshold_is_general(cat: Catalogue) -> None:
    r = cat.derive_severity("罚款", THRESHOLD - 1)
    assert r.severity is Severity.GENERAL and not r.flags


def test_a_fine_exactly_at_the_threshold_is_serious(cat: Catalogue) -> None:
    r = cat.derive_severity("罚款", THRESHOLD)
    assert r.severity is Severity.SERIOUS
    assert "platform threshold" in r.rule
    fine = next(t for t in cat.severity_table.types if t.id == "fine")
    assert fine.serious_at_fen == THRESHOLD


def test_a_fine_above_the_threshold_is_serious_even_with_a_warning(cat: Catalogue) -> None:
    assert cat.derive_severity("警告、罚款", THRESHOLD * 3).severity is Severity.SERIOUS


def test_an_amount_without_a_fine_type_is_a_fine(cat: Catalogue) -> None:
    r = cat.derive_severity(None, 50_000)
    assert r.severity is Severity.GENERAL and r.types == ["fine"]
    assert cat.derive_severity("", THRESHOLD).severity is Severity.SERIOUS


def test_a_fine_type_without_an_amount_is_noted(cat: Catalogue) -> None:
    r = cat.derive_severity("罚款", None)
    assert r.severity is Severity.GENERAL
    assert r.flags == ["fine_without_amount"]


@pytest.mark.parametrize("sep", [";", "；", "、", ",", "，", " ", "　", " ; "])
def test_several_types_take_the_most_severe(cat: Catalogue, sep: str) -> None:
    r = cat.derive_severity(f"警告{sep}罚款{sep}吊销营业执照", 10_000)
    assert r.severity is Severity.SERIOUS
    assert r.types == ["warning", "fine", "licence_revocation"]
    assert "most severe: serious" in r.rule


def test_warning_and_criticism_stay_minor(cat: Catalogue) -> None:
    assert cat.derive_severity("警告；通报批评", None).severity is Severity.MINOR


def test_the_old_category_suspend_or_revoke_counts_as_revocation(cat: Catalogue) -> None:
    r = cat.derive_severity("暂扣或者吊销许可证、暂扣或者吊销执照", None)
    assert r.severity is Severity.SERIOUS
    assert set(r.types) == {"licence_suspension", "licence_revocation"}


def test_unknown_text_is_general_and_flagged(cat: Catalogue) -> None:
    r = cat.derive_severity("责令改正", None)
    assert r.severity is Severity.GENERAL
    assert r.unknown_types == ["责令改正"]
    assert r.flags == ["unknown_penalty_type"]
    assert r.flagged


def test_unknown_text_beside_a_known_type(cat: Catalogue) -> None:
    r = cat.derive_severity("其他；警告", None)
    assert r.severity is Severity.GENERAL  # unknown counts as general, the most severe here
    assert r.unknown_types == ["其他"] and r.types == ["warning"]
    r2 = cat.derive_severity("其他、责令关闭", None)
    assert r2.severity is Severity.SERIOUS and r2.unknown_types == ["其他"]


def test_amount_tokens_are_not_unknown_types(cat: Catalogue) -> None:
    r = cat.derive_severity("罚款 5000元", 500_000)
    assert r.unknown_types == [] and r.severity is Severity.GENERAL


def test_full_width_text_is_normalised(cat: Catalogue) -> None:
    assert cat.derive_severity("警告；罚款", 100).types == ["warning", "fine"]


def test_nothing_given_is_general_and_flagged(cat: Catalogue) -> None:
    for text in (None, "", "   "):
        r = cat.derive_severity(text, None)
        assert r.severity is Severity.GENERAL
        assert r.flags == ["no_penalty_type"]


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ("serious", Severity.SERIOUS),
        ("严重", Severity.SERIOUS),
        ("一般", Severity.GENERAL),
        (Severity.MINOR, Severity.MINOR),
        ("轻微", Severity.MINOR),
        (" General ", Severity.GENERAL),
    ],
)
def test_a_reported_severity_is_used_as_is(
    cat: Catalogue, reported: str | Severity, expected: Severity
) -> None:
    r = cat.derive_severity("吊销营业执照", THRESHOLD * 10, reported=reported)
    assert r.severity is expected
    assert r.derived is False
    assert r.rule == "reported by the feed"


def test_an_empty_reported_severity_is_derived(cat: Catalogue) -> None:
    assert cat.derive_severity("警告", None, reported="").derived is True


def test_an_unreadable_reported_severity_is_refused(cat: Catalogue) -> None:
    with pytest.raises(UnusableInput):
        cat.derive_severity("警告", None, reported="critical")
