"""Agency feeds: what each channel reports, made from a chunk of subjects, and written.

A feed is one file of one reporting channel (``FEEDS``, in ingest order). For
every chunk of subjects the ``FeedBuilder`` makes the good records of every feed
(with ISO dates and national-standard labels), then ``finish_rows`` puts them in
the feed's shape: sorted by decision date, dates written in the feed's styles,
labels in the English vocabulary for ``canonical_en`` feeds, bad rows mixed in
(``badrows``), and document numbers assigned in file order. ``FeedWriter``
appends the rows to CSV (any encoding), JSON Lines or Parquet.

Headers are those of the ingest mappings (``xinyong/ingest/mappings/*.yaml``);
the tests compare them.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

import numpy as np
import yaml

from xinyong.ingest.mapping import load_mapping
from xinyong.synth.manifest import Agency, AgencyDirectory
from xinyong.synth.population import (
    ACTIVE_STATUSES,
    CAT_INDEX,
    ORG_CATEGORIES,
    STATUSES,
    Geography,
    OrgBlock,
    PersonBlock,
    ScaleSpec,
    SubjectState,
    add_months,
    add_months1,
    day,
    growth_dates,
    iso,
    iso1,
    to_date,
)

Row = dict[str, Any]

# --- the mappings' columns (header → field): read from the ingest mappings themselves ------


def _columns(mapping_id: str) -> tuple[tuple[str, str], ...]:
    return tuple(load_mapping(mapping_id).columns.items())


PENALTY_COLUMNS = _columns("penalty_national")
LICENCE_COLUMNS = _columns("licence_national")
REGISTRY_COLUMNS = _columns("subject_registry")
CANONICAL_COLUMNS = _columns("canonical_en")
CANONICAL_FIELDS = tuple(f for _, f in CANONICAL_COLUMNS)
CANONICAL_REQUIRED = tuple(load_mapping("canonical_en").required)
MAPPING_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "subject_registry": REGISTRY_COLUMNS,
    "penalty_national": PENALTY_COLUMNS,
    "licence_national": LICENCE_COLUMNS,
    "canonical_en": CANONICAL_COLUMNS,
}
#: the field that is each mapping's source key
MAPPING_KEY = {
    "subject_registry": "record_no",
    "penalty_national": "decision_no",
    "licence_national": "decision_no",
    "canonical_en": "source_key",
}

#: national-standard labels → the English canonical vocabulary (both in _values.yaml)
CANONICAL_CATEGORY = {
    "法人及非法人组织": "organisation",
    "个体工商户": "individual_business",
    "自然人": "person",
}
CANONICAL_ID_TYPE = {"身份证": "ric", "护照": "passport"}
PERSON_CATEGORIES = frozenset({"自然人", "person"})
RIC_ID_TYPES = frozenset({"身份证", "ric"})
DATE_FIELDS = ("decided_on", "valid_from", "valid_to", "display_until", "penalty_valid_to")

#: date styles: ISO, slashes, Chinese (2025年3月9日)
DATE_STYLES = ("iso", "slash", "cn")


def format_date(iso_date: str, style: str) -> str:
    """An ISO date in one of the accepted feed styles."""
    if not iso_date or style == "iso":
        return iso_date
    y, m, d = iso_date[:4], iso_date[5:7], iso_date[8:10]
    if style == "slash":
        return f"{y}/{m}/{d}"
    return f"{y}年{int(m)}月{int(d)}日"


# --- feeds ----------------------------------------------------------------------------------

ALL_CAUSES = (
    "uscc_check_char",
    "ric_check_char",
    "impossible_birth_date",
    "missing_decision_no",
    "unparseable_date",
    "future_date",
    "non_numeric_amount",
    "unknown_subject_category",
    "no_person_identifier",
)
_ORG_CAUSES = (
    "uscc_check_char",
    "missing_decision_no",
    "unparseable_date",
    "future_date",
    "unknown_subject_category",
)
_PERSON_CAUSES = (
    "ric_check_char",
    "impossible_birth_date",
    "no_person_identifier",
    "missing_decision_no",
    "unparseable_date",
    "future_date",
    "unknown_subject_category",
)
_MIXED_CAUSES = (
    "uscc_check_char",
    "ric_check_char",
    "impossible_birth_date",
    "missing_decision_no",
    "unparseable_date",
    "future_date",
    "unknown_subject_category",
    "no_person_identifier",
)


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed file of one reporting channel."""

    id: str
    file: str
    role: str  # the reporting channel's role (see AgencyDirectory.channel)
    mapping: str
    format: str  # csv | jsonl | parquet
    encoding: str  # Python codec: utf-8, utf-8-sig (with BOM), gb18030
    kinds: tuple[str, ...]
    newline: str = "\n"
    #: share of rows in each date style (ISO, slashes, Chinese)
    date_styles: tuple[float, float, float] = (1.0, 0.0, 0.0)
    bad_share: float = 0.015
    causes: tuple[str, ...] = _ORG_CAUSES
    sort_by_date: bool = True
    #: how source keys are numbered (see FeedBuilder.number)
    numbering: str = "penalty"

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        return MAPPING_COLUMNS[self.mapping]

    @property
    def key_field(self) -> str:
        return MAPPING_KEY[self.mapping]

    @property
    def canonical(self) -> bool:
        return self.mapping == "canonical_en"

    def header_of(self, fld: str) -> str:
        for h, f in self.columns:
            if f == fld:
                return h
        return fld


FEEDS: tuple[FeedSpec, ...] = (
    FeedSpec(
        "registry_psb", "registry_psb_residence.csv", "psb", "subject_registry", "csv", "utf-8",
        ("residence",), date_styles=(0.9, 0.1, 0.0), bad_share=0.01, causes=_PERSON_CAUSES,
        sort_by_date=False, numbering="record",
    ),
    FeedSpec(
        "registry_samr", "registry_samr.csv", "samr", "subject_registry", "csv", "utf-8",
        ("registration",), date_styles=(0.8, 0.2, 0.0), bad_share=0.012, sort_by_date=False,
        numbering="record",
    ),
    FeedSpec(
        "registry_other", "registry_other_registrars.csv", "ndrc", "subject_registry", "csv",
        "utf-8", ("registration",), date_styles=(0.7, 0.2, 0.1), bad_share=0.015,
        sort_by_date=False, numbering="record",
    ),
    FeedSpec(
        "licences", "licences_approval.csv", "approval", "licence_national", "csv", "utf-8",
        ("administrative_licence",), date_styles=(0.7, 0.3, 0.0), numbering="licence",
    ),
    FeedSpec(
        "penalties_samr", "penalties_samr.csv", "samr", "penalty_national", "csv", "utf-8-sig",
        ("administrative_penalty",), newline="\r\n", date_styles=(0.6, 0.2, 0.2),
        bad_share=0.02, causes=ALL_CAUSES,
    ),
    FeedSpec(
        "penalties_ecology", "penalties_ecology.csv", "ecology", "penalty_national", "csv",
        "gb18030", ("administrative_penalty",), newline="\r\n", date_styles=(0.1, 0.1, 0.8),
        bad_share=0.02, causes=ALL_CAUSES,
    ),
    FeedSpec(
        "penalties_platform", "penalties_credit_platform.csv", "ndrc", "penalty_national", "csv",
        "utf-8", ("administrative_penalty",), date_styles=(0.3, 0.6, 0.1), bad_share=0.02,
        causes=ALL_CAUSES,
    ),
    FeedSpec(
        "court_listings", "court_dishonest_listings.jsonl", "court", "canonical_en", "jsonl",
        "utf-8", ("court_dishonest_listing",), causes=_MIXED_CAUSES, numbering="court",
    ),
    FeedSpec(
        "court_restrictions", "court_consumption_restrictions.jsonl", "court", "canonical_en",
        "jsonl", "utf-8", ("consumption_restriction",), causes=_MIXED_CAUSES, numbering="court",
    ),
    FeedSpec(
        "tax_grades", "tax_credit_grades.csv", "tax", "canonical_en", "csv", "utf-8",
        ("tax_credit_grade",), numbering="tax",
    ),
    FeedSpec(
        "abnormal", "samr_abnormal_operations.jsonl", "samr", "canonical_en", "jsonl", "utf-8",
        ("abnormal_operations",), numbering="abnormal",
    ),
    FeedSpec(
        "serious", "samr_serious_illegal_dishonest.csv", "samr", "canonical_en", "csv", "utf-8",
        ("serious_illegal_dishonest",), numbering="serious",
    ),
    FeedSpec(
        "honours", "honours.parquet", "ndrc", "canonical_en", "parquet", "utf-8", ("honour",),
        causes=_MIXED_CAUSES, numbering="honour",
    ),
    FeedSpec(
        "commitments", "credit_commitments.csv", "ndrc", "canonical_en", "csv", "utf-8",
        ("credit_commitment",), causes=_MIXED_CAUSES, numbering="commitment",
    ),
)  # fmt: skip
FEED_BY_ID = {f.id: f for f in FEEDS}


# --- templates ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    types: tuple[str, ...]
    fine: tuple[int, int] | None
    gain: tuple[int, int] | None
    licence: str | None
    months: int | None
    weight: float


@dataclass(frozen=True, slots=True)
class PenaltyTemplate:
    role: str
    type: str
    facts: str
    basis: str
    subjects: frozenset[str]
    tags: frozenset[str]
    weight: float
    outcomes: tuple[Outcome, ...]


@dataclass(frozen=True, slots=True)
class Templates:
    penalties: tuple[PenaltyTemplate, ...]
    raw: dict[str, Any]


@cache
def templates() -> Templates:
    text = resources.files("xinyong.synth").joinpath("data/records.yaml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    pens = []
    for p in raw["penalties"]:
        outs = tuple(
            Outcome(
                types=tuple(o["types"]),
                fine=tuple(o["fine"]) if o.get("fine") else None,  # type: ignore[arg-type]
                gain=tuple(o["gain"]) if o.get("gain") else None,  # type: ignore[arg-type]
                licence=o.get("licence"),
                months=o.get("months"),
                weight=float(o["w"]),
            )
            for o in p["outcomes"]
        )
        pens.append(
            PenaltyTemplate(
                role=p["role"],
                type=p["type"],
                facts=p["facts"],
                basis=p["basis"],
                subjects=frozenset(p["subjects"]),
                tags=frozenset(p["tags"]),
                weight=float(p["weight"]),
                outcomes=outs,
            )
        )
    return Templates(tuple(pens), raw)


#: penalties per eligible subject and year, by (deciding role, subject type);
#: chosen so that a city of 50,000 organisations sees a few thousand a year
PENALTY_RATES: dict[tuple[str, str], float] = {
    ("samr", "org"): 0.022,
    ("samr", "ib"): 0.010,
    ("samr", "person"): 0.00025,
    ("ecology", "org"): 0.012,
    ("ecology", "person"): 0.00004,
    ("emergency", "org"): 0.012,
    ("emergency", "ib"): 0.002,
    ("emergency", "person"): 0.00004,
    ("transport", "org"): 0.015,
    ("transport", "ib"): 0.004,
    ("transport", "person"): 0.0004,
    ("tax", "org"): 0.014,
    ("tax", "ib"): 0.004,
}
#: which penalty feed carries the decisions of each role
PENALTY_FEED = {
    "samr": "penalties_samr",
    "ecology": "penalties_ecology",
    "emergency": "penalties_platform",
    "transport": "penalties_platform",
    "tax": "penalties_platform",
}
SERIOUS_TYPES = frozenset({"吊销许可证件", "责令关闭", "限制从业", "责令停产停业", "降低资质等级"})
MINOR_TYPES = frozenset({"警告", "通报批评"})
#: share of the SAMR's decisions that the city credit platform forwards again
CROSS_CHANNEL_SHARE = 0.03
PENALTY_START = date(2019, 1, 1)
#: penalties per year grow by this factor (more decisions published each year)
PENALTY_GROWTH = 1.18

#: tax credit grade shares (REFERENCE.md §6: 2018, 4.89 % A, 7.01 % D); the split of
#: the rest is an assumption (new enterprises are M; C about one in nine)
TAX_A = 0.0489
TAX_D = 0.0701
TAX_C = 0.11
TAX_M_NO_INCOME = 0.12
#: court listings: ~1 % of adults aged 18–59 (FT via asiafinancial.com, Dec 2023:
#: 8.54 M currently listed, about 1 % of the workforce)
LISTED_18_59 = 0.01
LISTED_60_79 = 0.004
LISTED_UNITS = 0.01
RESTRICTED_EXTRA_PERSONS = 0.006
RESTRICTED_EXTRA_UNITS = 0.005
ABNORMAL_SHARE = {"91": 0.05, "92": 0.06, "93": 0.08}


def fen_to_wan(fen: int) -> str:
    """An amount in fen as 万元 without trailing zeros.

    50,000,000 fen (500,000 yuan) → ``50``; 123,456 fen (1234.56 yuan) → ``0.123456``.
    """
    whole, frac = divmod(fen, 1_000_000)
    if frac == 0:
        return str(whole)
    return f"{whole}.{frac:06d}".rstrip("0")


def fen_to_yuan(fen: int) -> str:
    whole, frac = divmod(fen, 100)
    return f"{whole}" if frac == 0 else f"{whole}.{frac:02d}"


def _nice_yuan(x: float) -> int:
    """Round a fine the way decisions do (multiples of 50, 100, 500, 1000)."""
    if x < 1000:
        step = 50
    elif x < 10000:
        step = 100
    elif x < 100000:
        step = 500
    else:
        step = 1000
    return max(step, round(x / step) * step)


def _add_months(d: int, months: int) -> int:
    return add_months1(d, months)


# --- run-wide record state ----------------------------------------------------------


@dataclass
class RecordState:
    """Counters that make document numbers unique across chunks, and the true counts."""

    counters: dict[tuple[str, str, int], int] = field(default_factory=dict)
    batch_docs: dict[tuple[str, str, int], str] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    licence_serial: int = 0
    good_rows: Counter[str] = field(default_factory=Counter)
    bad_rows: dict[str, Counter[str]] = field(default_factory=dict)
    repeated: Counter[str] = field(default_factory=Counter)
    cause_order: dict[str, list[str]] = field(default_factory=dict)
    cause_pos: Counter[str] = field(default_factory=Counter)

    def count(self, *path: str, n: int = 1) -> None:
        d = self.stats
        for p in path[:-1]:
            d = d.setdefault(p, {})
        d[path[-1]] = d.get(path[-1], 0) + n

    def next_number(self, scope: str, name: str, year: int, step: int = 1) -> int:
        k = (scope, name, year)
        n = self.counters.get(k, 0) + step
        self.counters[k] = n
        return n


# --- the builder ----------------------------------------------------------------------------


@dataclass
class Chunk:
    persons: PersonBlock
    orgs: OrgBlock
    rng: np.random.Generator
    last: bool


class FeedBuilder:
    """Makes the rows of every feed for one chunk of subjects at a time."""

    def __init__(
        self,
        spec: ScaleSpec,
        geo: Geography,
        agencies: AgencyDirectory,
        subjects: SubjectState,
        as_of: date,
    ) -> None:
        self.spec = spec
        self.geo = geo
        self.agencies = agencies
        self.subjects = subjects
        self.as_of = as_of
        self.as_day = day(as_of)
        self.state = RecordState()
        self.tpl = templates()
        self.feeds = FEEDS
        # the last three tax years whose grades are published (each April) by as_of
        last = as_of.year - 1
        if self._grade_day(last) > self.as_day:
            last -= 1
        self.tax_years = (last - 2, last - 1, last)

    # --- helpers -------------------------------------------------------------------

    def _grade_day(self, tax_year: int) -> int:
        """Grades of a tax year are published in April of the next (here: the 20th or
        the next weekday)."""
        d = date(tax_year + 1, 4, 20)
        while d.weekday() >= 5:
            d = date.fromordinal(d.toordinal() + 1)
        return day(d)

    def _use(self, agency: Agency, kind: str) -> Agency:
        agency.kinds.add(kind)
        return agency

    def channel(self, feed_id: str) -> Agency:
        f = FEED_BY_ID[feed_id]
        a = self.agencies.channel(f.role)
        for k in f.kinds:
            a.kinds.add(k)
        return a

    def person_fields(self, p: PersonBlock, i: int) -> Row:
        return {
            "subject_name": p.names[i],
            "subject_category": "自然人",
            "id_type": "护照" if p.foreign[i] else "身份证",
            "id_number": p.id_numbers[i],
            "region": self.geo.codes[int(p.residence[i])],
            "_person": i,
        }

    def org_fields(self, o: OrgBlock, p: PersonBlock, j: int) -> Row:
        rep = int(o.legal_rep[j])
        return {
            "subject_name": o.names[j],
            "subject_category": o.cat(j).subject_category,
            "uscc": o.uscc[j],
            "legal_rep_name": p.names[rep],
            "legal_rep_id_type": "身份证",
            "legal_rep_id_number": p.id_numbers[rep],
            "region": self.geo.codes[int(o.region[j])],
            "_org": j,
        }

    def decided(self, agency: Agency, kind: str, d: int) -> Row:
        self._use(agency, kind)
        s = iso1(d)
        return {
            "decided_on": s,
            "deciding_authority": agency.name_zh,
            "deciding_authority_uscc": agency.uscc,
            "_agency": agency,
            "_day": d,
            "_year": int(s[:4]),
        }

    def reporting(self, feed_id: str) -> Row:
        a = self.channel(feed_id)
        return {"reporting_unit": a.name_zh, "reporting_unit_uscc": a.uscc}

    # --- one chunk -----------------------------------------------------------------------

    def build(self, chunk: Chunk) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {f.id: [] for f in self.feeds}
        p, o = chunk.persons, chunk.orgs
        self._count_subjects(p, o)
        self._registry(chunk, out)
        pen = self._penalties(chunk, out)
        self._licences(chunk, out)
        serious = self._abnormal_and_serious(chunk, out, pen)
        listed = self._court(chunk, out)
        grades = self._tax(chunk, out, serious, pen)
        self._honours(chunk, out, serious, listed, grades, pen)
        self._commitments(chunk, out, pen)
        return out

    def _count_subjects(self, p: PersonBlock, o: OrgBlock) -> None:
        st = self.state
        st.count("persons", n=len(p))
        st.count("persons_ric", n=int((~p.foreign).sum()))
        st.count("persons_passport", n=int(p.foreign.sum()))
        st.count("minors", n=int((p.age < 18).sum()))
        st.count("adults", n=int((p.age >= 18).sum()))
        st.count("adults_18_59", n=int(((p.age >= 18) & (p.age <= 59)).sum()))
        st.count("adults_18_59_ric", n=int(((p.age >= 18) & (p.age <= 59) & ~p.foreign).sum()))
        st.count("adults_60_plus", n=int((p.age >= 60).sum()))
        st.count("male", n=int(p.male.sum()))
        for k, c in Counter(p.residence_status).items():
            st.count("residence_status", k, n=c)
        st.count("organisations", n=len(o))
        for ci, c in zip(*np.unique(o.category, return_counts=True), strict=True):
            st.count("organisations_by_code", ORG_CATEGORIES[int(ci)].code, n=int(c))
        for si, c in zip(*np.unique(o.status, return_counts=True), strict=True):
            st.count("organisations_by_status", STATUSES[int(si)], n=int(c))
        for r, c in Counter(o.role).items():
            st.count("roles", r, n=c)

    # --- registry -----------------------------------------------------------------------

    def _registry(self, chunk: Chunk, out: dict[str, list[Row]]) -> None:
        p, o = chunk.persons, chunk.orgs
        geo = self.geo
        since = iso(p.residence_since)
        jur = geo.jurisdiction_of
        psb_rows = out["registry_psb"]
        self.channel("registry_psb")
        psb_by_j: dict[int, Agency] = {}
        for i in range(len(p)):
            res = int(p.residence[i])
            j = int(jur[res])
            a = psb_by_j.get(j)
            if a is None:
                a = psb_by_j[j] = self._use(self.agencies.authority("psb", j), "residence")
            psb_rows.append(
                {
                    "subject_category": "自然人",
                    "subject_name": p.names[i],
                    "id_type": "护照" if p.foreign[i] else "身份证",
                    "id_number": p.id_numbers[i],
                    "decided_on": since[i],
                    "deciding_authority": a.name_zh,
                    "deciding_authority_uscc": a.uscc,
                    "registration_status": p.residence_status[i],
                    "region": geo.codes[res],
                    "_person": i,
                    "_agency": a,
                    "_day": int(p.residence_since[i]),
                    "_year": int(since[i][:4]),
                }
            )
        self.channel("registry_samr")
        self.channel("registry_other")
        reg = iso(o.registered)
        for j in range(len(o)):
            c = o.cat(j)
            a = self._use(self.agencies.registrar(c.registrar, int(o.region[j])), "registration")
            rep = int(o.legal_rep[j])
            row = {
                "subject_category": c.subject_category,
                "subject_name": o.names[j],
                "uscc": o.uscc[j],
                "legal_rep_name": p.names[rep],
                "legal_rep_id_type": "身份证",
                "legal_rep_id_number": p.id_numbers[rep],
                "decided_on": reg[j],
                "deciding_authority": a.name_zh,
                "deciding_authority_uscc": a.uscc,
                "registration_status": STATUSES[int(o.status[j])],
                "region": geo.codes[int(o.region[j])],
                "org_type": o.org_type[j],
                "capital_wan": o.capital_wan[j],
                "_org": j,
                "_agency": a,
                "_day": int(o.registered[j]),
                "_year": int(reg[j][:4]),
            }
            out["registry_samr" if c.registrar == "samr" else "registry_other"].append(row)

    # --- penalties ----------------------------------------------------------------------

    def _penalties(self, chunk: Chunk, out: dict[str, list[Row]]) -> list[Row]:
        """Administrative penalties of five kinds of authority; returns every decision."""
        p, o, rng = chunk.persons, chunk.orgs, chunk.rng
        as_day = self.as_day
        start = day(PENALTY_START)
        is_org = np.isin(o.category, [CAT_INDEX["91"], CAT_INDEX["93"]])
        is_ib = o.category == CAT_INDEX["92"]
        org_lo = np.maximum(start, o.registered + 30)
        org_hi = np.where(o.status_date >= 0, o.status_date - 1, as_day)
        adult_day = add_months(p.birth, 18 * 12)
        per_lo = np.maximum(start, adult_day)
        per_hi = np.full(len(p), as_day)
        adults = np.flatnonzero(p.age >= 18)
        weights: dict[tuple[str, str], float] = {}
        for t in self.tpl.penalties:
            for s in t.subjects:
                weights[(t.role, s)] = weights.get((t.role, s), 0.0) + t.weight
        decisions: list[Row] = []
        for t in self.tpl.penalties:
            for stype in sorted(t.subjects):
                if stype == "person":
                    idx = adults
                    lo, hi = per_lo[idx], per_hi[idx]
                else:
                    mask = is_org if stype == "org" else is_ib
                    if t.tags:
                        mask = mask & np.array([bool(t.tags & tg) for tg in o.tags])
                    idx = np.flatnonzero(mask)
                    lo, hi = org_lo[idx], org_hi[idx]
                years = np.maximum(hi - lo, 0) / 365.2425
                lam = PENALTY_RATES.get((t.role, stype), 0.0) * t.weight
                lam = lam / weights[(t.role, stype)] * years
                k = rng.poisson(lam)
                subj = np.repeat(idx, k)
                if len(subj) == 0:
                    continue
                when = growth_dates(rng, np.repeat(lo, k), np.repeat(hi, k), PENALTY_GROWTH)
                ow = np.array([x.weight for x in t.outcomes])
                oc = rng.choice(len(t.outcomes), size=len(subj), p=ow / ow.sum())
                u = rng.random((len(subj), 4))
                for n_, (s_i, d_i, o_i) in enumerate(
                    zip(subj.tolist(), when.tolist(), oc.tolist(), strict=True)
                ):
                    row = self._penalty_row(
                        chunk, t, stype, s_i, d_i, t.outcomes[o_i], u[n_].tolist()
                    )
                    decisions.append(row)
        decisions.extend(self._revocation_penalties(chunk))
        st = self.state
        for row in decisions:
            feed = PENALTY_FEED[row["_role"]]
            out[feed].append(row)
            st.count("penalties", n=1)
            st.count("penalties_by_role", row["_role"])
            st.count("penalties_by_subject", row["_stype"])
        # the city's credit platform forwards some SAMR decisions a second time
        samr_rows = [r for r in decisions if r["_role"] == "samr"]
        if samr_rows:
            pick = rng.random(len(samr_rows)) < CROSS_CHANNEL_SHARE
            for r, take in zip(samr_rows, pick.tolist(), strict=True):
                if take:
                    dup = {k: v for k, v in r.items()}
                    dup.update(self.reporting("penalties_platform"))
                    dup["_same_as"] = (r, ("decision_no",))
                    out["penalties_platform"].append(dup)
                    st.count("penalties_cross_channel_duplicates")
                    st.repeated["penalties_platform"] += 1
        return decisions

    def _penalty_row(
        self,
        chunk: Chunk,
        t: PenaltyTemplate,
        stype: str,
        s_i: int,
        d_i: int,
        out_: Outcome,
        u: list[float],
    ) -> Row:
        p, o = chunk.persons, chunk.orgs
        tr = self.tpl.raw
        if stype == "person":
            row = self.person_fields(p, s_i)
            j = int(self.geo.jurisdiction_of[int(p.residence[s_i])])
        else:
            row = self.org_fields(o, p, s_i)
            j = int(self.geo.jurisdiction_of[int(o.region[s_i])])
        agency = self.agencies.authority(t.role, j)
        row.update(self.decided(agency, "administrative_penalty", d_i))
        feed = PENALTY_FEED[t.role]
        row.update(self.reporting(feed))
        fine_fen = 0
        gain_fen = 0
        if out_.fine:
            lo, hi = out_.fine
            fine_fen = 100 * _nice_yuan(
                float(np.exp(np.log(lo) + u[0] * (np.log(hi) - np.log(lo))))
            )
        if out_.gain:
            lo, hi = out_.gain
            gain_fen = int(np.exp(np.log(lo * 100) + u[1] * (np.log(hi * 100) - np.log(lo * 100))))
        value_fen = max(gain_fen, 50_000) * (2 + int(u[2] * 5))
        facts = t.facts.format(
            value=fen_to_yuan(value_fen),
            gain=fen_to_yuan(gain_fen),
            place=tr["places"][int(u[3] * len(tr["places"]))],
            ratio=f"{0.2 + u[2] * 3:.1f}",
            count=3 + int(u[3] * 40),
            period=tr["periods"][int(u[2] * len(tr["periods"]))],
        )
        parts = []
        licence = ""
        valid_to = ""
        for ty in out_.types:
            if ty == "罚款":
                parts.append(f"罚款人民币{fen_to_yuan(fine_fen)}元")
            elif ty == "没收违法所得":
                parts.append(f"没收违法所得人民币{fen_to_yuan(gain_fen)}元")
            elif ty == "没收非法财物":
                parts.append("没收涉案物品一批")
            elif ty == "吊销许可证件":
                name = out_.licence or "营业执照"
                number = row.get("uscc") or f"JY1{row['region']}{int(u[0] * 1e6):06d}"
                licence = f"{name}（{number}）"
                parts.append(f"吊销{name}")
            elif ty in ("责令停产停业", "限制从业", "限制开展生产经营活动"):
                months = out_.months or 3
                valid_to = iso1(_add_months(d_i, months))
                parts.append(f"{ty}{months}个月" if months < 24 else f"{ty}{months // 12}年")
            else:
                parts.append(ty)
        types = set(out_.types)
        if types & SERIOUS_TYPES or fine_fen >= 100 * 1_000_000:
            severity, months_shown = "serious", 36
        elif types <= MINOR_TYPES or (types == {"罚款"} and fine_fen < 100 * 10_000):
            severity, months_shown = "minor", 3
        else:
            severity, months_shown = "general", 12
        display = ""
        if u[3] < 0.4:
            display = iso1(_add_months(d_i, months_shown))
        row.update(
            {
                "violation_type": t.type,
                "facts": facts,
                "legal_basis_text": t.basis,
                "penalty_types": ";".join(out_.types),
                "content": "，".join(parts),
                "amount_wan": fen_to_wan(fine_fen) if fine_fen else "",
                "confiscated_wan": fen_to_wan(gain_fen) if gain_fen else "",
                "licence_affected": licence,
                "penalty_valid_to": valid_to,
                "display_until": display,
                "notes": "",
                "_role": t.role,
                "_stype": stype,
                "_severity": severity,
                "_fine_fen": fine_fen,
            }
        )
        return row

    def _revocation_penalties(self, chunk: Chunk) -> list[Row]:
        """Enterprises whose business licence was revoked (吊销) got that as a SAMR penalty."""
        p, o = chunk.persons, chunk.orgs
        rows = []
        sel = np.flatnonzero(
            (o.category == CAT_INDEX["91"])
            & (o.status == STATUSES.index("吊销"))
            & (o.status_date >= day(PENALTY_START))
        )
        for j in sel.tolist():
            row = self.org_fields(o, p, j)
            a = self.agencies.registrar("samr", int(o.region[j]))
            d = int(o.status_date[j])
            row.update(self.decided(a, "administrative_penalty", d))
            row.update(self.reporting("penalties_samr"))
            row.update(
                {
                    "violation_type": "无正当理由超过六个月未开业或者开业后自行停业连续六个月以上",
                    "facts": "当事人成立后无正当理由超过六个月未开业，"
                    "或者开业后自行停业连续六个月以上。",
                    "legal_basis_text": "《中华人民共和国公司法》第二百六十条第一款",
                    "penalty_types": "吊销许可证件",
                    "content": "吊销营业执照",
                    "amount_wan": "",
                    "confiscated_wan": "",
                    "licence_affected": f"营业执照（{o.uscc[j]}）",
                    "penalty_valid_to": "",
                    "display_until": "",
                    "notes": "",
                    "_role": "samr",
                    "_stype": "org",
                    "_severity": "serious",
                    "_fine_fen": 0,
                }
            )
            rows.append(row)
        return rows

    # --- licences -------------------------------------------------------------------------

    def _licences(self, chunk: Chunk, out: dict[str, list[Row]]) -> None:
        p, o, rng = chunk.persons, chunk.orgs, chunk.rng
        as_day = self.as_day
        first_day = day(date(2016, 1, 1))
        rows = out["licences"]
        rep = self.reporting("licences")
        st = self.state
        for lt in self.tpl.raw["licences"]:
            tags = frozenset(lt["tags"])
            subjects = set(lt["subjects"])
            cats = []
            if "org" in subjects:
                cats += [CAT_INDEX["91"], CAT_INDEX["93"]]
            if "ib" in subjects:
                cats.append(CAT_INDEX["92"])
            mask = np.isin(o.category, cats) & np.array([bool(tags & tg) for tg in o.tags])
            idx = np.flatnonzero(mask & (rng.random(len(o)) < float(lt["share"])))
            years = int(lt["years"])
            u = rng.random((len(idx), 6))
            for n_, j in enumerate(idx.tolist()):
                uu = u[n_]
                hi = int(o.status_date[j]) - 1 if o.status_date[j] >= 0 else as_day
                first = max(
                    int(o.registered[j]) + 15 + int(uu[0] * 90),
                    first_day + int(uu[1] * years * 365),
                )
                if first > hi:
                    continue
                st.licence_serial += 1
                region = self.geo.codes[int(o.region[j])]
                number = lt["number"].format(
                    k=1 + int(uu[2] * 3),
                    region=region,
                    serial=st.licence_serial % 1_000_000,
                    check=int(uu[3] * 10),
                    year=to_date(first).year,
                )
                content = lt["content"][int(uu[4] * len(lt["content"]))]
                jj = int(self.geo.jurisdiction_of[int(o.region[j])])
                agency = self.agencies.authority("approval", jj)
                decided = first
                last_row: Row | None = None
                last_to = 0
                while decided <= hi:
                    valid_to = _add_months(decided, years * 12) - 1
                    row = self.org_fields(o, p, j)
                    row.update(self.decided(agency, "administrative_licence", decided))
                    row.update(rep)
                    row.update(
                        {
                            "decision_title": lt["title"],
                            "licence_category": lt["category"],
                            "licence_name": lt["name"],
                            "licence_no": number,
                            "content": content,
                            "valid_from": row["decided_on"],
                            "valid_to": iso1(valid_to),
                            "status": "1",
                            "notes": "" if last_row is None else "延续",
                        }
                    )
                    rows.append(row)
                    st.count("licences")
                    last_row, last_to = row, valid_to
                    if valid_to >= as_day:
                        break
                    decided = valid_to - 5 - int(rng.random() * 30)
                if last_row is None:
                    continue
                # revocation: the subject closed while the licence was in force, or a
                # few cancelled on application / revoked by the authority
                rev_day = -1
                note = ""
                sd = int(o.status_date[j])
                if sd >= 0 and last_row["_day"] <= sd <= last_to:
                    rev_day = sd
                    note = (
                        "市场主体已注销，许可证注销"
                        if o.status[j] == 2
                        else "营业执照被吊销，许可证注销"
                    )
                elif uu[5] < 0.015:
                    top = min(last_to, as_day)
                    lo = last_row["_day"] + 30
                    if lo <= top:
                        rev_day = lo + int(uu[0] * (top - lo))
                        note = "依申请注销" if uu[1] < 0.7 else "被依法撤销"
                if rev_day >= 0:
                    rev = {k: v for k, v in last_row.items()}
                    rev["status"] = "2"
                    rev["notes"] = f"{note}（{iso1(rev_day)}）"
                    rev["_day"] = rev_day
                    rev["_same_as"] = (last_row, ("decision_no",))
                    rows.append(rev)
                    st.count("licence_revocations")
                    st.repeated["licences"] += 1

    # --- abnormal operations and the serious illegal dishonest list ------------------------

    def _abnormal_and_serious(
        self, chunk: Chunk, out: dict[str, list[Row]], pen: list[Row]
    ) -> dict[int, int]:
        """Abnormal-operations listings, and serious-list entries from them (3 years) and
        from heavy SAMR penalties; returns org index → serious listing day."""
        p, o, rng = chunk.persons, chunk.orgs, chunk.rng
        as_day = self.as_day
        st = self.state
        reasons = self.tpl.raw["abnormal_reasons"]
        rw = np.array([r["w"] for r in reasons], dtype=np.float64)
        sr = self.tpl.raw["serious_reasons"]
        serious: dict[int, int] = {}
        self.channel("abnormal")
        self.channel("serious")
        active = np.isin(o.status, ACTIVE_STATUSES) & (o.registered < as_day - 365)
        start = day(PENALTY_START)
        order44 = day(date(2021, 9, 1))
        for code, share in ABNORMAL_SHARE.items():
            elig = np.flatnonzero(active & (o.category == CAT_INDEX[code]))
            k = self.subjects.quota(f"abnormal:{code}", share, len(elig))
            if k == 0:
                continue
            chosen = np.sort(rng.choice(elig, size=k, replace=False))
            rs = rng.choice(len(reasons), size=k, p=rw / rw.sum())
            u = rng.random((k, 4))
            for j, r_i, uu in zip(chosen.tolist(), rs.tolist(), u.tolist(), strict=True):
                reason = reasons[r_i]
                reg = int(o.registered[j])
                if reason["annual"]:
                    y0 = max(to_date(reg).year + 1, PENALTY_START.year - 1)
                    y1 = (
                        self.as_of.year
                        if self.as_of >= date(self.as_of.year, 7, 1)
                        else self.as_of.year - 1
                    )
                    if y1 < y0:
                        y1 = y0
                    y = y0 + int(uu[0] * (y1 - y0 + 1))
                    d = day(date(y, 7, 1)) + int(uu[1] * 90)
                else:
                    lo = max(reg + 90, start)
                    d = lo + int(uu[1] * max(as_day - lo, 0))
                d = min(d, as_day)
                a = self.agencies.registrar("samr", int(o.region[j]))
                row = self.org_fields(o, p, j)
                row.update(self.decided(a, "abnormal_operations", d))
                row.update(
                    {
                        "kind": "abnormal_operations",
                        "reason": reason["reason"],
                        "legal_basis_text": reason["basis"],
                        "status": "in_force",
                        "notes": "标记为经营异常状态" if code == "92" else "",
                    }
                )
                out["abnormal"].append(row)
                st.count("abnormal_operations", code)
                # three years on the list without putting it right → serious list
                if code != "92" and d + 3 * 365 + 1 < as_day and uu[2] < 0.5:
                    sd = _add_months(d, 36) + 1 + int(uu[3] * 60)
                    if sd <= as_day:
                        serious[j] = sd
                        regime = "abnormal" if sd >= order44 else "abnormal_before_order44"
                        srow = self.org_fields(o, p, j)
                        srow.update(self.decided(a, "serious_illegal_dishonest", sd))
                        srow.update(
                            {
                                "kind": "serious_illegal_dishonest",
                                "reason": sr[regime]["reason"],
                                "legal_basis_text": sr[regime]["basis"],
                                "facts": f"当事人于{row['decided_on']}被列入经营异常名录，"
                                "届满3年仍未履行相关义务。",
                                "status": "in_force",
                            }
                        )
                        out["serious"].append(srow)
                        st.count("serious_illegal_dishonest", "from_abnormal")
        for r in pen:
            if r["_role"] != "samr" or r["_stype"] != "org" or r["_severity"] != "serious":
                continue
            j = r["_org"]
            if r["_day"] < order44 or j in serious or o.category[j] != CAT_INDEX["91"]:
                continue
            if rng.random() >= 0.4:
                continue
            sd = r["_day"] + 5 + int(rng.random() * 55)
            if sd > as_day:
                continue
            serious[j] = sd
            a = r["_agency"]
            srow = self.org_fields(o, p, j)
            srow.update(self.decided(a, "serious_illegal_dishonest", sd))
            srow.update(
                {
                    "kind": "serious_illegal_dishonest",
                    "reason": sr["penalty"]["reason"],
                    "legal_basis_text": sr["penalty"]["basis"],
                    "facts": f"当事人{r['violation_type']}，情节严重，被处以{r['content']}。",
                    "penalty_types": r["penalty_types"],
                    "status": "in_force",
                }
            )
            out["serious"].append(srow)
            st.count("serious_illegal_dishonest", "from_penalty")
        return serious

    # --- court ------------------------------------------------------------------------------

    def _case_year(self, d: int, u: float) -> int:
        y = to_date(d).year
        return max(2016, y - 1) if u < 0.3 else y

    def _court(self, chunk: Chunk, out: dict[str, list[Row]]) -> dict[str, set[int]]:
        """Dishonest judgment-debtor listings and consumption-restriction orders."""
        p, o, rng = chunk.persons, chunk.orgs, chunk.rng
        as_day = self.as_day
        st = self.state
        q = self.subjects.quota
        grounds = self.tpl.raw["grounds"]
        gw = np.array([g["w"] for g in grounds], dtype=np.float64)
        obligations = self.tpl.raw["obligations"]
        self.channel("court_listings")
        self.channel("court_restrictions")
        ric = ~p.foreign
        adult_day = add_months(p.birth, 18 * 12)
        start = day(PENALTY_START)
        listed: dict[str, set[int]] = {"persons": set(), "orgs": set()}

        def choose(mask: np.ndarray, key: str, share: float) -> np.ndarray:
            elig = np.flatnonzero(mask)
            k = q(key, share, len(elig))
            return np.sort(rng.choice(elig, size=k, replace=False)) if k else elig[:0]

        persons = np.concatenate(
            [
                choose(ric & (p.age >= 18) & (p.age <= 59), "listed:18-59", LISTED_18_59),
                choose(ric & (p.age >= 60) & (p.age <= 79), "listed:60-79", LISTED_60_79),
            ]
        )
        units_mask = (
            (o.category == CAT_INDEX["91"])
            & np.isin(o.status, ACTIVE_STATUSES)
            & (o.registered < as_day - 365)
        )
        units = choose(units_mask, "listed:units", LISTED_UNITS)
        restrictions: list[tuple[str, int, int, Row | None]] = []

        def listing(kind: str, i: int, lo: int) -> Row:
            g_i = int(rng.choice(len(grounds), p=gw / gw.sum()))
            g = grounds[g_i]
            ground = int(g["ground"])
            if ground != 1:
                lo = max(lo, as_day - 2 * 365 + 1)
            lo = min(lo, as_day)
            d = int(growth_dates(rng, np.array([lo]), np.array([as_day]), 1.1)[0])
            if kind == "person":
                row = self.person_fields(p, i)
                county = int(p.residence[i])
            else:
                row = self.org_fields(o, p, i)
                county = int(o.region[i])
            court = self.agencies.court(county)
            row.update(self.decided(court, "court_dishonest_listing", d))
            amount = int(np.exp(np.log(3000) + rng.random() * (np.log(2_000_000) - np.log(3000))))
            ob = obligations[int(rng.random() * len(obligations))]
            cy = self._case_year(d, float(rng.random()))
            row.update(
                {
                    "kind": "court_dishonest_listing",
                    "legal_basis_text": "《最高人民法院关于公布失信被执行人名单信息的若干规定》"
                    f"第一条第（{'一二三四五六'[ground - 1]}）项",
                    "grounds": str(ground),
                    "facts": g["facts"],
                    "content": f"{ob}人民币{amount}元",
                    "amount_yuan": f"{amount}.00",
                    "performance": "全部未履行" if rng.random() < 0.85 else "部分未履行",
                    "valid_to": iso1(_add_months(d, 24)) if ground != 1 else "",
                    "status": "in_force",
                    "notes": f"执行依据：({max(2015, cy - 1)}){court.doc}"
                    f"民初{1 + int(rng.random() * 5000)}号民事判决书",
                    "_court": court,
                    "_case_year": cy,
                    "_suffix": "-SX",
                }
            )
            st.count("listing_grounds", str(ground))
            return row

        for i in persons.tolist():
            lo = max(start, int(adult_day[i]) + 1)
            row = listing("person", i, lo)
            out["court_listings"].append(row)
            listed["persons"].add(i)
            age = int(p.age[i])
            st.count("listed_persons")
            st.count("listed_persons_18_59" if age <= 59 else "listed_persons_60_plus")
            if rng.random() < 0.85:
                restrictions.append(
                    ("person", i, max(lo, row["_day"] - int(rng.random() * 60)), row)
                )
        for j in units.tolist():
            lo = max(start, int(o.registered[j]) + 180)
            row = listing("org", j, lo)
            out["court_listings"].append(row)
            listed["orgs"].add(j)
            st.count("listed_units")
            if rng.random() < 0.9:
                restrictions.append(("org", j, max(lo, row["_day"] - int(rng.random() * 60)), row))
        # restriction orders without a listing
        extra_p = choose(
            ric & (p.age >= 18) & (p.age <= 79) & ~np.isin(np.arange(len(p)), persons),
            "restricted:persons",
            RESTRICTED_EXTRA_PERSONS,
        )
        for i in extra_p.tolist():
            lo = min(max(start, int(adult_day[i]) + 1), as_day)
            d = int(growth_dates(rng, np.array([lo]), np.array([as_day]), 1.1)[0])
            restrictions.append(("person", i, d, None))
        extra_u = choose(
            units_mask & ~np.isin(np.arange(len(o)), units),
            "restricted:units",
            RESTRICTED_EXTRA_UNITS,
        )
        for j in extra_u.tolist():
            lo = min(max(start, int(o.registered[j]) + 180), as_day)
            d = int(growth_dates(rng, np.array([lo]), np.array([as_day]), 1.1)[0])
            restrictions.append(("org", j, d, None))
        for kind, i, d, listing_row in restrictions:
            d = min(d, as_day)
            if kind == "person":
                row = self.person_fields(p, i)
                county = int(p.residence[i])
                content = (
                    f"限制被执行人{p.names[i]}实施下列高消费及非生活和工作必需的消费行为：乘坐交通工具时，"
                    "选择飞机、列车软卧、轮船二等以上舱位；在星级以上宾馆、酒店、夜总会、高尔夫球场等场所进行高消费；"
                    "购买不动产或者新建、扩建、高档装修房屋；旅游、度假；子女就读高收费私立学校等。"
                )
                st.count("restricted_persons")
            else:
                row = self.org_fields(o, p, i)
                county = int(o.region[i])
                content = (
                    "限制被执行人及其法定代表人、主要负责人、影响债务履行的直接责任人员、实际控制人"
                    "以单位财产实施高消费及非生活和工作必需的消费行为。"
                )
                st.count("restricted_units")
            court = self.agencies.court(county)
            row.update(self.decided(court, "consumption_restriction", d))
            row.update(
                {
                    "kind": "consumption_restriction",
                    "legal_basis_text": "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》"
                    "第一条、第三条",
                    "content": content,
                    "status": "in_force",
                    "_court": court,
                    "_case_year": listing_row["_case_year"]
                    if listing_row
                    else self._case_year(d, float(rng.random())),
                    "_suffix": "-XG",
                }
            )
            if listing_row is not None:
                row["_day"] = min(row["_day"], listing_row["_day"])
                row["decided_on"] = iso1(row["_day"])
                row["_same_as"] = (listing_row, ("case_no", "decision_no"))
            out["court_restrictions"].append(row)
        return listed

    # --- tax credit grades -----------------------------------------------------------------

    def _tax(
        self, chunk: Chunk, out: dict[str, list[Row]], serious: dict[int, int], pen: list[Row]
    ) -> dict[int, str]:
        """Grades A/B/M/C/D for enterprises, three tax years; returns the latest grade."""
        p, o, rng = chunk.persons, chunk.orgs, chunk.rng
        st = self.state
        q = self.subjects.quota
        self.channel("tax_grades")
        is91 = o.category == CAT_INDEX["91"]
        quality = rng.normal(size=len(o))
        tax_pen: dict[int, set[int]] = {}
        for r in pen:
            if r["_role"] == "tax" and r["_stype"] == "org":
                tax_pen.setdefault(r["_year"], set()).add(r["_org"])
        latest: dict[int, str] = {}
        for y in self.tax_years:
            y_end = day(date(y, 12, 31))
            pub = self._grade_day(y)
            sd = o.status_date
            rated = np.flatnonzero(is91 & (o.registered <= y_end) & ((sd < 0) | (sd > y_end)))
            if len(rated) == 0:
                continue
            n = len(rated)
            latent = quality[rated] * 0.8 + rng.normal(size=n) * 0.6
            new = o.registered[rated] >= day(date(y, 1, 1))
            grade = np.full(n, "B", dtype="<U1")
            grade[new] = "M"
            # on the serious illegal dishonest list when grades are published: D directly
            forced_d = np.array([serious.get(j, 1 << 40) <= pub for j in rated.tolist()])
            penalised = np.array([j in tax_pen.get(y, set()) for j in rated.tolist()])
            n_d = q(f"tax:{y}:D", TAX_D, n)
            n_a = q(f"tax:{y}:A", TAX_A, n)
            n_c = q(f"tax:{y}:C", TAX_C, n)
            n_m = q(f"tax:{y}:M", TAX_M_NO_INCOME, int((~new).sum()))
            order = np.argsort(latent, kind="stable")  # worst first
            d_set = np.flatnonzero(forced_d).tolist()
            taken = set(d_set)
            for i in order.tolist():
                if len(d_set) >= n_d:
                    break
                if not new[i] and i not in taken:
                    d_set.append(i)
                    taken.add(i)
            grade[d_set] = "D"
            # A: best latent, not new, not penalised by the tax bureau that year
            a_set: list[int] = []
            for i in order[::-1].tolist():
                if len(a_set) >= n_a:
                    break
                if grade[i] == "B" and not penalised[i]:
                    a_set.append(i)
            grade[a_set] = "A"
            rest = [i for i in range(n) if grade[i] == "B"]
            if rest:
                for k in rng.choice(len(rest), size=min(n_m, len(rest)), replace=False).tolist():
                    grade[rest[k]] = "M"
            c_set: list[int] = []
            for i in order.tolist():
                if len(c_set) >= n_c:
                    break
                if grade[i] == "B":
                    c_set.append(i)
            grade[c_set] = "C"
            u = rng.random(n)
            for k, j in enumerate(rated.tolist()):
                g = str(grade[k])
                lo, span = {
                    "A": (90, 11),
                    "B": (70, 20),
                    "M": (70, 20),
                    "C": (40, 30),
                    "D": (0, 40),
                }[g]
                score = lo + int(u[k] * span)
                if g == "D" and forced_d[k]:
                    score = int(u[k] * 20)
                jj = int(self.geo.jurisdiction_of[int(o.region[j])])
                a = self.agencies.authority("tax", jj)
                row = self.org_fields(o, p, j)
                row.update(self.decided(a, "tax_credit_grade", pub))
                row.update(
                    {
                        "kind": "tax_credit_grade",
                        "grade": g,
                        "score": str(score),
                        "tax_year": str(y),
                        "legal_basis_text": "《纳税信用管理办法（试行）》"
                        "（国家税务总局公告2014年第40号）",
                        "status": "in_force",
                        "_tax_year": y,
                    }
                )
                out["tax_grades"].append(row)
                st.count("tax_grades", str(y), g)
                st.count("tax_rated", str(y))
                if y == self.tax_years[-1]:
                    latest[j] = g
        return latest

    # --- honours and commitments ----------------------------------------------------------

    def _honours(
        self,
        chunk: Chunk,
        out: dict[str, list[Row]],
        serious: dict[int, int],
        listed: dict[str, set[int]],
        grades: dict[int, str],
        pen: list[Row],
    ) -> None:
        p, o, rng = chunk.persons, chunk.orgs, chunk.rng
        st = self.state
        as_day = self.as_day
        self.channel("honours")
        recent = as_day - 2 * 365
        bad_orgs = set(serious) | listed["orgs"] | {j for j, g in grades.items() if g in "CD"}
        bad_orgs |= {r["_org"] for r in pen if "_org" in r and r["_day"] >= recent}
        bad_persons = listed["persons"] | {r["_person"] for r in pen if "_person" in r}
        active = np.isin(o.status, ACTIVE_STATUSES)
        for h in self.tpl.raw["honours"]:
            subjects = set(h["subjects"])
            if "person" in subjects:
                mask = ~p.foreign & (p.age >= 18)
                elig = [i for i in np.flatnonzero(mask).tolist() if i not in bad_persons]
            else:
                cats = [CAT_INDEX["91"]] if "org" in subjects else [CAT_INDEX["92"]]
                mask = active & np.isin(o.category, cats) & (o.registered < as_day - 365)
                elig = [j for j in np.flatnonzero(mask).tolist() if j not in bad_orgs]
            k = self.subjects.quota(f"honour:{h['name']}", float(h["share"]), len(elig))
            if k == 0:
                continue
            chosen = sorted(rng.choice(len(elig), size=k, replace=False).tolist())
            for c in chosen:
                i = elig[c]
                year = self.as_of.year - int(rng.random() * 4)
                if "person" in subjects:
                    row = self.person_fields(p, i)
                    jj = int(self.geo.jurisdiction_of[int(p.residence[i])])
                else:
                    row = self.org_fields(o, p, i)
                    jj = int(self.geo.jurisdiction_of[int(o.region[i])])
                    year = max(year, to_date(int(o.registered[i])).year + 1)
                juris = self.geo.jurisdictions[jj]
                a = self.agencies.authority(h["role"], jj)
                d = day(date(year, 12, 18)) if year < self.as_of.year else day(date(year, 1, 16))
                d = min(d, as_day)
                if "_org" in row and d <= int(o.registered[i]):
                    continue
                name = h["name"].format(place=juris.name, bare=juris.name.rstrip("市"))
                key = (a.code, name, year)
                doc = st.batch_docs.get(key)
                if doc is None:
                    n = st.next_number(a.code, "honour-doc", year)
                    doc = st.batch_docs[key] = f"{a.doc}字〔{year}〕{10 + n}号"
                row.update(self.decided(a, "honour", d))
                years = int(h["years"])
                row.update(
                    {
                        "kind": "honour",
                        "decision_no": doc,
                        "content": name,
                        "notes": h["level"],
                        "valid_from": row["decided_on"] if years else "",
                        "valid_to": iso1(_add_months(d, 12 * years) - 1) if years else "",
                        "status": "in_force",
                    }
                )
                out["honours"].append(row)
                st.count("honours")
                st.count("honours_by_name", name)

    def _commitments(self, chunk: Chunk, out: dict[str, list[Row]], pen: list[Row]) -> None:
        p, o, rng = chunk.persons, chunk.orgs, chunk.rng
        as_day = self.as_day
        self.channel("commitments")
        active = np.isin(o.status, ACTIVE_STATUSES)
        repair = None
        for c in self.tpl.raw["commitments"]:
            if c["type"] == "信用修复型":
                repair = c
                continue
            subjects = set(c["subjects"])
            picks: list[tuple[str, int]] = []
            if "person" in subjects:
                elig = np.flatnonzero(~p.foreign & (p.age >= 18))
                k = self.subjects.quota(f"commit:{c['type']}:p", float(c["share"]), len(elig))
                picks += [
                    ("person", int(i)) for i in np.sort(rng.choice(elig, size=k, replace=False))
                ]
            cats = []
            if "org" in subjects:
                cats.append(CAT_INDEX["91"])
            if "ib" in subjects:
                cats.append(CAT_INDEX["92"])
            if cats:
                elig = np.flatnonzero(active & np.isin(o.category, cats))
                k = self.subjects.quota(f"commit:{c['type']}:o", float(c["share"]), len(elig))
                picks += [("org", int(j)) for j in np.sort(rng.choice(elig, size=k, replace=False))]
            for kind, i in picks:
                if kind == "person":
                    lo = max(as_day - 3 * 365, int(add_months(p.birth[i : i + 1], 18 * 12)[0]))
                else:
                    lo = max(as_day - 3 * 365, int(o.registered[i]) + 1)
                d = min(lo + int(rng.random() * max(as_day - lo, 0)), as_day)
                self._commitment_row(chunk, out, c, kind, i, d)
        if repair is None:
            return
        for r in pen:
            if r["_severity"] == "minor" or rng.random() >= 0.2:
                continue
            d = r["_day"] + 30 + int(rng.random() * 170)
            if d > as_day:
                continue
            kind = "person" if "_person" in r else "org"
            i = r["_person"] if kind == "person" else r["_org"]
            if kind == "org" and 0 <= o.status_date[i] <= d:
                continue  # a closed firm applies for no repair
            row = self._commitment_row(chunk, out, repair, kind, i, d)
            row["facts"] = f"关于{r['violation_type']}行政处罚的信用修复"

    def _commitment_row(
        self, chunk: Chunk, out: dict[str, list[Row]], c: dict[str, Any], kind: str, i: int, d: int
    ) -> Row:
        p, o = chunk.persons, chunk.orgs
        if kind == "person":
            row = self.person_fields(p, i)
            jj = int(self.geo.jurisdiction_of[int(p.residence[i])])
        else:
            row = self.org_fields(o, p, i)
            jj = int(self.geo.jurisdiction_of[int(o.region[i])])
        a = self.agencies.authority(c["role"], jj)
        row.update(self.decided(a, "credit_commitment", d))
        row.update(
            {
                "kind": "credit_commitment",
                "content": c["content"],
                "notes": c["type"],
                "valid_from": row["decided_on"],
                "valid_to": iso1(_add_months(d, 12) - 1),
                "status": "in_force",
            }
        )
        out["commitments"].append(row)
        self.state.count("credit_commitments", c["type"])
        return row

    # --- numbering --------------------------------------------------------------------------

    def number(self, feed: FeedSpec, rows: list[Row], rng: np.random.Generator) -> None:
        """Assign source keys and document numbers in file order."""
        st = self.state
        for row in rows:
            same = row.get("_same_as")
            if same is not None:
                src, fields = same
                for f in fields:
                    row[f] = src.get(f, "")
                if feed.numbering == "court":
                    row["source_key"] = row["case_no"] + row["_suffix"]
                    row["decision_no"] = row["case_no"]
                continue
            a: Agency = row["_agency"]
            y = row["_year"]
            kind = feed.numbering
            if kind == "record":
                prefix = {"registry_psb": "GA", "registry_samr": "SC"}.get(feed.id, "DJ")
                n = st.next_number(feed.id, "record", 0)
                row["record_no"] = f"{prefix}{n:010d}"
            elif kind == "penalty":
                n = st.next_number(a.code, "penalty", y, 1 + int(rng.random() * 3))
                row["decision_no"] = f"{a.doc}罚〔{y}〕{n}号"
            elif kind == "licence":
                n = st.next_number(a.code, "licence", y, 1 + int(rng.random() * 2))
                row["decision_no"] = f"{a.doc}许〔{y}〕{n}号"
            elif kind == "court":
                court: Agency = row["_court"]
                cy = row["_case_year"]
                n = st.next_number(court.code, "case", cy, 1 + int(rng.random() * 12))
                case_no = f"({cy}){court.doc}执{n}号"
                row["case_no"] = case_no
                row["decision_no"] = case_no
                row["source_key"] = case_no + row["_suffix"]
            elif kind == "tax":
                ty = row["_tax_year"]
                n = st.next_number(a.code, "tax", ty)
                row["source_key"] = f"NSXY{a.uscc[2:8]}{ty}{n:07d}"
            elif kind == "abnormal":
                n = st.next_number(a.code, "abnormal", y, 1 + int(rng.random() * 2))
                row["decision_no"] = f"{a.doc}异列〔{y}〕{n}号"
                row["source_key"] = row["decision_no"]
            elif kind == "serious":
                n = st.next_number(a.code, "serious", y)
                row["decision_no"] = f"{a.doc}严列〔{y}〕{n}号"
                row["source_key"] = row["decision_no"]
            elif kind == "honour":
                n = st.next_number(row["decision_no"], "honour", 0)
                row["source_key"] = f"{row['decision_no']}-{n:04d}"
            elif kind == "commitment":
                n = st.next_number(a.code, "commitment", y)
                row["source_key"] = f"XYCN{a.uscc[2:8]}{y}{n:06d}"
            if row.get("_no_key"):
                row[feed.key_field] = ""


# --- finishing rows --------------------------------------------------------------------------


def style_rows(feed: FeedSpec, rows: list[Row], rng: np.random.Generator) -> None:
    """Dates in the feed's styles; English labels for the canonical format."""
    if feed.canonical:
        for r in rows:
            r["subject_category"] = CANONICAL_CATEGORY.get(
                r["subject_category"], r["subject_category"]
            )
            for f in ("id_type", "legal_rep_id_type"):
                if r.get(f):
                    r[f] = CANONICAL_ID_TYPE.get(r[f], r[f])
        return
    w = np.array(feed.date_styles, dtype=np.float64)
    if w[0] >= 1.0:
        return
    styles = rng.choice(3, size=len(rows), p=w / w.sum())
    for r, s in zip(rows, styles.tolist(), strict=True):
        if s:
            style = DATE_STYLES[s]
            for f in DATE_FIELDS:
                v = r.get(f)
                if v:
                    r[f] = format_date(v, style)


# --- writers ---------------------------------------------------------------------------------


class FeedWriter:
    """Appends rows to one feed file in its format and encoding."""

    def __init__(self, path: Path, feed: FeedSpec) -> None:
        self.path = path
        self.feed = feed
        self.rows = 0
        self._fields = [f for _, f in feed.columns]
        self._fh: IO[str] | None = None
        self._csv: Any = None
        self._pq: Any = None
        self._schema: Any = None
        if feed.format == "csv":
            self._fh = path.open("w", encoding=feed.encoding, newline="")
            self._csv = csv.writer(self._fh, lineterminator=feed.newline)
            self._csv.writerow([h for h, _ in feed.columns])
        elif feed.format == "jsonl":
            self._fh = path.open("w", encoding=feed.encoding, newline="")
        elif feed.format == "parquet":
            import pyarrow as pa

            self._schema = pa.schema([(f, pa.string()) for f in self._fields])
        else:  # pragma: no cover - FEEDS is fixed
            raise ValueError(feed.format)

    def write(self, rows: list[Row]) -> None:
        fields = self._fields
        if self.feed.format == "csv":
            self._csv.writerows([[r.get(f, "") for f in fields] for r in rows])
        elif self.feed.format == "jsonl":
            assert self._fh is not None
            lines = []
            for r in rows:
                obj = {
                    f: r.get(f, "") for f in fields if r.get(f, "") != "" or f in CANONICAL_REQUIRED
                }
                lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
            if lines:
                self._fh.write("\n".join(lines) + "\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, self._schema, compression="snappy")
            if rows:
                cols = {f: [r.get(f) or None for r in rows] for f in fields}
                self._pq.write_table(pa.table(cols, schema=self._schema))
        self.rows += len(rows)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self.feed.format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self._pq is None:  # no rows at all: still a valid, empty file
                pq.write_table(
                    pa.table({f: [] for f in self._fields}, schema=self._schema), self.path
                )
            else:
                self._pq.close()


def iter_feed_rows(path: Path, feed: FeedSpec) -> Iterator[dict[str, str]]:
    """Read a feed back as header → value dicts (for tests and the demo)."""
    if feed.format == "csv":
        with path.open(encoding=feed.encoding, newline="") as fh:
            yield from csv.DictReader(fh)
    elif feed.format == "jsonl":
        with path.open(encoding=feed.encoding) as fh:
            for line in fh:
                yield json.loads(line)
    else:
        import pyarrow.parquet as pq

        for rec in pq.read_table(path).to_pylist():
            yield {k: ("" if v is None else v) for k, v in rec.items()}
