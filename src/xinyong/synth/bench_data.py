"""One large national-standard penalties CSV for the ingest benchmark.

``write_penalty_benchmark`` writes ``rows`` data rows of the 行政处罚 double-
publicity standard, as the Rongcheng credit platform would forward them:

* originals: distinct decisions (document number + subject), in date order;
* duplicates: exact repeats of an earlier original (never of a superseded one,
  so each is a duplicate of the current version);
* supersessions: an earlier original's document number and subject again, with
  changed content (fine amount, facts or penalty types), each original at most once;
* bad rows: fresh decisions broken in one known way (``badrows.CAUSES``), spread
  through the file.

The counts returned are those written. Subjects come from the synthetic
population (valid resident IDs and USCCs); rows are built from precomputed
numpy arrays and written in batches, so a million rows take seconds.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from xinyong.synth.badrows import Breaker
from xinyong.synth.feeds import (
    ALL_CAUSES,
    DATE_STYLES,
    PENALTY_COLUMNS,
    Row,
    fen_to_wan,
    fen_to_yuan,
    format_date,
    templates,
)
from xinyong.synth.manifest import AgencyDirectory
from xinyong.synth.population import (
    CAT_INDEX,
    Geography,
    SubjectState,
    day,
    growth_dates,
    iso,
    make_orgs,
    make_persons,
)

#: the causes a penalty row can carry (all of them)
BENCH_CAUSES = ALL_CAUSES
BENCH_CAUSES = (
    "uscc_check_char",
    "ric_check_char",
    "impossible_birth_date",
    "missing_decision_no",
    "unparseable_date",
    "future_date",
    "non_numeric_amount",
    "unknown_subject_category",
    "no_person_identifier",
)
_BATCH = 50_000


def write_penalty_benchmark(
    path: Path,
    *,
    rows: int = 1_000_000,
    bad_share: float = 0.02,
    duplicate_share: float = 0.10,
    supersede_share: float = 0.05,
    seed: int = 0,
    encoding: str = "utf-8",
    as_of: date | None = None,
    persons: int = 200_000,
    organisations: int = 100_000,
) -> dict[str, Any]:
    """Write the benchmark file; return the exact counts written and the agencies.

    ``encoding`` is any Python codec (``utf-8``, ``utf-8-sig``, ``gb18030``).
    ``as_of`` (default: today in China) bounds the decision dates; future-date
    bad rows lie after it.
    """
    if as_of is None:
        from xinyong.synth import today_cst

        as_of = today_cst()
    if not 0 <= bad_share + duplicate_share + supersede_share < 1:
        raise ValueError("bad, duplicate and supersede shares must sum to less than 1")
    path = Path(path)
    rng = np.random.default_rng([seed, 77])
    n_bad = round(rows * bad_share)
    n_dup = round(rows * duplicate_share)
    n_sup = round(rows * supersede_share)
    n_orig = rows - n_bad - n_dup - n_sup

    # subjects --------------------------------------------------------------------
    geo = Geography("rongcheng")
    state = SubjectState(geo, as_of)
    pb = make_persons(state, np.random.default_rng([seed, 78]), 0, persons)
    ob = make_orgs(state, np.random.default_rng([seed, 79]), 0, organisations, pb)
    agencies = AgencyDirectory(geo)
    channel = agencies.channel("ndrc")
    channel.kinds.add("administrative_penalty")

    tpl = templates()
    pens = tpl.penalties
    adults = np.flatnonzero(pb.age >= 18)
    is_org = np.isin(ob.category, [CAT_INDEX["91"], CAT_INDEX["93"]])
    is_ib = ob.category == CAT_INDEX["92"]
    # (template, subject type) pairs with their weights and eligible subjects
    pairs: list[tuple[int, str, np.ndarray]] = []
    w: list[float] = []
    for ti, t in enumerate(pens):
        for stype in sorted(t.subjects):
            if stype == "person":
                idx = adults
            else:
                mask = is_org if stype == "org" else is_ib
                if t.tags:
                    mask = mask & np.array([bool(t.tags & tg) for tg in ob.tags])
                idx = np.flatnonzero(mask)
            if len(idx):
                pairs.append((ti, stype, idx))
                w.append(t.weight * (0.4 if stype == "person" else 1.0))
    wv = np.array(w) / sum(w)

    # originals and bad-row sources share one pool of decisions ----------------------
    n_pool = n_orig + n_bad
    pair = rng.choice(len(pairs), size=n_pool, p=wv)
    subj = np.zeros(n_pool, dtype=np.int64)
    for k, (_, _, idx) in enumerate(pairs):
        sel = np.flatnonzero(pair == k)
        subj[sel] = idx[rng.integers(0, len(idx), size=len(sel))]
    start = day(date(2019, 1, 1))
    as_day = day(as_of)
    when = growth_dates(rng, np.full(n_pool, start), np.full(n_pool, as_day), 1.18)
    u = rng.random((n_pool, 5))
    outcome = np.zeros(n_pool, dtype=np.int64)
    fine = np.zeros(n_pool, dtype=np.int64)
    gain = np.zeros(n_pool, dtype=np.int64)
    for k, (ti, _, _) in enumerate(pairs):
        sel = np.flatnonzero(pair == k)
        if not len(sel):
            continue
        outs = pens[ti].outcomes
        ow = np.array([o.weight for o in outs])
        oc = rng.choice(len(outs), size=len(sel), p=ow / ow.sum())
        outcome[sel] = oc
        for oi, out in enumerate(outs):
            s2 = sel[oc == oi]
            if out.fine:
                lo, hi = np.log(out.fine[0]), np.log(out.fine[1])
                yuan = np.exp(lo + u[s2, 0] * (hi - lo))
                step = np.select([yuan < 1e3, yuan < 1e4, yuan < 1e5], [50, 100, 500], 1000)
                fine[s2] = np.maximum(step, np.round(yuan / step) * step).astype(np.int64) * 100
            if out.gain:
                lo, hi = np.log(out.gain[0] * 100), np.log(out.gain[1] * 100)
                gain[s2] = np.exp(lo + u[s2, 1] * (hi - lo)).astype(np.int64)
    # originals in date order; bad-row sources are the last n_bad of the pool
    order = np.argsort(when[:n_orig], kind="stable")
    pool_order = np.concatenate([order, np.arange(n_orig, n_pool)])
    role = np.array([pens[pairs[k][0]].role for k in range(len(pairs))])[pair]
    years = iso(when)
    style = rng.choice(3, size=n_pool, p=[0.5, 0.35, 0.15])
    display = u[:, 3] < 0.4

    # decision numbers: per deciding authority and year, in date order
    authority = {r: agencies.authority(r, 0) for r in sorted(set(role.tolist()))}
    for a in authority.values():
        a.kinds.add("administrative_penalty")
    numbers = np.zeros(n_pool, dtype=np.int64)
    counters: Counter[tuple[str, int]] = Counter()
    for i in pool_order.tolist():
        nk = (str(role[i]), int(years[i][:4]))
        counters[nk] += 1
        numbers[i] = counters[nk]

    fields = [f for _, f in PENALTY_COLUMNS]
    places = tpl.raw["places"]
    periods = tpl.raw["periods"]
    # plain Python values: per-row numpy scalar access would dominate the run time
    pair_l, outcome_l, subj_l = pair.tolist(), outcome.tolist(), subj.tolist()
    fine_l, gain_l, numbers_l, style_l = (
        fine.tolist(),
        gain.tolist(),
        numbers.tolist(),
        style.tolist(),
    )
    display_l = display.tolist()
    u2, u3, u4 = u[:, 2].tolist(), u[:, 3].tolist(), u[:, 4].tolist()
    auth_of = {ti: authority[t.role] for ti, t in enumerate(pens) if t.role in authority}
    tail = [channel.name_zh, channel.uscc, ""]
    subject_cache: dict[tuple[str, int], list[str]] = {}

    def subject_part(stype: str, s: int) -> list[str]:
        """The 13 subject columns (行政相对人名称 … 证件号码)."""
        key = (stype, s)
        part = subject_cache.get(key)
        if part is None:
            if stype == "person":
                id_type = "护照" if pb.foreign[s] else "身份证"
                part = [pb.names[s], "自然人", *[""] * 9, id_type, pb.id_numbers[s]]
            else:
                rep = int(ob.legal_rep[s])
                part = [
                    ob.names[s], ob.cat(s).subject_category, ob.uscc[s], "", "", "", "", "",
                    pb.names[rep], "身份证", pb.id_numbers[rep], "", "",
                ]  # fmt: skip
            subject_cache[key] = part
        return part

    def build(i: int, variant: int = 0) -> list[str]:
        ti, stype, _ = pairs[pair_l[i]]
        t = pens[ti]
        out = t.outcomes[outcome_l[i]]
        fine_fen = fine_l[i]
        gain_fen = gain_l[i]
        uu = (0.0, 0.0, u2[i], u3[i], u4[i])
        types = out.types
        facts = t.facts
        if "{" in facts:
            facts = facts.format(
                value=fen_to_yuan(max(gain_fen, 50_000) * (2 + int(uu[2] * 5)))
                if "{value}" in facts
                else "",
                gain=fen_to_yuan(gain_fen) if "{gain}" in facts else "",
                place=places[int(uu[3] * len(places))],
                ratio=f"{0.2 + uu[2] * 3:.1f}",
                count=3 + int(uu[3] * 40),
                period=periods[int(uu[2] * len(periods))],
            )
        if variant == 1:  # corrected amount
            fine_fen = fine_fen + 100 * (500 + int(uu[4] * 20) * 500) if fine_fen else 200_000
            if "罚款" not in types:
                types = (*types, "罚款")
        elif variant == 2:  # corrected facts
            facts = facts + "（经复核更正）"
        elif variant == 3:  # corrected penalty types
            if "警告" not in types:
                types = ("警告", *types)
            else:
                facts = facts + "（经复核更正）"
        content = []
        for ty in types:
            if ty == "罚款":
                content.append(f"罚款人民币{fen_to_yuan(fine_fen)}元")
            elif ty == "没收违法所得":
                content.append(f"没收违法所得人民币{fen_to_yuan(gain_fen)}元")
            else:
                content.append(ty)
        a = auth_of[ti]
        y = years[i]
        st = DATE_STYLES[style_l[i]]
        shown = display_l[i] and y[5:] != "02-29"
        return [
            *subject_part(stype, subj_l[i]),
            f"{a.doc}罚〔{y[:4]}〕{numbers_l[i]}号",
            t.type,
            facts,
            t.basis,
            ";".join(types),
            "，".join(content),
            fen_to_wan(fine_fen) if fine_fen else "",
            fen_to_wan(gain_fen) if gain_fen else "",
            "",
            format_date(y, st),
            "",
            format_date(f"{int(y[:4]) + 1}{y[4:]}", st) if shown else "",
            a.name_zh,
            a.uscc,
            *tail,
        ]

    statics: dict[tuple[int, int], tuple[str, str, str, str, bool]] = {}
    joined_subjects: dict[tuple[str, int], str] = {}

    def line(i: int) -> str:
        """``",".join(build(i))`` from precomputed pieces (originals and duplicates)."""
        ti, stype, _ = pairs[pair_l[i]]
        oi = outcome_l[i]
        st_ = statics.get((ti, oi))
        if st_ is None:
            t = pens[ti]
            out = t.outcomes[oi]
            parts = []
            for ty in out.types:
                if ty == "罚款":
                    parts.append("罚款人民币{fine}元")
                elif ty == "没收违法所得":
                    parts.append("没收违法所得人民币{gain}元")
                else:
                    parts.append(ty)
            a = auth_of[ti]
            st_ = statics[(ti, oi)] = (
                f"{t.type},",
                f",{t.basis},{';'.join(out.types)},",
                "，".join(parts),
                f",{a.name_zh},{a.uscc},{','.join(tail)}",
                "{" in t.facts,
            )
        head, mid, content_fmt, end, fmt_facts = st_
        subj_key = (stype, subj_l[i])
        subject = joined_subjects.get(subj_key)
        if subject is None:
            subject = joined_subjects[subj_key] = ",".join(subject_part(stype, subj_l[i]))
        t = pens[ti]
        fine_fen = fine_l[i]
        gain_fen = gain_l[i]
        facts = t.facts
        if fmt_facts:
            facts = facts.format(
                value=fen_to_yuan(max(gain_fen, 50_000) * (2 + int(u2[i] * 5)))
                if "{value}" in facts
                else "",
                gain=fen_to_yuan(gain_fen) if "{gain}" in facts else "",
                place=places[int(u3[i] * len(places))],
                ratio=f"{0.2 + u2[i] * 3:.1f}",
                count=3 + int(u3[i] * 40),
                period=periods[int(u2[i] * len(periods))],
            )
        content = content_fmt
        if "{" in content:
            content = content.format(fine=fen_to_yuan(fine_fen), gain=fen_to_yuan(gain_fen))
        y = years[i]
        st = DATE_STYLES[style_l[i]]
        shown = display_l[i] and y[5:] != "02-29"
        return (
            f"{subject},{auth_of[ti].doc}罚〔{y[:4]}〕{numbers_l[i]}号,{head}{facts}{mid}"
            f"{content},{fen_to_wan(fine_fen) if fine_fen else ''},"
            f"{fen_to_wan(gain_fen) if gain_fen else ''},,{format_date(y, st)},,"
            f"{format_date(f'{int(y[:4]) + 1}{y[4:]}', st) if shown else ''}{end}"
        )

    # the file's order: repeats come after their source, bad rows anywhere ------------
    sup_src = rng.choice(n_orig, size=n_sup, replace=False) if n_sup else np.zeros(0, int)
    superseded = np.zeros(n_orig, dtype=bool)
    superseded[sup_src] = True
    dup_pool = np.flatnonzero(~superseded)
    dup_src = dup_pool[rng.integers(0, len(dup_pool), size=n_dup)] if n_dup else dup_pool[:0]
    rank = np.empty(n_orig, dtype=np.float64)  # position of each original in date order
    rank[order] = np.arange(n_orig)
    kinds = np.concatenate(
        [np.zeros(n_orig), np.ones(n_dup), np.full(n_sup, 2), np.full(n_bad, 3)]
    ).astype(np.int64)
    src = np.concatenate([order, dup_src, sup_src, np.arange(n_orig, n_pool)])
    key = np.concatenate(
        [
            np.arange(n_orig, dtype=np.float64),
            rank[dup_src] + 0.5 + rng.random(n_dup) * (n_orig - rank[dup_src]),
            rank[sup_src] + 0.5 + rng.random(n_sup) * (n_orig - rank[sup_src]),
            rng.random(n_bad) * n_orig,
        ]
    )
    final = np.argsort(key, kind="stable")

    breaker = Breaker(as_of, "decision_no", canonical=False)
    pending = list(BENCH_CAUSES)
    eligible = {c: breaker.eligible(c) for c in BENCH_CAUSES}
    bad_counts: Counter[str] = Counter()
    written = Counter[str]()
    n_cols = len(fields)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([h for h, _ in PENALTY_COLUMNS])
        batch: list[str] = []
        quoted = io.StringIO()
        quoting = csv.writer(quoted, lineterminator="\r\n")
        for f_i in final.tolist():
            kind = int(kinds[f_i])
            i = int(src[f_i])
            if kind <= 1:
                text = line(i)
                written["duplicates" if kind else "originals"] += 1
                if text.count(",") == n_cols - 1 and '"' not in text:
                    batch.append(text + "\r\n")
                    if len(batch) >= _BATCH:
                        fh.write("".join(batch))
                        batch.clear()
                    continue
                cells = build(i)
            elif kind == 2:
                cells = build(i, variant=1 + int(u4[i] * 3))
                written["supersessions"] += 1
            else:
                row: Row = dict(zip(fields, build(i), strict=True))
                # the first pending cause this row can carry; the others stay pending
                for k, cause in enumerate(pending):
                    if eligible[cause](row):
                        pending.append(pending.pop(k))
                        breaker.break_row(row, cause, rng)
                        bad_counts[cause] += 1
                        written["bad"] += 1
                        break
                cells = [row.get(f, "") for f in fields]
            text = ",".join(cells)
            if text.count(",") != n_cols - 1 or '"' in text or "\n" in text or "\r" in text:
                # a field needs CSV quoting: let the csv module write this row
                quoted.seek(0)
                quoted.truncate()
                quoting.writerow(cells)
                batch.append(quoted.getvalue())
            else:
                batch.append(text + "\r\n")
            if len(batch) >= _BATCH:
                fh.write("".join(batch))
                batch.clear()
        fh.write("".join(batch))

    entries = [a.entry() for a in [channel, *authority.values()]]
    return {
        "path": str(path),
        "mapping": "penalty_national",
        "encoding": encoding,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "rows": sum(written.values()),
        "originals": written["originals"],
        "bad": written["bad"],
        "duplicates": written["duplicates"],
        "supersessions": written["supersessions"],
        "bad_causes": {c: bad_counts[c] for c in BENCH_CAUSES if bad_counts[c]},
        "agency": entries[0].model_dump(mode="json"),
        "agencies": [e.model_dump(mode="json") for e in entries],
    }
