"""Subjects of the synthetic population: persons, organisations and their roles.

Persons and organisations are made in chunks (``PersonBlock``, ``OrgBlock``):
numpy arrays for the numeric fields, lists of strings for names and codes. A
chunk's organisations take their legal representatives from the same chunk's
adults, so a province of ten million is streamed chunk by chunk and never held
in memory at once. What must be unique across chunks (resident-ID sequence
numbers, organisation codes, passport numbers, organisation names) is
allocated from ``SubjectState``, which the generator keeps for the whole run.

Codes are made with ``xinyong.identity`` (``make_ric``, ``make_uscc``); the
address codes are real GB/T 2260 county codes that still exist, so they are
valid for any birth year under the rule of CONTRACTS.md ("Identity and keys").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np

from xinyong.identity import make_uscc, ric_check_char
from xinyong.identity.regions import address_code, address_codes
from xinyong.identity.uscc import ALPHABET as USCC_ALPHABET
from xinyong.identity.uscc import organisation_code_check_char
from xinyong.synth import names as nm

# --- scales -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    """How big a population to make, and where.

    ``geography`` is ``rongcheng`` (a county-level city: Rongcheng, Weihai,
    Shandong) or ``shandong`` (the whole province). ``chunk_persons`` bounds
    memory: subjects and their records are made and written one chunk at a time.
    """

    name: str
    persons: int
    organisations: int
    geography: str = "rongcheng"
    chunk_persons: int = 250_000


SCALES: dict[str, ScaleSpec] = {
    "small": ScaleSpec("small", 5_000, 500, "rongcheng"),
    "city": ScaleSpec("city", 500_000, 50_000, "rongcheng"),
    "province": ScaleSpec("province", 10_000_000, 1_000_000, "shandong", chunk_persons=200_000),
}


def resolve_scale(scale: str | ScaleSpec) -> ScaleSpec:
    if isinstance(scale, ScaleSpec):
        return scale
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}") from None


# --- dates as numpy day numbers -------------------------------------------------

EPOCH = date(1970, 1, 1).toordinal()


def day(d: date) -> int:
    """Days since 1970-01-01 (numpy's datetime64[D] integer)."""
    return d.toordinal() - EPOCH


def to_date(days: int) -> date:
    return date.fromordinal(int(days) + EPOCH)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day arrays of day numbers."""
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    y = m.astype("datetime64[Y]").astype(np.int64) + 1970
    mo = m.astype(np.int64) % 12 + 1
    dd = (d - m.astype("datetime64[D]")).astype(np.int64) + 1
    return y, mo, dd


def add_months(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Day numbers shifted by whole months (the 31st becomes the month's last day)."""
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    offset = d - m.astype("datetime64[D]")
    target = m + np.asarray(months).astype("timedelta64[M]")
    last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    out: np.ndarray = np.minimum(target.astype("datetime64[D]") + offset, last).astype(np.int64)
    return out


def age_on(birth: np.ndarray, on: date) -> np.ndarray:
    """Completed years of age on ``on``."""
    y, m, d = ymd(birth)
    before = (m > on.month) | ((m == on.month) & (d > on.day))
    out: np.ndarray = (on.year - y - before.astype(np.int64)).astype(np.int64)
    return out


def iso1(days: int) -> str:
    """The ISO date of one day number."""
    return date.fromordinal(int(days) + EPOCH).isoformat()


def add_months1(days: int, months: int) -> int:
    """One day number shifted by whole months (the 31st becomes the month's last day)."""
    d = date.fromordinal(int(days) + EPOCH)
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    last = (date(y + (m == 12), m % 12 + 1, 1).toordinal() - 1) - EPOCH
    return min(date(y, m, 1).toordinal() - EPOCH + d.day - 1, last)


def iso(days: np.ndarray) -> list[str]:
    """ISO date strings of day numbers (vectorised)."""
    out: list[str] = np.datetime_as_string(days.astype("datetime64[D]"), unit="D").tolist()
    return out


def growth_dates(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, per_year: float
) -> np.ndarray:
    """Day numbers in [lo, hi] with a density growing by ``per_year`` (1.2 = +20 %/year)."""
    lo = lo.astype(np.float64)
    span = np.maximum(hi.astype(np.float64) - lo, 0.0)
    u = rng.random(len(lo))
    g = float(np.log(per_year)) / 365.2425
    t = u * (span + 1) if abs(g) < 1e-12 else np.log1p(u * np.expm1(g * (span + 1))) / g
    out: np.ndarray = (lo + np.minimum(np.floor(t), span)).astype(np.int64)
    return out


# --- geography ------------------------------------------------------------------

#: 2020 census, share of the population by 5-year age group (approximate, %):
#: (lowest age, highest age, share); the last group is capped at 95
AGE_PYRAMID: tuple[tuple[int, int, float], ...] = (
    (0, 4, 5.5), (5, 9, 6.4), (10, 14, 6.0), (15, 19, 5.2), (20, 24, 5.3),
    (25, 29, 6.5), (30, 34, 8.8), (35, 39, 7.0), (40, 44, 6.6), (45, 49, 8.1),
    (50, 54, 8.6), (55, 59, 7.2), (60, 64, 5.2), (65, 69, 5.2), (70, 74, 3.5),
    (75, 79, 2.2), (80, 84, 1.4), (85, 89, 0.8), (90, 95, 0.3),
)  # fmt: skip
#: 2020 census sex ratio 105.07 men per 100 women
MALE_SHARE = 105.07 / 205.07
FOREIGN_SHARE = 0.002

PREFECTURE_PINYIN = {
    "3701": "jinan", "3702": "qingdao", "3703": "zibo", "3704": "zaozhuang",
    "3705": "dongying", "3706": "yantai", "3707": "weifang", "3708": "jining",
    "3709": "taian", "3710": "weihai", "3711": "rizhao", "3713": "linyi",
    "3714": "dezhou", "3715": "liaocheng", "3716": "binzhou", "3717": "heze",
}  # fmt: skip
#: one-character abbreviations used in document numbers (鲁 courts use codes)
PREFECTURE_SHORT = {
    "3701": "济", "3702": "青", "3703": "淄", "3704": "枣", "3705": "东", "3706": "烟",
    "3707": "潍", "3708": "宁", "3709": "泰", "3710": "威", "3711": "日", "3713": "临",
    "3714": "德", "3715": "聊", "3716": "滨", "3717": "菏",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class County:
    """A GB/T 2260 code used for addresses, residences and registrars."""

    code: str
    name: str
    prefecture: str
    #: how organisation names start: 荣成市 for a county-level city, 济南市 for a district
    name_prefix: str


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """Where a set of deciding authorities sits (a county-level city or a prefecture)."""

    slug: str
    code: str
    name: str
    name_en: str
    short: str
    prefecture: str
    level: str  # "county" or "prefecture"


@cache
def _county(code: str) -> County:
    ac = address_code(code)
    if ac is None:  # pragma: no cover - codes below come from the same table
        raise ValueError(f"unknown address code {code}")
    name = ac.name_in()
    pref_ac = address_code(code[:4] + "00")
    pref = pref_ac.name_in() if pref_ac else name
    if code.endswith("00"):
        prefix = name
    elif name.endswith("区"):
        prefix = pref
    else:
        prefix = name
    return County(code, name, pref, prefix)


def _current_county_codes(prefix: str | None, exclude_prefix: str | None = None) -> list[str]:
    out = []
    for ac in address_codes():
        c = ac.code
        if ac.last_year is not None or c[4:] in ("00", "01") or c[2:] == "0000":
            continue
        if c[:2] in ("71", "81", "82"):
            continue
        if prefix is not None and not c.startswith(prefix):
            continue
        if exclude_prefix is not None and c.startswith(exclude_prefix):
            continue
        out.append(c)
    return sorted(out)


def _stable_weights(codes: list[str], spread: float) -> np.ndarray:
    """Deterministic pseudo-random weights per code (from the code, not the seed)."""
    w = []
    for c in codes:
        h = int.from_bytes(hashlib.sha256(c.encode()).digest()[:8], "big") / 2**64
        w.append(float(np.exp(spread * (h - 0.5))))
    return np.array(w)


class Geography:
    """Counties, their weights for addresses and residences, and jurisdictions."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        shandong = _current_county_codes("37")
        elsewhere = _current_county_codes(None, exclude_prefix="37")
        # every 17th code outside Shandong: a fixed, spread sample of ~160 counties
        elsewhere = elsewhere[::17]
        if kind == "rongcheng":
            home = "371082"
            weihai_other = ["371002", "371003", "371083"]
            other_sd = [c for c in shandong if c != home and c not in weihai_other]
            codes = [home, *weihai_other, *other_sd, *elsewhere, "371000"]
            w_adult = np.concatenate(
                [
                    [78.0],
                    np.full(3, 7.0 / 3),
                    10.0 * _norm(_stable_weights(other_sd, 2.0)),
                    5.0 * _norm(_stable_weights(elsewhere, 2.0)),
                    [0.0],
                ]
            )
            w_minor = np.zeros(len(codes))
            w_minor[0] = 95.0
            w_minor[1:4] = 4.0 / 3
            w_minor[4 : 4 + len(other_sd)] = _norm(_stable_weights(other_sd, 2.0))
            self.jurisdictions = [
                Jurisdiction("rongcheng", home, "荣成市", "Rongcheng", "荣", "威海市", "county")
            ]
        elif kind == "shandong":
            codes = [*shandong, *elsewhere]
            sd_w = _stable_weights(shandong, 3.0)
            w_adult = np.concatenate(
                [96.0 * _norm(sd_w), 4.0 * _norm(_stable_weights(elsewhere, 2.0))]
            )
            w_minor = np.concatenate([_norm(sd_w), np.zeros(len(elsewhere))])
            prefs = sorted({c[:4] for c in shandong})
            self.jurisdictions = [
                Jurisdiction(
                    PREFECTURE_PINYIN[p],
                    p + "00",
                    _county(p + "00").name,
                    PREFECTURE_PINYIN[p].capitalize(),
                    PREFECTURE_SHORT[p],
                    _county(p + "00").name,
                    "prefecture",
                )
                for p in prefs
            ]
        else:
            raise ValueError(f"unknown geography {kind!r}")
        self.codes = codes
        self.counties = [_county(c) for c in codes]
        self.index = {c: i for i, c in enumerate(codes)}
        self.p_hukou_adult = _norm(w_adult)
        self.p_hukou_minor = _norm(w_minor)
        self.jiaodong = np.array([c.startswith(("3710", "3706")) for c in codes])
        self.in_shandong = np.array([c.startswith("37") for c in codes])
        if kind == "rongcheng":
            self.jurisdiction_of = np.zeros(len(codes), dtype=np.int64)
        else:
            jidx = {j.code[:4]: i for i, j in enumerate(self.jurisdictions)}
            self.jurisdiction_of = np.array([jidx.get(c[:4], 0) for c in codes], dtype=np.int64)
        self.home = self.index["371082"] if kind == "rongcheng" else -1

    # residences -----------------------------------------------------------------

    def residences(self, rng: np.random.Generator, hukou: np.ndarray) -> np.ndarray:
        """County index of the place of residence of each person."""
        n = len(hukou)
        if self.kind == "rongcheng":
            return np.full(n, self.home, dtype=np.int64)
        # Shandong: most live where registered; movers go to the big cities
        movers = (rng.random(n) < 0.12) | ~self.in_shandong[hukou]
        big = np.array([self.index[c] for c in ("370102", "370112", "370202", "370212")])
        dest = big[rng.integers(0, len(big), size=n)]
        return np.where(movers, dest, hukou).astype(np.int64)

    def org_regions(self, rng: np.random.Generator, n: int, category: np.ndarray) -> np.ndarray:
        """County index of the registrar (USCC positions 3–8) of each organisation."""
        if self.kind == "rongcheng":
            out = np.full(n, self.home, dtype=np.int64)
            weihai = (category == CAT_INDEX["91"]) & (rng.random(n) < 0.03)
            out[weihai] = self.index["371000"]
            return out
        sd = np.flatnonzero(self.in_shandong)
        p = self.p_hukou_adult[sd]
        return sd[rng.choice(len(sd), size=n, p=p / p.sum())].astype(np.int64)

    def court_code(self, county_idx: int) -> str:
        """The court code used in case numbers (鲁1082 for Rongcheng)."""
        code = self.codes[county_idx]
        if self.kind == "rongcheng":
            code = "371082"
        return "鲁" + code[2:6]


def _norm(w: np.ndarray) -> np.ndarray:
    s = float(np.sum(w))
    return w / s if s > 0 else w


# --- organisation categories ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrgCategory:
    """USCC positions 1–2 and what the registries call the organisation."""

    code: str
    weight: float
    subject_category: str  # national-standard 主体类别 / 行政相对人类别
    canonical_category: str  # organisation | individual_business
    org_type: str
    body_prefix: str  # first two characters of a post-2015 organisation code
    reg_start: date
    growth: float
    registrar: str  # agency role of the registrar


ORG_CATEGORIES: tuple[OrgCategory, ...] = (
    OrgCategory("91", 30.0, "法人及非法人组织", "organisation", "", "MA", date(1990, 1, 1), 1.12,
                "samr"),
    OrgCategory("92", 61.5, "个体工商户", "individual_business", "个体工商户", "MA",
                date(2000, 1, 1), 1.10, "samr"),
    OrgCategory("93", 2.4, "法人及非法人组织", "organisation", "农民专业合作社", "MA",
                date(2007, 7, 1), 1.05, "samr"),
    OrgCategory("12", 1.6, "法人及非法人组织", "organisation", "事业单位", "MB", date(1985, 1, 1),
                1.0, "establishment"),
    OrgCategory("51", 0.9, "法人及非法人组织", "organisation", "社会团体", "MJ", date(1995, 1, 1),
                1.04, "civil"),
    OrgCategory("52", 1.2, "法人及非法人组织", "organisation", "民办非企业单位", "MJ",
                date(2000, 1, 1), 1.06, "civil"),
    OrgCategory("53", 0.1, "法人及非法人组织", "organisation", "基金会", "MJ", date(2005, 1, 1),
                1.03, "civil"),
    OrgCategory("N2", 1.6, "法人及非法人组织", "organisation", "农村集体经济组织", "MF",
                date(2018, 1, 1), 1.0, "agriculture"),
    OrgCategory("N3", 0.1, "法人及非法人组织", "organisation", "农村集体经济组织", "MF",
                date(2018, 1, 1), 1.0, "agriculture"),
    OrgCategory("A1", 0.05, "法人及非法人组织", "organisation", "军队单位", "MC",
                date(2016, 1, 1), 1.0, "military"),
    OrgCategory("Y1", 0.5, "法人及非法人组织", "organisation", "其他组织", "MG", date(2016, 1, 1),
                1.08, "housing"),
)  # fmt: skip
CAT_INDEX = {c.code: i for i, c in enumerate(ORG_CATEGORIES)}
#: categories that must appear at least once in every chunk of 100+ organisations
RARE_CATEGORIES = ("A1", "N2", "Y1", "53", "12", "51")

#: (status, weight) per category family; 注销 = deregistered, 吊销 = licence revoked
STATUS_91 = (("存续", 82.0), ("在业", 3.0), ("注销", 10.0), ("吊销", 5.0))
STATUS_92 = (("存续", 80.0), ("注销", 17.0), ("吊销", 3.0))
STATUS_OTHER = (("存续", 96.0), ("注销", 4.0))
STATUSES = ("存续", "在业", "注销", "吊销")
ACTIVE_STATUSES = (0, 1)

#: registered capital in 万元 for enterprises: (amount, weight)
CAPITAL_91 = (
    (3, 3), (5, 6), (10, 14), (30, 10), (50, 14), (100, 20), (200, 9), (300, 6),
    (500, 8), (1000, 6), (2000, 2), (5000, 1.5), (10000, 0.5),
)  # fmt: skip
CAPITAL_92 = ((1, 20), (2, 15), (3, 15), (5, 20), (10, 18), (20, 8), (50, 4))


# --- run-wide state ---------------------------------------------------------------


@dataclass
class SubjectState:
    """What must stay unique across chunks, and carries for exact quotas."""

    geo: Geography
    as_of: date
    n_days: int = 96 * 366 + 2
    seq_counts: np.ndarray = field(init=False)
    org_serial: int = 0
    passport_serial: int = 0
    org_names: set[str] = field(default_factory=set)
    carries: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # per (address code, birth day, sex): how many sequence numbers are taken
        self.seq_counts = np.zeros((len(self.geo.codes), self.n_days, 2), dtype=np.uint16)

    def quota(self, key: str, share: float, n: int) -> int:
        """An exact share of ``n`` with the rounding remainder carried to the next chunk."""
        acc = self.carries.get(key, 0.0) + share * n
        k = int(np.floor(acc + 1e-9))
        self.carries[key] = acc - k
        return min(k, n)


# --- persons ------------------------------------------------------------------------


@dataclass
class PersonBlock:
    """A chunk of persons. ``start`` is the global index of the first."""

    start: int
    birth: np.ndarray  # day numbers
    male: np.ndarray
    foreign: np.ndarray
    hukou: np.ndarray  # county index of the resident-ID address code
    residence: np.ndarray  # county index
    age: np.ndarray  # completed years on the as-of date
    names: list[str]
    surnames: list[str]
    id_numbers: list[str]  # resident ID, or passport number when foreign
    nationality: list[str]  # "CHN" or ISO alpha-3
    residence_status: list[str]
    residence_since: np.ndarray  # day numbers

    def __len__(self) -> int:
        return len(self.birth)

    def id_type(self, i: int) -> str:
        return "passport" if self.foreign[i] else "ric"


_SEQ_STEP = 211
_SEQ_SLOTS = 499


def _allocate_sequences(
    state: SubjectState, county: np.ndarray, birth: np.ndarray, male: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unique 3-digit sequence numbers per (address code, birth date, sex).

    The k-th person of a group gets slot (k·211 + offset) mod 499, so sequence
    numbers look scattered rather than counting up from 001; odd for men, even
    for women (GB 11643). A group that is full moves the birth date a day back.
    """
    as_day = day(state.as_of)
    birth = birth.copy()
    seq = np.zeros(len(birth), dtype=np.int64)
    todo = np.arange(len(birth))
    while len(todo):
        d_idx = as_day - birth[todo]
        sex = male[todo].astype(np.int64)
        key = (county[todo] * state.n_days + d_idx) * 2 + sex
        order = np.argsort(key, kind="stable")
        sk = key[order]
        first = np.r_[True, sk[1:] != sk[:-1]]
        grp_start = np.maximum.accumulate(np.where(first, np.arange(len(sk)), 0))
        rank = np.arange(len(sk)) - grp_start
        flat = state.seq_counts.reshape(-1)
        k = flat[sk].astype(np.int64) + rank
        ok = k < _SEQ_SLOTS
        idx = todo[order]
        off = (sk * 2_654_435_761) % _SEQ_SLOTS
        half = (k * _SEQ_STEP + off) % _SEQ_SLOTS
        seq[idx[ok]] = np.where(sex[order][ok] == 1, 2 * half[ok] + 1, 2 * half[ok] + 2)
        uniq, counts = np.unique(sk[ok], return_counts=True)
        flat[uniq] = (flat[uniq].astype(np.int64) + counts).astype(np.uint16)
        todo = idx[~ok]
        birth[todo] -= 1
    return seq, birth


def make_persons(state: SubjectState, rng: np.random.Generator, start: int, n: int) -> PersonBlock:
    """``n`` persons: ages from the census pyramid, real address codes, valid IDs."""
    geo = state.geo
    as_of = state.as_of
    as_day = day(as_of)
    groups = np.array([(lo, hi) for lo, hi, _ in AGE_PYRAMID])
    p = np.array([s for _, _, s in AGE_PYRAMID])
    g = rng.choice(len(groups), size=n, p=p / p.sum())
    lo, hi = groups[g, 0], groups[g, 1]
    age_years = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    days_back = np.floor((age_years + rng.random(n)) * 365.2425).astype(np.int64)
    days_back = np.minimum(days_back, 96 * 365 + 20)
    birth = as_day - days_back
    male = rng.random(n) < MALE_SHARE
    age = age_on(birth, as_of)
    adult = age >= 18
    hukou = np.where(
        adult,
        rng.choice(len(geo.codes), size=n, p=geo.p_hukou_adult),
        rng.choice(len(geo.codes), size=n, p=geo.p_hukou_minor),
    ).astype(np.int64)
    foreign = adult & (rng.random(n) < FOREIGN_SHARE)

    seq = np.zeros(n, dtype=np.int64)
    ric_idx = np.flatnonzero(~foreign)
    seq_r, birth_r = _allocate_sequences(state, hukou[ric_idx], birth[ric_idx], male[ric_idx])
    seq[ric_idx] = seq_r
    birth[ric_idx] = birth_r
    age = age_on(birth, as_of)

    by, _, _ = ymd(birth)
    names, surnames = nm.person_names(rng, by, male, geo.jiaodong[hukou])
    f_idx = np.flatnonzero(foreign)
    f_names, f_nat = nm.foreign_names(rng, len(f_idx))
    nationality = ["CHN"] * n
    id_numbers: list[str] = [""] * n
    births = iso(birth)
    codes = geo.codes
    for i, h, s in zip(ric_idx.tolist(), hukou[ric_idx].tolist(), seq_r.tolist(), strict=True):
        bd = births[i]
        # make_ric(code, date, seq) without building a date object per person
        first17 = f"{codes[h]}{bd[:4]}{bd[5:7]}{bd[8:10]}{s:03d}"
        id_numbers[i] = first17 + ric_check_char(first17)
    for j, i in enumerate(f_idx.tolist()):
        names[i] = f_names[j]
        surnames[i] = f_names[j].split(" ")[0]
        nationality[i] = nm.FOREIGN_NAMES[f_nat[j]][0]
        state.passport_serial += 1
        id_numbers[i] = nm.passport_number(f_nat[j], state.passport_serial)

    residence = geo.residences(rng, hukou)
    # residence status and since when
    local = hukou == residence
    moved_hukou = rng.random(n) < 0.6
    status_idx = np.where(local | moved_hukou | ~adult, 0, 1)
    status_idx = np.where(foreign, 2, status_idx)
    labels = ("户籍人口", "居住证", "外国人居留许可")
    residence_status = [labels[k] for k in status_idx.tolist()]
    adult_day = add_months(birth, 18 * 12)
    moved_since = growth_dates(
        rng, np.maximum(adult_day, as_day - 30 * 365), np.full(n, as_day - 1), 1.05
    )
    permit_since = growth_dates(
        rng, np.maximum(adult_day, as_day - 8 * 365), np.full(n, as_day - 1), 1.1
    )
    since = np.where(local, birth, moved_since)
    since = np.where(status_idx >= 1, permit_since, since)
    since = np.minimum(np.maximum(since, birth), as_day)

    return PersonBlock(
        start=start,
        birth=birth,
        male=male,
        foreign=foreign,
        hukou=hukou,
        residence=residence,
        age=age,
        names=names,
        surnames=surnames,
        id_numbers=id_numbers,
        nationality=nationality,
        residence_status=residence_status,
        residence_since=since,
    )


# --- organisations ---------------------------------------------------------------------


@dataclass
class OrgBlock:
    """A chunk of organisations (incl. individual businesses)."""

    start: int
    category: np.ndarray  # index into ORG_CATEGORIES
    region: np.ndarray  # county index of the registrar
    registered: np.ndarray  # day numbers
    status: np.ndarray  # index into STATUSES
    status_date: np.ndarray  # day numbers (deregistration/revocation), -1 if active
    industry: np.ndarray  # index into INDUSTRIES (91) or SHOPS (92), else -1
    tags: list[frozenset[str]]
    legal_rep: np.ndarray  # index into the chunk's PersonBlock
    uscc: list[str]
    names: list[str]
    org_type: list[str]
    capital_wan: list[str]
    role: list[str]  # how the registry names the legal representative's role

    def __len__(self) -> int:
        return len(self.category)

    def cat(self, i: int) -> OrgCategory:
        return ORG_CATEGORIES[int(self.category[i])]


def _scramble(serial: int, modulus: int, mult: int, add: int) -> int:
    return (serial * mult + add) % modulus


def organisation_code(prefix: str, serial: int, numeric: bool) -> str:
    """A 9-character organisation code (GB 11714 body + check), unique per serial."""
    if numeric:
        body = f"{_scramble(serial, 10**8, 48_271, 13_572_468):08d}"
        if body.startswith("MA"):  # pragma: no cover - digits only
            body = "0" + body[1:]
    else:
        v = _scramble(serial, 31**6, 1_103_515_245, 12_345)
        chars = []
        for _ in range(6):
            v, r = divmod(v, 31)
            chars.append(USCC_ALPHABET[r])
        body = prefix + "".join(reversed(chars))
    check = organisation_code_check_char(body)
    return body + (check or "0")


def _weighted(
    rng: np.random.Generator, items: tuple[tuple[object, float], ...], n: int
) -> np.ndarray:
    w = np.array([x[1] for x in items], dtype=np.float64)
    return rng.choice(len(items), size=n, p=w / w.sum())


def make_orgs(
    state: SubjectState,
    rng: np.random.Generator,
    start: int,
    n: int,
    persons: PersonBlock,
) -> OrgBlock:
    """``n`` organisations registered in the geography, with legal representatives."""
    geo = state.geo
    as_of = state.as_of
    as_day = day(as_of)
    t = nm.tables()
    cw = np.array([c.weight for c in ORG_CATEGORIES])
    category = rng.choice(len(ORG_CATEGORIES), size=n, p=cw / cw.sum())
    if n >= 100:
        for code in RARE_CATEGORIES:
            ci = CAT_INDEX[code]
            if not np.any(category == ci):
                candidates = np.flatnonzero(category == CAT_INDEX["91"])
                category[candidates[int(rng.integers(0, len(candidates)))]] = ci
    region = geo.org_regions(rng, n, category)

    reg_start = np.array([day(c.reg_start) for c in ORG_CATEGORIES])[category]
    growth = np.array([c.growth for c in ORG_CATEGORIES])[category]
    registered = np.zeros(n, dtype=np.int64)
    for gval in np.unique(growth).tolist():
        sel = growth == gval
        registered[sel] = growth_dates(
            rng, reg_start[sel], np.full(int(sel.sum()), as_day - 7), gval
        )

    # legal representatives: adults with a resident ID, mostly aged 30–60
    eligible = np.flatnonzero(~persons.foreign & (persons.age >= 22) & (persons.age <= 85))
    a = persons.age[eligible].astype(np.float64)
    w = np.exp(-(((a - 46.0) / 13.0) ** 2))
    legal_rep = eligible[rng.choice(len(eligible), size=n, p=w / w.sum())]
    rep_adult = add_months(persons.birth[legal_rep], 18 * 12 + 6)
    registered = np.maximum(registered, rep_adult)
    registered = np.minimum(registered, as_day - 1)

    status = np.zeros(n, dtype=np.int64)
    is91 = category == CAT_INDEX["91"]
    is92 = category == CAT_INDEX["92"]
    other = ~(is91 | is92)
    for sel, table in ((is91, STATUS_91), (is92, STATUS_92), (other, STATUS_OTHER)):
        k = int(sel.sum())
        if k:
            picked = _weighted(rng, table, k)  # type: ignore[arg-type]
            status[sel] = np.array([STATUSES.index(table[j][0]) for j in picked.tolist()])
    young = registered > as_day - 200
    status[young] = 0
    closed = status >= 2
    status_date = np.full(n, -1, dtype=np.int64)
    sd = growth_dates(rng, registered + 180, np.full(n, as_day - 1), 1.1)
    status_date[closed] = sd[closed]

    industry = np.full(n, -1, dtype=np.int64)
    p_ind = t.p_industry if geo.kind == "rongcheng" else t.p_industry_inland
    industry[is91] = rng.choice(len(nm.INDUSTRIES), size=int(is91.sum()), p=p_ind)
    industry[is92] = rng.choice(len(nm.SHOPS), size=int(is92.sum()), p=t.p_shop)
    legal_form = rng.choice(len(nm.LEGAL_FORMS), size=n, p=t.p_legal_form)
    cap91 = _weighted(rng, CAPITAL_91, n)  # type: ignore[arg-type]
    cap92 = _weighted(rng, CAPITAL_92, n)  # type: ignore[arg-type]
    numeric_code = registered < day(date(2015, 10, 1))
    uses_l = is92 & (registered < day(date(2017, 1, 1))) & (rng.random(n) < 0.5)

    places: tuple[str, ...] = nm.RONGCHENG_PLACES if geo.kind == "rongcheng" else ()
    towns: tuple[str, ...] = nm.RONGCHENG_TOWNS if geo.kind == "rongcheng" else ()
    rnd = rng.random((n, 8)).tolist()
    cap93 = rng.integers(1, 50, size=n).tolist()

    uscc: list[str] = []
    names: list[str] = []
    org_type: list[str] = []
    capital: list[str] = []
    tags: list[frozenset[str]] = []
    roles: list[str] = []
    cats = category.tolist()
    for i in range(n):
        c = ORG_CATEGORIES[cats[i]]
        county = geo.counties[int(region[i])]
        tg: frozenset[str] = frozenset()
        role = "法定代表人"
        cap = ""
        detail = suffix = ""
        surname = persons.surnames[int(legal_rep[i])]
        otype = c.org_type
        if c.code == "91":
            ind = nm.INDUSTRIES[int(industry[i])]
            suffix, otype, _ = nm.LEGAL_FORMS[int(legal_form[i])]
            detail = ind.word
            tg = ind.tags
            cap_v = CAPITAL_91[int(cap91[i])][0]
            if "股份" in otype:
                cap_v = max(cap_v, 1000)
            cap = str(cap_v)
            if otype == "个人独资企业":
                role = "投资人"
            elif otype == "有限合伙企业":
                role = "执行事务合伙人"
        elif c.code == "92":
            detail, tg, _ = nm.SHOPS[int(industry[i])]
            cap = str(CAPITAL_92[int(cap92[i])][0])
            role = "经营者"
        elif c.code == "93":
            tg = frozenset({"food"}) if rnd[i][5] < 0.5 else frozenset({"aquatic"})
            cap = str(10 * cap93[i])

        def make(
            u: list[float],
            code: str = c.code,
            prefix: str = county.name_prefix,
            detail: str = detail,
            suffix: str = suffix,
            surname: str = surname,
        ) -> str:
            return _org_name(code, prefix, detail, suffix, surname, towns, places, u)

        name = _unique_name(state, rng, rnd[i], make)
        numeric = bool(numeric_code[i]) and c.code in ("91", "12", "51", "52", "53")
        state.org_serial += 1
        if bool(uses_l[i]):
            body = f"L{_scramble(state.org_serial, 10**7, 48_271, 1_234_567):07d}"
            oc = body + (organisation_code_check_char(body) or "0")
        else:
            oc = organisation_code(c.body_prefix, state.org_serial, numeric)
        uscc.append(make_uscc(c.code + county.code + oc[:9]))
        names.append(name)
        org_type.append(otype)
        capital.append(cap)
        tags.append(tg)
        roles.append(role)

    return OrgBlock(
        start=start,
        category=category,
        region=region,
        registered=registered,
        status=status,
        status_date=status_date,
        industry=industry,
        tags=tags,
        legal_rep=legal_rep,
        uscc=uscc,
        names=names,
        org_type=org_type,
        capital_wan=capital,
        role=roles,
    )


# name builders: pure functions of 8 uniforms, so the first draw needs no numpy
# call per organisation; a taken name is redrawn with fresh uniforms


def _pick(seq: tuple[str, ...], u: float) -> str:
    return seq[min(int(u * len(seq)), len(seq) - 1)]


def _trade(u: float, v: float) -> str:
    chars = nm.TRADE_CHARS
    k = len(chars)
    a = min(int(u * k), k - 1)
    b = min(int(v * (k - 1)), k - 2)
    if b >= a:
        b += 1
    return chars[a] + chars[b]


def _org_name(
    code: str,
    prefix: str,
    detail: str,
    suffix: str,
    surname: str,
    towns: tuple[str, ...],
    places: tuple[str, ...],
    u: list[float],
) -> str:
    """One candidate name for an organisation of category ``code``."""
    trade = _trade(u[0], u[1])
    if places and u[2] < 0.08:
        trade = _pick(places, u[3])
    town = _pick(towns, u[4]) if towns else _trade(u[4], u[5])
    if code == "91":
        return f"{prefix}{trade}{detail}{suffix}"
    if code == "92":
        shop_town = town if towns and u[6] < 0.35 else ""
        if u[7] < 0.3:
            core = f"{surname}记"
        elif u[7] < 0.4:
            core = f"老{surname}家"
        else:
            core = trade
        return f"{prefix}{shop_town}{core}{detail}"
    if code == "93":
        return prefix + trade + _pick(nm.COOPERATIVES, u[6])
    if code in ("N2", "N3"):
        if code == "N3":
            return f"{prefix}{town}镇股份经济联合总社"
        village = trade[0] + _pick(nm.VILLAGE_SUFFIXES, u[6])
        return f"{prefix}{town}镇{village}股份经济合作社"
    if code == "A1":
        return f"中国人民解放军{31000 + int(u[6] * 65000)}部队"
    templates = {
        "12": nm.PUBLIC_INSTITUTIONS,
        "51": nm.SOCIAL_GROUPS,
        "52": nm.PRIVATE_NON_ENTERPRISES,
        "53": nm.FOUNDATIONS,
    }.get(code, nm.OWNERS_COMMITTEES)
    template = _pick(templates, u[6])
    ind = _pick(tuple(i.word for i in nm.INDUSTRIES[:20]), u[7])
    return prefix + template.format(
        n=_cn_number(1 + int(u[7] * 15)), town=town, trade=trade, ind=ind
    )


def _cn_number(n: int) -> str:
    """1–99 in Chinese numerals (第三中学, 第十二实验小学)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones else "") if n >= 10 else digits[n]


def _unique_name(
    state: SubjectState,
    rng: np.random.Generator,
    u: list[float],
    make: Callable[[list[float]], str],
) -> str:
    """A name no other organisation of the run has (registrars refuse duplicates)."""
    name = make(u)
    for _ in range(10):
        if name not in state.org_names:
            state.org_names.add(name)
            return name
        name = make(rng.random(8).tolist())
    state.org_serial += 1
    name = f"{name}（{state.org_serial}）"
    state.org_names.add(name)
    return name
