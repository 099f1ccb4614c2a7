"""The platform's person score: a card fitted with ``xinyong.scorecard`` on the reporting
data in the store, kept versioned in the store (``reporting_scorecards``), applied in
persons' reports with its reason codes.

Fitting takes an observation day 12 months before ``on``: features from what was known
then, the target whether any account reached 60+ days overdue (or D/Z) in the 12 months
after. A 30 % holdout (seeded) gives the recorded AUC and KS. On synthetic data those
numbers show only that the plumbing works (docs/reporting.md).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, func, insert, select

from xinyong.audit.log import now_utc
from xinyong.errors import RuleRefused
from xinyong.reporting import codes
from xinyong.reporting.features import FEATURES, AccountHistory, features, went_bad
from xinyong.reporting.model import ReasonLine, ScoreView
from xinyong.scorecard import Card, FitOptions, Scorer, card_from_json, evaluate, fit_scorecard
from xinyong.scorecard.reasons import inquiry_mask, reason_codes
from xinyong.store.context import Store
from xinyong.store.tables import (
    credit_accounts,
    credit_statuses,
    report_queries,
    reporting_scorecards,
    subjects,
)

HORIZON_MONTHS = 12
MIN_ROWS = 200
MIN_BAD = 20


def histories(
    conn: Connection, subject_ids: list[str] | None = None
) -> dict[str, list[AccountHistory]]:
    """Every account of the subjects (all persons when None) with its monthly statuses."""
    q = select(
        credit_accounts.c.account_id,
        credit_accounts.c.subject_id,
        credit_accounts.c.kind,
        credit_accounts.c.opened_on,
        credit_accounts.c.closed_on,
        credit_accounts.c.amount_fen,
    )
    if subject_ids is not None:
        q = q.where(credit_accounts.c.subject_id.in_(subject_ids))
    else:
        q = q.join(subjects, subjects.c.subject_id == credit_accounts.c.subject_id).where(
            subjects.c.kind == "person"
        )
    accs = {r.account_id: r for r in conn.execute(q)}
    months: dict[str, dict[int, tuple[str, int | None]]] = defaultdict(dict)
    ids = sorted(accs)
    for i in range(0, len(ids), 900):
        part = ids[i : i + 900]
        for s in conn.execute(
            select(
                credit_statuses.c.account_id,
                credit_statuses.c.month,
                credit_statuses.c.status,
                credit_statuses.c.balance_fen,
            ).where(credit_statuses.c.account_id.in_(part))
        ):
            months[s.account_id][codes.parse_month(s.month)] = (s.status, s.balance_fen)
    out: dict[str, list[AccountHistory]] = defaultdict(list)
    for aid in ids:
        a = accs[aid]
        out[a.subject_id].append(
            AccountHistory(a.kind, a.opened_on, a.closed_on, int(a.amount_fen), months.get(aid, {}))
        )
    return dict(out)


def inquiry_days(conn: Connection, subject_ids: list[str] | None = None) -> dict[str, list[date]]:
    q = select(report_queries.c.subject_id, report_queries.c.query_on).where(
        report_queries.c.kind == "third_party",
        report_queries.c.purpose.in_(["loan_approval", "credit_card_approval"]),
    )
    if subject_ids is not None:
        q = q.where(report_queries.c.subject_id.in_(subject_ids))
    out: dict[str, list[date]] = defaultdict(list)
    for sid, d in conn.execute(q):
        out[sid].append(d)
    return dict(out)


def training_table(conn: Connection, on: date) -> pa.Table:
    """One row per person with an account opened by the observation day: features + target."""
    obs = codes.month_end(codes.month_of(on) - HORIZON_MONTHS - 1)
    inq = inquiry_days(conn)
    cols: dict[str, list[Any]] = {name: [] for name in FEATURES}
    bad: list[str] = []
    for sid, accs in sorted(histories(conn).items()):
        if not any(a.opened_on <= obs and a.kind != "guarantee" for a in accs):
            continue
        f = features(accs, inq.get(sid, []), obs)
        for name in FEATURES:
            cols[name].append(f[name])
        bad.append("1" if went_bad(accs, obs, HORIZON_MONTHS) else "0")
    table = {n: pa.array(v, type=pa.float64()) for n, v in cols.items()}
    table["bad"] = pa.array(bad, type=pa.string())
    return pa.table(table)


def fit_person_score(
    store: Store, *, on: date, seed: int = 0, actor: str | None = None
) -> tuple[int, Card, dict[str, Any]]:
    """Fit, evaluate on a holdout, store as the next version; (version, card, metrics)."""
    with store.read() as conn:
        data = training_table(conn, on)
    n = data.num_rows
    is_bad = np.asarray(data.column("bad").to_pylist()) == "1"
    if n < MIN_ROWS or int(is_bad.sum()) < MIN_BAD:
        raise RuleRefused(
            f"too little reporting data to fit a score: {n} persons, {int(is_bad.sum())} bad "
            f"(needs {MIN_ROWS} and {MIN_BAD})",
            code="too_little_data",
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    cut = int(n * 0.7)
    train, test = np.sort(order[:cut]), np.sort(order[cut:])
    card, l2_c = _fit(data.take(pa.array(train)), seed)
    scores = Scorer(card).score(data.take(pa.array(test)))
    m = evaluate(scores, is_bad[test])
    metrics = {
        **m.as_json(),
        "rows": n,
        "bad_rate": round(float(is_bad.mean()), 4),
        "holdout": 0.3,
        "observed_on": codes.month_end(codes.month_of(on) - HORIZON_MONTHS - 1).isoformat(),
        "horizon_months": HORIZON_MONTHS,
        "l2_c": l2_c,
        "note": "synthetic data: proves the plumbing only",
    }
    with store.write(actor) as tx:
        last = tx.conn.execute(select(func.max(reporting_scorecards.c.version))).scalar()
        version = int(last or 0) + 1
        tx.conn.execute(
            insert(reporting_scorecards).values(
                version=version,
                card=card.to_json(),
                metrics=metrics,
                rows=n,
                fitted_at=now_utc(),
                fitted_by=tx.actor,
            )
        )
        tx.audit(
            "reporting.score_fitted",
            "scorecard",
            str(version),
            {"rows": n, "auc": metrics["auc"], "characteristics": card.names},
        )
    return version, card, metrics


def _fit(train: pa.Table, seed: int) -> tuple[Card, float]:
    """Fit with the scorecard's frozen defaults (the card records its L2 strength)."""
    opts = FitOptions(seed=seed)
    card = fit_scorecard(
        train, target="bad", bad="1", options=opts, source="xinyong reporting person score"
    )
    return card, opts.l2_c


def latest_card(conn: Connection) -> tuple[int, Card] | None:
    row = conn.execute(
        select(reporting_scorecards.c.version, reporting_scorecards.c.card)
        .order_by(reporting_scorecards.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return int(row.version), card_from_json(row.card, origin=f"person score v{row.version}")


def score_view(version: int, card: Card, feats: dict[str, float | None]) -> ScoreView:
    """The score and its reason codes (up to 4 key factors, plus inquiries) for one person."""
    scorer = Scorer(card)
    table = pa.table({n: pa.array([feats.get(n)], type=pa.float64()) for n in card.names})
    _, _, scores, mat = next(scorer.iter_points(table))
    inq = inquiry_mask(card.names, card.reasons.inquiry_patterns)
    rc = reason_codes(mat, scorer.max_points, inquiries=inq, max_reasons=card.reasons.max_reasons)
    reasons = []
    for j in rc[0]:
        if j < 0:
            continue
        name = card.names[int(j)]
        reasons.append(
            ReasonLine(
                characteristic=name,
                description=FEATURES.get(name, (name, name))[0],
                points_lost=round(float(scorer.max_points[int(j)] - mat[0, int(j)]), 2),
            )
        )
    return ScoreView(
        score=float(scores[0]),
        card_version=version,
        range=card.score_range,
        reasons=reasons,
    )
