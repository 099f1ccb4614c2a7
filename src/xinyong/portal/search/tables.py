"""The search index's own tables: derived, rebuildable data outside Alembic.

Nothing here is part of the system of record. The tables are created by
:func:`ensure_index_tables` with ``CREATE … IF NOT EXISTS`` (not by migrations) and
filled by :func:`xinyong.portal.search.build_index`; dropping them all loses nothing
that a rebuild does not restore.

Two sets of tables ("slots" ``a`` and ``b``) exist so that a rebuild fills the idle
slot in short transactions while queries keep reading the live one; ``search_meta``
says which slot is live and switching is one small transaction.

Per slot:

``search_subjects_<slot>``
    one row per indexed subject: what a hit shows (name as the public sees it, USCC,
    masked identifier, region) and ``visible_until`` (persons: the day their last
    public record leaves public view; organisations: null).
``search_docs_<slot>``
    one row per searchable text of a subject (its name, each name variant, each current
    legal representative, the pinyin and pinyin initials of its names), folded (see
    :mod:`.normalise`). ``doc_id`` encodes the static rank: ``rank << 40 | seq`` with
    ``rank = min(len(text), 255) * 4 + field priority``, so reading matches in
    ``doc_id`` order *is* reading them best first, and a query stops after one page.
SQLite: ``search_fts_bigram_<slot>``, ``search_fts_trigram_<slot>``, ``search_fts_long_<slot>``
    FTS5 tables keyed by ``doc_id``: the first holds every name text as space-separated
    overlapping bigrams (``ascii`` tokenizer: every non-ASCII character is a token
    character, so each bigram is one token and a quoted phrase of bigrams is a
    substring); the second holds texts with Latin letters or digits and the pinyin
    texts (``trigram`` tokenizer), for ASCII queries of three or four letters; the third
    the same texts as their distinct five-letter ASCII grams (``detail=none``), for
    longer ASCII queries, read from their rarest gram.
PostgreSQL: ``search_postings_<slot>``
    (gram, doc_id) with a B-tree: the ordered inverted index FTS5 has built in — the
    bigrams of every name text and its trigrams with a non-ASCII character, the ASCII
    trigrams and five-letter grams of the trigram set. A query walks its rarest gram's
    postings in rank order, intersected with up to two other grams', and checks each
    text.
Both: ``search_grams_<slot>``
    postings per gram, counted after a build; they choose which gram a query reads
    (never what it finds) and drift between builds.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, Engine, text

from xinyong.errors import XinyongError
from xinyong.portal.search.normalise import format_version

SlotName = Literal["a", "b"]
SLOTS: tuple[SlotName, SlotName] = ("a", "b")

META = "search_meta"
PENDING = "search_pending"


class SearchIndexMissing(XinyongError):
    """The index has not been built (or was built by another format version)."""

    exit_code = 1
    http_status = 503
    default_code = "search_index_missing"


@dataclass(frozen=True, slots=True)
class Slot:
    """The table names of one slot (fixed identifiers, never user input)."""

    name: SlotName

    @property
    def subjects(self) -> str:
        return f"search_subjects_{self.name}"

    @property
    def docs(self) -> str:
        return f"search_docs_{self.name}"

    @property
    def postings(self) -> str:
        return f"search_postings_{self.name}"

    @property
    def fts_bigram(self) -> str:
        return f"search_fts_bigram_{self.name}"

    @property
    def fts_trigram(self) -> str:
        return f"search_fts_trigram_{self.name}"

    @property
    def fts_long(self) -> str:
        return f"search_fts_long_{self.name}"

    @property
    def gram_counts(self) -> str:
        return f"search_grams_{self.name}"

    def other(self) -> Slot:
        return Slot("b" if self.name == "a" else "a")


def _sqlite_slot_ddl(s: Slot) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {s.subjects} ("
        " subject_id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,"
        " uscc TEXT, masked_id TEXT, region TEXT, visible_until TEXT)",
        f"CREATE INDEX IF NOT EXISTS ix_{s.subjects}_uscc ON {s.subjects} (uscc)",
        f"CREATE TABLE IF NOT EXISTS {s.docs} ("
        " doc_id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL, field TEXT NOT NULL,"
        " text TEXT NOT NULL, label TEXT NOT NULL, bi INTEGER NOT NULL, tri INTEGER NOT NULL,"
        " visible_until TEXT)",
        f"CREATE INDEX IF NOT EXISTS ix_{s.docs}_subject ON {s.docs} (subject_id)",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {s.fts_bigram} USING fts5("
        "t, tokenize='ascii', columnsize=0)",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {s.fts_trigram} USING fts5("
        "t, tokenize='trigram', columnsize=0)",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {s.fts_long} USING fts5("
        "t, tokenize='ascii', detail=none, columnsize=0)",
        f"CREATE TABLE IF NOT EXISTS {s.gram_counts} ("
        " gram TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID",
    ]


def _pg_slot_tables(s: Slot) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {s.subjects} ("
        " subject_id varchar(26) PRIMARY KEY, kind varchar(24) NOT NULL, name text NOT NULL,"
        " uscc varchar(18), masked_id text, region varchar(6), visible_until date)",
        f"CREATE TABLE IF NOT EXISTS {s.docs} ("
        " doc_id bigint PRIMARY KEY, subject_id varchar(26) NOT NULL, field varchar(24) NOT NULL,"
        " text text NOT NULL, label text NOT NULL, bi boolean NOT NULL, tri boolean NOT NULL,"
        " visible_until date)",
        f"CREATE TABLE IF NOT EXISTS {s.postings} (gram text NOT NULL, doc_id bigint NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {s.gram_counts} (gram text PRIMARY KEY, n integer NOT NULL)",
    ]


def _pg_slot_indexes(s: Slot) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS ix_{s.subjects}_uscc ON {s.subjects} (uscc)",
        f"CREATE INDEX IF NOT EXISTS ix_{s.docs}_subject ON {s.docs} (subject_id)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS ix_{s.postings} ON {s.postings} (gram, doc_id)",
    ]


def create_slot(conn: Connection, s: Slot, *, indexes: bool = True) -> None:
    """Create one slot's tables (PostgreSQL: its secondary indexes too, unless a bulk
    load will create them afterwards with :func:`create_slot_indexes`)."""
    if conn.dialect.name == "sqlite":
        stmts = _sqlite_slot_ddl(s)
    else:
        stmts = _pg_slot_tables(s) + (_pg_slot_indexes(s) if indexes else [])
    for stmt in stmts:
        conn.exec_driver_sql(stmt)


def create_slot_indexes(conn: Connection, s: Slot) -> None:
    if conn.dialect.name != "sqlite":
        for stmt in _pg_slot_indexes(s):
            conn.exec_driver_sql(stmt)


def drop_slot(conn: Connection, s: Slot) -> None:
    if conn.dialect.name == "sqlite":
        names = [s.fts_bigram, s.fts_trigram, s.fts_long]
    else:
        names = [s.postings]
    for name in [*names, s.gram_counts, s.docs, s.subjects]:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def _create_common(conn: Connection) -> None:
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        conn.exec_driver_sql("CREATE SEQUENCE IF NOT EXISTS search_doc_seq")
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {META} (key varchar(32) PRIMARY KEY, value text NOT NULL)"
    )
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {PENDING} (subject_id varchar(26) PRIMARY KEY)"
    )


#: engines whose store has the meta table (it is never dropped once created)
_seen: weakref.WeakSet[Engine] = weakref.WeakSet()


def meta_exists(conn: Connection) -> bool:
    if conn.engine in _seen:
        return True
    if conn.dialect.name == "sqlite":
        q = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"
        found = conn.execute(text(q), {"n": META}).first() is not None
    else:
        found = conn.execute(text("SELECT to_regclass(:n)"), {"n": META}).scalar() is not None
    if found:
        _seen.add(conn.engine)
    return found


def get_meta(conn: Connection) -> dict[str, str]:
    return {k: v for k, v in conn.execute(text(f"SELECT key, value FROM {META}"))}


def set_meta(conn: Connection, **values: str | None) -> None:
    for key, value in values.items():
        conn.execute(text(f"DELETE FROM {META} WHERE key = :k"), {"k": key})
        if value is not None:
            conn.execute(
                text(f"INSERT INTO {META} (key, value) VALUES (:k, :v)"), {"k": key, "v": value}
            )


def lock_meta(conn: Connection, *, exclusive: bool) -> dict[str, str]:
    """Read the meta rows; on PostgreSQL lock the live-slot row (shared for writers of
    the live slot, exclusive for the switch), so a switch waits for them. SQLite's write
    transactions are serial already."""
    if conn.dialect.name != "sqlite":
        mode = "UPDATE" if exclusive else "SHARE"
        conn.execute(text(f"SELECT value FROM {META} WHERE key = 'slot' FOR {mode}"))
    return get_meta(conn)


def ensure_index_tables(engine: Engine | Connection) -> Slot:
    """Create the search tables if missing (idempotent) and return the live slot.

    Safe to call at start-up; it never drops or rebuilds anything.
    """
    if isinstance(engine, Connection):
        return _ensure(engine)
    with engine.begin() as conn:
        return _ensure(conn)


def _ensure(conn: Connection) -> Slot:
    _create_common(conn)
    meta = lock_meta(conn, exclusive=True)
    slot = Slot(meta["slot"]) if meta.get("slot") in SLOTS else Slot("a")  # type: ignore[arg-type]
    if "slot" not in meta:
        set_meta(conn, slot=slot.name, format=format_version(conn.dialect.name))
    create_slot(conn, slot)
    return slot


def live_slot(conn: Connection, meta: dict[str, str] | None = None) -> Slot:
    """The slot queries read; :class:`SearchIndexMissing` when there is none to read.
    ``meta``: the meta rows when the caller has read them already."""
    if not meta_exists(conn):
        raise SearchIndexMissing(
            "the name search index has not been built: run build_index "
            "(it is derived data, rebuilt from the store)"
        )
    if meta is None:
        meta = get_meta(conn)
    if meta.get("format") != format_version(conn.dialect.name) or "built_at" not in meta:
        raise SearchIndexMissing(
            "the name search index is missing or was built by another version: "
            "run build_index to rebuild it"
        )
    return Slot(meta["slot"])  # type: ignore[arg-type]
