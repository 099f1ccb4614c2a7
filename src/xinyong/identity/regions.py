"""Administrative-division codes (GB/T 2260) and their history.

The history comes from python-stdnum's ``cn/loc`` database, read through
``stdnum.numdb``: every county code carries the year range in which it existed
(``[1989-]荣成市``). We use the data, not stdnum's verdict: a resident ID's
address code is that of the household registration when the number was issued,
often years after birth, so a code is accepted when it existed at any time from
the birth year on (CONTRACTS.md, "Identity and keys").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

#: province-level prefixes (GB/T 2260): the first two digits of every real code
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        *("11", "12", "13", "14", "15"),
        *("21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46"),
        *("50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65"),
        *("71", "81", "82"),
    }
)

#: region code used by registrars at national level (central organs, national
#: institutions: e.g. 11100000000013338W, 121000004000123696); not a GB/T 2260
#: county, but a real USCC region
NATIONAL_REGION = "100000"


@dataclass(frozen=True, slots=True)
class CodePeriod:
    """One name an address code carried, and the years it carried it (None = open)."""

    name: str
    start: int | None
    end: int | None

    def exists_from(self, year: int) -> bool:
        """True when the code still existed in ``year`` or later."""
        return self.end is None or self.end >= year


@dataclass(frozen=True, slots=True)
class AddressCode:
    """A six-digit GB/T 2260 code with its province and naming history."""

    code: str
    province: str
    periods: tuple[CodePeriod, ...]

    def usable_for_birth_year(self, year: int) -> bool:
        """Whether a resident ID of someone born in ``year`` may carry this code."""
        return any(p.exists_from(year) for p in self.periods)

    @property
    def last_year(self) -> int | None:
        """The last year the code existed, None while it still exists."""
        ends = [p.end for p in self.periods]
        return None if None in ends else max(e for e in ends if e is not None)

    def name_in(self, year: int | None = None) -> str:
        """The name in ``year`` (or the latest name), for display."""
        if year is not None:
            for p in self.periods:
                if (p.start is None or p.start <= year) and (p.end is None or p.end >= year):
                    return p.name
        return self.periods[-1].name


def _parse_periods(value: str) -> tuple[CodePeriod, ...]:
    periods = []
    for part in value.split(","):
        if part.startswith("["):
            years, name = part[1:].split("]", 1)
            start, end = years.split("-")
            periods.append(
                CodePeriod(name, int(start) if start else None, int(end) if end else None)
            )
        else:
            periods.append(CodePeriod(part, None, None))
    return tuple(periods)


def _expand(length: int, low: str, high: str) -> list[str]:
    if low == high:
        return [low]
    return [str(n).zfill(length) for n in range(int(low), int(high) + 1)]


@cache
def _tables() -> tuple[dict[str, str], dict[str, AddressCode]]:
    from stdnum import numdb

    provinces: dict[str, str] = {}
    codes: dict[str, AddressCode] = {}
    for length, low, high, props, children in numdb.get("cn/loc").prefixes:
        for prov in _expand(length, low, high):
            prov_name = props.get("province", "")
            provinces[prov] = prov_name
            for c_len, c_low, c_high, c_props, _ in children:
                if "county" not in c_props:
                    continue
                periods = _parse_periods(c_props["county"])
                for suffix in _expand(c_len, c_low, c_high):
                    code = prov + suffix
                    codes[code] = AddressCode(code, prov_name, periods)
    return provinces, codes


def province_name(prefix: str) -> str | None:
    """The name of a province-level prefix (``"37"`` → 山东省), None if unknown."""
    if prefix not in PROVINCE_CODES:
        return None
    return _tables()[0].get(prefix)


def address_code(code: str) -> AddressCode | None:
    """The GB/T 2260 history of a six-digit code, None if it never existed."""
    return _tables()[1].get(code)


def address_codes() -> list[AddressCode]:
    """Every known six-digit code, for generators that need real addresses."""
    return list(_tables()[1].values())


def is_uscc_region(region: str) -> bool:
    """USCC positions 3–8: six digits under a real province, or the national level."""
    return (
        len(region) == 6
        and region.isascii()
        and region.isdigit()
        and (region[:2] in PROVINCE_CODES or region == NATIONAL_REGION)
    )
