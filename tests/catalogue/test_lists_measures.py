"""Lists and measures: the shipped ones load as the sources say; broken copies are refused.

Refusals are tested on copies of the shipped data directory (``edit`` fixture,
conftest.py), each naming the file, the entry and the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from xinyong.calendar import Duration
from xinyong.catalogue import Catalogue, load_catalogue
from xinyong.catalogue.lists import criterion_matches
from xinyong.catalogue.model import (
    ConductKind,
    Criterion,
    EntryMode,
    MeasureEffect,
    Polarity,
    RepresentativeScope,
    SubjectKind,
)
from xinyong.errors import CatalogueError, NotFound

Editor = Callable[[str, Callable[[Any], None]], Path]

REQUIRED_LISTS = {
    "court_dishonest_debtors",
    "samr_serious_illegal",
    "abnormal_operations",
    "shandong_serious_dishonest",
    "red_tax_a",
}
FOUR_CONDUCTS = {
    "endangers_health_safety",
    "damages_fair_competition",
    "refuses_legal_obligations",
    "refuses_national_defence",
}


def _entry(data: dict[str, Any], key: str, ident: str) -> dict[str, Any]:
    return next(x for x in data[key] if x["id"] == ident)


def _list(data: dict[str, Any], ident: str) -> dict[str, Any]:
    return _entry(data, "lists", ident)


def _measure(data: dict[str, Any], ident: str) -> dict[str, Any]:
    return _entry(data, "measures", ident)


def _refused(path: Path) -> str:
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    return info.value.message


def _d(text: str) -> Duration:
    return Duration.parse(text)


# --------------------------------------------------------------------------- shipped lists


def test_the_shipped_lists_and_measures_load(cat: Catalogue) -> None:
    assert set(cat.lists) >= REQUIRED_LISTS
    assert len(cat.measures) >= 20
    for ld in cat.lists.values():
        assert ld.legal_basis and ld.removal_events and ld.grounds, ld.id
        for b in ld.legal_basis:
            assert b.instrument in cat.instruments
        if ld.entry is EntryMode.DIRECT:
            assert ld.source_kinds and ld.authority_sector in cat.sectors
        else:
            assert ld.criteria and not ld.source_kinds


def test_court_list_follows_fa_shi_2017_no_7(cat: Catalogue) -> None:
    ld = cat.list_def("court_dishonest_debtors")
    assert ld.polarity is Polarity.BLACK
    assert ld.entry is EntryMode.DIRECT
    assert ld.source_kinds == ("court_dishonest_listing",)
    assert ld.authority_sector == "court"
    assert all(b.instrument == "spc_dishonest_debtors_2017" for b in ld.legal_basis)
    # the six grounds of Art. 1, by the code the court feed carries
    assert ld.ground_field == "grounds"
    assert [g.code for g in ld.grounds] == ["1", "2", "3", "4", "5", "6"]
    first = ld.ground("1")
    assert first is not None and first.term is None and first.extension is None
    for code in "23456":
        g = ld.ground(code)
        assert g is not None
        assert g.term == _d("2 years")
        assert g.extension is not None
        assert (g.extension.min, g.extension.max) == (_d("1 years"), _d("3 years"))
    # Art. 10: every deletion within 3 working days
    events = {e.id: e for e in ld.removal_events}
    assert {
        "performed",
        "settlement_performed",
        "applicant_request",
        "no_assets_found",
        "suspended_retrial_bankruptcy",
        "not_enforced_or_terminated",
        "term_expired",
    } <= set(events)
    for e in events.values():
        assert e.deadline == _d("3 working_days"), e.id
    assert ld.never_list_minors
    assert ld.unit_representatives is not None
    assert ld.unit_representatives.scope is RepresentativeScope.UNIT_ASSETS
    assert "legal_representative" in ld.unit_representatives.roles
    assert ld.early_removal is None and ld.escalation is None


def test_samr_list_is_direct_with_a_proposal_path(cat: Catalogue) -> None:
    ld = cat.list_def("samr_serious_illegal")
    assert ld.polarity is Polarity.BLACK
    assert ld.entry is EntryMode.DIRECT
    assert ld.source_kinds == ("serious_illegal_dishonest",)
    assert ld.authority_sector == "market_regulation"
    heavy = next(c for c in ld.criteria if c.kind == "administrative_penalty")
    assert heavy.severity_in is not None and [s.value for s in heavy.severity_in] == ["serious"]
    assert heavy.sector_in == ("market_regulation",)
    # term 3 years, marked UNVERIFIED (ADDENDUM §5); early removal after 1 year (V)
    assert ld.default_term == _d("3 years") and not ld.verified
    assert "default_term" in ld.unverified_parts
    assert ld.early_removal is not None
    assert ld.early_removal.after == _d("1 years") and ld.early_removal.on == "application"
    assert {"early_removal_granted", "term_expired"} <= {e.id for e in ld.removal_events}


def test_abnormal_operations_escalates_by_proposal(cat: Catalogue) -> None:
    ld = cat.list_def("abnormal_operations")
    assert ld.entry is EntryMode.DIRECT and ld.source_kinds == ("abnormal_operations",)
    assert ld.default_term is None
    assert all(g.term is None for g in ld.grounds)
    assert [e.id for e in ld.removal_events] == ["resolved"]
    assert ld.escalation is not None
    assert ld.escalation.to == "samr_serious_illegal"
    assert ld.escalation.after == _d("3 years")
    # the target carries the matching criterion, so the proposal engine sees it
    target = cat.list_def(ld.escalation.to)
    assert any(
        c.kind == "abnormal_operations" and c.unresolved_for == _d("3 years")
        for c in target.criteria
    )
    basis = {(b.instrument, b.article) for b in ld.legal_basis}
    assert ("enterprise_info_publicity_2014", "Art. 17") in basis
    assert ("enterprise_info_publicity_2024", "Art. 18 para. 1") in basis


def test_seriously_dishonest_list_is_a_proposal_list_of_the_four_conducts(cat: Catalogue) -> None:
    serious = [ld for ld in cat.lists.values() if ld.seriously_dishonest]
    assert serious
    for ld in serious:
        assert ld.polarity is Polarity.BLACK
        assert ld.conduct and {c.value for c in ld.conduct} <= FOUR_CONDUCTS
    ld = cat.list_def("shandong_serious_dishonest")
    assert ld.entry is EntryMode.PROPOSAL
    assert {b.instrument for b in ld.legal_basis} == {"shandong_social_credit_2020", "gbf_2020_49"}
    assert [(c.kind, tuple(s.value for s in c.severity_in or ())) for c in ld.criteria] == [
        ("administrative_penalty", ("serious",))
    ]
    assert {c.value for c in ld.conduct} == FOUR_CONDUCTS
    assert set(ConductKind) == {ConductKind(c) for c in FOUR_CONDUCTS}
    # the non-serious lists name no conduct
    assert all(not ld.conduct for ld in cat.lists.values() if not ld.seriously_dishonest)


def test_red_tax_list_comes_from_grade_a_records(cat: Catalogue) -> None:
    ld = cat.list_def("red_tax_a")
    assert ld.polarity is Polarity.RED
    assert ld.entry is EntryMode.PROPOSAL
    assert ld.authority_sector == "tax"
    (c,) = ld.criteria
    assert (c.kind, c.field, c.in_) == ("tax_credit_grade", "grade", ("A",))
    assert ld.default_term == _d("1 years")
    assert not ld.verified
    assert ld.subject_kinds == (SubjectKind.ORGANISATION,)


def test_lists_for_kind_covers_direct_and_proposal_paths(cat: Catalogue) -> None:
    assert [ld.id for ld in cat.lists_for_kind("court_dishonest_listing")] == [
        "court_dishonest_debtors"
    ]
    # the directory itself first (direct), then the list it escalates to (proposal)
    assert [ld.id for ld in cat.lists_for_kind("abnormal_operations")] == [
        "abnormal_operations",
        "samr_serious_illegal",
    ]
    assert {ld.id for ld in cat.lists_for_kind("administrative_penalty")} == {
        "samr_serious_illegal",
        "shandong_serious_dishonest",
    }
    assert [ld.id for ld in cat.lists_for_kind("tax_credit_grade")] == ["red_tax_a"]
    assert cat.lists_for_kind("residence") == []
    with pytest.raises(NotFound):
        cat.lists_for_kind("parking_ticket")


def test_lookups_refuse_unknown_ids(cat: Catalogue) -> None:
    with pytest.raises(NotFound) as info:
        cat.list_def("blacklist")
    assert info.value.exit_code == 4 and "court_dishonest_debtors" in info.value.message
    with pytest.raises(NotFound):
        cat.measure("no_such_measure")
    with pytest.raises(NotFound):
        cat.measures_for_list("blacklist")


# --------------------------------------------------------------------------- shipped measures

#: Fa Shi 2010 No. 8 (amended 2015) Art. 3, items (1)–(9)
CONSUMPTION_ITEMS = {f"3({i})" for i in range(1, 10)}


def test_the_nine_consumption_restrictions_are_on_the_court_list(cat: Catalogue) -> None:
    consumption = [
        m for m in cat.measures_for_list("court_dishonest_debtors") if m.category == "consumption"
    ]
    assert len(consumption) >= 9
    covered: set[str] = set()
    for m in consumption:
        assert m.effect is MeasureEffect.RESTRICT
        assert m.applies_to_unit_representatives, m.id
        assert not m.representatives_only
        for b in m.legal_basis:
            assert b.instrument == "spc_consumption_restriction"
            assert "court_dishonest_debtors" in b.targets
            covered |= set(re.findall(r"3\(\d\)", b.article))
    assert covered == CONSUMPTION_ITEMS
    by_type = {m.implementing_agency.type: m for m in consumption}
    assert {"civil_aviation", "railway", "real_estate_registration", "travel_agencies"} <= set(
        by_type
    )
    assert "3(9)" in by_type["railway"].legal_basis[0].article  # G-prefix trains (2015)


def test_procurement_tendering_and_honours(cat: Catalogue) -> None:
    court = {m.id: m for m in cat.measures_for_list("court_dishonest_debtors")}
    proc = court["court_procurement_restriction"]
    assert ("spc_dishonest_debtors_2013", "Art. 6") in {
        (b.instrument, b.article) for b in proc.legal_basis
    }
    assert "court_tendering_restriction" in court
    for list_id in ("abnormal_operations", "samr_serious_illegal"):
        cats = {m.category for m in cat.measures_for_list(list_id)}
        assert {"procurement", "tendering", "land", "honours"} <= cats
    eip = cat.measure("eip_procurement_restriction")
    assert {(b.instrument, b.article) for b in eip.legal_basis} == {
        ("enterprise_info_publicity_2024", "Art. 19"),
        ("enterprise_info_publicity_2014", "Art. 18"),
    }
    assert eip.subject_kinds == (SubjectKind.ORGANISATION,)  # the Regulations name enterprises
    honours = cat.measure("samr_no_honours")
    assert honours.lists == ("samr_serious_illegal",) and not honours.verified
    ban = cat.measure("samr_legal_rep_ban")
    assert ban.representatives_only and ban.applies_to_unit_representatives


def test_red_list_rewards(cat: Catalogue) -> None:
    rewards = cat.measures_for_list("red_tax_a")
    assert {m.id for m in rewards} >= {"tax_a_vat_invoices_three_months", "tax_a_green_channel"}
    for m in rewards:
        assert m.effect is MeasureEffect.REWARD
        assert m.implementing_agency.type == "tax"
        assert not m.verified  # the 2014 tax measures are known from summaries only
    assert "three consecutive" in (cat.measure("tax_a_green_channel").condition or "").lower()


def test_every_measure_stays_within_its_basis(cat: Catalogue) -> None:
    for m in cat.measures.values():
        assert m.legal_basis, m.id
        assert set(m.lists) <= m.targets, m.id
        for list_id in m.lists:
            polarity = cat.list_def(list_id).polarity
            want = Polarity.BLACK if m.effect is MeasureEffect.RESTRICT else Polarity.RED
            assert polarity is want, (m.id, list_id)
            if m.applies_to_unit_representatives:
                assert cat.list_def(list_id).unit_representatives is not None


def test_implementing_types(cat: Catalogue) -> None:
    types = cat.implementing_types
    assert isinstance(types, set)
    assert {"civil_aviation", "railway", "government_procurement", "tax"} <= types
    types.add("mutated")
    assert "mutated" not in cat.implementing_types


def test_the_version_covers_lists_and_measures(data_copy: Path, cat: Catalogue) -> None:
    for name in ("lists.yaml", "measures.yaml"):
        path = data_copy / name
        original = path.read_text(encoding="utf-8")
        path.write_text(original + "\n# edited\n", encoding="utf-8")
        assert load_catalogue(data_copy).version != cat.version, name
        path.write_text(original, encoding="utf-8")
    assert load_catalogue(data_copy).version == cat.version


def test_unverified_marks_are_visible(cat: Catalogue) -> None:
    assert cat.list_def("court_dishonest_debtors").unverified_parts == [
        "removal_events.early_deletion"
    ]
    assert "escalation" in cat.list_def("abnormal_operations").unverified_parts
    assert "removal_events.resolved" in cat.list_def("abnormal_operations").unverified_parts
    assert not cat.list_def("red_tax_a").fully_verified


# --------------------------------------------------------------------------- criteria


def test_criterion_matching() -> None:
    heavy = Criterion.model_validate(
        {
            "kind": "administrative_penalty",
            "severity_in": ["serious"],
            "sector_in": ["market_regulation"],
        }
    )
    assert criterion_matches(
        heavy, kind="administrative_penalty", severity="serious", sector="market_regulation"
    )
    assert not criterion_matches(
        heavy, kind="administrative_penalty", severity="general", sector="market_regulation"
    )
    assert not criterion_matches(
        heavy, kind="administrative_penalty", severity="serious", sector="tax"
    )
    assert not criterion_matches(heavy, kind="administrative_penalty", severity=None)
    assert not criterion_matches(heavy, kind="abnormal_operations", severity="serious")

    grade = Criterion.model_validate({"kind": "tax_credit_grade", "field": "grade", "in": ["A"]})
    assert criterion_matches(grade, kind="tax_credit_grade", attributes={"grade": "A"})
    assert not criterion_matches(grade, kind="tax_credit_grade", attributes={"grade": "B"})
    assert not criterion_matches(grade, kind="tax_credit_grade")

    stale = Criterion.model_validate({"kind": "abnormal_operations", "unresolved_for": "3 years"})
    listed = date(2021, 3, 15)
    assert not criterion_matches(
        stale, kind="abnormal_operations", decided_on=listed, on=date(2024, 3, 14)
    )
    assert criterion_matches(
        stale, kind="abnormal_operations", decided_on=listed, on=date(2024, 3, 15)
    )
    assert not criterion_matches(
        stale,
        kind="abnormal_operations",
        decided_on=listed,
        ended_on=date(2023, 1, 1),
        on=date(2024, 6, 1),
    )

    types = Criterion.model_validate(
        {"kind": "administrative_penalty", "penalty_types_any": ["licence_revocation", "closure"]}
    )
    assert criterion_matches(
        types, kind="administrative_penalty", penalty_types=["fine", "closure"]
    )
    assert not criterion_matches(types, kind="administrative_penalty", penalty_types=["fine"])


def test_a_criterion_needs_field_and_in_together() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="field and in go together"):
        Criterion.model_validate({"kind": "tax_credit_grade", "field": "grade"})


# --------------------------------------------------------------------------- refusals


def test_refuses_a_measure_without_basis(edit: Editor) -> None:
    path = edit("measures.yaml", lambda d: _measure(d, "consumption_flights").pop("legal_basis"))
    msg = _refused(path)
    assert "measures.yaml: measure 'consumption_flights': legal_basis" in msg
    assert "Field required" in msg


@pytest.mark.parametrize("basis", [None, [], "N/A", "Art. 3"])
def test_refuses_a_measure_with_an_empty_or_placeholder_basis(edit: Editor, basis: Any) -> None:
    path = edit(
        "measures.yaml", lambda d: _measure(d, "consumption_flights").update(legal_basis=basis)
    )
    msg = _refused(path)
    assert "measures.yaml: measure 'consumption_flights'" in msg
    assert "legal basis" in msg


def test_refuses_a_basis_clause_without_targets(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _measure(d, "consumption_flights")["legal_basis"][0]["targets"] = []

    msg = _refused(edit("measures.yaml", fn))
    assert "measure 'consumption_flights'" in msg and "targets is empty" in msg


def test_refuses_widening_of_targets(edit: Editor) -> None:
    def fn(d: Any) -> None:
        # the Enterprise Information Publicity Regulations do not name the court list
        _measure(d, "eip_procurement_restriction")["lists"].append("court_dishonest_debtors")

    msg = _refused(edit("measures.yaml", fn))
    assert "measures.yaml: measure 'eip_procurement_restriction'" in msg
    assert "widening of targets" in msg and "'court_dishonest_debtors'" in msg


def test_refuses_a_restrict_measure_on_a_red_list(edit: Editor) -> None:
    def fn(d: Any) -> None:
        m = _measure(d, "samr_no_honours")
        m["lists"] = ["red_tax_a"]
        m["legal_basis"][0]["targets"] = ["red_tax_a"]  # no widening: only the polarity is wrong

    msg = _refused(edit("measures.yaml", fn))
    assert "measures.yaml: measure 'samr_no_honours'" in msg
    assert "restrict measure on red list 'red_tax_a'" in msg


def test_refuses_a_reward_measure_on_a_black_list(edit: Editor) -> None:
    def fn(d: Any) -> None:
        m = _measure(d, "tax_a_green_channel")
        m["lists"] = ["abnormal_operations"]
        m["legal_basis"][0]["targets"] = ["abnormal_operations"]

    msg = _refused(edit("measures.yaml", fn))
    assert "measure 'tax_a_green_channel'" in msg
    assert "reward measure on black list 'abnormal_operations'" in msg


def test_refuses_an_unknown_list_in_a_measure(edit: Editor) -> None:
    def fn(d: Any) -> None:
        m = _measure(d, "consumption_travel")
        m["lists"].append("golden_blacklist")
        m["legal_basis"][0]["targets"].append("golden_blacklist")

    msg = _refused(edit("measures.yaml", fn))
    assert "measures.yaml: measure 'consumption_travel'" in msg
    assert "unknown list 'golden_blacklist'" in msg


def test_refuses_a_seriously_dishonest_list_with_another_conduct(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _list(d, "shandong_serious_dishonest")["conduct"].append("jaywalking")

    msg = _refused(edit("lists.yaml", fn))
    assert "lists.yaml: list 'shandong_serious_dishonest'" in msg
    assert "conduct 'jaywalking' is not one of the four kinds" in msg


def test_refuses_a_seriously_dishonest_list_without_conduct(edit: Editor) -> None:
    path = edit("lists.yaml", lambda d: _list(d, "shandong_serious_dishonest").pop("conduct"))
    msg = _refused(path)
    assert "list 'shandong_serious_dishonest'" in msg and "needs conduct" in msg


def test_refuses_conduct_on_other_lists(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _list(d, "abnormal_operations")["conduct"] = ["damages_fair_competition"]

    msg = _refused(edit("lists.yaml", fn))
    assert "list 'abnormal_operations'" in msg and "seriously dishonest entity lists only" in msg


def test_refuses_a_list_citing_an_unknown_instrument(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _list(d, "court_dishonest_debtors")["legal_basis"][0]["instrument"] = "spc_blacklist_1999"

    msg = _refused(edit("lists.yaml", fn))
    assert "lists.yaml: list 'court_dishonest_debtors'" in msg
    assert "unknown instrument 'spc_blacklist_1999'" in msg


@pytest.mark.parametrize("basis", [None, [], "N/A", "none"])
def test_refuses_a_list_without_basis(edit: Editor, basis: Any) -> None:
    path = edit("lists.yaml", lambda d: _list(d, "red_tax_a").update(legal_basis=basis))
    msg = _refused(path)
    assert "lists.yaml: list 'red_tax_a'" in msg and "legal basis" in msg


def test_refuses_an_unknown_record_kind_in_source_kinds(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _list(d, "court_dishonest_debtors")["source_kinds"] = ["court_listing"]

    msg = _refused(edit("lists.yaml", fn))
    assert "lists.yaml: list 'court_dishonest_debtors'" in msg
    assert "unknown record kind 'court_listing'" in msg


def test_refuses_an_unknown_kind_sector_or_penalty_type_in_criteria(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _list(d, "samr_serious_illegal")["criteria"][0].update(
            kind="penalty", sector_in=["customs"], penalty_types_any=["flogging"]
        )

    msg = _refused(edit("lists.yaml", fn))
    assert "list 'samr_serious_illegal': criteria #1: unknown record kind 'penalty'" in msg
    assert "unknown sector 'customs'" in msg and "unknown penalty type 'flogging'" in msg


def test_refuses_an_unknown_authority_sector(edit: Editor) -> None:
    path = edit("lists.yaml", lambda d: _list(d, "red_tax_a").update(authority_sector="customs"))
    assert "list 'red_tax_a': unknown authority_sector 'customs'" in _refused(path)


def test_refuses_a_direct_list_without_source_kinds(edit: Editor) -> None:
    path = edit("lists.yaml", lambda d: _list(d, "abnormal_operations").update(source_kinds=[]))
    assert "entry direct needs source_kinds" in _refused(path)


def test_refuses_a_black_list_fed_by_records_that_are_not_negative(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _list(d, "abnormal_operations")["source_kinds"] = ["abnormal_operations", "honour"]

    msg = _refused(edit("lists.yaml", fn))
    assert "list 'abnormal_operations'" in msg and "'honour'" in msg
    assert "not dishonesty information" in msg


def test_refuses_an_escalation_the_target_does_not_carry(edit: Editor) -> None:
    def fn(d: Any) -> None:
        target = _list(d, "samr_serious_illegal")
        target["criteria"] = [c for c in target["criteria"] if c["kind"] != "abnormal_operations"]

    msg = _refused(edit("lists.yaml", fn))
    assert "list 'abnormal_operations': escalation to 'samr_serious_illegal'" in msg


def test_refuses_an_extension_longer_at_min_than_max(edit: Editor) -> None:
    def fn(d: Any) -> None:
        g = _list(d, "court_dishonest_debtors")["grounds"][1]
        g["extension"] = {"min": "3 years", "max": "1 years"}

    msg = _refused(edit("lists.yaml", fn))
    assert "ground 'obstructs_enforcement': extension min 3 years is longer than max" in msg


def test_refuses_a_measure_reaching_representatives_a_list_does_not_name(edit: Editor) -> None:
    path = edit(
        "measures.yaml",
        lambda d: _measure(d, "eip_honours_restriction").update(
            applies_to_unit_representatives=True
        ),
    )
    msg = _refused(path)
    assert "measure 'eip_honours_restriction'" in msg and "no unit_representatives rule" in msg


def test_a_broken_list_is_not_also_reported_as_unknown(edit: Editor) -> None:
    path = edit("lists.yaml", lambda d: _list(d, "red_tax_a").update(polarity="pink"))
    msg = _refused(path)
    assert "list 'red_tax_a': polarity" in msg
    assert "unknown list 'red_tax_a'" not in msg


def test_refuses_a_missing_lists_file(data_copy: Path) -> None:
    (data_copy / "measures.yaml").unlink()
    assert "measures.yaml: missing" in _refused(data_copy)


# --------------------------------------------------------------------------- CLI


runner = CliRunner()


def test_cli_lists(app: typer.Typer) -> None:
    r = runner.invoke(app, ["catalogue", "lists"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    for text in ("court_dishonest_debtors", "失信被执行人名单", "red_tax_a", "3 working days"):
        assert text in r.output
    j = runner.invoke(app, ["catalogue", "lists", "--json"])
    assert j.exit_code == 0, j.output
    data = json.loads(j.output)
    assert {x["id"] for x in data} >= REQUIRED_LISTS
    court = next(x for x in data if x["id"] == "court_dishonest_debtors")
    assert court["grounds"][1]["term"] == {"n": 2, "unit": "years"}
    red = next(x for x in data if x["id"] == "red_tax_a")
    assert red["criteria"][0]["in"] == ["A"]


def test_cli_measures(app: typer.Typer) -> None:
    r = runner.invoke(app, ["catalogue", "measures"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    assert "consumption_flights" in r.output and "tax_a_green_channel" in r.output
    one = runner.invoke(app, ["catalogue", "measures", "red_tax_a", "--json"])
    assert one.exit_code == 0, one.output
    data = json.loads(one.output)
    assert data and all(m["effect"] == "reward" for m in data)
    assert all("red_tax_a" in m["lists"] for m in data)
    bad = runner.invoke(app, ["catalogue", "measures", "blacklist"])
    assert isinstance(bad.exception, NotFound) and bad.exception.exit_code == 4
