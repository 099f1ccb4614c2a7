"""Visibility, masking, citations and retention as the catalogue states them."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.catalogue import Audience, Catalogue, MaskingPolicy
from xinyong.errors import NotFound
from xinyong.identity.masking import MaskStyle

# --------------------------------------------------------------------------- visibility


def test_the_subject_always_sees_its_own(cat: Catalogue) -> None:
    for kind_id in cat.kinds:
        assert cat.visible(kind_id, Audience.SUBJECT)
        assert cat.visible(kind_id, "subject", {"grade": "D"})


def test_residence_is_not_public(cat: Catalogue) -> None:
    assert not cat.visible("residence", "public")
    assert cat.visible("residence", "agency")


@pytest.mark.parametrize(
    ("grade", "public"), [("A", True), ("B", False), ("M", False), ("D", False)]
)
def test_tax_grades_are_public_only_for_grade_a(cat: Catalogue, grade: str, public: bool) -> None:
    assert cat.visible("tax_credit_grade", Audience.PUBLIC, {"grade": grade}) is public
    assert cat.visible("tax_credit_grade", Audience.AGENCY, {"grade": grade})


def test_a_conditional_rule_without_attributes_is_not_visible(cat: Catalogue) -> None:
    assert not cat.visible("tax_credit_grade", "public")
    assert not cat.visible("tax_credit_grade", "public", {})


def test_penalties_and_listings_are_public(cat: Catalogue) -> None:
    for kind_id in ("administrative_penalty", "court_dishonest_listing", "administrative_licence"):
        assert cat.visible(kind_id, "public")


def test_unknown_kind_or_audience(cat: Catalogue) -> None:
    with pytest.raises(NotFound):
        cat.visible("nope", "public")
    with pytest.raises(ValueError):
        cat.visible("honour", "press")


# --------------------------------------------------------------------------- masking


def test_public_masking(cat: Catalogue) -> None:
    assert cat.masking_for("public") == MaskingPolicy(
        ric=MaskStyle.COURT_LIST, other_id=MaskStyle.HIDDEN, person_name="surname_only"
    )


@pytest.mark.parametrize("audience", [Audience.AGENCY, Audience.SUBJECT])
def test_agency_and_subject_see_everything(cat: Catalogue, audience: Audience) -> None:
    m = cat.masking_for(audience, "administrative_penalty")
    assert (m.ric, m.other_id, m.person_name) == (MaskStyle.NONE, MaskStyle.NONE, "full")


def test_the_court_list_publishes_full_names(cat: Catalogue) -> None:
    m = cat.masking_for(Audience.PUBLIC, "court_dishonest_listing")
    assert m.person_name == "full"
    assert m.ric is MaskStyle.COURT_LIST
    assert m.other_id is MaskStyle.HIDDEN
    # other kinds keep the audience's default
    assert cat.masking_for("public", "administrative_penalty").person_name == "surname_only"


def test_masking_for_an_unknown_kind(cat: Catalogue) -> None:
    with pytest.raises(NotFound):
        cat.masking_for("public", "nope")


# --------------------------------------------------------------------------- citations


def test_cite(cat: Catalogue) -> None:
    basis = cat.kind("administrative_penalty").legal_basis[0]
    assert cat.cite(basis) == "行政处罚法 Art. 48"
    assert cat.cite(basis, "en") == "Administrative Penalty Law Art. 48"


def test_cite_marks_unverified_instruments(cat: Catalogue) -> None:
    basis = cat.kind("tax_credit_grade").legal_basis[0]
    assert cat.cite(basis).endswith("(unverified)")
    assert cat.cite(basis, "en").endswith("(unverified)")


def test_view_carries_citations_and_regimes(cat: Catalogue) -> None:
    view = cat.view("administrative_penalty")
    assert view.citations_zh[0] == "行政处罚法 Art. 48"
    assert {r.id for r in view.regimes} == {r.id for r in cat.regimes}
    assert cat.view("honour").regimes == []


# --------------------------------------------------------------------------- retention


def test_retention_from_display_end(cat: Catalogue) -> None:
    end = cat.retention_end(
        "administrative_penalty",
        decided_on=date(2026, 1, 10),
        display_until=date(2027, 1, 10),
        ended_on=None,
    )
    assert end == date(2032, 1, 10)


def test_retention_of_a_never_published_penalty_counts_from_the_decision(cat: Catalogue) -> None:
    end = cat.retention_end(
        "administrative_penalty", decided_on=date(2026, 2, 1), display_until=None, ended_on=None
    )
    assert end == date(2031, 2, 1)


def test_retention_from_end_of_force(cat: Catalogue) -> None:
    kw = {"decided_on": date(2020, 1, 1), "display_until": None}
    assert cat.retention_end("court_dishonest_listing", ended_on=None, **kw) is None
    assert cat.retention_end("court_dishonest_listing", ended_on=date(2024, 2, 29), **kw) == date(
        2029, 2, 28
    )
    assert cat.retention_end("residence", ended_on=date(2024, 3, 1), **kw) == date(2025, 3, 1)


def test_retention_from_the_decision(cat: Catalogue) -> None:
    end = cat.retention_end(
        "tax_credit_grade", decided_on=date(2025, 4, 30), display_until=None, ended_on=None
    )
    assert end == date(2030, 4, 30)


def test_an_open_licence_has_no_retention_end_yet(cat: Catalogue) -> None:
    assert (
        cat.retention_end(
            "administrative_licence", decided_on=date(2020, 1, 1), display_until=None, ended_on=None
        )
        is None
    )
    assert cat.retention_end(
        "administrative_licence",
        decided_on=date(2020, 1, 1),
        display_until=None,
        ended_on=date(2022, 6, 1),
    ) == date(2027, 6, 1)
