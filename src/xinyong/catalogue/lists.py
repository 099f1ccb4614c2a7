"""Lists and measures: the checks that need the whole catalogue, and criteria matching.

The shapes live in :mod:`xinyong.catalogue.model` (``ListDef``, ``MeasureDef``);
this module holds what the loader checks across files, so that a catalogue
that would attach a measure to a list its basis does not name, or feed a list
from a record kind nobody knows, refuses to load:

* every legal basis cites a known instrument; a list's authority sector, source
  kinds, criteria kinds, sectors and penalty types exist;
* a black list is fed by negative records (dishonesty information), a red list
  by records that are not;
* a list holds only subjects its source records can name;
* an escalation targets a known list that carries the matching criterion;
* a measure's lists exist and are each named by a clause of its basis (no
  widening of targets); restrict measures only on black lists, rewards only on
  red ones; a measure reaching unit representatives only on lists whose rules
  say how they are reached.

:func:`criterion_matches` evaluates a proposal criterion on a record; the
proposal engine (a later module) calls it, the tests pin its meaning here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from xinyong.calendar import Duration
from xinyong.catalogue.model import (
    Criterion,
    Instrument,
    LegalBasis,
    ListDef,
    MeasureDef,
    MeasureEffect,
    Polarity,
    RecordKind,
    Sector,
    Severity,
)
from xinyong.catalogue.publicity import add_duration

__all__ = ["Report", "check_lists", "check_measures", "criterion_matches", "not_longer"]

#: ``report(file, entry, reason)``: the loader's problem collector
Report = Callable[[str, str | None, str], None]

LISTS_FILE = "lists.yaml"
MEASURES_FILE = "measures.yaml"

_PROBES = (date(2023, 1, 31), date(2024, 2, 29), date(2025, 12, 31))


def not_longer(a: Duration, b: Duration) -> bool:
    """Duration ``a`` never reaches past duration ``b`` (checked from awkward dates)."""
    return all(add_duration(p, a) <= add_duration(p, b) for p in _PROBES)


def _bases(
    label: str,
    where: str,
    bases: Iterable[LegalBasis],
    instruments: Mapping[str, Instrument],
    report: Report,
    file: str = LISTS_FILE,
) -> None:
    for b in bases:
        if b.instrument not in instruments:
            report(file, label, f"{where}cites unknown instrument {b.instrument!r}")


# --------------------------------------------------------------------------- lists


def check_lists(
    lists: Sequence[ListDef],
    *,
    kinds: Mapping[str, RecordKind],
    sectors: Mapping[str, Sector],
    instruments: Mapping[str, Instrument],
    penalty_types: Collection[str] | None,
    report: Report,
    declared_lists: Collection[str] = (),
) -> None:
    """Report every cross-file problem of ``lists.yaml``.

    ``declared_lists``: ids the file declares, valid or not (an escalation to a list
    that failed its own validation is not reported again as unknown).
    """
    by_id = {ld.id: ld for ld in lists}
    for ld in lists:
        label = f"list {ld.id!r}"
        _bases(label, "legal basis ", ld.legal_basis, instruments, report)
        for g in ld.grounds:
            _bases(label, f"ground {g.id!r} ", g.basis, instruments, report)
            if g.extension is not None and not not_longer(g.extension.min, g.extension.max):
                report(
                    LISTS_FILE,
                    label,
                    f"ground {g.id!r}: extension min {g.extension.min} is longer than max "
                    f"{g.extension.max}",
                )
        for e in ld.removal_events:
            _bases(label, f"removal event {e.id!r} ", e.basis, instruments, report)
        if ld.early_removal is not None:
            _bases(label, "early_removal ", ld.early_removal.basis, instruments, report)
            if ld.early_removal.event not in {e.id for e in ld.removal_events}:
                report(
                    LISTS_FILE,
                    label,
                    f"early_removal event {ld.early_removal.event!r} is not one of its removal events",
                )
            if ld.default_term is not None and not not_longer(
                ld.early_removal.after, ld.default_term
            ):
                report(
                    LISTS_FILE,
                    label,
                    f"early_removal after {ld.early_removal.after} is longer than the default "
                    f"term {ld.default_term}",
                )
        if ld.unit_representatives is not None:
            _bases(
                label, "unit_representatives ", ld.unit_representatives.basis, instruments, report
            )

        if ld.authority_sector is not None and ld.authority_sector not in sectors:
            report(LISTS_FILE, label, f"unknown authority_sector {ld.authority_sector!r}")

        for k in ld.source_kinds:
            if k not in kinds:
                report(LISTS_FILE, label, f"source_kinds names unknown record kind {k!r}")
        ground_ids = {g.id for g in ld.grounds}
        for i, c in enumerate(ld.criteria, 1):
            _check_criterion(label, i, c, kinds, sectors, penalty_types, report)
            if c.ground is not None and c.ground not in ground_ids:
                report(LISTS_FILE, label, f"criteria #{i}: unknown ground {c.ground!r}")

        known = [kinds[k] for k in ld.fed_by if k in kinds]
        for kind in known:
            if ld.polarity is Polarity.BLACK and not kind.negative:
                report(
                    LISTS_FILE,
                    label,
                    f"a black list fed by {kind.id!r}, which is not dishonesty information "
                    "(negative: false)",
                )
            if ld.polarity is Polarity.RED and kind.negative:
                report(
                    LISTS_FILE,
                    label,
                    f"a red list fed by {kind.id!r}, which is dishonesty information",
                )
        if known:
            reachable = {s for kind in known for s in kind.subject_kinds}
            extra = [s.value for s in ld.subject_kinds if s not in reachable]
            if extra:
                report(
                    LISTS_FILE,
                    label,
                    f"subject_kinds {extra} are never the subject of its source records "
                    f"({', '.join(k.id for k in known)})",
                )

        esc = ld.escalation
        if esc is not None:
            _bases(label, "escalation ", esc.basis, instruments, report)
            target = by_id.get(esc.to)
            if target is None:
                if esc.to not in declared_lists:
                    report(LISTS_FILE, label, f"escalation to unknown list {esc.to!r}")
            else:
                matching = [
                    c
                    for c in target.criteria
                    if c.kind in ld.source_kinds
                    and c.unresolved_for is not None
                    and c.unresolved_for == esc.after
                ]
                if not matching:
                    report(
                        LISTS_FILE,
                        label,
                        f"escalation to {esc.to!r} after {esc.after}: {esc.to!r} has no criterion "
                        f"{{kind: <one of {list(ld.source_kinds)}>, unresolved_for: {esc.after}}}",
                    )
                if target.polarity is not ld.polarity:
                    report(LISTS_FILE, label, f"escalation to {esc.to!r}, a list of other polarity")


def _check_criterion(
    label: str,
    i: int,
    c: Criterion,
    kinds: Mapping[str, RecordKind],
    sectors: Mapping[str, Sector],
    penalty_types: Collection[str] | None,
    report: Report,
) -> None:
    where = f"criteria #{i}: "
    if c.kind not in kinds:
        report(LISTS_FILE, label, f"{where}unknown record kind {c.kind!r}")
    for s in c.sector_in or ():
        if s not in sectors:
            report(LISTS_FILE, label, f"{where}unknown sector {s!r}")
    if penalty_types is not None:
        for t in c.penalty_types_any or ():
            if t not in penalty_types:
                report(LISTS_FILE, label, f"{where}unknown penalty type {t!r}")


# --------------------------------------------------------------------------- measures


def check_measures(
    measures: Sequence[MeasureDef],
    *,
    lists: Mapping[str, ListDef],
    instruments: Mapping[str, Instrument],
    report: Report,
    declared_lists: Collection[str] = (),
) -> None:
    """Report every cross-file problem of ``measures.yaml``.

    ``declared_lists``: ids ``lists.yaml`` declares, valid or not; a measure naming a
    list that failed its own validation is not reported again as naming an unknown list.
    """
    for m in measures:
        label = f"measure {m.id!r}"
        _bases(label, "legal basis ", m.legal_basis, instruments, report, MEASURES_FILE)
        for b in m.legal_basis:
            for t in b.targets:
                # a target the measure also attaches to is reported once, below
                if t not in lists and t not in declared_lists and t not in m.lists:
                    report(
                        MEASURES_FILE,
                        label,
                        f"basis {b.instrument} {b.article} targets unknown list {t!r}",
                    )
        targets = m.targets
        for list_id in m.lists:
            ld = lists.get(list_id)
            if ld is None:
                if list_id not in declared_lists:
                    report(MEASURES_FILE, label, f"unknown list {list_id!r}")
                continue
            if list_id not in targets:
                report(
                    MEASURES_FILE,
                    label,
                    f"widening of targets: list {list_id!r} is not named by any clause of its "
                    f"legal basis (targets: {', '.join(sorted(targets))})",
                )
            if m.effect is MeasureEffect.RESTRICT and ld.polarity is Polarity.RED:
                report(MEASURES_FILE, label, f"a restrict measure on red list {list_id!r}")
            if m.effect is MeasureEffect.REWARD and ld.polarity is Polarity.BLACK:
                report(MEASURES_FILE, label, f"a reward measure on black list {list_id!r}")
            if m.applies_to_unit_representatives and ld.unit_representatives is None:
                report(
                    MEASURES_FILE,
                    label,
                    f"applies_to_unit_representatives, but list {list_id!r} has no "
                    "unit_representatives rule saying how they are reached",
                )
            if m.subject_kinds is not None and not set(m.subject_kinds) & set(ld.subject_kinds):
                report(
                    MEASURES_FILE,
                    label,
                    f"subject_kinds {[s.value for s in m.subject_kinds]} reach no subject of "
                    f"list {list_id!r}",
                )


# --------------------------------------------------------------------------- criteria


def criterion_matches(
    criterion: Criterion,
    *,
    kind: str,
    attributes: Mapping[str, Any] | None = None,
    severity: Severity | str | None = None,
    penalty_types: Iterable[str] = (),
    sector: str | None = None,
    decided_on: date | None = None,
    ended_on: date | None = None,
    on: date | None = None,
) -> bool:
    """Whether a record meets ``criterion`` (every condition given must hold).

    ``penalty_types`` are canonical ``severity.yaml`` ids (``derive_severity(...).types``);
    ``sector`` is the deciding authority's; ``ended_on`` the end of the record's force
    (removal, revocation), None while in force. ``unresolved_for`` needs ``decided_on``
    and ``on`` (the day evaluated): a record whose facts are missing does not match.
    """
    if kind != criterion.kind:
        return False
    if criterion.field is not None and criterion.in_ is not None:
        value = (attributes or {}).get(criterion.field)
        if value is None or str(value) not in criterion.in_:
            return False
    if criterion.severity_in is not None:
        if severity is None:
            return False
        try:
            sev = Severity(str(severity))
        except ValueError:
            return False
        if sev not in criterion.severity_in:
            return False
    if criterion.penalty_types_any is not None and not set(penalty_types) & set(
        criterion.penalty_types_any
    ):
        return False
    if criterion.sector_in is not None and (sector is None or sector not in criterion.sector_in):
        return False
    if criterion.unresolved_for is not None:
        if decided_on is None or on is None:
            return False
        if add_duration(decided_on, criterion.unresolved_for) > on:
            return False
        if ended_on is not None and ended_on <= on:
            return False
    return True
