"""Name search for the public portal: Chinese (any two characters, simplified or
traditional), Latin, pinyin, USCC and legal representatives, over a derived index.

SQLite: FTS5 (a bigram table for Chinese, trigram and five-letter-gram tables for Latin
and pinyin); PostgreSQL: an ordered postings table (bigrams and trigrams of Chinese
text, ASCII trigrams and five-letter grams) walked from the query's rarest gram. See
``docs/search.md``.

    build_index(store) -> int                  rebuild from the store (nightly)
    catch_up(store) -> int                     re-index what changed since (after ingest)
    index_subjects(store_or_tx, ids) -> int    refresh these subjects now
    search(conn, q, limit=20, offset=0)        a name, pinyin or USCC query (GET)
    search_by_code(conn, code)                 USCC or resident ID, exact (POST body only)
"""

from xinyong.portal.search.index import build_index, catch_up, index_stats, index_subjects
from xinyong.portal.search.normalise import FORMAT_VERSION, fold
from xinyong.portal.search.query import (
    COUNT_CAP,
    MAX_QUERY_CHARS,
    QueryTooShort,
    SearchHit,
    SearchResults,
    plan_query,
    search,
    search_by_code,
)
from xinyong.portal.search.tables import SearchIndexMissing, ensure_index_tables

__all__ = [
    "COUNT_CAP",
    "FORMAT_VERSION",
    "MAX_QUERY_CHARS",
    "QueryTooShort",
    "SearchHit",
    "SearchIndexMissing",
    "SearchResults",
    "build_index",
    "catch_up",
    "ensure_index_tables",
    "fold",
    "index_stats",
    "index_subjects",
    "plan_query",
    "search",
    "search_by_code",
]
