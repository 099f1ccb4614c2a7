"""When a record is public, and when its subject may apply to end that early.

Pure computation over the catalogue's data. It runs once per ingested row, so
the regime for (sector, decision date) is found by bisection over segments
precomputed at load time, and date arithmetic on calendar units is cached.

Rules (CONTRACTS.md, "Severity and regimes"; REFERENCE.md §3.1):

* the regime is chosen by the deciding authority's sector and the decision
  date; a decision before a sector's earliest regime uses that regime, flagged;
* ``display_until`` = the regime's base date (decision, or publication where the
  regime counts from publication and the date is known) + its display period;
* a feed's own 公示截止期 wins when it lies within the regime's bounds
  ([base + min_display or repair_after, latest possible end]); otherwise the
  derived date applies and the record is flagged;
* repair follows the regime of the decision date, unless a later regime in
  force by ``today`` gives an earlier date (never before that regime began).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal, NamedTuple

from xinyong.calendar import Duration, DurationUnit, WorkCalendar, add_months, today_cst
from xinyong.catalogue.model import (
    Publicity,
    PublicityRuleKind,
    RecordKind,
    Regime,
    Severity,
    SeverityRule,
)
from xinyong.catalogue.severity import SeverityDeriver

_Source = Literal["regime", "feed", "fixed", "valid_to", "in_force", "none"]

__all__ = [
    "PublicityEngine",
    "PublicityFields",
    "RegimeIndex",
    "Segment",
    "add_duration",
    "build_segments",
]

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=1)
def _work_calendar() -> WorkCalendar:
    # Package schedules and weekends only: working days here only widen the
    # bounds a feed's own end date may take (publication lag), never a deadline.
    return WorkCalendar()


@lru_cache(maxsize=1 << 16)
def _add(start: date, n: int, unit: DurationUnit) -> date:
    try:
        if unit is DurationUnit.CALENDAR_DAYS:
            return start + timedelta(days=n)
        if unit is DurationUnit.MONTHS:
            return add_months(start, n)
        if unit is DurationUnit.YEARS:
            return add_months(start, 12 * n)
        return _work_calendar().add(start, Duration(n=n, unit=unit)).due
    except (OverflowError, ValueError):
        return date.max


def add_duration(start: date, duration: Duration) -> date:
    """``start`` + ``duration`` as :class:`~xinyong.calendar.WorkCalendar` counts it.

    Months and years clamp to the month's end (``add_months``); a result past
    9999-12-31 saturates at ``date.max`` rather than failing an ingest row.
    """
    return _add(start, duration.n, duration.unit)


# --------------------------------------------------------------------------- regime index


@dataclass(frozen=True, slots=True)
class Segment:
    """A span of decision dates (inclusive) over which one regime governs a sector."""

    start: date
    end: date | None
    regime: Regime


def build_segments(sector: str, regimes: Iterable[Regime]) -> list[Segment]:
    """The sector's timeline of regimes, or ValueError naming the gap or overlap.

    Regimes may overlap only where one declares ``takes_precedence_over`` the
    other; the timeline must have no gaps and must end open (a regime in force
    today and after), so every decision date from the first regime on maps to
    exactly one regime.
    """
    mine = [r for r in regimes if sector in r.sectors]
    if not mine:
        raise ValueError(f"sector {sector!r}: no publicity regime governs it")
    cuts = sorted(
        {r.valid_from for r in mine}
        | {r.valid_to + _ONE_DAY for r in mine if r.valid_to is not None and r.valid_to < date.max}
    )
    segments: list[Segment] = []
    for i, start in enumerate(cuts):
        end = cuts[i + 1] - _ONE_DAY if i + 1 < len(cuts) else None
        covering = [r for r in mine if r.in_force(start)]
        if not covering:
            if end is None:
                raise ValueError(
                    f"sector {sector!r}: no regime in force from {start} on "
                    "(the latest regime must have no valid_to)"
                )
            raise ValueError(f"sector {sector!r}: no regime in force from {start} to {end}")
        winners = [
            r
            for r in covering
            if not any(r.id in o.takes_precedence_over for o in covering if o is not r)
        ]
        if len(winners) != 1:
            ids = ", ".join(r.id for r in covering)
            raise ValueError(
                f"sector {sector!r}: regimes {ids} overlap from {start}"
                f"{' to ' + str(end) if end else ''} and none takes_precedence_over the others"
            )
        win = winners[0]
        if segments and segments[-1].regime.id == win.id:
            segments[-1] = Segment(segments[-1].start, end, win)
        else:
            segments.append(Segment(start, end, win))
    return segments


class RegimeIndex:
    """Bisection over each sector's precomputed timeline of regimes."""

    def __init__(self, sectors: Iterable[str], regimes: Sequence[Regime]) -> None:
        self._segments: dict[str, list[Segment]] = {}
        self._starts: dict[str, list[date]] = {}
        for sector in sectors:
            segs = build_segments(sector, regimes)
            self._segments[sector] = segs
            self._starts[sector] = [s.start for s in segs]

    def sectors(self) -> list[str]:
        return list(self._segments)

    def timeline(self, sector: str) -> list[Segment]:
        return list(self._segments[sector])

    def position(self, sector: str, decided_on: date) -> tuple[int, bool]:
        """(segment index, decided before the earliest regime); KeyError for unknown sectors."""
        i = bisect_right(self._starts[sector], decided_on) - 1
        if i < 0:
            return 0, True
        return i, False

    def at(self, sector: str, index: int) -> Segment:
        return self._segments[sector][index]

    def lookup(self, sector: str, decided_on: date) -> tuple[Regime, bool]:
        i, early = self.position(sector, decided_on)
        return self._segments[sector][i].regime, early

    def later(self, sector: str, index: int, today: date) -> Iterable[Segment]:
        """Segments after ``index`` that had begun by ``today``."""
        for seg in self._segments[sector][index + 1 :]:
            if seg.start > today:
                break
            yield seg


# --------------------------------------------------------------------------- computation


class PublicityFields(NamedTuple):
    """:class:`Publicity` as a plain tuple (``PublicityEngine.fields``: no model per row)."""

    published: bool
    display_until: date | None
    rule: PublicityRuleKind
    source: _Source
    flags: tuple[str, ...]
    regime_id: str | None = None
    repair_from: date | None = None
    repair_regime_id: str | None = None


class _Base(NamedTuple):
    """Everything but a feed's own end date: the bounds that date must lie within."""

    published: bool
    derived: date | None
    lower: date | None
    upper: date | None  # None: no upper bound
    rule: PublicityRuleKind
    source: _Source
    flags: tuple[str, ...]
    regime_id: str | None = None
    repair_from: date | None = None  # before the "ends before repair could" check
    repair_regime_id: str | None = None


_FEED_UNPUBLISHED = ("feed_display_until_for_unpublished",)
_PUBLISHED_ONLY_FLAGS = frozenset({"published_on_before_decided_on"})


def _withheld(base: _Base) -> _Base:
    """A published regime base as it is when the penalty types are all withheld ones."""
    flags = tuple(f for f in base.flags if f not in _PUBLISHED_ONLY_FLAGS)
    return _Base(False, None, None, None, base.rule, "none", flags, base.regime_id)


_FEED_OUT = ("feed_display_until_out_of_bounds",)


def _finish(base: _Base, feed: date | None) -> PublicityFields:
    """Apply a feed's own 公示截止期 to the memoised part of the computation."""
    flags = base.flags
    if not base.published:
        if feed is not None:
            flags += _FEED_UNPUBLISHED
        return PublicityFields(False, None, base.rule, "none", flags, base.regime_id)
    display_until, source = base.derived, base.source
    if feed is not None:
        lower, upper = base.lower, base.upper
        if lower is not None and lower <= feed and (upper is None or feed <= upper):
            display_until, source = feed, "feed"
        else:
            flags += _FEED_OUT
    repair_from, repair_regime = base.repair_from, base.repair_regime_id
    if repair_from is not None and display_until is not None and repair_from > display_until:
        repair_from, repair_regime = None, None  # ends before repair could
    return PublicityFields(
        True, display_until, base.rule, source, flags, base.regime_id, repair_from, repair_regime
    )


class PublicityEngine:
    """Computes :class:`Publicity` for a record of a kind; see the module docstring.

    Everything but a feed's own end date is memoised (the computation is pure once
    ``today`` is fixed): ingest sees the same decision date, sector and severity many
    times, while feeds' own end dates vary; checking one against the memoised bounds
    is a comparison.
    """

    def __init__(
        self,
        index: RegimeIndex,
        deriver: SeverityDeriver,
        kinds: Mapping[str, RecordKind],
        cache_size: int = 1 << 18,
    ) -> None:
        self.index = index
        self.deriver = deriver
        self._kinds = kinds
        self._base = lru_cache(maxsize=cache_size)(self._compute_base)
        self._types = lru_cache(maxsize=cache_size)(self._types_key)
        self._exempt_from = lru_cache(maxsize=cache_size)(self._types_exempt)
        self._regimes = {
            seg.regime.id: seg.regime
            for sector in index.sectors()
            for seg in index.timeline(sector)
        }

    def compute(
        self,
        kind: RecordKind,
        *,
        severity: Severity | None,
        decided_on: date,
        sector: str | None,
        feed_display_until: date | None = None,
        valid_to: date | None = None,
        today: date | None = None,
        published_on: date | None = None,
        penalty_types: str | None = None,
    ) -> Publicity:
        if kind.publicity.rule is PublicityRuleKind.REGIME:
            if sector is None:
                raise ValueError(
                    f"kind {kind.id!r}: publicity by regime needs the deciding authority's sector"
                )
            now: date | None = today if today is not None else today_cst()
        else:
            now = None
        raw = self.fields(
            kind.id,
            severity,
            decided_on,
            sector,
            feed_display_until,
            valid_to,
            now,
            published_on,
            penalty_types,
        )
        return Publicity(
            published=raw.published,
            display_until=raw.display_until,
            repair_from=raw.repair_from,
            regime_id=raw.regime_id,
            repair_regime_id=raw.repair_regime_id,
            rule=raw.rule,
            display_source=raw.source,
            flagged=bool(raw.flags),
            flags=list(raw.flags),
        )

    def fields(
        self,
        kind_id: str,
        severity: Severity | str | None,
        decided_on: date,
        sector: str | None,
        feed: date | None,
        valid_to: date | None,
        today: date | None,
        published_on: date | None = None,
        penalty_types: str | None = None,
    ) -> PublicityFields:
        """``compute`` for a known kind id, as a tuple; ``today`` is required for regime kinds.

        ``severity`` may be a severity's value (``"general"``): ``Severity`` is a str enum.
        """
        if self._kinds[kind_id].publicity.rule is PublicityRuleKind.REGIME:
            assert sector is not None and today is not None
            # penalty types matter only to a published base, and only when the regime
            # withholds some types: memoised apart, the base is shared by every type mix
            base = self._base(kind_id, severity, decided_on, sector, None, today, published_on)
            if penalty_types and base.published:
                types = self._types(penalty_types)
                if types and self._exempt_from(base.regime_id, severity, types):
                    base = _withheld(base)
        else:
            # severity, sector, publication and penalty types are not used: better hits
            base = self._base(kind_id, None, decided_on, None, valid_to, None, None)
        return _finish(base, feed)

    def _types_exempt(
        self, regime_id: str, severity: Severity | str | None, types: frozenset[str]
    ) -> bool:
        sev = Severity(severity) if severity is not None else Severity.GENERAL
        return self._exempt(self._regimes[regime_id].severities[sev], types)

    def _types_key(self, penalty_types: str) -> frozenset[str] | None:
        """What of a 处罚类别 text matters to publicity: its types, when all are recognised."""
        ids, unknown = self.deriver.recognise(penalty_types)
        return frozenset(ids) if ids and not unknown else None

    def _compute_base(
        self,
        kind_id: str,
        severity: Severity | str | None,
        decided_on: date,
        sector: str | None,
        valid_to: date | None,
        today: date | None,
        published_on: date | None,
    ) -> _Base:
        kind = self._kinds[kind_id]
        rule = kind.publicity.rule
        if rule is PublicityRuleKind.REGIME:
            assert sector is not None and today is not None
            sev = Severity(severity) if severity is not None else None
            return self._regime(sev, decided_on, sector, today, published_on)
        if rule is PublicityRuleKind.NONE:
            return _Base(False, None, None, None, rule, "none", ())
        if rule is PublicityRuleKind.FIXED:
            assert kind.publicity.period is not None
            fixed_end = add_duration(decided_on, kind.publicity.period)
            return _Base(True, fixed_end, decided_on, fixed_end, rule, "fixed", ())
        if rule is PublicityRuleKind.UNTIL_VALID_TO:
            end = valid_to
            flags: tuple[str, ...] = ()
            if end is not None and end < decided_on:
                flags = ("valid_to_before_decided_on",)
                end = decided_on
            return _Base(True, end, decided_on, end, rule, "valid_to", flags)
        # WHILE_IN_FORCE: public until removed; a feed's own end date (a fixed
        # term, e.g. the court list's two years) is taken when not before the decision
        return _Base(True, None, decided_on, None, rule, "in_force", ())

    def _regime(
        self,
        severity: Severity | None,
        decided_on: date,
        sector: str,
        today: date,
        published_on: date | None,
    ) -> _Base:
        """The regime's publicity whatever the penalty types (``fields`` applies those)."""
        flags: list[str] = []
        if severity is None:
            severity = Severity.GENERAL
            flags.append("severity_missing")
        pos, early = self.index.position(sector, decided_on)
        regime = self.index.at(sector, pos).regime
        if early:
            flags.append("before_earliest_regime")
        entry = regime.severities[severity]
        if not entry.verified.all:
            flags.append("unverified_regime")
        if not entry.published:
            return _Base(
                False, None, None, None, PublicityRuleKind.REGIME, "none", tuple(flags), regime.id
            )

        base = decided_on
        if regime.counted_from == "published_on" and published_on is not None:
            if published_on < decided_on:
                flags.append("published_on_before_decided_on")
            else:
                base = published_on
        derived = add_duration(base, entry.display)
        upper = derived
        if (
            regime.counted_from == "published_on"
            and published_on is None
            and regime.publication_lag is not None
        ):
            upper = add_duration(add_duration(decided_on, regime.publication_lag), entry.display)
        minimum = entry.min_display or entry.repair_after
        lower = add_duration(base, minimum) if minimum is not None else decided_on

        repair_from: date | None = None
        repair_regime: str | None = None
        if entry.repair_after is not None:
            repair_from = add_duration(base, entry.repair_after)
            repair_regime = regime.id
        for seg in self.index.later(sector, pos, today):
            later = seg.regime.severities[severity]
            if seg.regime.id == regime.id or later.repair_after is None:
                continue
            candidate = max(add_duration(base, later.repair_after), seg.start)
            if repair_from is None or candidate < repair_from:
                repair_from, repair_regime = candidate, seg.regime.id
        return _Base(
            True,
            derived,
            lower,
            upper,
            PublicityRuleKind.REGIME,
            "regime",
            tuple(flags),
            regime.id,
            repair_from,
            repair_regime,
        )

    def _exempt(self, entry: SeverityRule, types: frozenset[str] | None) -> bool:
        """True when every penalty type is one the regime never publishes (e.g. warnings only)."""
        if not entry.not_published_if_only or not types:
            return False
        return types <= set(entry.not_published_if_only)
