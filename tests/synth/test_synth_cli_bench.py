"""The ``synth`` command and the ingest-benchmark file."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from xinyong.cli.synth_cmd import register
from xinyong.identity import check_code
from xinyong.synth.bench_data import write_penalty_benchmark

from ._helpers import in_vocab, mapping, parse_date
from .conftest import AS_OF


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:  # a group, so the command is addressed by name
        pass

    return app


def test_cli_writes_a_data_set(tmp_path: Path) -> None:
    out = tmp_path / "data"
    result = CliRunner().invoke(
        _app(),
        ["synth", "--scale", "small", "--seed", "3", "--out", str(out), "--as-of", "2025-01-31"],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["seed"] == 3 and manifest["as_of"] == "2025-01-31"
    assert "penalties_samr.csv" in result.output


def test_cli_refuses_a_bad_date_and_scale(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_date = runner.invoke(_app(), ["synth", "--out", str(tmp_path), "--as-of", "2025-02-30"])
    assert bad_date.exit_code == 2
    bad_scale = runner.invoke(_app(), ["synth", "--out", str(tmp_path), "--scale", "country"])
    assert bad_scale.exit_code == 2


def test_cli_default_as_of_is_today_in_china(tmp_path: Path) -> None:
    from xinyong.identity import today_cst

    result = CliRunner().invoke(_app(), ["synth", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert manifest["as_of"] in {today_cst().isoformat()}
    assert manifest["seed"] == 42


# --- benchmark file -----------------------------------------------------------------


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    path = tmp_path_factory.mktemp("bench") / "penalties.csv"
    info = write_penalty_benchmark(
        path, rows=20_000, seed=1, as_of=AS_OF, persons=20_000, organisations=5_000
    )
    return path, info


def _subject(row: dict[str, str]) -> str:
    return row["统一社会信用代码"] or row["证件号码"]


def test_bench_counts_are_those_written(bench: tuple[Path, dict[str, object]]) -> None:
    path, info = bench
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert list(reader.fieldnames or []) == list(mapping("penalty_national")["columns"])
        rows = list(reader)
    assert len(rows) == info["rows"] == 20_000
    assert info["bad"] == 400 and info["duplicates"] == 2_000 and info["supersessions"] == 1_000
    assert info["originals"] == 20_000 - 400 - 2_000 - 1_000

    bad = dups = sups = 0
    current: dict[tuple[str, str], tuple[str, ...]] = {}
    changed: Counter[str] = Counter()
    for r in rows:
        d = parse_date(r["处罚决定日期"])
        codes_ok = (not r["统一社会信用代码"] or check_code(r["统一社会信用代码"]).valid) and (
            r["证件类型"] != "身份证" or check_code(r["证件号码"], today=AS_OF).valid
        )
        is_bad = (
            not r["行政处罚决定书文号"]
            or d is None
            or d > AS_OF
            or not codes_ok
            or not in_vocab("subject_category", r["行政相对人类别"])
            or (r["行政相对人类别"] == "自然人" and not r["证件号码"])
            or (r["罚款金额（万元）"] and not r["罚款金额（万元）"].replace(".", "", 1).isdigit())
        )
        if is_bad:
            bad += 1
            continue
        key = (r["行政处罚决定书文号"], _subject(r))
        content = tuple(r.values())
        if key in current:
            if current[key] == content:
                dups += 1
            else:
                sups += 1
                before = dict(zip(r.keys(), current[key], strict=True))
                changed.update(k for k in r if r[k] != before[k])
        current[key] = content
    assert (bad, dups, sups) == (info["bad"], info["duplicates"], info["supersessions"])
    # a supersession changes the decision's content, never its number, subject or date
    assert set(changed) <= {"违法事实", "处罚类别", "处罚内容", "罚款金额（万元）"}


def test_bench_agencies_cover_every_authority(bench: tuple[Path, dict[str, object]]) -> None:
    path, info = bench
    agencies = info["agencies"]
    assert isinstance(agencies, list)
    usccs = {a["uscc"] for a in agencies}
    assert info["agency"] == agencies[0]
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            assert r["处罚机关统一社会信用代码"] in usccs
            assert r["数据来源单位统一社会信用代码"] == agencies[0]["uscc"]


def test_bench_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "gb.csv"
    info = write_penalty_benchmark(
        path,
        rows=2_000,
        encoding="gb18030",
        as_of=date(2025, 6, 30),
        persons=5_000,
        organisations=1_000,
    )
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert len(data.decode("gb18030").splitlines()) == info["rows"] + 1
