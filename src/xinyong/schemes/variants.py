"""Scheme variants for what-if questions: the same scheme with one rule removed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from xinyong.errors import NotFound
from xinyong.schemes.loader import LoadedScheme, load_path


def without_rule(loaded: LoadedScheme, rule_id: str, out: Path) -> LoadedScheme:
    """Write ``loaded`` minus ``rule_id`` to ``out`` (version ``<v>-no-<rule>``, cut to 32 characters) and
    load it back through the loader, so the variant passes the same checks."""
    raw: dict[str, Any] = dict(loaded.raw)
    rules = [r for r in raw.get("rules", []) if r.get("id") != rule_id]
    if len(rules) == len(raw.get("rules", [])):
        raise NotFound(f"{loaded.scheme.id} has no rule {rule_id!r}", code="scheme_rule_not_found")
    raw["rules"] = rules
    raw["version"] = f"{loaded.scheme.version}-no-{rule_id}"[:32]
    out.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# {loaded.scheme.id} without the rule {rule_id!r} (generated from {loaded.path.name})\n"
    )
    out.write_text(
        header + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return load_path(out)
