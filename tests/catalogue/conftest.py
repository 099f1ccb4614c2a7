"""Fixtures for the catalogue tests: the shipped catalogue, and broken copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from xinyong.catalogue import DATA_DIR, Catalogue, load_catalogue
from xinyong.cli.catalogue_cmd import register


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    return load_catalogue()


Editor = Callable[[str, Callable[[Any], None]], Path]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped catalogue directory."""
    dest = tmp_path / "catalogue"
    shutil.copytree(DATA_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.fixture
def edit(data_copy: Path) -> Editor:
    """Edit one YAML file of the copy in place: ``edit("record_kinds.yaml", fn)``."""

    def _edit(name: str, fn: Callable[[Any], None]) -> Path:
        path = data_copy / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        fn(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return data_copy

    return _edit


@pytest.fixture
def app() -> typer.Typer:
    """A bare root app with only the catalogue commands (as ``xinyong`` registers them)."""
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        pass

    register(root)
    return root
