"""The manifest of a synthetic data set, and the agencies it names.

``manifest.json`` lists the agencies to register (every reporting channel and
every deciding authority named in any feed), the feeds in the order they should
be ingested, and the true counts the generator produced (``stats``), so tests
and the demo can compare what the platform derives with what was made.

Agencies are real-looking bodies of the geography: 荣成市市场监督管理局,
威海市生态环境局荣成分局, 荣成市人民法院 … Each carries a Unified Social Credit
Code of a state organ (authority 1, category 1: ``11`` + region + code).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from xinyong.identity import make_uscc
from xinyong.identity.uscc import organisation_code_check_char
from xinyong.synth.population import Geography, Jurisdiction

Sector = Literal[
    "market_regulation",
    "tax",
    "court",
    "public_security",
    "ecology_environment",
    "emergency_management",
    "transport",
    "other",
]


def _known_kind(kind: str) -> str:
    """Record kinds come from the catalogue (the one list of them)."""
    from xinyong.catalogue import get_catalogue

    if kind not in get_catalogue().kinds:
        raise ValueError(f"unknown record kind {kind!r}")
    return kind


RecordKind = Annotated[str, AfterValidator(_known_kind)]
KIND_ORDER: tuple[str, ...] = (
    "registration",
    "residence",
    "administrative_licence",
    "administrative_penalty",
    "court_dishonest_listing",
    "consumption_restriction",
    "tax_credit_grade",
    "abnormal_operations",
    "serious_illegal_dishonest",
    "honour",
    "credit_commitment",
)


class AgencyEntry(BaseModel):
    """An agency to register before ingesting (``xinyong agencies add``)."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_zh: str
    name_en: str
    uscc: str
    sector: Sector
    kinds: list[RecordKind]


class FeedEntry(BaseModel):
    """One feed file, in ingest order."""

    file: str
    agency: str
    mapping: str
    format: Literal["csv", "jsonl", "parquet"]
    encoding: str
    rows: int
    bad_rows: int
    kinds: list[RecordKind]
    #: bad rows by cause (see ``xinyong.synth.badrows.CAUSES``)
    bad_row_causes: dict[str, int]
    #: rows that repeat an earlier row's key on purpose (licence revocations,
    #: the same decision through a second channel): not bad, not new records
    repeated_keys: int = 0


class Manifest(BaseModel):
    """What ``generate`` wrote into the output directory."""

    scale: str
    seed: int
    as_of: date
    agencies: list[AgencyEntry]
    feeds: list[FeedEntry]
    stats: dict[str, Any]
    #: files that are not feeds: the bad-row ground truth
    truth: dict[str, str]

    def agency(self, code: str) -> AgencyEntry:
        for a in self.agencies:
            if a.code == code:
                return a
        raise KeyError(code)

    def write(self, path: Path) -> None:
        text = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2)
        path.write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


# --- agencies ----------------------------------------------------------------------


@dataclass(eq=False)
class Agency:
    """A body that reports feeds or decides records, with its document-number prefix."""

    code: str
    name_zh: str
    name_en: str
    uscc: str
    sector: Sector
    role: str
    #: prefix of its document numbers (荣市监 → 荣市监处罚〔2024〕12号)
    doc: str
    kinds: set[str] = field(default_factory=set)

    def entry(self) -> AgencyEntry:
        kinds = [k for k in KIND_ORDER if k in self.kinds]
        return AgencyEntry(
            code=self.code,
            name_zh=self.name_zh,
            name_en=self.name_en,
            uscc=self.uscc,
            sector=self.sector,
            kinds=kinds,  # type: ignore[arg-type]
        )


#: role → (sector, county-level name, prefecture-level name, English name, doc infix)
ROLES: dict[str, tuple[Sector, str, str, str, str]] = {
    "samr": (
        "market_regulation",
        "{name}市场监督管理局",
        "{name}市场监督管理局",
        "{en} Administration for Market Regulation",
        "市监",
    ),
    "tax": (
        "tax",
        "国家税务总局{name}税务局",
        "国家税务总局{name}税务局",
        "{en} Tax Service of the State Taxation Administration",
        "税",
    ),
    "psb": (
        "public_security",
        "{name}公安局",
        "{name}公安局",
        "{en} Public Security Bureau",
        "公",
    ),
    "ecology": (
        "ecology_environment",
        "{prefecture}生态环境局{bare}分局",
        "{name}生态环境局",
        "{en} Ecology and Environment Bureau",
        "环",
    ),
    "emergency": (
        "emergency_management",
        "{name}应急管理局",
        "{name}应急管理局",
        "{en} Emergency Management Bureau",
        "应急",
    ),
    "transport": (
        "transport",
        "{name}交通运输局",
        "{name}交通运输局",
        "{en} Transport Bureau",
        "交",
    ),
    "approval": (
        "other",
        "{name}行政审批服务局",
        "{name}行政审批服务局",
        "{en} Administrative Approval Service Bureau",
        "审批",
    ),
    "ndrc": (
        "other",
        "{name}发展和改革局",
        "{name}发展和改革委员会",
        "{en} Development and Reform Bureau",
        "发改",
    ),
    "civil": ("other", "{name}民政局", "{name}民政局", "{en} Civil Affairs Bureau", "民"),
    "establishment": (
        "other",
        "中共{name}委机构编制委员会办公室",
        "中共{name}委机构编制委员会办公室",
        "{en} Public Sector Reform Commission Office",
        "编",
    ),
    "agriculture": (
        "other",
        "{name}农业农村局",
        "{name}农业农村局",
        "{en} Agriculture and Rural Affairs Bureau",
        "农",
    ),
    "housing": (
        "other",
        "{name}住房和城乡建设局",
        "{name}住房和城乡建设局",
        "{en} Housing and Urban-Rural Development Bureau",
        "建",
    ),
    "government": ("other", "{name}人民政府", "{name}人民政府", "{en} People's Government", "政"),
    "civilisation": (
        "other",
        "{name}精神文明建设委员会办公室",
        "{name}精神文明建设委员会办公室",
        "{en} Spiritual Civilisation Office",
        "文明",
    ),
    "health": (
        "other",
        "{name}卫生健康局",
        "{name}卫生健康委员会",
        "{en} Health Bureau",
        "卫健",
    ),
}

#: provincial bodies that report on behalf of a whole province
PROVINCIAL_CHANNELS: dict[str, tuple[str, str, Sector]] = {
    "samr": (
        "山东省市场监督管理局",
        "Shandong Administration for Market Regulation",
        "market_regulation",
    ),
    "tax": ("国家税务总局山东省税务局", "Shandong Tax Service of the STA", "tax"),
    "psb": ("山东省公安厅", "Shandong Public Security Department", "public_security"),
    "ecology": (
        "山东省生态环境厅",
        "Shandong Ecology and Environment Department",
        "ecology_environment",
    ),
    "ndrc": ("山东省发展和改革委员会", "Shandong Development and Reform Commission", "other"),
    "court": ("山东省高级人民法院", "Shandong Higher People's Court", "court"),
}
#: reporting roles the province routes through another provincial body
PROVINCIAL_ROUTING = {"approval": "ndrc"}


def _agency_uscc(slug: str, region: str, taken: set[str]) -> str:
    """A state organ's code (``11`` + region + organisation code), stable per slug."""
    salt = 0
    while True:
        h = int.from_bytes(hashlib.sha256(f"{slug}:{salt}".encode()).digest()[:8], "big")
        body = f"00{h % 10**6:06d}"
        code = make_uscc("11" + region + body + (organisation_code_check_char(body) or "0"))
        if code not in taken:
            taken.add(code)
            return code
        salt += 1


class AgencyDirectory:
    """Every agency of a geography, made on first use; ``entries`` lists the used ones."""

    def __init__(self, geo: Geography) -> None:
        self.geo = geo
        self._agencies: dict[str, Agency] = {}
        self._usccs: set[str] = set()

    def _get(
        self,
        slug: str,
        name_zh: str,
        name_en: str,
        region: str,
        sector: Sector,
        role: str,
        doc: str,
    ) -> Agency:
        a = self._agencies.get(slug)
        if a is None:
            a = Agency(
                code=slug,
                name_zh=name_zh,
                name_en=name_en,
                uscc=_agency_uscc(slug, region, self._usccs),
                sector=sector,
                role=role,
                doc=doc,
            )
            self._agencies[slug] = a
        return a

    def authority(self, role: str, jurisdiction: int) -> Agency:
        """The deciding authority of ``role`` for a jurisdiction."""
        j: Jurisdiction = self.geo.jurisdictions[jurisdiction]
        sector, county_tpl, pref_tpl, en_tpl, infix = ROLES[role]
        pref_short = "威" if j.prefecture == "威海市" else j.short
        if j.level == "county":
            bare = j.name[:-1] if j.name.endswith(("市", "县", "区")) else j.name
            name = county_tpl.format(name=j.name, prefecture=j.prefecture, bare=bare)
            if role == "ecology":
                slug = f"{_pinyin_prefecture(j)}-ecology-{j.slug}"
                pref_en = _pinyin_prefecture(j).capitalize()
                en = f"{pref_en} Ecology and Environment Bureau, {j.name_en} Branch"
                doc = f"{pref_short}环{j.short}"
                region = j.code
            else:
                slug = f"{j.slug}-{role}"
                en = en_tpl.format(en=j.name_en)
                doc = f"{j.short}{infix}"
                region = j.code
        else:
            name = pref_tpl.format(name=j.name)
            slug = f"{j.slug}-{role}"
            en = en_tpl.format(en=j.name_en)
            if role in ("ndrc", "health"):
                en = en.replace("Bureau", "Commission")
            doc = f"{j.short}{infix}"
            region = j.code
        return self._get(slug, name, en, region, sector, role, doc)

    def registrar(self, role: str, county_idx: int) -> Agency:
        """The registrar of an organisation registered in ``county_idx``."""
        if role == "military":
            return self._get(
                "cmc-establishment",
                "中央军委改革和编制办公室",
                "CMC Reform and Organisational Structure Office",
                "100000",
                "other",
                "military",
                "军编",
            )
        code = self.geo.codes[county_idx]
        if self.geo.kind == "rongcheng" and code == "371000":
            return self._get(
                "weihai-samr",
                "威海市市场监督管理局",
                "Weihai Administration for Market Regulation",
                "371000",
                "market_regulation",
                "samr",
                "威市监",
            )
        return self.authority(role, int(self.geo.jurisdiction_of[county_idx]))

    def court(self, county_idx: int) -> Agency:
        """The basic people's court for a county (Rongcheng's for the city scales)."""
        geo = self.geo
        if geo.kind == "rongcheng":
            return self._get(
                "rongcheng-court",
                "荣成市人民法院",
                "Rongcheng People's Court",
                "371082",
                "court",
                "court",
                "鲁1082",
            )
        county = geo.counties[county_idx]
        name = county.name + "人民法院"
        if county.name.endswith("区"):
            name = county.prefecture + name
        return self._get(
            f"court-{county.code}",
            name,
            f"People's Court of {county.code}",
            county.code,
            "court",
            "court",
            geo.court_code(county_idx),
        )

    def channel(self, role: str) -> Agency:
        """The agency that reports a feed of ``role`` for the whole geography."""
        if self.geo.kind == "rongcheng":
            if role == "court":
                return self.court(self.geo.home)
            return self.authority(role, 0)
        role = PROVINCIAL_ROUTING.get(role, role)
        name_zh, name_en, sector = PROVINCIAL_CHANNELS[role]
        return self._get(
            f"shandong-{role}",
            name_zh,
            name_en,
            "370000",
            sector,
            role,
            "鲁" + ROLES.get(role, ("other", "", "", "", ""))[4],
        )

    def entries(self) -> list[AgencyEntry]:
        """Agencies that report or decide something, in the order they were made."""
        return [a.entry() for a in self._agencies.values() if a.kinds]


def _pinyin_prefecture(j: Jurisdiction) -> str:
    return "weihai" if j.prefecture == "威海市" else j.slug
