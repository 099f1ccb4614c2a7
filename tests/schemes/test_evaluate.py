"""Scheme evaluation: the Ibis job against a naive oracle, residents by residence record,
consent and withdrawal, identical results on DuckDB and PySpark, the store round trip."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.schemes._world import NOW, World, consent, oracle, random_world, record, snapshot

from xinyong.batch import collect, connect, load
from xinyong.schemes import load_scheme
from xinyong.schemes.consent import give, withdraw
from xinyong.schemes.evaluate import compute, evaluate
from xinyong.schemes.job import score_job
from xinyong.store.context import Store
from xinyong.store.tables import agencies, audit_log, batch_runs, records, scheme_scores, subjects

ON = date(2026, 10, 15)


def _by_subject(scores: Any) -> dict[str, tuple[int, str, dict[str, tuple[int, int]]]]:
    t = scores.table
    return {
        s: (sc, tier, {m["rule"]: (m["points"], m["events"]) for m in json.loads(mv)})
        for s, sc, tier, mv in zip(
            t.column("subject_id").to_pylist(),
            t.column("score").to_pylist(),
            t.column("tier").to_pylist(),
            t.column("moves").to_pylist(),
            strict=True,
        )
    }


@pytest.mark.parametrize("scheme_id", ["rongcheng", "suqian_xichu", "fuzhou_jasmine"])
@pytest.mark.parametrize("seed", [1, 2])
def test_job_matches_the_oracle(scheme_id: str, seed: int, tmp_path: Path) -> None:
    loaded = load_scheme(scheme_id)
    if scheme_id != "rongcheng":
        # the random world lives in Rongcheng and Fuzhou's Gulou district
        loaded = type(loaded)(
            loaded.scheme.model_copy(update={"area": ("371082", "350102")}),
            loaded.path,
            loaded.sha256,
            loaded.raw,
        )
    world = random_world(seed)
    for c in world.consents:
        c["scheme_id"] = loaded.scheme.id
    b = connect("duckdb")
    got = _by_subject(compute(loaded, load(b, snapshot(world, tmp_path)), b, ON))
    want = oracle(world, loaded.scheme, ON)
    assert got == want
    assert want, "the world scores somebody"
    assert any(m for _, _, m in want.values()), "and some rule moves a score"


def test_residents_are_found_by_their_latest_residence(tmp_path: Path) -> None:
    w = World(
        [
            # moved away from Rongcheng: not a resident any more
            record("R1", "moved", "residence", date(2001, 1, 1), attributes={"region": "371082"}),
            record("R2", "moved", "residence", date(2020, 1, 1), attributes={"region": "371002"}),
            # moved in
            record("R3", "arrived", "residence", date(2001, 1, 1), attributes={"region": "371002"}),
            record("R4", "arrived", "residence", date(2020, 1, 1), attributes={"region": "371082"}),
            # moves in after the as-of day: not yet a resident
            record("R5", "later", "residence", date(2026, 12, 1), attributes={"region": "371082"}),
            # a revoked residence record
            record(
                "R6",
                "revoked",
                "residence",
                date(2020, 1, 1),
                attributes={"region": "371082"},
                status="revoked",
            ),
        ],
        [consent(f"C{s}", s, date(2024, 1, 1)) for s in ("moved", "arrived", "later", "revoked")],
    )
    b = connect("duckdb")
    got = compute(load_scheme("rongcheng"), load(b, snapshot(w, tmp_path)), b, ON)
    assert got.table.column("subject_id").to_pylist() == ["arrived"]
    assert got.residents == 1


def test_consent_and_withdrawal_dates(tmp_path: Path) -> None:
    rows = [
        record(f"R{s}", s, "residence", date(2020, 1, 1), attributes={"region": "371082"})
        for s in ("a", "b", "c", "d", "e")
    ]
    rows.append(record("X1", "b", "court_dishonest_listing", date(2026, 1, 1)))
    w = World(
        rows,
        [
            consent("C1", "a", ON),  # from today: scored
            consent("C2", "b", date(2025, 1, 1), ON),  # withdrawn today: not scored
            consent("C3", "c", date(2025, 1, 1), date(2026, 10, 16)),  # withdraws tomorrow: scored
            consent("C4", "d", date(2026, 10, 16)),  # consents tomorrow: not yet
            consent("C5", "e", date(2025, 1, 1), scheme="suqian_xichu"),  # another scheme only
        ],
    )
    b = connect("duckdb")
    got = compute(load_scheme("rongcheng"), load(b, snapshot(w, tmp_path)), b, ON)
    assert got.table.column("subject_id").to_pylist() == ["a", "c"]
    assert got.residents == 5


def test_same_scores_on_duckdb_and_spark(tmp_path: Path, spark_backend: Any) -> None:
    world = random_world(7, people=80)
    snap = snapshot(world, tmp_path)
    scheme = load_scheme("rongcheng").scheme
    duck = connect("duckdb")
    order = ["subject_id", "rule_id"]
    a = collect(score_job(load(duck, snap), scheme=scheme, as_of=ON), duck, order)
    s = collect(score_job(load(spark_backend, snap), scheme=scheme, as_of=ON), spark_backend, order)
    assert a.num_rows > 10 and a.column("rule_id").null_count < a.num_rows
    assert a.schema == s.schema
    assert a.equals(s)


def _seed_store(store: Store) -> dict[str, str]:
    people = {"inside": "371082", "outside": "350102"}
    with store.write() as tx:
        tx.conn.execute(
            agencies.insert().values(
                code="a", name_zh="甲", sector="other", kinds=["residence"], created_at=NOW
            )
        )
        for s, region in people.items():
            tx.conn.execute(
                subjects.insert().values(
                    subject_id=s, kind="person", name=s, region="371082", first_seen_at=NOW
                )
            )
            row = record(f"R-{s}", s, "residence", date(2010, 1, 1), attributes={"region": region})
            row["attributes"] = json.loads(row["attributes"])
            tx.conn.execute(records.insert().values(**row))
        row = record("R-x", "inside", "court_dishonest_listing", date(2026, 3, 1))
        row["attributes"] = {}
        tx.conn.execute(records.insert().values(**row))
    return people


def test_store_round_trip(store: Store, tmp_path: Path) -> None:
    _seed_store(store)
    give(store, "rongcheng", "inside", date(2026, 1, 1))
    give(store, "rongcheng", "outside", date(2026, 1, 1))  # consents, but lives in Fuzhou
    ev = evaluate(store, load_scheme("rongcheng"), ON, work_dir=tmp_path)
    assert ev.summary()["scored"] == 1 and ev.summary()["residents"] == 1
    with store.read() as conn:
        rows = conn.execute(select(scheme_scores)).all()
        run = conn.execute(select(batch_runs)).one()
        actions = set(conn.execute(select(audit_log.c.action)).scalars())
    assert [(r.subject_id, r.score, r.tier) for r in rows] == [("inside", 950, "B")]
    assert rows[0].moves == [{"rule": "dishonest_judgment_debtor", "points": -50, "events": 1}]
    assert rows[0].scheme_version == "1" and rows[0].as_of == ON
    assert run.status == "done" and run.counts["scored"] == 1 and run.job == "scheme.evaluate"
    assert {
        "batch.snapshot",
        "batch.run.start",
        "scheme.scores.write",
        "batch.run.finish",
        "scheme.consent.give",
    } <= actions
    # withdrawal stops scoring from its date; the records stay
    withdraw(store, "rongcheng", "inside", date(2026, 10, 1))
    ev2 = evaluate(store, load_scheme("rongcheng"), ON, work_dir=tmp_path / "2")
    assert ev2.summary()["scored"] == 0
    assert (
        evaluate(
            store, load_scheme("rongcheng"), date(2026, 9, 30), work_dir=tmp_path / "3"
        ).summary()["scored"]
        == 1
    )
    with store.read() as conn:
        assert conn.execute(
            select(records.c.record_id).where(records.c.record_id == "R-x")
        ).scalar()


def test_consent_rules(store: Store) -> None:
    from xinyong.errors import Conflict, NotFound, RuleRefused

    _seed_store(store)
    give(store, "rongcheng", "inside", date(2026, 1, 1))
    with pytest.raises(Conflict):
        give(store, "rongcheng", "inside", date(2026, 2, 1))
    with pytest.raises(RuleRefused):
        withdraw(store, "rongcheng", "inside", date(2025, 12, 31))
    with pytest.raises(NotFound):
        withdraw(store, "rongcheng", "outside", date(2026, 2, 1))
    with pytest.raises(NotFound):
        give(store, "rongcheng", "nobody", date(2026, 2, 1))
    withdraw(store, "rongcheng", "inside", date(2026, 2, 1))
    give(store, "rongcheng", "inside", date(2026, 3, 1))  # again, a new consent
