"""The deadlines of subjects' cases, from ``data/cases.yaml``, validated against the
catalogue: every rule cites known instruments, names known lists and record kinds, and
a list entry's removal event belongs to the list."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xinyong.calendar import Duration
from xinyong.catalogue import Catalogue, get_catalogue
from xinyong.catalogue.model import LegalBasis
from xinyong.errors import CatalogueError

RULES_FILE = Path(__file__).with_name("data") / "cases.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AppealRule(_Frozen):
    file_within: Duration
    decide_within: Duration
    decided_by: Literal["higher_court"]
    basis: tuple[LegalBasis, ...] = Field(min_length=1)


class ObjectionRule(_Frozen):
    id: str
    lists: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    decide_within: Duration
    entry_removal_events: dict[str, str] = Field(default_factory=dict)
    basis: tuple[LegalBasis, ...] = Field(min_length=1)
    appeal: AppealRule | None = None
    note: str | None = None

    def matches(self, *, list_id: str | None, kind: str | None) -> bool:
        return (list_id is not None and list_id in self.lists) or (
            kind is not None and kind in self.kinds
        )


class Objections(_Frozen):
    default_rule: str
    rules: tuple[ObjectionRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_known(self) -> Objections:
        ids = [r.id for r in self.rules]
        if self.default_rule not in ids:
            raise ValueError(f"default_rule {self.default_rule!r} is not one of {ids}")
        if len(set(ids)) != len(ids):
            raise ValueError("objection rule ids repeat")
        return self


class RepairRule(_Frozen):
    platform_reply_within: Duration
    authority_decide_within: Duration
    basis: tuple[LegalBasis, ...] = Field(min_length=1)
    verified: bool = True


class DisputeRule(_Frozen):
    decide_within: Duration
    basis: tuple[LegalBasis, ...] = Field(min_length=1)


class PriorNotice(_Frozen):
    period: Duration
    kinds: tuple[str, ...]
    basis: tuple[LegalBasis, ...] = Field(min_length=1)
    verified: bool = True
    note: str | None = None


class EvidenceRule(_Frozen):
    max_bytes: int = Field(gt=0)
    content_types: tuple[str, ...] = Field(min_length=1)


class CaseRules(_Frozen):
    objection: Objections
    repair: RepairRule
    dispute: DisputeRule
    prior_notice: PriorNotice
    evidence: EvidenceRule

    def objection_rule(self, *, list_id: str | None, kind: str | None) -> ObjectionRule:
        """The rule for an objection to an entry of ``list_id`` or a record of ``kind``."""
        for r in self.objection.rules:
            if r.matches(list_id=list_id, kind=kind):
                return r
        return next(r for r in self.objection.rules if r.id == self.objection.default_rule)


def _check(rules: CaseRules, cat: Catalogue) -> list[str]:
    problems: list[str] = []

    def bases(where: str, bs: tuple[LegalBasis, ...]) -> None:
        for b in bs:
            if b.instrument not in cat.instruments:
                problems.append(f"{where}: unknown instrument {b.instrument!r}")

    for r in rules.objection.rules:
        bases(f"objection rule {r.id}", r.basis)
        if r.appeal:
            bases(f"objection rule {r.id} appeal", r.appeal.basis)
        for lid in r.lists:
            if lid not in cat.lists:
                problems.append(f"objection rule {r.id}: unknown list {lid!r}")
        for lid, ev in r.entry_removal_events.items():
            if lid not in cat.lists:
                problems.append(f"objection rule {r.id}: unknown list {lid!r}")
            elif ev not in {e.id for e in cat.lists[lid].removal_events}:
                problems.append(f"objection rule {r.id}: {ev!r} is not a removal event of {lid}")
        for k in r.kinds:
            if k not in cat.kinds:
                problems.append(f"objection rule {r.id}: unknown record kind {k!r}")
    bases("repair", rules.repair.basis)
    bases("dispute", rules.dispute.basis)
    bases("prior_notice", rules.prior_notice.basis)
    for k in rules.prior_notice.kinds:
        if k not in cat.kinds:
            problems.append(f"prior_notice: unknown record kind {k!r}")
    return problems


def load_rules(path: Path = RULES_FILE, cat: Catalogue | None = None) -> CaseRules:
    """Read and validate a case rules file; CatalogueError lists every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rules = CaseRules.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogueError(f"{path.name}: {exc}") from exc
    problems = _check(rules, cat or get_catalogue())
    if problems:
        raise CatalogueError(f"{path.name}: " + "; ".join(problems), details={"problems": problems})
    return rules


@lru_cache(maxsize=1)
def get_rules() -> CaseRules:
    return load_rules()
