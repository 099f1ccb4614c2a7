"""Synthetic lender feeds (deterministic, realistic shares) and the platform's person score
fitted on them, shown in a report with its reason codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.support.feeds import person_ric

from xinyong.catalogue import get_catalogue
from xinyong.errors import RuleRefused
from xinyong.reporting.ingest import FeedRequest, ingest_feed
from xinyong.reporting.lenders import Lender, add_lender
from xinyong.reporting.queries import obtain_report
from xinyong.reporting.scoring import fit_person_score, latest_card
from xinyong.store.actors import get_principal
from xinyong.store.context import Store
from xinyong.synth.reporting import LENDERS, Borrower, generate_lender_feeds

DAY = date(2026, 11, 27)


def _borrowers(n: int) -> list[Borrower]:
    return [
        Borrower(
            "ric",
            person_ric(i % 800, born=date(1960 + i // 800, 1 + i % 12, 1 + i % 28)),
            f"测试{i}",
            "person",
        )
        for i in range(n)
    ]


def test_same_seed_same_bytes_and_realistic_shares(tmp_path: Path) -> None:
    a = generate_lender_feeds(_borrowers(400), tmp_path / "a", seed=5, as_of=DAY, max_borrowers=300)
    b = generate_lender_feeds(_borrowers(400), tmp_path / "b", seed=5, as_of=DAY, max_borrowers=300)
    c = generate_lender_feeds(_borrowers(400), tmp_path / "c", seed=6, as_of=DAY, max_borrowers=300)
    for code in a.files:
        assert a.files[code].read_bytes() == b.files[code].read_bytes()
    assert any(a.files[k].read_bytes() != c.files[k].read_bytes() for k in a.files)
    shares = a.status_shares
    overdue = sum(v for k, v in shares.items() if k.isdigit())
    assert shares["N"] > 0.85 and 0.002 < overdue < 0.05
    assert shares.get("D", 0) + shares.get("Z", 0) + shares.get("G", 0) < 0.005


def test_person_score_fitted_on_synthetic_feeds_shows_in_the_report(tmp_path: Path) -> None:
    """On SQLite only: the fit reads accounts and statuses with plain selects, which the
    engine-parametrised tests cover on both engines."""
    from xinyong.settings import Settings
    from xinyong.store.actors import ensure_local_admin
    from xinyong.store.migrate import upgrade

    store = Store(f"sqlite:///{tmp_path / 's.db'}", Settings(signing_key_path=tmp_path / "k"))
    upgrade(store)
    with store.write() as tx:
        ensure_local_admin(tx)
    with store.write() as tx:
        for sl in LENDERS:
            add_lender(
                tx, Lender(code=sl.code, name_zh=sl.name_zh, uscc=sl.uscc, licence=sl.licence)
            )
    with pytest.raises(RuleRefused, match="too little"):
        fit_person_score(store, on=DAY)
    res = generate_lender_feeds(
        _borrowers(900), tmp_path, seed=3, as_of=DAY, max_borrowers=900, share=1.0
    )
    for code, path in res.files.items():
        r = ingest_feed(store, FeedRequest(path=path, lender=code, today=DAY))
        assert r.rows == res.rows[code] and r.accepted > 0
    version, card, metrics = fit_person_score(store, on=DAY, seed=1)
    assert version == 1 and metrics["rows"] >= 400
    assert metrics["auc"] > 0.6  # synthetic: the plumbing finds the planted risk
    assert "worst_status_24m" in card.names or "months_since_delinquency" in card.names
    with store.read() as conn:
        found = latest_card(conn)
        admin = get_principal(conn, "admin")
        from sqlalchemy import select

        from xinyong.store.tables import credit_accounts, credit_statuses

        sid = conn.execute(
            select(credit_accounts.c.subject_id)
            .join(credit_statuses, credit_statuses.c.account_id == credit_accounts.c.account_id)
            .where(credit_statuses.c.status.in_(["2", "3", "4"]))
            .order_by(credit_accounts.c.account_no)
            .limit(1)
        ).scalar_one()
    assert found is not None and found[0] == 1 and found[1].names == card.names
    assert admin is not None
    rep = obtain_report(
        store, get_catalogue(), admin, sid, purpose=None, channel="cli", self_query=True, on=DAY
    )
    score = rep.summary.score
    assert score is not None and score.card_version == 1
    assert 300 <= score.score <= 850
    assert 1 <= len(score.reasons) <= 5
    assert all(x.points_lost > 0 for x in score.reasons)
    assert "plumbing" in score.note
