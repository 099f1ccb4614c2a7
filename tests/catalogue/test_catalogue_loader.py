"""The shipped catalogue loads; broken copies are refused with the file, entry and reason."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xinyong.catalogue import (
    Catalogue,
    PublicityRuleKind,
    RegimeFamily,
    Severity,
    SubjectKind,
    get_catalogue,
    load_catalogue,
)
from xinyong.catalogue.loader import PATH_ENV
from xinyong.errors import CatalogueError

Editor = Callable[[str, Callable[[Any], None]], Path]

REQUIRED_KINDS = {
    "registration",
    "administrative_licence",
    "administrative_penalty",
    "court_dishonest_listing",
    "consumption_restriction",
    "tax_credit_grade",
    "abnormal_operations",
    "serious_illegal_dishonest",
    "honour",
    "credit_commitment",
    "residence",
}

REQUIRED_INSTRUMENTS = {
    "national_catalogue_2021",
    "national_catalogue_2024",
    "admin_penalty_law_2021",
    "admin_licensing_law",
    "market_entity_registration_2021",
    "enterprise_info_publicity_2014",
    "hukou_registration_1958",
    "spc_dishonest_debtors_2017",
    "spc_consumption_restriction",
    "sta_tax_credit_2014",
    "sta_tax_credit_2018_m",
    "samr_order_44",
    "samr_order_45",
    "samr_order_107",
    "ndrc_2019_527",
    "ndrc_order_58",
    "ndrc_credit_repair_2026",
    "gbf_2020_49",
    "gbf_2019_35",
    "gbf_2025_22",
    "credit_reporting_regulation_2013",
}


def _kind(data: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(k for k in data["kinds"] if k["id"] == ident)


def _refused(path: Path) -> str:
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    return info.value.message


# --------------------------------------------------------------------------- shipped data


def test_shipped_catalogue_loads(cat: Catalogue) -> None:
    assert re.fullmatch(r"2024\.1\+[0-9a-f]{12}", cat.version)
    assert cat.edition == "2024.1"
    assert len(cat.content_hash) == 64


def test_every_required_kind_exists_with_a_basis_citing_a_known_instrument(cat: Catalogue) -> None:
    assert set(cat.kinds) >= REQUIRED_KINDS
    for kind in cat.kinds.values():
        assert kind.legal_basis, kind.id
        for basis in kind.legal_basis:
            assert basis.instrument in cat.instruments, (kind.id, basis.instrument)
            assert basis.article.strip()
        assert kind.name_zh and kind.name_en


def test_required_instruments_exist(cat: Catalogue) -> None:
    assert set(cat.instruments) >= REQUIRED_INSTRUMENTS


def test_verification_marks_follow_the_reference_docs(cat: Catalogue) -> None:
    verified = {i.id for i in cat.instruments.values() if i.verified}
    # read from primary text or an official repost / full translation
    assert {"samr_order_45", "samr_order_44", "ndrc_order_58", "admin_penalty_law_2021"} <= verified
    # known only from secondary sources or marked UNVERIFIED
    for unverified in ("samr_order_107", "ndrc_credit_repair_2026", "national_catalogue_2024"):
        assert unverified not in verified


def test_kind_shapes(cat: Catalogue) -> None:
    assert cat.kind("administrative_penalty").publicity.rule is PublicityRuleKind.REGIME
    assert cat.kind("administrative_licence").publicity.rule is PublicityRuleKind.UNTIL_VALID_TO
    assert cat.kind("court_dishonest_listing").publicity.rule is PublicityRuleKind.WHILE_IN_FORCE
    assert cat.kind("residence").publicity.rule is PublicityRuleKind.NONE
    assert cat.kind("residence").subject_kinds == (SubjectKind.PERSON,)
    assert cat.kind("administrative_penalty").negative
    assert not cat.kind("honour").negative


def test_sectors_and_regime_families(cat: Catalogue) -> None:
    assert cat.sector("market_regulation").regime_family is RegimeFamily.SAMR
    for sid in ("tax", "court", "public_security", "ecology_environment", "other"):
        assert cat.sector(sid).regime_family is RegimeFamily.NDRC
    assert cat.regime("samr_order_45").sectors == ("market_regulation",)
    assert "market_regulation" not in cat.regime("ndrc_2019_527").sectors
    assert "tax" in cat.regime("ndrc_order_58").sectors
    for r in cat.regimes:
        assert set(r.severities) == set(Severity)


def test_order_58_is_marked_as_an_assumption(cat: Catalogue) -> None:
    r58 = cat.regime("ndrc_order_58")
    assert r58.assumption and "527" in r58.assumption
    assert not r58.verified
    assert all(not rule.verified.display for rule in r58.severities.values())


def test_content_hash_changes_with_the_data(data_copy: Path, cat: Catalogue) -> None:
    same = load_catalogue(data_copy)
    assert same.version == cat.version
    path = data_copy / "sectors.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_catalogue(data_copy).version != cat.version


def test_get_catalogue_is_cached_and_honours_the_environment(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    get_catalogue.cache_clear()
    try:
        monkeypatch.setenv(PATH_ENV, str(data_copy))
        first = get_catalogue()
        assert first is get_catalogue()
        assert first.root == data_copy
    finally:
        get_catalogue.cache_clear()


# --------------------------------------------------------------------------- refusals


def test_refuses_a_kind_without_basis(edit: Editor) -> None:
    path = edit("record_kinds.yaml", lambda d: _kind(d, "honour").pop("legal_basis"))
    msg = _refused(path)
    assert "record_kinds.yaml: kind 'honour': legal_basis" in msg
    assert "Field required" in msg


def test_refuses_an_empty_basis_list(edit: Editor) -> None:
    path = edit("record_kinds.yaml", lambda d: _kind(d, "honour").update(legal_basis=[]))
    msg = _refused(path)
    assert "kind 'honour'" in msg and "missing legal basis" in msg


@pytest.mark.parametrize("text", ["N/A", "none", "", "TBD", "tbd", "None"])
def test_refuses_placeholder_bases(edit: Editor, text: str) -> None:
    path = edit("record_kinds.yaml", lambda d: _kind(d, "registration").update(legal_basis=text))
    msg = _refused(path)
    assert "record_kinds.yaml: kind 'registration'" in msg
    assert "not a legal basis" in msg


def test_refuses_a_placeholder_inside_the_list(edit: Editor) -> None:
    path = edit("record_kinds.yaml", lambda d: _kind(d, "registration").update(legal_basis=["N/A"]))
    msg = _refused(path)
    assert "kind 'registration'" in msg and "placeholder 'N/A'" in msg


def test_refuses_a_null_basis(edit: Editor) -> None:
    path = edit("record_kinds.yaml", lambda d: _kind(d, "registration").update(legal_basis=None))
    assert "missing legal basis" in _refused(path)


def test_refuses_an_unknown_instrument(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _kind(d, "administrative_penalty")["legal_basis"][0]["instrument"] = "penalty_law_1996"

    msg = _refused(edit("record_kinds.yaml", fn))
    assert "record_kinds.yaml: kind 'administrative_penalty'" in msg
    assert "unknown instrument 'penalty_law_1996'" in msg


@pytest.mark.parametrize("article", ["", "   ", "N/A", "TBD"])
def test_refuses_an_empty_article(edit: Editor, article: str) -> None:
    def fn(d: Any) -> None:
        _kind(d, "administrative_penalty")["legal_basis"][0]["article"] = article

    msg = _refused(edit("record_kinds.yaml", fn))
    assert "kind 'administrative_penalty': legal_basis.0.article" in msg
    assert "article" in msg


def test_refuses_an_unknown_subject_kind(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _kind(d, "residence")["subject_kinds"] = ["person", "household"]

    msg = _refused(edit("record_kinds.yaml", fn))
    assert "kind 'residence': subject_kinds.1" in msg
    assert "household" in msg or "person" in msg


def test_refuses_an_unknown_yaml_file(data_copy: Path) -> None:
    (data_copy / "record_kind.yaml").write_text("kinds: []\n", encoding="utf-8")
    msg = _refused(data_copy)
    assert "record_kind.yaml: unknown file in the catalogue" in msg


def test_refuses_an_unknown_directory(data_copy: Path) -> None:
    (data_copy / "schemes").mkdir()
    (data_copy / "schemes" / "rongcheng.yaml").write_text("id: x\n", encoding="utf-8")
    assert "schemes/: unknown directory" in _refused(data_copy)


def test_refuses_a_missing_file(data_copy: Path) -> None:
    (data_copy / "severity.yaml").unlink()
    assert "severity.yaml: missing" in _refused(data_copy)


def test_refuses_duplicate_keys(data_copy: Path) -> None:
    path = data_copy / "catalogue.yaml"
    path.write_text(path.read_text(encoding="utf-8") + 'edition: "2099"\n', encoding="utf-8")
    assert "duplicate key 'edition'" in _refused(data_copy)


def test_refuses_duplicate_ids(edit: Editor) -> None:
    def fn(d: Any) -> None:
        d["kinds"].append(dict(_kind(d, "honour")))

    assert "kind 'honour': duplicate id" in _refused(edit("record_kinds.yaml", fn))


def test_refuses_a_subject_that_cannot_see_its_own(edit: Editor) -> None:
    def fn(d: Any) -> None:
        _kind(d, "residence")["visibility"]["subject"] = False

    assert "the subject always sees its own" in _refused(edit("record_kinds.yaml", fn))


def test_refuses_clear_resident_ids_for_the_public(edit: Editor) -> None:
    def fn(d: Any) -> None:
        d["audiences"]["public"]["ric"] = "none"

    assert "never shown in clear" in _refused(edit("masking.yaml", fn))


def test_refuses_incomplete_regime_severities(edit: Editor) -> None:
    def fn(d: Any) -> None:
        next(r for r in d["regimes"] if r["id"] == "samr_order_107")["severities"].pop("minor")

    msg = _refused(edit("regimes.yaml", fn))
    assert "regime 'samr_order_107'" in msg and "missing minor" in msg


def test_refuses_overlapping_regimes(edit: Editor) -> None:
    def fn(d: Any) -> None:
        next(r for r in d["regimes"] if r["id"] == "samr_order_45")["valid_to"] = None

    msg = _refused(edit("regimes.yaml", fn))
    assert "market_regulation" in msg and "overlap" in msg


def test_accepts_an_intended_overlap(edit: Editor) -> None:
    def fn(d: Any) -> None:
        r107 = next(r for r in d["regimes"] if r["id"] == "samr_order_107")
        next(r for r in d["regimes"] if r["id"] == "samr_order_45")["valid_to"] = None
        r107["takes_precedence_over"] = ["samr_order_45"]

    cat = load_catalogue(edit("regimes.yaml", fn))
    from datetime import date

    assert cat.regime_for("market_regulation", date(2026, 1, 1))[0].id == "samr_order_107"
    assert cat.regime_for("market_regulation", date(2025, 1, 1))[0].id == "samr_order_45"


def test_refuses_a_gap_between_regimes(edit: Editor) -> None:
    def fn(d: Any) -> None:
        next(r for r in d["regimes"] if r["id"] == "ndrc_order_58")["valid_to"] = "2025-12-31"

    msg = _refused(edit("regimes.yaml", fn))
    assert "no regime in force from 2026-01-01 to 2026-03-31" in msg


def test_refuses_a_regime_for_the_wrong_family(edit: Editor) -> None:
    def fn(d: Any) -> None:
        next(r for r in d["regimes"] if r["id"] == "samr_order_107")["sectors"] = ["tax"]

    assert "sector 'tax' follows the ndrc family" in _refused(edit("regimes.yaml", fn))


def test_refuses_an_unknown_penalty_type_in_a_regime(edit: Editor) -> None:
    def fn(d: Any) -> None:
        r = next(r for r in d["regimes"] if r["id"] == "samr_order_107")
        r["severities"]["minor"]["not_published_if_only"] = ["warnings"]

    assert "unknown penalty type 'warnings'" in _refused(edit("regimes.yaml", fn))


def test_refuses_a_minimum_longer_than_the_display(edit: Editor) -> None:
    def fn(d: Any) -> None:
        r = next(r for r in d["regimes"] if r["id"] == "samr_order_107")
        r["severities"]["general"]["repair_after"] = "2 years"

    assert "repair_after 2 years is longer than display" in _refused(edit("regimes.yaml", fn))


def test_lists_every_problem_at_once(edit: Editor, data_copy: Path) -> None:
    edit("record_kinds.yaml", lambda d: _kind(d, "honour").update(legal_basis="N/A"))
    (data_copy / "extra.yml").write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(data_copy)
    problems = info.value.details["problems"]
    assert len(problems) == 2
    assert info.value.exit_code == 1


def test_refuses_a_path_that_is_not_a_directory(tmp_path: Path) -> None:
    assert "not a directory" in _refused(tmp_path / "nowhere")


def test_a_readme_beside_the_data_is_not_an_unknown_file(data_copy: Path) -> None:
    (data_copy / "README.md").write_text("operator notes\n", encoding="utf-8")
    load_catalogue(data_copy)


def test_a_copy_without_changes_is_byte_identical_in_version(
    tmp_path: Path, cat: Catalogue
) -> None:
    dest = tmp_path / "again"
    shutil.copytree(cat.root, dest, ignore=shutil.ignore_patterns("__pycache__"))
    assert load_catalogue(dest).version == cat.version
