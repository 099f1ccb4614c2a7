"""Shared fixtures: one test body runs on SQLite and on PostgreSQL.

PostgreSQL tests need ``XINYONG_TEST_PG_URL`` (``.ci/pg-start`` prints one). Outside CI
they are skipped without it; under ``CI=true`` a skipped PostgreSQL test is a failure,
and a marker in use that collects no test is a failure too (CONTRACTS.md).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# wide, plain terminal output for CLI tests (rich sizes tables to the terminal)
os.environ["COLUMNS"] = "200"
os.environ.setdefault("NO_COLOR", "1")

from xinyong.settings import Settings

PG_URL = os.environ.get("XINYONG_TEST_PG_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
REQUIRED_MARKERS = ("postgres", "spark")
# markers whose skipped tests fail under CI=true (CONTRACTS.md)
CI_REQUIRED = ("postgres", "spark")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("engine") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if "spark_backend" in getattr(item, "fixturenames", ()):
            # one worker runs every Spark test (one JVM, started once; --dist loadgroup)
            item.add_marker(pytest.mark.spark)
            item.add_marker(pytest.mark.xdist_group("spark"))
    if IN_CI:
        for marker in REQUIRED_MARKERS:
            if not any(item.get_closest_marker(marker) for item in items):
                # only when the whole suite is collected (not a single file run by hand)
                if config.getoption("keyword") or config.getoption("markexpr"):
                    continue
                raise pytest.UsageError(f"CI: no test collected for marker {marker!r}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        for marker in CI_REQUIRED:
            if item.get_closest_marker(marker):
                report.outcome = "failed"
                report.longrepr = f"CI: {marker} test skipped ({report.longrepr})"
                break


def _pg_admin_url() -> str:
    assert PG_URL
    return PG_URL


def _create_pg_database(name: str) -> str:
    import psycopg

    admin = _pg_admin_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
    base, _, _ = admin.rpartition("/")
    return f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    import psycopg

    admin = _pg_admin_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    """The engine name; tests take ``db_url`` or ``store`` which follow it."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("XINYONG_TEST_PG_URL is not set (run .ci/pg-start)")
    return str(request.param)


@pytest.fixture
def db_url(engine: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on the engine under test."""
    from xinyong.store.engine import dispose_all

    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        dispose_all()
        return
    name = f"xy_test_{uuid.uuid4().hex[:12]}"
    url = _create_pg_database(name)
    try:
        yield url
    finally:
        dispose_all()
        _drop_pg_database(name)


@pytest.fixture
def fresh_db_url(engine: str, tmp_path: Path) -> Iterator[object]:
    """A factory of further fresh databases on the engine under test (dropped afterwards)."""
    created: list[str] = []

    def make(tag: str) -> str:
        if engine == "sqlite":
            return f"sqlite:///{tmp_path / f'{tag}.db'}"
        name = f"xy_test_{uuid.uuid4().hex[:12]}"
        created.append(name)
        return _create_pg_database(name)

    yield make
    from xinyong.store.engine import dispose_all

    dispose_all()
    for name in created:
        _drop_pg_database(name)


@pytest.fixture(scope="session")
def spark_backend():  # type: ignore[no-untyped-def]
    """The process's Spark backend (local mode), shared by every Spark test of a session."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed (pip install 'xinyong[spark]')")
    from xinyong.batch import connect

    # tiny test data: few shuffle partitions, so each stage is one or two tasks
    os.environ.setdefault("XINYONG_SPARK_PARTITIONS", "2")
    os.environ.setdefault(
        "XINYONG_SPARK_CONF",
        "spark.sql.adaptive.enabled=false;spark.sql.codegen.wholeStage=false;"
        "spark.sql.codegen.factoryMode=NO_CODEGEN",
    )
    return connect("spark")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite:///unused.db",
        signing_key_path=tmp_path / "signing.key",
        checkpoint_every=50,
        ingest_chunk_rows=100,
    )


@pytest.fixture
def store(db_url: str, settings: Settings):  # type: ignore[no-untyped-def]
    """A migrated store with the local administrator, on the engine under test."""
    from xinyong.store.actors import ensure_local_admin
    from xinyong.store.context import Store
    from xinyong.store.migrate import upgrade

    s = Store(db_url, settings)
    upgrade(s)
    with s.write(checkpoint=True) as tx:
        ensure_local_admin(tx)
    return s
