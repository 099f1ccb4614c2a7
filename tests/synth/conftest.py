"""Data sets generated once per test session (small scale and reduced custom scales)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from xinyong.synth import generate
from xinyong.synth.population import ScaleSpec

from ._helpers import DataSet, load

AS_OF = date(2025, 6, 30)
#: several chunks, so the streaming path (carried quotas, counters) is exercised,
#: and enough subjects for every bad-row cause and the statistics
MID = ScaleSpec("mid", 60_000, 6_000, "rongcheng", chunk_persons=25_000)
#: the province geography (prefecture authorities, one court per county), reduced
MINI_PROVINCE = ScaleSpec("mini-province", 12_000, 1_200, "shandong", chunk_persons=5_000)


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small42")
    generate(out, scale="small", seed=42, as_of=AS_OF)
    return out


@pytest.fixture(scope="session")
def small(small_dir: Path) -> DataSet:
    return load(small_dir)


@pytest.fixture(scope="session")
def mid_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mid7")
    generate(out, scale=MID, seed=7, as_of=AS_OF)
    return out


@pytest.fixture(scope="session")
def mid(mid_dir: Path) -> DataSet:
    return load(mid_dir)


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> DataSet:
    out = tmp_path_factory.mktemp("prov3")
    generate(out, scale=MINI_PROVINCE, seed=3, as_of=AS_OF)
    return load(out)


@pytest.fixture(scope="session", params=["small", "mid", "province"])
def dataset(request: pytest.FixtureRequest) -> DataSet:
    ds: DataSet = request.getfixturevalue(request.param)
    return ds
