"""Text folding for the name index and for queries (the same functions on both sides).

``fold`` is what makes 華為技術有限公司, ``华为技术(有限公司)`` and ``ＨＵＡＷＥＩ`` comparable:

1. NFKC (full-width ASCII to half-width, compatibility ideographs to unified) and
   case folding;
2. only letters and digits are kept (spaces, brackets and punctuation go), so matching
   ignores them: ``hua wei`` is ``huawei``;
3. trailing Latin legal-form words are dropped (``Co., Ltd.``, ``Limited``, ``Inc`` …);
4. traditional and Taiwan/Hong Kong variant characters become simplified, one
   character for one (``data/t2s.tsv``), so a substring of a name folds to a substring
   of the folded name;
5. Chinese legal forms are dropped: 股份有限公司, 有限责任公司 and 有限公司 wherever they
   stand (a branch, 华为技术有限公司北京分公司, becomes 华为技术北京), then trailing
   分公司, 公司 and partnership forms.

What is left is the *core* of a name; it is what the index matches and ranks by
(shorter core first, so a name that *is* the query ranks first). A query is folded the
same way, so ``华为技术有限公司`` as a query looks for ``华为技术``.

Pinyin is computed from the name before the traditional→simplified fold (pypinyin reads
traditional characters, and the fold merges a few characters with different readings,
e.g. 乾 and 干).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

#: bump when folding, stripping, tokenising or the table layout changes: the index must
#: be rebuilt (``build_index``) before it answers queries again. SQLite's index format;
#: PostgreSQL's is :data:`PG_FORMAT_VERSION` (the engines' tables differ anyway, and a
#: change to one engine's tables must not force the other to rebuild; a change to
#: folding, e.g. ``data/t2s.tsv``, bumps both)
FORMAT_VERSION = "2"
#: PostgreSQL's index format: 3 adds the trigrams of Chinese text to the postings
PG_FORMAT_VERSION = "3"


def format_version(dialect: str) -> str:
    """The index format the code of this engine (``sqlite``, ``postgresql``) reads."""
    return FORMAT_VERSION if dialect == "sqlite" else PG_FORMAT_VERSION


#: ASCII grams of this length are indexed besides trigrams: an ASCII query of this many
#: letters or more is read from the postings of its rarest such gram (pinyin trigrams
#: such as ``ang`` or ``ian`` are in hundreds of thousands of texts; five letters are
#: selective)
LONG_GRAM = 5

_DATA = Path(__file__).with_name("data")

#: Latin legal-form words dropped from the end of a name (after case folding)
LATIN_LEGAL_FORMS = frozenset(
    {
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "limited",
        "ltd",
        "llc",
        "llp",
        "lp",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "bv",
        "nv",
        "pte",
        "pty",
        "srl",
        "spa",
        "kk",
    }
)

#: removed wherever they stand (they never occur inside a trade name)
CJK_LEGAL_FORMS_ANYWHERE = ("股份有限公司", "有限责任公司", "有限公司")

#: removed from the end, repeatedly (longest first)
CJK_LEGAL_SUFFIXES = (
    "特殊普通合伙",
    "个人独资企业",
    "合伙企业",
    "有限合伙",
    "普通合伙",
    "分公司",
    "公司",
)

_WORD = re.compile(r"[^\W_]+")


@cache
def t2s_table() -> dict[int, str]:
    """The one-character traditional→simplified fold (``str.translate`` table)."""
    table: dict[int, str] = {}
    text = (_DATA / "t2s.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        src, dst = line.split("\t")
        table[ord(src)] = dst
    return table


def is_cjk_char(c: str) -> bool:
    """Anything outside ASCII counts as "wide" text: it is matched through bigrams."""
    return ord(c) > 0x7F


def has_wide(text: str) -> bool:
    return not text.isascii()


def has_ascii(text: str) -> bool:
    return any(c.isascii() for c in text)


@dataclass(frozen=True, slots=True)
class Folded:
    """A text folded for matching."""

    core: str
    """Letters and digits, case-folded, simplified, without legal forms."""
    reading: str
    """The same characters before the traditional→simplified fold (for pinyin)."""
    folded: str
    """Letters and digits, case-folded and simplified, legal forms kept."""


def _words(text: str) -> list[str]:
    # NFKC again after case folding, which can produce compatibility characters
    return _WORD.findall(
        unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    )


def _strip_latin(words: list[str]) -> list[str]:
    n = len(words)
    while n > 1 and words[n - 1] in LATIN_LEGAL_FORMS:
        n -= 1
    return words[:n]


def _cjk_keep_mask(folded: str) -> list[bool]:
    keep = [True] * len(folded)
    for form in CJK_LEGAL_FORMS_ANYWHERE:
        start = folded.find(form)
        while start >= 0:
            if all(keep[start : start + len(form)]):
                for i in range(start, start + len(form)):
                    keep[i] = False
            start = folded.find(form, start + 1)
    changed = True
    while changed:
        changed = False
        kept = [i for i, k in enumerate(keep) if k]
        tail = "".join(folded[i] for i in kept[-6:])
        for suffix in CJK_LEGAL_SUFFIXES:
            if tail.endswith(suffix) and len(kept) > len(suffix):
                for i in kept[-len(suffix) :]:
                    keep[i] = False
                changed = True
                break
    return keep


def fold(text: str) -> Folded:
    """Fold a name or a query (see the module docstring)."""
    words = _strip_latin(_words(text))
    reading = "".join(words)
    folded = reading.translate(t2s_table())
    if len(folded) != len(reading):  # pragma: no cover - the table is one to one
        raise AssertionError("t2s table must map one character to one")
    keep = _cjk_keep_mask(folded)
    core = "".join(c for c, k in zip(folded, keep, strict=True) if k)
    read_core = "".join(c for c, k in zip(reading, keep, strict=True) if k)
    return Folded(core=core, reading=read_core, folded=folded)


def long_grams(text: str) -> list[str]:
    """Overlapping ``LONG_GRAM``-letter ASCII grams, in order, each once (a gram with a
    non-ASCII character cannot be part of an ASCII query)."""
    n = LONG_GRAM
    return list(
        dict.fromkeys(g for i in range(len(text) - n + 1) if (g := text[i : i + n]).isascii())
    )


def wide_trigrams(text: str) -> list[str]:
    """Overlapping three-character grams with a non-ASCII character, in order, each once
    (PostgreSQL's postings for Chinese and mixed queries of three characters or more;
    all-ASCII trigrams are the Latin and pinyin set's)."""
    return list(
        dict.fromkeys(g for i in range(len(text) - 2) if not (g := text[i : i + 3]).isascii())
    )


def bigrams(text: str) -> list[str]:
    """Overlapping two-character tokens, in order (a phrase of them is a substring)."""
    return [text[i : i + 2] for i in range(len(text) - 1)]


# --- pinyin ---------------------------------------------------------------------------

#: the syllables of Hanyu Pinyin without tones (ü written v), for classifying queries
SYLLABLES = frozenset(
    """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai
    can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu
    chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan
    dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo e
    ei en eng er fa fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng
    gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng hong
    hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu
    ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang
    kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu
    lo long lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi mian miao
    mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie
    nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan pang pao pei pen peng pi
    pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan
    que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang
    sao se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai
    shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te
    teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng
    wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao
    ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha
    zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang
    zhui zhun zhuo zi zong zou zu zuan zui zun zuo
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_MAX_SYLLABLE = max(len(s) for s in SYLLABLES)


def is_pinyin(text: str) -> bool:
    """Whether lower-case ``text`` splits into pinyin syllables (``huawei``, ``xian``)."""
    if not text.isascii() or not text.isalpha():
        return False
    ok = [False] * (len(text) + 1)
    ok[0] = True
    for i in range(len(text)):
        if not ok[i]:
            continue
        for j in range(i + 1, min(len(text), i + _MAX_SYLLABLE) + 1):
            if text[i:j] in SYLLABLES:
                ok[j] = True
    return ok[len(text)]


@lru_cache(maxsize=200_000)
def _segment_pinyin(segment: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(segment, style=Style.NORMAL, errors="default", v_to_u=False))


def pinyin(reading: str) -> tuple[str, str] | None:
    """(full pinyin, initials) of a name's core, or None when it has no Chinese.

    ``荣成市海润水产`` → (``rongchengshihairunshuichan``, ``rcshrsc``). Letters and digits
    in the name are kept as they are in both; characters pypinyin cannot read (rare
    characters without a reading) are left out. Polyphonic characters take pypinyin's
    reading in context (重庆 → chongqing). pypinyin's own segmentation is applied first
    and each segment's reading cached: names share most of their words (市, 水产, 科技),
    which makes a rebuild several times faster with the same output.
    """
    if reading.isascii():
        return None
    from pypinyin.seg.simpleseg import seg

    full: list[str] = []
    initials: list[str] = []
    for segment in seg(reading):
        for p in _segment_pinyin(segment):
            p = p.lower()
            if not p.isascii():
                continue
            full.append(p)
            initials.append(p if not p.isalpha() or p not in SYLLABLES else p[0])
    text = "".join(full)
    return (text, "".join(initials)) if text else None
