"""``xinyong catalogue``: show the catalogue the platform runs on.

Operators and reviewers need to see which legal basis a kind of record rests
on, who sees it and which publicity regime sets its period, without reading
YAML; ``check`` validates an edited catalogue directory before it is deployed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xinyong.calendar import Duration
from xinyong.catalogue import Audience, Catalogue, RecordKind, Regime, get_catalogue, load_catalogue
from xinyong.catalogue.model import (
    AudienceRule,
    Criterion,
    EntryMode,
    ListDef,
    MeasureDef,
    SeverityRule,
)
from xinyong.cli.common import JsonOption, console, print_json

__all__ = ["register"]

_UNITS = {
    "working_days": ("working day", "working days"),
    "calendar_days": ("day", "days"),
    "months": ("month", "months"),
    "years": ("year", "years"),
}


def _dur(d: Duration | None) -> str:
    if d is None:
        return "—"
    one, many = _UNITS.get(d.unit.value, (d.unit.value, d.unit.value))
    return f"{d.n} {one if d.n == 1 else many}"


def _rule(r: AudienceRule) -> str:
    if isinstance(r, bool):
        return "yes" if r else "no"
    return f"if {r.when.field} ∈ {{{', '.join(r.when.in_)}}}"


def _publicity(kind: RecordKind) -> str:
    p = kind.publicity
    return f"fixed {_dur(p.period)}" if p.period is not None else p.rule.value


def _severity_cell(rule: SeverityRule) -> str:
    if not rule.published:
        text = f"not published (max {_dur(rule.display)})"
    else:
        text = _dur(rule.display)
        if rule.repair_after is not None:
            text += f", repair ≥ {_dur(rule.repair_after)}"
        if rule.not_published_if_only:
            text += f"; not if only {'/'.join(rule.not_published_if_only)}"
    return text + ("" if rule.verified.all else " *")


def _regimes_table(cat: Catalogue, regimes: list[Regime]) -> Table:
    table = Table(title="Publicity regimes", caption="* unverified number (flagged on records)")
    for col in ("id", "family", "from", "to", "instrument", "minor", "general", "serious"):
        table.add_column(col)
    for r in regimes:
        inst = cat.instrument(r.instrument)
        table.add_row(
            r.id,
            r.family.value,
            str(r.valid_from),
            str(r.valid_to or "—"),
            inst.label_zh + ("" if inst.verified else " (unverified)"),
            *(_severity_cell(r.severities[s]) for s in sorted(r.severities, key=lambda s: s.rank)),
        )
    return table


def _show_kind(cat: Catalogue, kind_id: str) -> None:
    view = cat.view(kind_id)
    k = view.kind
    console.print(f"[bold]{k.id}[/bold] — {k.name_zh} / {k.name_en}")
    if k.description:
        console.print(f"  {k.description.strip()}")
    console.print(f"  negative (dishonesty information): {'yes' if k.negative else 'no'}")
    console.print(f"  subject kinds: {', '.join(s.value for s in k.subject_kinds)}")
    console.print("  legal basis:")
    for zh, en in zip(view.citations_zh, view.citations_en, strict=True):
        console.print(f"    {zh}  /  {en}")
    v = k.visibility
    console.print(
        f"  visible to: public {_rule(v.public)}; agency {_rule(v.agency)}; subject always"
    )
    for aud in Audience:
        m = cat.masking_for(aud, k.id)
        console.print(
            f"  masking ({aud.value}): resident ID {m.ric.value}, other IDs {m.other_id.value}, "
            f"names {m.person_name}"
        )
    console.print(f"  retention: {_dur(k.retention.period)} after {k.retention.anchor.value}")
    console.print(f"  publicity: {_publicity(k)}")
    if k.notes:
        console.print(f"  notes: {k.notes.strip()}")
    if view.regimes:
        console.print(_regimes_table(cat, view.regimes))


def _criterion(c: Criterion) -> str:
    parts = [c.kind]
    if c.field is not None and c.in_ is not None:
        parts.append(f"{c.field} ∈ {{{', '.join(c.in_)}}}")
    if c.severity_in:
        parts.append(f"severity ∈ {{{', '.join(s.value for s in c.severity_in)}}}")
    if c.penalty_types_any:
        parts.append(f"penalty types ∩ {{{', '.join(c.penalty_types_any)}}}")
    if c.sector_in:
        parts.append(f"sector ∈ {{{', '.join(c.sector_in)}}}")
    if c.unresolved_for is not None:
        parts.append(f"unresolved ≥ {_dur(c.unresolved_for)}")
    return ", ".join(parts)


def _entry(ld: ListDef) -> str:
    lines = []
    if ld.entry is EntryMode.DIRECT:
        lines.append(f"direct: {', '.join(ld.source_kinds)}")
    for c in ld.criteria:
        lines.append(f"proposal: {_criterion(c)}")
    if ld.escalation is not None:
        lines.append(f"escalates after {_dur(ld.escalation.after)} → {ld.escalation.to}")
    return "\n".join(lines)


def _terms(ld: ListDef) -> str:
    lines = []
    for g in ld.grounds:
        term = _dur(g.term) if g.term is not None else "until performance"
        if g.extension is not None:
            term += f" (+{_dur(g.extension.min)}–{_dur(g.extension.max)})"
        code = f"{g.code}. " if g.code is not None else ""
        lines.append(f"{code}{g.id}: {term}{'' if g.verified else ' *'}")
    if ld.early_removal is not None:
        mark = "" if ld.early_removal.verified else " *"
        lines.append(f"early removal on application after {_dur(ld.early_removal.after)}{mark}")
    return "\n".join(lines)


def _removal(ld: ListDef) -> str:
    return "\n".join(
        f"{e.id}: {_dur(e.deadline)}{'' if e.verified else ' *'}" for e in ld.removal_events
    )


def _lists_table(cat: Catalogue) -> Table:
    table = Table(
        title=f"Lists — catalogue {cat.version}",
        caption="* unverified number; black restricts, red rewards",
    )
    table.add_column("id", no_wrap=True)
    for col in (
        "名称 / name",
        "polarity",
        "authority",
        "entry",
        "grounds and terms",
        "removal (deadline)",
        "measures",
        "legal basis",
    ):
        table.add_column(col)
    for ld in cat.lists.values():
        extras = []
        if ld.never_list_minors:
            extras.append("never lists minors")
        if ld.unit_representatives is not None:
            extras.append(f"representatives: {ld.unit_representatives.scope.value}")
        if ld.conduct:
            extras.append("conduct: " + ", ".join(c.value for c in ld.conduct))
        table.add_row(
            ld.id,
            f"{ld.name_zh}\n{ld.name_en}" + "".join(f"\n[dim]{x}[/dim]" for x in extras),
            ld.polarity.value + ("" if ld.verified else " *"),
            ld.authority_sector or "(the deciding authority's)",
            _entry(ld),
            _terms(ld),
            _removal(ld),
            str(len(cat.measures_for_list(ld.id))),
            "\n".join(cat.cite(b, "zh") for b in ld.legal_basis),
        )
    return table


def _measures_table(cat: Catalogue, measures: list[MeasureDef], title: str) -> Table:
    table = Table(title=title, caption="* unverified (article or substance)")
    table.add_column("id", no_wrap=True)
    for col in (
        "名称 / name",
        "effect",
        "category",
        "lists",
        "legal basis → targets",
        "implementing agency",
        "representatives",
    ):
        table.add_column(col)
    for m in measures:
        reps = "no"
        if m.applies_to_unit_representatives:
            reps = "only" if m.representatives_only else "yes"
        name = f"{m.name_zh}\n{m.name_en}"
        if m.condition:
            name += f"\n[dim]{m.condition}[/dim]"
        table.add_row(
            m.id + ("" if m.verified else " *"),
            name,
            m.effect.value,
            m.category,
            "\n".join(m.lists),
            "\n".join(f"{cat.cite(b, 'zh')} → {', '.join(b.targets)}" for b in m.legal_basis),
            f"{m.implementing_agency.type}\n{m.implementing_agency.name_zh}",
            reps,
        )
    return table


def register(app: typer.Typer) -> None:
    """Add the ``catalogue`` command group to ``app``."""
    cat_app = typer.Typer(
        name="catalogue",
        help="The public credit information catalogue: record kinds, legal bases, regimes, lists, measures.",
        no_args_is_help=True,
    )

    @cat_app.command("show")
    def show(
        kind: Annotated[
            str | None, typer.Argument(help="A record kind id; omit for the list of kinds.")
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """List the record kinds, or show one kind in full with the regimes that apply."""
        cat = get_catalogue()
        if kind is not None:
            if as_json:
                print_json(cat.view(kind))
            else:
                _show_kind(cat, kind)
            return
        kinds = [cat.kinds[k] for k in cat.kinds]
        if as_json:
            print_json(kinds)
            return
        table = Table(title=f"Record kinds — catalogue {cat.version}")
        for col in ("id", "名称", "name", "legal basis", "public", "publicity"):
            table.add_column(col)
        for k in kinds:
            table.add_row(
                k.id,
                k.name_zh,
                k.name_en,
                "\n".join(cat.citations(k.id, "zh")),
                _rule(k.visibility.public),
                _publicity(k),
            )
        console.print(table)

    @cat_app.command("regimes")
    def regimes(as_json: JsonOption = False) -> None:
        """List the publicity regimes by family and date, with periods per severity."""
        cat = get_catalogue()
        if as_json:
            print_json(list(cat.regimes))
            return
        console.print(_regimes_table(cat, list(cat.regimes)))

    @cat_app.command("lists")
    def lists(as_json: JsonOption = False) -> None:
        """List the black and red lists: who decides, how entries come and go, the measures."""
        cat = get_catalogue()
        if as_json:
            print_json(list(cat.lists.values()))
            return
        console.print(_lists_table(cat))

    @cat_app.command("measures")
    def measures(
        list_id: Annotated[
            str | None,
            typer.Argument(metavar="LIST", help="A list id; omit for every measure."),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """List the restrictions and rewards, with their basis, targets and implementing agency."""
        cat = get_catalogue()
        if list_id is not None:
            chosen = cat.measures_for_list(list_id)
            title = f"Measures on {list_id} — {cat.list_def(list_id).name_zh}"
        else:
            chosen = list(cat.measures.values())
            title = f"Measures — catalogue {cat.version}"
        if as_json:
            print_json(chosen)
            return
        console.print(_measures_table(cat, chosen, title))

    @cat_app.command("check")
    def check(
        path: Annotated[
            Path | None,
            typer.Argument(help="A catalogue directory (default: the one the platform uses)."),
        ] = None,
    ) -> None:
        """Validate a catalogue directory; exit 1 listing every problem if it does not load."""
        cat = load_catalogue(path) if path is not None else get_catalogue()
        console.print(
            f"catalogue {cat.version}: {len(cat.kinds)} kinds, {len(cat.instruments)} "
            f"instruments, {len(cat.regimes)} regimes, {len(cat.sectors)} sectors, "
            f"{len(cat.lists)} lists, {len(cat.measures)} measures — valid"
        )

    app.add_typer(cat_app, name="catalogue")
