"""Deriving a penalty's severity from its 处罚类别 text and fine amount.

The national penalty feed carries no severity, yet every publicity regime keys
its periods on one (CONTRACTS.md, "Severity and regimes"). The rules are data
(``severity.yaml``): each penalty type of 行政处罚法 Art. 9 implies a tier, a
fine at or above a threshold is serious, several types take the most severe,
and text nobody recognises is general *and flagged*, never silently guessed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from xinyong.catalogue.model import PenaltyType, Severity, SeverityResult, SeverityTable
from xinyong.errors import UnusableInput

__all__ = ["SeverityDeriver", "parse_reported_severity"]

#: tokens that are an amount or a count, not a penalty type ("罚款 5000元")
_AMOUNT = re.compile(r"^[\d.,]+(元|万元|万|yuan)?$", re.IGNORECASE)

_REPORTED = {
    "minor": Severity.MINOR,
    "轻微": Severity.MINOR,
    "general": Severity.GENERAL,
    "一般": Severity.GENERAL,
    "serious": Severity.SERIOUS,
    "严重": Severity.SERIOUS,
}


def parse_reported_severity(value: Severity | str) -> Severity:
    """A severity some feeds report themselves (English id or 轻微/一般/严重)."""
    if isinstance(value, Severity):
        return value
    fast = _REPORTED.get(value)
    if fast is not None:
        return fast
    key = unicodedata.normalize("NFKC", value).strip().lower()
    try:
        return _REPORTED[key]
    except KeyError:
        raise UnusableInput(
            f"reported severity {value!r} is not one of minor/general/serious (轻微/一般/严重)",
            code="severity_invalid",
        ) from None


def _yuan(fen: int) -> str:
    whole, cents = divmod(fen, 100)
    return f"{whole:,}" + (f".{cents:02d}" if cents else "") + " yuan"


class SeverityDeriver:
    """Compiled form of a :class:`SeverityTable`; pure and reusable across rows."""

    def __init__(self, table: SeverityTable) -> None:
        self.table = table
        seps = sorted({unicodedata.normalize("NFKC", s) for s in table.separators}, key=len)
        self._split = re.compile("|".join(re.escape(s) for s in reversed(seps)) + "|\\s")
        self._patterns: list[tuple[str, PenaltyType]] = [
            (unicodedata.normalize("NFKC", p), t) for t in table.types for p in t.patterns
        ]
        thresholds = [t for t in table.types if t.serious_at_fen is not None]
        self._fine: PenaltyType | None = thresholds[0] if thresholds else None
        # feeds repeat the same few 处罚类别 texts: memoise their analysis
        self._analyse = lru_cache(maxsize=4096)(self._analyse_text)

    def _analyse_text(self, text: str | None) -> tuple[tuple[str, tuple[PenaltyType, ...]], ...]:
        return tuple((tok, tuple(self.classify(tok))) for tok in self.split(text))

    @property
    def serious_at_fen(self) -> int | None:
        return self._fine.serious_at_fen if self._fine else None

    def split(self, penalty_types: str | None) -> list[str]:
        """The penalty-type tokens of a 处罚类别 text (NFKC, separators and amounts dropped)."""
        if not penalty_types:
            return []
        text = unicodedata.normalize("NFKC", penalty_types)
        return [
            t for t in (x.strip() for x in self._split.split(text)) if t and not _AMOUNT.match(t)
        ]

    def classify(self, token: str) -> list[PenaltyType]:
        """Every penalty type whose pattern occurs in ``token`` ("暂扣或者吊销许可证" → two)."""
        seen: dict[str, PenaltyType] = {}
        for pattern, ptype in self._patterns:
            if pattern in token:
                seen.setdefault(ptype.id, ptype)
        return list(seen.values())

    def recognise(self, penalty_types: str | None) -> tuple[list[str], list[str]]:
        """(canonical type ids found, tokens not recognised)."""
        ids: list[str] = []
        unknown: list[str] = []
        for token, found in self._analyse(penalty_types):
            if not found:
                unknown.append(token)
            for t in found:
                if t.id not in ids:
                    ids.append(t.id)
        return ids, unknown

    def derive(
        self,
        penalty_types: str | None,
        amount_fen: int | None,
        reported: Severity | str | None = None,
    ) -> SeverityResult:
        """The severity of one penalty decision; ``reported`` (if any) is used as-is."""
        if reported is not None and not (isinstance(reported, str) and not reported.strip()):
            return SeverityResult(
                severity=parse_reported_severity(reported),
                derived=False,
                rule="reported by the feed",
            )
        analysed = self._analyse(penalty_types)
        fine = amount_fen if amount_fen is not None and amount_fen > 0 else None
        if not analysed and fine is None:
            return SeverityResult(
                severity=self.table.unknown,
                derived=True,
                rule=f"no penalty type or fine given → {self.table.unknown.value} by default",
                flags=["no_penalty_type"],
            )
        parts: list[str] = []
        worst: Severity | None = None
        ids: list[str] = []
        unknown: list[str] = []
        flags: list[str] = []

        def take(sev: Severity, why: str) -> None:
            nonlocal worst
            parts.append(why)
            if worst is None or sev.rank > worst.rank:
                worst = sev

        for token, found in analysed:
            if not found:
                unknown.append(token)
                take(self.table.unknown, f"{token}→unknown ({self.table.unknown.value})")
                continue
            for t in found:
                if t.id not in ids:
                    ids.append(t.id)
            top = max(found, key=lambda t: t.severity.rank)
            take(top.severity, f"{token}→{top.severity.value}")
        if self._fine is not None:
            threshold = self._fine.serious_at_fen
            assert threshold is not None
            if fine is not None:
                if self._fine.id not in ids:
                    ids.append(self._fine.id)
                    take(self._fine.severity, f"fine of {_yuan(fine)}→{self._fine.severity.value}")
                if fine >= threshold:
                    take(
                        Severity.SERIOUS,
                        f"fine {_yuan(fine)} ≥ {_yuan(threshold)} (platform threshold)→serious",
                    )
            elif self._fine.id in ids:
                flags.append("fine_without_amount")
        if unknown:
            flags.append("unknown_penalty_type")
        if worst is None:  # a fine but no fine type in the table: nothing to go by
            take(self.table.unknown, f"fine with no fine rule → {self.table.unknown.value}")
            flags.append("no_penalty_type")
        assert worst is not None
        rule = "; ".join(parts)
        if len(parts) > 1:
            rule += f" ⇒ most severe: {worst.value}"
        return SeverityResult(
            severity=worst,
            derived=True,
            rule=rule,
            unknown_types=unknown,
            types=ids,
            flags=flags,
        )
