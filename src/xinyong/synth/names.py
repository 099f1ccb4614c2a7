"""Chinese personal and organisation names for the synthetic population.

Personal names: a surname drawn from approximate national frequencies (the
Ministry of Public Security's yearly surname reports put 王, 李, 张, 刘 and 陈
first, together about 30 % of the population), boosted for the Jiaodong
peninsula (Weihai, Yantai) where 于, 孙, 曲, 鞠, 初, 丛 and 毕 are common; a
given name of one or two characters from pools that follow the birth cohort
(建国 and 秀英 for the old, 子轩 and 梓涵 for the young).

Organisation names follow the registration rules: region + trade name (字号,
here two characters) + industry + legal form, e.g. 荣成市海润水产有限公司; an
individual business is region + trade name or 姓+记 + shop, e.g. 荣成市张记小吃店.

Every generator takes a numpy ``Generator`` and draws in one vectorised call per
field, so the same seed gives the same names whatever the platform's hash seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# --- surnames -----------------------------------------------------------------

#: surname → share of the national population in per mille (approximate; MPS
#: 户籍人口 surname reports 2019–2021, rounded; the tail beyond these is folded in
#: by normalisation)
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71.0), ("李", 70.0), ("张", 66.0), ("刘", 53.0), ("陈", 46.0),
    ("杨", 30.0), ("黄", 22.0), ("赵", 21.0), ("吴", 20.0), ("周", 19.0),
    ("徐", 16.0), ("孙", 15.0), ("马", 15.0), ("朱", 13.0), ("胡", 13.0),
    ("郭", 12.0), ("何", 12.0), ("林", 11.0), ("高", 11.0), ("罗", 11.0),
    ("郑", 10.0), ("梁", 9.0), ("谢", 8.0), ("宋", 8.0), ("唐", 8.0),
    ("许", 7.0), ("韩", 7.0), ("邓", 7.0), ("冯", 7.0), ("曹", 7.0),
    ("彭", 6.0), ("曾", 6.0), ("肖", 6.0), ("田", 6.0), ("董", 5.0),
    ("潘", 5.0), ("袁", 5.0), ("蔡", 5.0), ("蒋", 5.0), ("余", 5.0),
    ("于", 5.0), ("杜", 5.0), ("叶", 5.0), ("程", 5.0), ("魏", 4.0),
    ("苏", 4.0), ("吕", 4.0), ("丁", 4.0), ("任", 4.0), ("卢", 4.0),
    ("姚", 4.0), ("沈", 4.0), ("钟", 4.0), ("姜", 4.0), ("崔", 4.0),
    ("谭", 4.0), ("陆", 3.0), ("范", 3.0), ("汪", 3.0), ("廖", 3.0),
    ("石", 3.0), ("金", 3.0), ("韦", 3.0), ("贾", 3.0), ("夏", 3.0),
    ("付", 3.0), ("方", 3.0), ("邹", 3.0), ("熊", 3.0), ("白", 3.0),
    ("孟", 3.0), ("秦", 3.0), ("邱", 3.0), ("侯", 3.0), ("江", 2.0),
    ("尹", 2.0), ("薛", 2.0), ("闫", 2.0), ("段", 2.0), ("雷", 2.0),
    ("龙", 2.0), ("黎", 2.0), ("史", 2.0), ("陶", 2.0), ("贺", 2.0),
    ("毛", 2.0), ("郝", 2.0), ("顾", 2.0), ("龚", 2.0), ("邵", 2.0),
    ("万", 2.0), ("覃", 2.0), ("武", 2.0), ("钱", 2.0), ("戴", 2.0),
    ("严", 2.0), ("莫", 2.0), ("孔", 2.0), ("向", 1.5), ("常", 1.5),
    ("汤", 1.5), ("康", 1.5), ("易", 1.5), ("乔", 1.5), ("赖", 1.5),
    ("文", 1.5), ("施", 1.5), ("洪", 1.5), ("牛", 1.5), ("葛", 1.2),
    ("曲", 0.8), ("鞠", 0.4), ("初", 0.3), ("丛", 0.3), ("毕", 0.8),
    ("慕", 0.1), ("连", 0.6), ("刁", 0.2), ("隋", 0.3), ("柳", 0.5),
    ("欧阳", 0.6), ("上官", 0.05), ("司马", 0.05), ("诸葛", 0.04),
)  # fmt: skip

#: multipliers for Jiaodong (Weihai, Yantai): local surname mix
JIAODONG_BOOST: dict[str, float] = {
    "于": 5.0, "孙": 2.5, "曲": 8.0, "鞠": 12.0, "初": 12.0, "丛": 10.0, "毕": 4.0,
    "王": 1.4, "张": 1.3, "刘": 1.3, "宋": 1.5, "郭": 1.4, "林": 1.3, "姜": 2.5,
    "邹": 2.0, "汤": 3.0, "慕": 20.0, "连": 3.0, "隋": 6.0, "柳": 2.0, "刁": 4.0,
    "黄": 0.3, "陈": 0.5, "罗": 0.2, "梁": 0.3, "谢": 0.4, "邓": 0.3, "曾": 0.2,
    "彭": 0.3, "廖": 0.2, "韦": 0.1, "覃": 0.05, "黎": 0.1, "赖": 0.1, "莫": 0.1,
}  # fmt: skip

# --- given names, by birth cohort ---------------------------------------------

#: (last birth year of the cohort, share of one-character given names,
#:  male characters, female characters)
GIVEN_NAME_COHORTS: tuple[tuple[int, float, str, str], ...] = (
    (
        1959,
        0.30,
        "建国军民华明德福海山林成忠志文学玉金宝发祥贵庆永国和平兴顺昌义仁富田春生振清洪殿荣",
        "秀英兰桂芳玉珍凤淑琴华素梅云翠霞花荣英秀莲香芝爱美丽红敏静秀兰凤芹",
    ),
    (
        1979,
        0.28,
        "伟强军勇刚建国明华斌平东海波涛辉峰林庆宏志红卫利民新建立国春江永胜杰",
        "丽红霞燕玲敏芳娟英华梅萍静艳丽君杰红梅玉洁丽华晓燕美霞春燕海燕秀娟",
    ),
    (
        1999,
        0.22,
        "伟磊涛超鹏飞杰浩鑫强帅宇亮斌晓东明辉俊健凯峰龙阳波刚勇成旭伟林博毅",
        "娜敏静丽婷雪慧颖倩琳晶洁佳丹莹璐蕾悦晓雯月琪欣怡娟芳玲燕瑶蕊萍媛",
    ),
    (
        9999,
        0.08,
        "子轩浩宇梓睿博文皓天一诺辰奕铭泽宇航昊然嘉晨俊熙锦程瑞祺沐阳煜",
        "梓涵子萱欣怡诗雨可馨一诺思琪语彤若汐梦瑶佳怡雨桐芷若梓琪安然悦",
    ),
)

# --- foreign residents (passports) --------------------------------------------

#: nationality (ISO 3166 alpha-3), passport number pattern ('A' letter, '9' digit),
#: family names, given names in Latin script as passports print them
FOREIGN_NAMES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "KOR",
        "A99999999",
        ("KIM", "LEE", "PARK", "CHOI", "JUNG", "KANG", "CHO", "YOON"),
        ("MINJUN", "SEOYEON", "JIHOON", "HAEUN", "DONGHYUN", "SUJIN", "YOUNGHO", "EUNJI"),
    ),
    (
        "RUS",
        "999999999",
        ("IVANOV", "PETROVA", "SMIRNOV", "KUZNETSOVA", "POPOV", "VOLKOVA"),
        ("SERGEI", "ANNA", "DMITRY", "OLGA", "ALEXEI", "NATALIA"),
    ),
    (
        "JPN",
        "AA9999999",
        ("SATO", "SUZUKI", "TAKAHASHI", "TANAKA", "WATANABE", "ITO"),
        ("HIROSHI", "YUKI", "KENJI", "AYAKA", "TAKESHI", "MISAKI"),
    ),
    (
        "VNM",
        "A9999999",
        ("NGUYEN", "TRAN", "LE", "PHAM", "HOANG"),
        ("VAN AN", "THI MAI", "MINH DUC", "THI LAN", "QUANG HUY"),
    ),
)

# --- organisation names -------------------------------------------------------

#: characters that make up trade names (字号)
TRADE_CHARS = (
    "海润鑫泰华丰源盛达恒通宏祥瑞兴隆福康佳信诚和顺安利荣成金银宝新永嘉"
    "裕昌德明远洋洲东方正中天宇腾飞龙凯旭晟汇聚博鸿景悦瀚澜帆航港湾渔"
    "益民泽广富春晨阳光辉亿万千百合创智美华夏正大同力众鼎立泓森林涛峰"
)

#: Rongcheng place names used as trade names by local firms (towns and landmarks)
RONGCHENG_PLACES = (
    "石岛", "俚岛", "成山", "龙须", "寻山", "桑沟", "崖头", "斥山", "人和", "港西",
    "埠柳", "宁津", "荫子", "滕家", "上庄", "夏庄", "虎山", "崂山", "东山", "王连",
)  # fmt: skip

#: towns of Rongcheng for institutions and village collectives
RONGCHENG_TOWNS = (
    "崖头", "城西", "宁津", "港湾", "桃园", "东山", "斥山", "王连", "俚岛", "成山",
    "埠柳", "港西", "夏庄", "崂山", "上庄", "虎山", "人和", "荫子", "滕家", "大疃",
    "寻山", "石岛",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Industry:
    """An industry word for enterprise names, with tags that decide licences and penalties."""

    word: str
    tags: frozenset[str]
    weight: float
    #: weight outside the coastal city scales (inland industries differ)
    weight_inland: float


def _ind(word: str, tags: str, weight: float, inland: float | None = None) -> Industry:
    return Industry(word, frozenset(tags.split()), weight, weight if inland is None else inland)


#: tags: food (food business licence, food-safety penalties), catering, aquatic,
#: transport, chemical, construction, manufacturing, hotel, pharma, trade, service
INDUSTRIES: tuple[Industry, ...] = (
    _ind("水产", "food aquatic manufacturing", 9.0, 2.0),
    _ind("海洋食品", "food aquatic manufacturing", 4.0, 0.5),
    _ind("食品", "food manufacturing", 5.0),
    _ind("渔业", "aquatic", 5.0, 0.3),
    _ind("远洋渔业", "aquatic", 1.5, 0.1),
    _ind("海参养殖", "aquatic", 2.5, 0.1),
    _ind("船舶修造", "manufacturing chemical", 1.5, 0.2),
    _ind("机械制造", "manufacturing", 4.0),
    _ind("汽车零部件", "manufacturing", 2.0),
    _ind("轮胎", "manufacturing chemical", 0.8),
    _ind("化工", "chemical manufacturing", 1.0, 2.0),
    _ind("建筑工程", "construction", 5.0),
    _ind("装饰工程", "construction", 3.0),
    _ind("建材", "trade construction", 2.5),
    _ind("物流", "transport", 4.0),
    _ind("运输", "transport", 3.0),
    _ind("商贸", "trade", 8.0),
    _ind("贸易", "trade", 6.0),
    _ind("进出口", "trade", 2.0, 1.0),
    _ind("海洋科技", "manufacturing", 1.5, 0.2),
    _ind("生物科技", "manufacturing pharma", 1.5),
    _ind("医药", "pharma trade", 1.0),
    _ind("电子", "manufacturing", 1.5),
    _ind("信息技术", "service", 2.5),
    _ind("网络科技", "service", 2.0),
    _ind("房地产开发", "construction", 1.2),
    _ind("物业管理", "service", 1.5),
    _ind("旅游开发", "service transport", 1.0),
    _ind("酒店管理", "hotel catering food", 1.2),
    _ind("餐饮管理", "catering food", 3.0),
    _ind("农业开发", "food", 2.0, 4.0),
    _ind("新能源", "manufacturing", 0.8),
    _ind("环保科技", "service", 1.0),
    _ind("服装", "manufacturing trade", 1.5),
    _ind("印刷", "manufacturing chemical", 0.6),
    _ind("文化传媒", "service", 1.5),
    _ind("劳务", "service", 1.5),
    _ind("家政服务", "service", 1.0),
    _ind("冷链物流", "transport food", 1.0, 0.4),
    _ind("教育咨询", "service", 1.0),
)

#: enterprise legal forms: (suffix, 企业类型 in the registry, weight)
LEGAL_FORMS: tuple[tuple[str, str, float], ...] = (
    ("有限公司", "有限责任公司(自然人投资或控股)", 62.0),
    ("有限公司", "有限责任公司(自然人独资)", 14.0),
    ("有限责任公司", "有限责任公司(自然人投资或控股)", 8.0),
    ("股份有限公司", "股份有限公司(非上市、自然人投资或控股)", 3.0),
    ("经营部", "个人独资企业", 5.0),
    ("加工厂", "个人独资企业", 3.0),
    ("合伙企业（有限合伙）", "有限合伙企业", 2.0),
    ("有限公司", "有限责任公司(国有独资)", 0.5),
    ("有限公司", "其他有限责任公司", 2.5),
)

#: individual business shop types: (shop, tags)
SHOPS: tuple[tuple[str, frozenset[str], float], ...] = tuple(
    (word, frozenset(tags.split()), w)
    for word, tags, w in (
        ("小吃店", "food catering", 8.0),
        ("饭店", "food catering", 6.0),
        ("海鲜饭店", "food catering aquatic", 3.0),
        ("水产品经销处", "food aquatic trade", 6.0),
        ("海产品店", "food aquatic trade", 4.0),
        ("便利店", "food trade", 8.0),
        ("超市", "food trade", 5.0),
        ("五金店", "trade", 4.0),
        ("理发店", "service hotel", 4.0),
        ("服装店", "trade", 5.0),
        ("烟酒店", "food trade", 3.0),
        ("蔬菜店", "food trade", 3.0),
        ("水果店", "food trade", 3.0),
        ("粮油店", "food trade", 2.0),
        ("修理部", "service", 4.0),
        ("渔具店", "trade aquatic", 2.0),
        ("家电维修部", "service", 2.0),
        ("建材经营部", "trade construction", 2.0),
        ("货运部", "transport", 2.0),
        ("养殖场", "aquatic", 2.0),
        ("网店", "trade", 3.0),
        ("美容店", "service hotel", 2.0),
        ("药店", "pharma trade", 1.0),
        ("旅馆", "hotel", 1.5),
    )
)

#: given-name characters for 某记 shops use the surname; others use a trade name
SHOP_NAME_STYLES = ("surname", "trade", "place")

PUBLIC_INSTITUTIONS = (
    "第{n}中学", "第{n}实验小学", "{town}中心小学", "{town}镇卫生院", "{town}中心幼儿园",
    "{town}镇农业综合服务中心", "{town}镇便民服务中心", "{trade}职业中等专业学校",
    "公共资源交易中心", "档案馆", "图书馆", "人民医院", "中医院", "疾病预防控制中心",
    "海洋与渔业研究所", "检验检测中心", "社会信用中心", "不动产登记中心", "融媒体中心",
)  # fmt: skip
SOCIAL_GROUPS = (
    "{ind}协会", "{ind}商会", "摄影家协会", "书法家协会", "钓鱼协会", "志愿者协会",
    "个体劳动者协会", "老年人体育协会", "{trade}文化研究会", "红十字志愿服务队",
)  # fmt: skip
PRIVATE_NON_ENTERPRISES = (
    "{trade}幼儿园", "{trade}培训学校", "{trade}养老院", "{trade}社会工作服务中心",
    "{trade}康复中心", "{trade}艺术培训中心",
)  # fmt: skip
FOUNDATIONS = ("{trade}慈善基金会", "教育发展基金会", "{trade}助学基金会")
COOPERATIVES = (
    "海参养殖专业合作社", "果蔬种植专业合作社", "花生种植专业合作社", "苹果种植专业合作社",
    "渔业专业合作社", "农机服务专业合作社", "海带养殖专业合作社", "无花果种植专业合作社",
)  # fmt: skip
VILLAGE_SUFFIXES = ("家村", "家庄", "村", "疃", "家泊")
OWNERS_COMMITTEES = ("{trade}小区业主委员会", "{trade}花园业主委员会", "{trade}家园业主委员会")


def _pool(chars: str) -> list[str]:
    return list(chars)


class NameTables:
    """Precomputed probability vectors for vectorised draws."""

    def __init__(self) -> None:
        self.surnames = [s for s, _ in SURNAMES]
        base = np.array([w for _, w in SURNAMES], dtype=np.float64)
        self.p_surname = base / base.sum()
        boost = np.array([JIAODONG_BOOST.get(s, 1.0) for s in self.surnames])
        jd = base * boost
        self.p_surname_jiaodong = jd / jd.sum()
        self.cohorts = [
            (last, one, _pool(male), _pool(female))
            for last, one, male, female in GIVEN_NAME_COHORTS
        ]
        self.trade = _pool(TRADE_CHARS)
        w = np.array([i.weight for i in INDUSTRIES])
        self.p_industry = w / w.sum()
        wi = np.array([i.weight_inland for i in INDUSTRIES])
        self.p_industry_inland = wi / wi.sum()
        lf = np.array([f[2] for f in LEGAL_FORMS])
        self.p_legal_form = lf / lf.sum()
        sh = np.array([s[2] for s in SHOPS])
        self.p_shop = sh / sh.sum()


_TABLES: NameTables | None = None


def tables() -> NameTables:
    global _TABLES
    if _TABLES is None:
        _TABLES = NameTables()
    return _TABLES


def person_names(
    rng: np.random.Generator,
    birth_years: np.ndarray,
    male: np.ndarray,
    jiaodong: np.ndarray,
) -> tuple[list[str], list[str]]:
    """Full names and surnames for people born in ``birth_years`` (vectorised).

    ``jiaodong`` marks people whose surname follows the Weihai/Yantai mix.
    """
    t = tables()
    n = len(birth_years)
    s_nat = rng.choice(len(t.surnames), size=n, p=t.p_surname)
    s_jd = rng.choice(len(t.surnames), size=n, p=t.p_surname_jiaodong)
    s_idx = np.where(jiaodong, s_jd, s_nat)
    u_len = rng.random(n)
    c1 = rng.random(n)
    c2 = rng.random(n)
    cohort = np.searchsorted(np.array([c[0] for c in t.cohorts]), birth_years)
    surnames = [t.surnames[i] for i in s_idx.tolist()]
    names: list[str] = []
    cohorts = t.cohorts
    for i, (co, m, u, a, b) in enumerate(
        zip(cohort.tolist(), male.tolist(), u_len.tolist(), c1.tolist(), c2.tolist(), strict=True)
    ):
        _, one_share, mpool, fpool = cohorts[co]
        pool = mpool if m else fpool
        k = len(pool)
        first = pool[int(a * k)]
        if u < one_share:
            names.append(surnames[i] + first)
        else:
            names.append(surnames[i] + first + pool[int(b * k)])
    return names, surnames


def foreign_names(rng: np.random.Generator, n: int) -> tuple[list[str], list[int]]:
    """Latin-script passport names and the index of their nationality in FOREIGN_NAMES."""
    nat = rng.choice(len(FOREIGN_NAMES), size=n, p=[0.55, 0.2, 0.15, 0.1])
    a = rng.random(n)
    b = rng.random(n)
    out: list[str] = []
    for k, x, y in zip(nat.tolist(), a.tolist(), b.tolist(), strict=True):
        _, _, fam, giv = FOREIGN_NAMES[k]
        out.append(f"{fam[int(x * len(fam))]} {giv[int(y * len(giv))]}")
    return out, nat.tolist()


def passport_number(nationality: int, serial: int) -> str:
    """A passport number in the nationality's pattern, unique per ``serial``."""
    _, pattern, _, _ = FOREIGN_NAMES[nationality]
    n_digits = pattern.count("9")
    n_letters = pattern.count("A")
    digits = f"{(serial * 7_654_321 + 1_000_003) % 10**n_digits:0{n_digits}d}"
    letters = "".join(chr(65 + (serial // 26**i) % 26) for i in range(n_letters))
    out = []
    di = li = 0
    for c in pattern:
        if c == "A":
            out.append(letters[li])
            li += 1
        else:
            out.append(digits[di])
            di += 1
    return "".join(out)


def trade_names(rng: np.random.Generator, n: int, places: Sequence[str] = ()) -> list[str]:
    """Two-character trade names; a share are local place names when ``places`` is given."""
    t = tables()
    k = len(t.trade)
    a = rng.integers(0, k, size=n)
    b = rng.integers(0, k - 1, size=n)
    b = np.where(b >= a, b + 1, b)  # two different characters
    use_place = rng.random(n) < (0.08 if places else 0.0)
    p = rng.integers(0, max(len(places), 1), size=n)
    out = []
    for x, y, up, pi in zip(a.tolist(), b.tolist(), use_place.tolist(), p.tolist(), strict=True):
        out.append(places[pi] if up else t.trade[x] + t.trade[y])
    return out
