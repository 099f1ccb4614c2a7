"""Name search on SQLite (FTS5) and PostgreSQL (bigram GIN + pg_trgm), one body each.

Subjects are written straight into the store's tables (organisations, variants, legal
representatives); persons with public records arrive through the real ingest pipeline
(court listings, penalties) so the public-file rule sees production-shaped records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, insert, select, text, update
from tests.support.feeds import court_row, org_uscc, person_ric, register_agencies, write_jsonl

from xinyong.catalogue import Audience, get_catalogue
from xinyong.credit_file.assemble import build_file
from xinyong.errors import NotFound, UsageError
from xinyong.identity import mask_ric
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.lists.proposals import sync
from xinyong.portal.search import (
    QueryTooShort,
    SearchIndexMissing,
    SearchResults,
    build_index,
    fold,
    index_stats,
    index_subjects,
    plan_query,
    search,
    search_by_code,
)
from xinyong.portal.search.index import collect_persons, person_candidates
from xinyong.portal.search.normalise import pinyin
from xinyong.portal.search.query import matching_subjects
from xinyong.store.context import Store
from xinyong.store.tables import roles, subject_identifiers, subject_names, subjects

CAT = get_catalogue()
NOW = datetime.now(UTC)
FEED_DAY = date(2026, 3, 20)

HUAWEI = "01SEARCHTEST0000000000HW01"
HUAWEI_TW = "01SEARCHTEST0000000000HW02"
HUAWEI_RC = "01SEARCHTEST0000000000HW03"
HUAWEI_EN = "01SEARCHTEST0000000000HW04"
HUAWEI_BARE = "01SEARCHTEST0000000000HW05"
HUAWEI_BRANCH = "01SEARCHTEST0000000000HW06"
CHONGQING = "01SEARCHTEST0000000000CQ01"
SHOP = "01SEARCHTEST0000000000SH01"
HIDDEN_PERSON = "01SEARCHTEST0000000000PX01"

LISTED_RIC = person_ric(1, date(1985, 1, 1))
SECOND_LISTED_RIC = person_ric(2, date(1985, 1, 1))
HIDDEN_RIC = person_ric(3, date(1979, 4, 2))
PENALISED_RIC = person_ric(4, date(1981, 7, 9))


def _sid(n: int) -> str:
    return f"01SEARCHGEN{n:015d}"


def add_subject(
    conn: Connection,
    sid: str,
    name: str,
    *,
    kind: str = "organisation",
    uscc: str | None = None,
    ric: str | None = None,
    variants: Iterable[str] = (),
    reps: Iterable[tuple[str, date | None]] = (),
    region: str = "371082",
    seen_at: datetime = NOW,
) -> None:
    conn.execute(
        insert(subjects).values(
            subject_id=sid, kind=kind, name=name, region=region, first_seen_at=seen_at
        )
    )
    for scheme, value in (("uscc", uscc), ("ric", ric)):
        if value:
            conn.execute(
                insert(subject_identifiers).values(
                    scheme=scheme, value=value, subject_id=sid, first_seen_at=NOW
                )
            )
    for v in variants:
        conn.execute(
            insert(subject_names).values(subject_id=sid, name=v, flagged=False, first_seen_at=NOW)
        )
    for rep, valid_to in reps:
        conn.execute(
            insert(roles).values(
                org_subject_id=sid,
                role="legal_representative",
                person_name=rep,
                valid_to=valid_to,
                first_seen_at=NOW,
            )
        )


@dataclass(frozen=True)
class World:
    store: Store
    listed: str  # subject id of a listed person
    penalised: str  # a person with a fresh penalty (prior notice period)


def populate(store: Store, tmp: Path) -> World:
    register_agencies(store)
    with store.write() as tx:
        c = tx.conn
        add_subject(
            c,
            HUAWEI,
            "华为技术有限公司",
            uscc=org_uscc(101),
            reps=[("任正非", None), ("孙亚芳", date(2019, 1, 1))],
        )
        add_subject(c, HUAWEI_TW, "華為終端有限公司", uscc=org_uscc(102))
        add_subject(c, HUAWEI_RC, "荣成市华为海洋渔业有限公司", uscc=org_uscc(103))
        add_subject(
            c,
            HUAWEI_EN,
            "深圳市海思半导体有限公司",
            uscc=org_uscc(104),
            variants=["HiSilicon Technologies Co., Ltd."],
        )
        add_subject(c, HUAWEI_BARE, "华为有限公司", uscc=org_uscc(105))
        add_subject(c, HUAWEI_BRANCH, "华为技术有限公司北京分公司", uscc=org_uscc(106))
        add_subject(c, CHONGQING, "重庆长安汽车股份有限公司", uscc=org_uscc(107))
        add_subject(
            c,
            SHOP,
            "荣成市老王家海鲜饭店",
            kind="individual_business",
            uscc=org_uscc(108, "92"),
            reps=[("赵无名", None)],
        )
        # a person without public records, also a legal representative (by name)
        add_subject(c, HIDDEN_PERSON, "赵无名", kind="person", ric=HIDDEN_RIC)
    court = [
        court_row(1, subject_name="李四", id_number=LISTED_RIC),
        court_row(2, subject_name="钱多多", id_number=SECOND_LISTED_RIC),
    ]
    receipt = ingest(
        store,
        IngestRequest(
            path=write_jsonl(tmp / "court.jsonl", court), agency="rc-court", today=FEED_DAY
        ),
    )
    assert receipt.accepted == 2, receipt.reasons
    penalty = {
        "kind": "administrative_penalty",
        "source_key": "威环罚〔2026〕9号",
        "subject_category": "person",
        "subject_name": "孙罚款",
        "id_type": "ric",
        "id_number": PENALISED_RIC,
        "decision_no": "威环罚〔2026〕9号",
        "decided_on": "2026-03-01",
        "deciding_authority": "威海市生态环境局荣成分局",
        "severity": "general",
        "penalty_types": "罚款",
        "amount_yuan": "2000",
        "legal_basis_text": "《中华人民共和国环境保护法》第五十九条",
    }
    receipt = ingest(
        store,
        IngestRequest(
            path=write_jsonl(tmp / "env.jsonl", [penalty]), agency="rc-env", today=FEED_DAY
        ),
    )
    assert receipt.accepted == 1, receipt.reasons
    with store.write() as tx:
        sync(tx, CAT, on=FEED_DAY)
    with store.read() as conn:
        listed = _by_ric(conn, LISTED_RIC)
        penalised = _by_ric(conn, PENALISED_RIC)
    return World(store, listed, penalised)


def _by_ric(conn: Connection, ric: str) -> str:
    return str(
        conn.execute(
            select(subject_identifiers.c.subject_id).where(
                subject_identifiers.c.scheme == "ric", subject_identifiers.c.value == ric
            )
        ).scalar_one()
    )


@pytest.fixture
def world(store: Store, tmp_path: Path) -> World:
    w = populate(store, tmp_path)
    assert build_index(store, drop_grace=0) >= 9
    return w


def q(store: Store, query: str, **kw: Any) -> SearchResults:
    with store.read() as conn:
        return search(conn, query, **kw)


def ids(res: SearchResults) -> list[str]:
    return [h.subject_id for h in res.hits]


# --------------------------------------------------------------------------- matching


def test_two_character_chinese_substring(world: World) -> None:
    res = q(world.store, "华为")
    assert res.kind == "cjk"
    assert res.normalised == "华为"
    found = set(ids(res))
    assert {HUAWEI, HUAWEI_TW, HUAWEI_RC, HUAWEI_BARE, HUAWEI_BRANCH} <= found
    assert CHONGQING not in found
    assert res.total == len(found)
    assert all(h.matched == "name" for h in res.hits)
    # two characters from the middle of a name
    assert ids(q(world.store, "海洋")) == [HUAWEI_RC]
    assert set(ids(q(world.store, "长安"))) == {CHONGQING}


def test_three_or_more_chinese_characters(world: World) -> None:
    assert set(ids(q(world.store, "为技术"))) == {HUAWEI, HUAWEI_BRANCH}
    assert ids(q(world.store, "华为海洋渔业")) == [HUAWEI_RC]
    assert ids(q(world.store, "荣成市华为海洋渔业有限公司")) == [HUAWEI_RC]
    assert ids(q(world.store, "海洋华为")) == []  # characters present, not in this order


def test_traditional_input_finds_simplified_names_and_back(world: World) -> None:
    trad = q(world.store, "華為")
    assert trad.normalised == "华为"
    assert set(ids(trad)) == set(ids(q(world.store, "华为")))
    assert set(ids(q(world.store, "華為技術"))) == {HUAWEI, HUAWEI_BRANCH}
    # a name registered in traditional characters, found by simplified input
    assert ids(q(world.store, "华为终端")) == [HUAWEI_TW]
    assert ids(q(world.store, "華為終端")) == [HUAWEI_TW]


def test_pinyin_with_and_without_spaces_and_initials(world: World) -> None:
    for query in ("huawei", "hua wei", "HuaWei", "ＨＵＡＷＥＩ"):
        res = q(world.store, query)
        assert res.kind == "pinyin", query
        assert res.normalised == "huawei"
        assert {HUAWEI, HUAWEI_TW, HUAWEI_RC, HUAWEI_BARE} <= set(ids(res)), query
    hit = next(h for h in q(world.store, "huawei").hits if h.subject_id == HUAWEI)
    assert hit.matched == "pinyin"
    assert hit.matched_text == "华为技术有限公司"
    # initials of the name without its legal form (华为技术 → hwjs)
    assert HUAWEI in ids(q(world.store, "hwjs"))
    # polyphonic characters read in context: 重庆 is chongqing, 长安 changan
    assert ids(q(world.store, "chongqing")) == [CHONGQING]
    assert ids(q(world.store, "changanqiche")) == [CHONGQING]


def test_latin_substring_of_a_name_variant(world: World) -> None:
    res = q(world.store, "silicon tech")
    assert res.kind == "latin"
    assert ids(res) == [HUAWEI_EN]
    assert res.hits[0].matched == "name"
    assert res.hits[0].matched_text == "HiSilicon Technologies Co., Ltd."
    assert res.hits[0].name == "深圳市海思半导体有限公司"
    assert ids(q(world.store, "HISILICON")) == [HUAWEI_EN]
    # two letters: the bigram index, names only
    assert HUAWEI_EN in ids(q(world.store, "Hi"))


def test_uscc_exact(world: World) -> None:
    code = org_uscc(101)
    res = q(world.store, code)
    assert res.kind == "uscc"
    assert ids(res) == [HUAWEI]
    assert res.hits[0].matched == "uscc"
    assert res.hits[0].uscc == code
    # as people paste it: lower case, spaces, full-width
    spaced = " ".join([code[:6].lower(), code[6:12], code[12:]])
    assert ids(q(world.store, spaced)) == [HUAWEI]
    assert ids(q(world.store, code.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}))) == [
        HUAWEI
    ]
    # a wrong check character finds nothing (exact), and is not a name search
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    res = q(world.store, wrong)
    assert res.kind == "uscc"
    assert res.hits == []
    with world.store.read() as conn:
        assert ids(search_by_code(conn, code)) == [HUAWEI]


def test_legal_representative(world: World) -> None:
    res = q(world.store, "任正非")
    assert ids(res) == [HUAWEI]
    assert res.hits[0].matched == "legal_representative"
    assert res.hits[0].matched_text == "任正非"
    # a former representative (role ended) is not searchable
    assert q(world.store, "孙亚芳").hits == []


def test_exact_name_without_legal_form_ranks_first(world: World) -> None:
    for query in ("华为", "华为有限公司", "華為股份有限公司"):
        res = q(world.store, query)
        assert res.hits[0].subject_id == HUAWEI_BARE, query
        assert res.hits[0].score == 1.0
        assert all(h.score < 1.0 for h in res.hits[1:])
    res = q(world.store, "华为技术有限公司")
    assert res.normalised == "华为技术"
    assert ids(res)[0] == HUAWEI
    assert res.hits[0].score == 1.0
    # the branch keeps its place (华为技术北京) but ranks after the exact name
    assert ids(res) == [HUAWEI, HUAWEI_BRANCH]


def test_paging_and_total(store: Store, tmp_path: Path) -> None:
    with store.write() as tx:
        for n in range(35):
            add_subject(tx.conn, _sid(n), f"荣成测试{n:02d}号商贸有限公司", uscc=org_uscc(500 + n))
    build_index(store, drop_grace=0)
    pages = [q(store, "测试", limit=10, offset=o) for o in (0, 10, 20, 30)]
    assert [len(p.hits) for p in pages] == [10, 10, 10, 5]
    seen = [h.subject_id for p in pages for h in p.hits]
    assert len(seen) == len(set(seen)) == 35
    assert all(p.total == 35 for p in pages)
    # total is None ("more than") past the count cap, never a full count
    assert q(store, "测试", count_cap=20).total is None
    with pytest.raises(UsageError):
        q(store, "测试", limit=0)
    with pytest.raises(UsageError):
        q(store, "测试", offset=100_000)


def _rank_order(store: Store, core: str) -> list[str]:
    """Subjects whose texts contain ``core``, by their best (lowest) doc id: brute force."""
    with store.read() as conn:
        slot = index_stats(conn)["slot"]
        rows = conn.execute(
            text(f"SELECT subject_id, doc_id, text, field FROM search_docs_{slot}")
        ).all()
    best: dict[str, int] = {}
    for sid, doc_id, t, field in rows:
        in_set = field not in ("pinyin", "initials") or (core.isascii() and len(core) >= 3)
        if core in t and in_set and (sid not in best or doc_id < best[sid]):
            best[sid] = doc_id
    return sorted(best, key=best.__getitem__)


def test_every_read_path_gives_the_rank_order(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages equal the brute-force rank order, whichever way the engine reads them
    (one gram's postings; the rarest gram's postings pruned by others' and checked;
    keyset batches tiny or large; the long-gram table for ASCII queries of five
    letters or more)."""
    import xinyong.portal.search.query as query_mod

    with world.store.write() as tx:
        for n in range(40):
            name = f"荣成{'海洋' if n % 3 else '远洋'}测试{n:02d}号渔业有限公司"
            add_subject(tx.conn, _sid(700 + n), name, uscc=org_uscc(700 + n))
        index_subjects(tx, [_sid(700 + n) for n in range(40)])
    queries = [
        "测试",
        "海洋测试",
        "远洋测试",
        "荣成海洋",
        "远洋测",  # one trigram with Chinese characters (PostgreSQL), exactly
        "测试01",  # mixed: trigrams with a Chinese character
        "成远洋测试0",
        "rongcheng",  # long grams
        "haiyang",
        "ceshi1",
        "yuany",  # one long gram, exactly
        "anyan",  # starts and ends mid-syllable (yu-an-yan-g)
        "ngyuan",
        "rong",  # two trigrams
        "华为",
    ]
    # MERGE_RATIO (PostgreSQL): 0 probes every other gram, a huge one merges the two
    # rarest grams' postings whatever their lengths
    for window, max_window, merge_ratio in (
        (64, 5_000, 5),
        (64, 5_000, 0),
        (3, 6, 0),
        (1, 1, 10**9),
        (2, 64, 10**9),
    ):
        monkeypatch.setattr(query_mod, "MIN_BATCH", window)
        monkeypatch.setattr(query_mod, "MAX_BATCH", max_window)
        monkeypatch.setattr(query_mod, "MERGE_RATIO", merge_ratio)
        for query in queries:
            expected = _rank_order(world.store, fold(query).core)
            assert expected, query
            pages = [q(world.store, query, limit=7, offset=o) for o in range(0, 70, 7)]
            got = [h.subject_id for p in pages for h in p.hits]
            assert got == expected, (query, window, max_window, merge_ratio)
            assert {p.total for p in pages} == {len(expected)}
            with world.store.read() as conn:
                assert matching_subjects(conn, query) == expected


def test_gram_counts_steer_the_read_not_the_answer(world: World) -> None:
    """Whatever the gram counts say (stale, missing, inverted), the answer is the same:
    the rarest gram is only which postings are read first."""
    from xinyong.portal.search.query import query_grams, rarest_gram
    from xinyong.portal.search.tables import live_slot

    queries = ["rongcheng", "huawei", "shuichan", "荣成海润", "华为技术"]
    with world.store.read() as conn:
        before = {qq: matching_subjects(conn, qq) for qq in queries}
        slot = live_slot(conn)
        counts = conn.execute(text(f"SELECT count(*) FROM {slot.gram_counts}")).scalar_one()
        plan = plan_query("rongcheng")
        grams = query_grams(plan)
        assert len(grams) == len("rongcheng") - 4
        assert rarest_gram(conn, slot, grams) in grams
    assert counts > 0  # filled by the build
    assert any(before.values())
    for how in ("empty", "inverted"):
        with world.store.write() as tx:
            if how == "empty":
                tx.conn.execute(text(f"DELETE FROM {slot.gram_counts}"))
            else:
                tx.conn.execute(text(f"UPDATE {slot.gram_counts} SET n = 1000000 - n"))
        with world.store.read() as conn:
            assert {qq: matching_subjects(conn, qq) for qq in queries} == before, how


def test_search_leaves_the_callers_transaction_settings_alone(world: World) -> None:
    """PostgreSQL: a search sets planner settings for its own statements (no JIT,
    custom plans, no bitmap scans, hash joins, plain nested loops or memoize) and puts
    the caller's values back on every path — a page, an empty page, a USCC, an uncapped
    read, a refusal for a missing index — so the portal's badge queries in the same
    transaction plan as usual. SQLite changes no setting."""
    from xinyong.portal.search.query import PG_SETTINGS, _open
    from xinyong.portal.search.tables import set_meta

    def current(conn: Connection) -> dict[str, str]:
        return {
            k: conn.execute(text(f"SELECT current_setting('{k}')")).scalar_one()
            for k in PG_SETTINGS
        }

    if world.store.sqlite:
        with world.store.read() as conn:
            assert _open(conn)[1] is None
            assert ids(search(conn, "华为"))
        return
    with world.store.read() as conn:
        # the caller's own values, some of them unusual, must survive
        conn.execute(text("SELECT set_config('enable_hashjoin', 'off', true)"))
        conn.execute(text("SELECT set_config('jit', 'on', true)"))
        before = current(conn)
        assert before["enable_hashjoin"] == "off"
        assert before["enable_nestloop"] == "on"
        assert ids(search(conn, "华为"))
        assert current(conn) == before
        assert search(conn, "没有这个名字的公司").hits == []
        assert current(conn) == before
        assert search(conn, org_uscc(101)).total == 1
        assert current(conn) == before
        assert matching_subjects(conn, "huawei")
        assert current(conn) == before
        with pytest.raises(UsageError):
            search(conn, "华为", limit=0)  # refused before any statement
        assert current(conn) == before
    with world.store.write() as tx:
        set_meta(tx.conn, format="0")
    with world.store.read() as conn:
        before = current(conn)
        with pytest.raises(SearchIndexMissing):
            search(conn, "华为")
        assert current(conn) == before


# --------------------------------------------------------------------------- refusals


def test_one_character_query_is_refused_with_a_hint(world: World) -> None:
    for query in ("华", "a", " 华 ", "", "  ", "（", "-"):
        with pytest.raises(QueryTooShort) as e:
            q(world.store, query)
        assert isinstance(e.value, UsageError)
        assert e.value.http_status == 400
        assert "at least two characters" in e.value.message
    with pytest.raises(QueryTooShort) as e:
        q(world.store, "有限公司")
    assert "legal form" in e.value.message
    with pytest.raises(UsageError) as e2:
        q(world.store, "华" * 101)
    assert e2.value.code == "query_too_long"


def test_resident_id_is_refused_in_a_name_query(world: World) -> None:
    for code in (LISTED_RIC, LISTED_RIC[:6] + " " + LISTED_RIC[6:], HIDDEN_RIC[:17] + "0"):
        with pytest.raises(UsageError) as e:
            q(world.store, code)
        assert e.value.code == "resident_id_not_in_url"
        assert LISTED_RIC not in e.value.message
        assert LISTED_RIC not in str(e.value.body())


INJECTIONS = [
    '"',
    '""',
    "*",
    "OR",
    "AND",
    "NOT",
    "NEAR(",
    "NEAR(华为 技术)",
    '华为" OR "海洋',
    "华为 OR 长安",
    "hua*",
    "t:华为",
    "{t} : 华为",
    "^华为",
    "'; DROP TABLE subjects; --",
    "%",
    "_",
    "华_",
    "100%",
    "\\",
    "华为\x00技术",
]


def _expected(store: Store, core: str) -> set[str]:
    """A brute-force scan over every indexed text of the live slot."""
    with store.read() as conn:
        slot = index_stats(conn)["slot"]
        rows = conn.execute(text(f"SELECT subject_id, text FROM search_docs_{slot}")).all()
    return {sid for sid, t in rows if core in t}


def test_fts_query_syntax_is_inert(world: World) -> None:
    for query in INJECTIONS:
        try:
            res = q(world.store, query)
        except QueryTooShort:
            continue
        expected = _expected(world.store, res.normalised)
        assert set(ids(res)) <= expected, query
        with world.store.read() as conn:
            assert set(matching_subjects(conn, query)) == expected, query
    # nothing was dropped or changed
    with world.store.read() as conn:
        assert conn.execute(select(subjects.c.subject_id).limit(1)).first() is not None
    assert HUAWEI in ids(q(world.store, "华为"))
    assert q(world.store, '华为" OR "海洋').hits == []
    assert q(world.store, "NEAR(华为 技术)").hits == []


# --------------------------------------------------------------------------- persons


def test_person_without_public_records_is_never_returned(world: World) -> None:
    res = q(world.store, "赵无名")
    # found as the shop's legal representative, never as a person
    assert ids(res) == [SHOP]
    assert res.hits[0].matched == "legal_representative"
    assert all(h.kind != "person" for h in res.hits)
    assert all(h.subject_id != HIDDEN_PERSON for h in q(world.store, "zhaowuming").hits)
    with world.store.read() as conn:
        assert search_by_code(conn, HIDDEN_RIC).hits == []
        # a person with a fresh penalty waits out the prior-notice period
        assert all(h.subject_id != world.penalised for h in search(conn, "孙罚款").hits)


def test_listed_person_is_returned_with_a_masked_code(world: World) -> None:
    res = q(world.store, "李四")
    hit = next(h for h in res.hits if h.subject_id == world.listed)
    assert hit.kind == "person"
    assert hit.name == "李四"
    assert hit.uscc is None
    assert hit.masked_id == mask_ric(LISTED_RIC)
    assert LISTED_RIC not in hit.model_dump_json()
    with world.store.read() as conn:
        by_code = search_by_code(conn, LISTED_RIC)
    assert ids(by_code) == [world.listed]
    assert by_code.kind == "resident_id"
    assert by_code.hits[0].matched == "resident_id"
    # the POST answer does not echo the ID in clear either
    assert LISTED_RIC not in by_code.model_dump_json()
    assert by_code.query == mask_ric(LISTED_RIC)
    with world.store.read() as conn, pytest.raises(UsageError):
        search_by_code(conn, "12345")


def test_public_view_ending_hides_a_person_before_any_refresh(world: World) -> None:
    with world.store.write() as tx:
        slot = index_stats(tx.conn)["slot"]
        tx.conn.execute(
            text(f"UPDATE search_docs_{slot} SET visible_until = :d WHERE subject_id = :s"),
            {"d": date(2026, 6, 1) if not world.store.sqlite else "2026-06-01", "s": world.listed},
        )
        tx.conn.execute(
            text(f"UPDATE search_subjects_{slot} SET visible_until = :d WHERE subject_id = :s"),
            {"d": date(2026, 6, 1) if not world.store.sqlite else "2026-06-01", "s": world.listed},
        )
    assert world.listed in ids(q(world.store, "李四", on=date(2026, 5, 31)))
    assert world.listed not in ids(q(world.store, "李四", on=date(2026, 6, 1)))
    with world.store.read() as conn:
        assert search_by_code(conn, LISTED_RIC, on=date(2026, 6, 1)).hits == []


@pytest.mark.parametrize("days_later", [0, 30])
def test_person_rule_agrees_with_the_public_credit_file(world: World, days_later: int) -> None:
    """The indexer's chunked rule and build_file(audience=PUBLIC) decide alike."""
    on = date.today() + timedelta(days=days_later)
    known_at = datetime.now(UTC)
    with world.store.read() as conn:
        persons = list(
            conn.execute(select(subjects.c.subject_id).where(subjects.c.kind == "person")).scalars()
        )
        fast = {e.subject_id: e for e in collect_persons(conn, persons, on, known_at=known_at)}
        assert set(fast) <= set(person_candidates(conn, on))
        for sid in persons:
            try:
                f = build_file(conn, CAT, sid, on=on, known_at=known_at, audience=Audience.PUBLIC)
            except NotFound:
                assert sid not in fast, sid
                continue
            assert sid in fast, sid
            assert fast[sid].name == f.name
            shown = [i.value for i in f.identifiers if i.scheme == "ric"]
            assert fast[sid].masked_id in shown
    assert world.listed in fast
    assert HIDDEN_PERSON not in fast
    assert (world.penalised in fast) == (days_later > 0)


# --------------------------------------------------------------------------- upkeep


def test_search_before_any_build_says_so(store: Store) -> None:
    with store.read() as conn, pytest.raises(SearchIndexMissing) as e:
        search(conn, "华为")
    assert e.value.http_status == 503
    # refreshing before the first build is a no-op, not an error
    assert index_subjects(store, [HUAWEI]) == 0


def test_incremental_refresh(world: World) -> None:
    new = _sid(900)
    with world.store.write() as tx:
        add_subject(
            tx.conn, new, "荣成市新兴海带有限公司", uscc=org_uscc(900), reps=[("周新", None)]
        )
    assert q(world.store, "新兴海带").hits == []
    assert index_subjects(world.store, [new]) == 1
    assert ids(q(world.store, "新兴海带")) == [new]
    assert ids(q(world.store, "周新")) == [new]
    # renamed, refreshed inside the writer's own transaction
    with world.store.write() as tx:
        tx.conn.execute(
            update(subjects).where(subjects.c.subject_id == new).values(name="荣成市碧海有限公司")
        )
        index_subjects(tx, [new])
    assert q(world.store, "新兴海带").hits == []
    assert ids(q(world.store, "碧海")) == [new]
    # a person losing their public record disappears on refresh
    with world.store.write() as tx:
        tx.conn.execute(
            text("UPDATE records SET publication = 'withdrawn' WHERE subject_id = :s"),
            {"s": world.listed},
        )
        assert index_subjects(tx.conn, [world.listed]) == 0
    assert world.listed not in ids(q(world.store, "李四"))


def test_refresh_during_a_rebuild_reaches_the_new_index(world: World) -> None:
    late = _sid(901)
    calls: list[str] = []

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage == "organisations" and not calls:
            calls.append(stage)
            with world.store.write() as tx:
                add_subject(tx.conn, late, "荣成市晚到水产有限公司", uscc=org_uscc(901))
                index_subjects(tx, [late])

    before = q(world.store, "华为").total
    build_index(world.store, progress=progress, drop_grace=0)
    assert calls
    assert ids(q(world.store, "晚到水产")) == [late]
    assert q(world.store, "华为").total == before
    with world.store.read() as conn:
        stats = index_stats(conn)
    assert "building" not in stats
    # only the live slot's tables remain
    other = "a" if stats["slot"] == "b" else "b"
    with world.store.read() as conn:
        if world.store.sqlite:
            left = conn.execute(
                text("SELECT name FROM sqlite_master WHERE name LIKE :p"),
                {"p": f"search_%_{other}"},
            ).all()
        else:
            left = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE tablename LIKE :p"),
                {"p": f"search_%_{other}"},
            ).all()
    assert left == []


def _ingest_court(store: Store, tmp: Path, name: str, rows: list[dict[str, Any]]) -> None:
    receipt = ingest(
        store,
        IngestRequest(path=write_jsonl(tmp / name, rows), agency="rc-court", today=FEED_DAY),
    )
    assert receipt.quarantined == 0, receipt.reasons


def test_an_ingested_listing_is_found_without_a_rebuild(world: World, tmp_path: Path) -> None:
    """The ingest pipeline catches the index up after each batch: a person a court
    lists is found by name as soon as the batch is done; revoked by a later report of
    the same listing, they are no longer found; nothing called index_subjects."""
    ric = person_ric(41, date(1990, 2, 2))
    assert q(world.store, "周到底").hits == []
    with world.store.read() as conn:
        built_at = index_stats(conn)["built_at"]
    row = court_row(41, subject_name="周到底", id_number=ric)
    _ingest_court(world.store, tmp_path, "late.jsonl", [row])
    with world.store.read() as conn:
        sid = _by_ric(conn, ric)
        stats = index_stats(conn)
    assert stats["built_at"] == built_at  # no rebuild happened
    assert stats["caught_up_to"] > built_at
    res = q(world.store, "周到底")
    assert ids(res) == [sid]
    assert res.hits[0].kind == "person"
    assert sid in ids(q(world.store, "zhoudaodi"))
    # the court revokes the listing (same case, reported again as revoked)
    _ingest_court(world.store, tmp_path, "revoked.jsonl", [{**row, "status": "revoked"}])
    assert q(world.store, "周到底").hits == []
    with world.store.read() as conn:
        assert search_by_code(conn, ric).hits == []
    # the people already found before stay found
    assert world.listed in ids(q(world.store, "李四"))


def test_a_public_record_stops_being_found_when_its_display_ends(
    world: World, tmp_path: Path
) -> None:
    """A person is found while their public record is displayed and not the day after
    ``display_until``, with no refresh in between (the index keeps the end date)."""
    ric = person_ric(42, date(1991, 3, 3))
    until = date(2027, 1, 31)
    row = court_row(42, subject_name="吴期满", id_number=ric, display_until=until.isoformat())
    _ingest_court(world.store, tmp_path, "display.jsonl", [row])
    with world.store.read() as conn:
        sid = _by_ric(conn, ric)
        for day, found in (
            (until - timedelta(1), True),
            (until, True),
            (until + timedelta(1), False),
        ):
            assert (sid in ids(search(conn, "吴期满", on=day))) is found, day
            assert bool(search_by_code(conn, ric, on=day).hits) is found, day


def test_catch_up_refreshes_what_other_writers_changed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """catch_up re-indexes subjects changed since the last catch-up by any writer (here
    a new organisation and a renamed one written straight to the store), and only
    those (without the safety overlap); a second catch-up has nothing new."""
    import xinyong.portal.search.index as index_mod
    from xinyong.portal.search import catch_up

    monkeypatch.setattr(index_mod, "CATCH_UP_OVERLAP", timedelta(0))
    new, renamed = _sid(950), _sid(951)
    with world.store.write() as tx:
        add_subject(
            tx.conn, new, "荣成市追赶者海产有限公司", uscc=org_uscc(950), seen_at=datetime.now(UTC)
        )
    assert q(world.store, "追赶者").hits == []
    assert catch_up(world.store) == 1
    assert ids(q(world.store, "追赶者")) == [new]
    assert catch_up(world.store) == 0
    # a rename through a new name variant row (first_seen_at now) is picked up too
    with world.store.write() as tx:
        add_subject(
            tx.conn, renamed, "荣成市旧名有限公司", uscc=org_uscc(951), seen_at=datetime.now(UTC)
        )
    catch_up(world.store)
    with world.store.write() as tx:
        tx.conn.execute(
            insert(subject_names).values(
                subject_id=renamed,
                name="Laoming Seafood Co., Ltd.",
                flagged=False,
                first_seen_at=datetime.now(UTC),
            )
        )
    assert q(world.store, "laoming").hits == []
    catch_up(world.store)
    assert ids(q(world.store, "laoming")) == [renamed]


# --------------------------------------------------------------------------- folding


def test_fold_and_pinyin_units() -> None:
    assert fold("華為技術有限公司").core == "华为技术"
    assert fold("华为技术有限公司北京分公司").core == "华为技术北京"
    assert fold("XX投资合伙企业（有限合伙）").core == "xx投资"
    assert fold("Huawei Technologies Co., Ltd.").core == "huaweitechnologies"
    assert fold("Costco").core == "costco"  # "co" is stripped only as a word
    assert fold("ＨＵＡＷＥＩ").core == "huawei"
    assert fold("有限公司").core == ""
    assert pinyin("重庆银行") == ("chongqingyinhang", "cqyh")
    assert pinyin("乾元") == ("qianyuan", "qy")  # read before the 乾→干 fold
    assert pinyin("abc") is None


# --------------------------------------------------------------------------- property

# common name characters, simplified and traditional, without those of legal forms
ALPHABET = (
    "华为荣成海润水产渔业科技贸易鑫源隆兴盛达恒通宏远金银泰安康乐福瑞祥和平东南西北中天"
    "華為榮海潤產漁業貿鑫源隆興盛達恆通宏遠銀泰樂祥龍鳳東國際電氣機械實發展"
)
names_st = st.lists(
    st.text(alphabet=ALPHABET, min_size=2, max_size=10), min_size=1, max_size=6, unique=True
)
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "", "分公司")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(names=names_st, data=st.data())
def test_any_substring_of_two_or_more_characters_is_found(
    store: Store, names: list[str], data: st.DataObject
) -> None:
    with store.read() as conn:
        built = bool(index_stats(conn).get("built_at"))
        n0 = int(conn.execute(text("SELECT count(*) FROM subjects")).scalar_one())
    if not built:
        build_index(store, drop_grace=0)
    new: dict[str, str] = {}
    with store.write() as tx:
        for i, body in enumerate(names):
            sid = _sid(10_000 + n0 + i)
            suffix = data.draw(st.sampled_from(SUFFIXES))
            add_subject(tx.conn, sid, body + suffix, uscc=org_uscc(10_000 + n0 + i))
            new[sid] = body
        index_subjects(tx, list(new))
    with store.read() as conn:
        for sid, body in new.items():
            i = data.draw(st.integers(0, len(body) - 2))
            j = data.draw(st.integers(i + 2, len(body)))
            sub = body[i:j]
            assert sid in matching_subjects(conn, sub), (body, sub)
            # and the same substring typed in simplified characters
            simple = fold(sub).core
            assert sid in matching_subjects(conn, simple), (body, simple)
