"""Chinese and English: message catalogues in gettext ``.po`` files, read with Babel.

The portal's message ids are English; ``translations/zh/LC_MESSAGES/messages.po`` holds
the Chinese. The language comes from ``?lang=``, then the ``lang`` cookie, then the
browser's Accept-Language; Chinese is the default (the platform's own language).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
TRANSLATIONS = Path(__file__).with_name("translations")


@lru_cache(maxsize=4)
def catalogue(lang: str) -> dict[str, str]:
    """msgid → translation for ``lang`` (English ids translate to themselves)."""
    if lang == "en":
        return {}
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        cat = read_po(f, locale=lang)
    return {str(m.id): str(m.string) for m in cat if m.id and m.string and isinstance(m.id, str)}


def translator(lang: str) -> Callable[[str], str]:
    table = catalogue(lang if lang in LANGUAGES else DEFAULT)

    def gettext(msgid: str) -> str:
        return table.get(msgid, msgid)

    return gettext


def pick(query_lang: str | None, cookie_lang: str | None, accept: str | None) -> str:
    for cand in (query_lang, cookie_lang):
        if cand in LANGUAGES:
            return str(cand)
    if accept:
        for part in accept.split(","):
            tag = part.split(";")[0].strip().lower()
            if tag.startswith("en"):
                return "en"
            if tag.startswith("zh"):
                return "zh"
    return DEFAULT
