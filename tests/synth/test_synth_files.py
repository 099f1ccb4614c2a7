"""Files: reproducibility, headers, encodings, the manifest and its agencies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from xinyong.identity import check_code
from xinyong.synth import generate
from xinyong.synth.feeds import FEEDS, MAPPING_COLUMNS
from xinyong.synth.population import ScaleSpec

from ._helpers import DataSet, mapping
from .conftest import AS_OF

SECTORS = {
    "market_regulation",
    "tax",
    "court",
    "public_security",
    "ecology_environment",
    "emergency_management",
    "transport",
    "other",
}
KINDS = {
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


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


# --- reproducibility ---------------------------------------------------------------


def test_same_seed_gives_identical_bytes(small_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="small", seed=42, as_of=AS_OF)
    first, second = _files(small_dir), _files(tmp_path)
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], f"{name} differs between two runs with seed 42"


def test_chunked_generation_is_reproducible(tmp_path: Path) -> None:
    spec = ScaleSpec("chunky", 9_000, 900, chunk_persons=3_000)
    generate(tmp_path / "a", scale=spec, seed=5, as_of=AS_OF)
    generate(tmp_path / "b", scale=spec, seed=5, as_of=AS_OF)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_different_seed_gives_different_files(small_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="small", seed=43, as_of=AS_OF)
    first, other = _files(small_dir), _files(tmp_path)
    feeds = [f.file for f in FEEDS]
    differing = [f for f in feeds if first[f] != other[f]]
    assert len(differing) == len(feeds), f"identical across seeds: {set(feeds) - set(differing)}"


def test_as_of_changes_the_data(small_dir: Path, tmp_path: Path) -> None:
    from datetime import date

    generate(tmp_path, scale="small", seed=42, as_of=date(2024, 12, 31))
    assert _files(small_dir)["penalties_samr.csv"] != _files(tmp_path)["penalties_samr.csv"]


# --- headers -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MAPPING_COLUMNS))
def test_generator_columns_equal_the_mapping_yaml(name: str) -> None:
    cols = mapping(name)["columns"]
    assert list(MAPPING_COLUMNS[name]) == list(cols.items())


def test_file_headers_equal_the_mapping_headers(small: DataSet) -> None:
    for f in small.feeds.values():
        m = mapping(f.entry["mapping"])
        headers = list(m["columns"])
        if f.entry["format"] == "jsonl":
            assert set(f.header) <= set(headers), f.file
            for raw_line in (small.out / f.file).read_text("utf-8").splitlines():
                assert set(m["required"]) <= set(json.loads(raw_line)), f.file
        else:
            assert f.header == headers, f.file
        assert set(m["detect"]) <= set(f.header) | set(m["required"]), f.file


def test_mapping_of_every_feed_exists_and_kind_matches(small: DataSet) -> None:
    for f in small.feeds.values():
        m = mapping(f.entry["mapping"])
        if "kind" in m:
            assert f.entry["kinds"] == [m["kind"]]
        if f.entry["mapping"] == "canonical_en":
            assert {r["kind"] for r in f.rows} == set(f.entry["kinds"]), f.file


# --- encodings ---------------------------------------------------------------------


def test_penalty_files_cover_three_encodings(small: DataSet) -> None:
    pen = [f.entry for f in small.feeds.values() if f.entry["mapping"] == "penalty_national"]
    assert {e["encoding"] for e in pen} >= {"gb18030", "utf-8-sig", "utf-8"}


def test_gb18030_file_is_gb18030(small: DataSet) -> None:
    entry = next(f.entry for f in small.feeds.values() if f.entry["encoding"] == "gb18030")
    data = (small.out / entry["file"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("gb18030").startswith("行政相对人名称,")


def test_bom_file_has_a_bom_and_plain_files_do_not(small: DataSet) -> None:
    for f in small.feeds.values():
        data = (small.out / f.file).read_bytes()
        if f.entry["encoding"] == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf"), f.file
        elif f.entry["format"] != "parquet" and f.entry["encoding"] == "utf-8":
            assert not data.startswith(b"\xef\xbb\xbf"), f.file
            data.decode("utf-8")


# --- manifest --------------------------------------------------------------------


def test_manifest_shape(small: DataSet) -> None:
    m = small.manifest
    assert m["scale"] == "small" and m["seed"] == 42 and m["as_of"] == "2025-06-30"
    for f in m["feeds"]:
        assert set(f) >= {"file", "agency", "mapping", "format", "encoding", "rows", "bad_rows"}
    # registry first: persons' residence and organisations before anything about them
    assert [f["mapping"] for f in m["feeds"][:3]] == ["subject_registry"] * 3
    assert all(f["mapping"] != "subject_registry" for f in m["feeds"][3:])


def test_manifest_counts_match_the_files(dataset: DataSet) -> None:
    for f in dataset.feeds.values():
        assert f.entry["rows"] == len(f.rows), f.file
        assert f.entry["bad_rows"] == len(f.bad), f.file
        assert sum(f.entry["bad_row_causes"].values()) == len(f.bad), f.file
    assert dataset.manifest["stats"]["bad_rows_total"] == len(dataset.truth)


def test_agencies_are_well_formed(dataset: DataSet) -> None:
    codes = set()
    for a in dataset.manifest["agencies"]:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a["code"]), a["code"]
        assert a["code"] not in codes
        codes.add(a["code"])
        chk = check_code(a["uscc"])
        assert chk.valid and chk.kind == "organisation", a
        assert a["uscc"].startswith("11"), a  # state organs
        assert a["sector"] in SECTORS
        assert a["kinds"] and set(a["kinds"]) <= KINDS
    for f in dataset.manifest["feeds"]:
        assert f["agency"] in codes
        agency = next(a for a in dataset.manifest["agencies"] if a["code"] == f["agency"])
        assert set(f["kinds"]) <= set(agency["kinds"]), (f["file"], agency)


def test_every_deciding_authority_is_a_registered_agency(dataset: DataSet) -> None:
    by_uscc = {a["uscc"]: a for a in dataset.manifest["agencies"]}
    for f in dataset.feeds.values():
        for r in f.good():
            for name_f, uscc_f in (
                ("deciding_authority", "deciding_authority_uscc"),
                ("reporting_unit", "reporting_unit_uscc"),
            ):
                if not r.get(uscc_f):
                    continue
                agency = by_uscc.get(r[uscc_f])
                assert agency is not None, (f.file, r[name_f], r[uscc_f])
                assert agency["name_zh"] == r[name_f]
            if r.get("deciding_authority_uscc"):
                kind = r.get("kind") or f.entry["kinds"][0]
                if f.entry["mapping"] == "subject_registry":
                    kind = "residence" if r["subject_category"] == "自然人" else "registration"
                assert kind in by_uscc[r["deciding_authority_uscc"]]["kinds"], (f.file, kind)


def test_sectors_of_deciding_authorities(small: DataSet) -> None:
    by_uscc = {a["uscc"]: a for a in small.manifest["agencies"]}
    sectors = set()
    for f in small.feeds.values():
        if f.entry["mapping"] == "penalty_national":
            sectors |= {by_uscc[r["deciding_authority_uscc"]]["sector"] for r in f.good()}
    assert sectors >= {"market_regulation", "ecology_environment"}
    court = {
        by_uscc[r["deciding_authority_uscc"]]["sector"]
        for r in small.feeds["court_dishonest_listings.jsonl"].good()
    }
    assert court == {"court"}


def test_province_geography_uses_prefecture_authorities(province: DataSet) -> None:
    agencies = province.manifest["agencies"]
    names = {a["name_zh"] for a in agencies}
    assert "济南市市场监督管理局" in names or "青岛市市场监督管理局" in names
    courts = [
        a for a in agencies if a["sector"] == "court" and "court_dishonest_listing" in a["kinds"]
    ]
    assert len(courts) > 5
    assert {f["agency"] for f in province.manifest["feeds"]} <= {
        "shandong-samr",
        "shandong-psb",
        "shandong-ndrc",
        "shandong-ecology",
        "shandong-court",
        "shandong-tax",
    }
    case = re.compile(r"^\(\d{4}\)鲁\d{4}执\d+号$")
    for r in province.feeds["court_dishonest_listings.jsonl"].good():
        assert case.match(r["case_no"]), r["case_no"]
