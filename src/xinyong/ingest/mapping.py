"""Column mappings: YAML data that turns a feed's headers into the platform's fields.

A mapping is detected from the header when none is named: the one whose ``detect``
headers are all present (the most specific wins). Headers are compared after NFKC
folding, so full-width brackets in 罚款金额（万元） match either way.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xinyong.errors import UnusableInput, UsageError

BUILTIN_DIR = "mappings"


def _fold(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip()


class Mapping(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: int = 1
    name_zh: str
    name_en: str
    kind: str | None = None
    kind_by_subject: dict[str, str] | None = None
    kind_column: str | None = None
    source_key: str
    detect: list[str]
    columns: dict[str, str]
    required: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind_rule(self) -> Mapping:
        rules = [self.kind, self.kind_by_subject, self.kind_column]
        if sum(r is not None for r in rules) != 1:
            raise ValueError("a mapping needs exactly one of kind, kind_by_subject, kind_column")
        fields = set(self.columns.values())
        for f in [self.source_key, *self.required]:
            if f not in fields:
                raise ValueError(f"field {f!r} is not produced by any column")
        folded = {_fold(h) for h in self.columns}
        for h in self.detect:
            if _fold(h) not in folded:
                raise ValueError(f"detect header {h!r} is not a mapped column")
        return self

    @property
    def folded_columns(self) -> dict[str, str]:
        return {_fold(h): f for h, f in self.columns.items()}

    def header_for(self, field: str) -> str:
        """The feed's own header for a platform field, for messages people can act on."""
        for h, f in self.columns.items():
            if f == field:
                return h
        return field

    def matches(self, header: list[str]) -> bool:
        have = {_fold(h) for h in header}
        return all(_fold(h) in have for h in self.detect)

    def plan(self, header: list[str]) -> list[tuple[str, str]]:
        """(file header, platform field) pairs for the columns this file has."""
        cols = self.folded_columns
        return [(h, cols[_fold(h)]) for h in header if _fold(h) in cols]

    def fixed_kinds(self) -> set[str] | None:
        """The kinds this mapping can produce, when known without reading rows."""
        if self.kind:
            return {self.kind}
        if self.kind_by_subject:
            return set(self.kind_by_subject.values())
        return None


def _parse(text: str, origin: str) -> Mapping:
    try:
        data: Any = yaml.safe_load(text)
        return Mapping.model_validate(data)
    except (yaml.YAMLError, ValidationError) as e:
        raise UsageError(f"mapping {origin} is invalid: {e}", code="bad_mapping") from e


@lru_cache(maxsize=1)
def builtin_mappings() -> dict[str, Mapping]:
    out: dict[str, Mapping] = {}
    folder = resources.files("xinyong.ingest").joinpath(BUILTIN_DIR)
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml") and not entry.name.startswith("_"):
            m = _parse(entry.read_text(encoding="utf-8"), entry.name)
            out[m.id] = m
    return out


@lru_cache(maxsize=1)
def value_maps() -> dict[str, dict[str, str]]:
    text = (
        resources.files("xinyong.ingest")
        .joinpath(BUILTIN_DIR)
        .joinpath("_values.yaml")
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    return {k: {_fold(str(a)): str(b) for a, b in v.items()} for k, v in data.items()}


def load_mapping(name_or_path: str) -> Mapping:
    """A built-in mapping by id, or a YAML file."""
    builtin = builtin_mappings()
    if name_or_path in builtin:
        return builtin[name_or_path]
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return _parse(p.read_text(encoding="utf-8"), str(p))
    raise UsageError(
        f"unknown mapping {name_or_path!r}; built-in: {', '.join(sorted(builtin))}, "
        "or a path to a YAML file",
        code="unknown_mapping",
    )


def detect_mapping(header: list[str]) -> Mapping:
    candidates = [m for m in builtin_mappings().values() if m.matches(header)]
    if not candidates:
        shown = ", ".join(header[:8]) + ("…" if len(header) > 8 else "")
        raise UnusableInput(
            f"no known header: none of the mappings ({', '.join(sorted(builtin_mappings()))}) "
            f"matches the columns [{shown}]; pass --mapping",
            code="unknown_header",
        )
    candidates.sort(key=lambda m: len(m.detect), reverse=True)
    return candidates[0]
