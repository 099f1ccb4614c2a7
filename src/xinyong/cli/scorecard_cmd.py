"""``xinyong scorecard``: fit a credit scorecard, score with reason codes, evaluate, monitor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import JsonOption, console, print_json

app = typer.Typer(
    help="Credit scorecards: fit, score with reason codes, evaluate, monitor (docs/scorecard.md).",
    no_args_is_help=True,
)

CardOption = Annotated[Path, typer.Option("--card", help="The card JSON (from `scorecard fit`).")]
EncodingOption = Annotated[
    str, typer.Option("--encoding", help="Text encoding of the CSV files (e.g. gb18030).")
]


def _range(value: str) -> tuple[float, float] | None:
    from xinyong.errors import UsageError

    if value.strip().lower() in ("none", "off", ""):
        return None
    for sep in ("-", ":", ","):
        lo, s, hi = value.partition(sep)
        if s:
            try:
                a, b = float(lo), float(hi)
            except ValueError:
                break
            if a < b:
                return a, b
            break
    raise UsageError(f"--range {value!r}: expected LOW-HIGH, e.g. 300-850 (or none)")


@app.command("fit")
def fit(
    data: Annotated[Path, typer.Option("--data", help="Training CSV with a header row.")],
    target: Annotated[str, typer.Option("--target", help="The outcome column.")],
    bad: Annotated[str, typer.Option("--bad", help="The target's value meaning bad.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the card JSON.")],
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the row sample (with --sample-rows).")
    ] = 0,
    categorical: Annotated[
        list[str] | None,
        typer.Option("--categorical", help="Treat this numeric column as categorical (repeat)."),
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Leave this column out (repeat).")
    ] = None,
    score_range: Annotated[
        str, typer.Option("--range", help="Score range LOW-HIGH, or none.")
    ] = "300-850",
    range_method: Annotated[
        str, typer.Option("--range-method", help="clip (keeps the PDO) or scale.")
    ] = "clip",
    pdo: Annotated[float, typer.Option("--pdo", help="Points to double the odds.")] = 20.0,
    base_score: Annotated[
        float, typer.Option("--base-score", help="Score at the base odds.")
    ] = 600.0,
    base_odds: Annotated[float, typer.Option("--base-odds", help="Base good:bad odds.")] = 50.0,
    sample_rows: Annotated[
        int | None, typer.Option("--sample-rows", help="Fit on a random sample of N rows.")
    ] = None,
    encoding: EncodingOption = "utf-8",
    json_: JsonOption = False,
) -> None:
    """Fit a scorecard on every other column (numeric and categorical, missing allowed)."""
    from typing import Literal, cast

    from xinyong.errors import UsageError
    from xinyong.scorecard import io
    from xinyong.scorecard.card import save_card
    from xinyong.scorecard.fit import FitOptions, fit_scorecard

    if range_method not in ("clip", "scale"):
        raise UsageError("--range-method must be clip or scale")
    if pdo <= 0 or base_odds <= 0:
        raise UsageError("--pdo and --base-odds must be positive")
    if sample_rows is not None and sample_rows < 2:
        raise UsageError("--sample-rows must be at least 2")
    range_ = _range(score_range)
    names = io.header(data, encoding=encoding)
    io.require_columns(data, names, [target, *(categorical or []), *(exclude or [])], "asked for")
    table = io.read_csv(data, text_columns=[target, *(categorical or [])], encoding=encoding)
    opts = FitOptions(
        pdo=pdo,
        base_score=base_score,
        base_odds=base_odds,
        score_range=range_,
        range_method=cast(Literal["clip", "scale"], range_method),
        categorical=tuple(categorical or ()),
        exclude=tuple(exclude or ()),
        sample_rows=sample_rows,
        seed=seed,
    )
    card = fit_scorecard(table, target=target, bad=bad, options=opts)
    save_card(card, out)
    fit_meta = card.fit or {}
    if json_:
        print_json(
            {
                "out": str(out),
                "rows": fit_meta.get("n"),
                "bad": fit_meta.get("n_bad"),
                "characteristics": card.names,
                "dropped": fit_meta.get("dropped", {}),
            }
        )
        return
    t = Table("characteristic", "kind", "bins", "IV", "points (min – max)")
    for ch in card.characteristics:
        pts = ch.all_points()
        t.add_row(
            ch.name,
            ch.kind,
            str(len(ch.points)),
            f"{ch.stats.iv:.3f}" if ch.stats else "",
            f"{min(pts):g} – {max(pts):g}",
        )
    console.print(t)
    for name, why in fit_meta.get("dropped", {}).items():
        console.print(f"dropped {name}: {why}")
    console.print(
        f"card written to {out}: {len(card.characteristics)} characteristics, "
        f"{fit_meta.get('n')} rows ({fit_meta.get('n_bad')} bad), base points {card.base_points:g}"
    )


@app.command("score")
def score(
    card_path: CardOption,
    data: Annotated[Path, typer.Option("--data", help="CSV to score.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the scores CSV.")],
    id_columns: Annotated[
        list[str] | None, typer.Option("--id", help="Copy this column to the output (repeat).")
    ] = None,
    encoding: EncodingOption = "utf-8",
    json_: JsonOption = False,
) -> None:
    """Write each row's score and reason codes (up to 4 key factors, a 5th for inquiries)."""
    from collections.abc import Iterator
    from typing import Any

    from xinyong.scorecard import io
    from xinyong.scorecard.card import load_card
    from xinyong.scorecard.reasons import inquiry_mask, reason_codes
    from xinyong.scorecard.scorer import Scorer

    card = load_card(card_path)
    scorer = Scorer(card)
    ids = list(id_columns or [])
    names = io.header(data, encoding=encoding)
    io.require_columns(data, names, card.names, "characteristics of the card")
    io.require_columns(data, names, ids, "--id")
    cats = [c.name for c in card.characteristics if c.kind == "categorical"]
    cols = list(dict.fromkeys([*ids, *card.names]))
    table = io.read_csv(data, columns=cols, text_columns=[*cats, *ids], encoding=encoding)
    inq = inquiry_mask(card.names, card.reasons.inquiry_patterns)
    n_reasons = card.reasons.max_reasons + 1
    integer = (
        all(float(p).is_integer() for ch in card.characteristics for p in ch.all_points())
        and float(card.base_points).is_integer()
    )

    def blocks() -> Iterator[tuple[dict[str, Any], Any, Any]]:
        for s, e, scores, mat in scorer.iter_points(table):
            rc = reason_codes(
                mat, scorer.max_points, inquiries=inq, max_reasons=card.reasons.max_reasons
            )
            id_arrays = {c: table.column(c).slice(s, e - s).combine_chunks() for c in ids}
            yield id_arrays, scores, rc

    rows = io.write_scores(
        out,
        blocks(),
        reason_names=[p.reason for p in scorer.parts],
        n_reasons=n_reasons,
        integer_scores=integer,
    )
    if json_:
        print_json({"rows": rows, "out": str(out)})
    else:
        console.print(f"scored {rows} rows to {out}")


@app.command("evaluate")
def evaluate(
    card_path: CardOption,
    data: Annotated[Path, typer.Option("--data", help="CSV with the outcome column.")],
    target: Annotated[
        str | None, typer.Option("--target", help="The outcome column (default: the card's).")
    ] = None,
    bad: Annotated[
        str | None, typer.Option("--bad", help="The value meaning bad (default: the card's).")
    ] = None,
    encoding: EncodingOption = "utf-8",
    json_: JsonOption = False,
) -> None:
    """Discrimination of the card on labelled data: n, AUC, KS, Gini."""
    from xinyong.errors import UsageError
    from xinyong.scorecard import io
    from xinyong.scorecard.card import load_card
    from xinyong.scorecard.fit import target_is_bad
    from xinyong.scorecard.metrics import evaluate as evaluate_
    from xinyong.scorecard.scorer import Scorer

    card = load_card(card_path)
    target = target or (card.target.column if card.target else None)
    bad = bad or (card.target.bad if card.target else None)
    if target is None or bad is None:
        raise UsageError("--target and --bad are needed (the card does not name its target)")
    names = io.header(data, encoding=encoding)
    io.require_columns(data, names, [target], "--target")
    io.require_columns(data, names, card.names, "characteristics of the card")
    cats = [c.name for c in card.characteristics if c.kind == "categorical"]
    table = io.read_csv(
        data,
        columns=list(dict.fromkeys([target, *card.names])),
        text_columns=[target, *cats],
        encoding=encoding,
    )
    if table.num_rows == 0:
        from xinyong.errors import UnusableInput

        raise UnusableInput(f"{data}: no rows", code="empty")
    is_bad = target_is_bad(table.column(target), bad, name=target)
    m = evaluate_(Scorer(card).score(table), is_bad)
    if json_:
        print_json(m.as_json())
        return
    t = Table("n", "bad", "AUC", "KS", "Gini")
    t.add_row(str(m.n), str(m.n_bad), f"{m.auc:.4f}", f"{m.ks:.4f}", f"{m.gini:.4f}")
    console.print(t)


@app.command("monitor")
def monitor(
    card_path: CardOption,
    expected: Annotated[
        Path, typer.Option("--expected", help="The reference CSV (e.g. the development sample).")
    ],
    actual: Annotated[Path, typer.Option("--actual", help="The recent CSV to compare.")],
    cells: Annotated[
        bool, typer.Option("--cells", help="Include per-bin counts in the JSON.")
    ] = False,
    threads: Annotated[
        int, typer.Option("--threads", min=1, help="Threads to share the rows among.")
    ] = 1,
    encoding: EncodingOption = "utf-8",
    json_: JsonOption = False,
) -> None:
    """Population stability (PSI) of the score and of each characteristic."""
    from xinyong.errors import UnusableInput
    from xinyong.scorecard import io
    from xinyong.scorecard.card import load_card
    from xinyong.scorecard.metrics import psi_report
    from xinyong.scorecard.scorer import Scorer

    card = load_card(card_path)
    cats = [c.name for c in card.characteristics if c.kind == "categorical"]
    tables = []
    for path in (expected, actual):
        names = io.header(path, encoding=encoding)
        io.require_columns(path, names, card.names, "characteristics of the card")
        tab = io.read_csv(path, columns=card.names, text_columns=cats, encoding=encoding)
        if tab.num_rows == 0:
            raise UnusableInput(f"{path}: no rows", code="empty")
        tables.append(tab)
    rep = psi_report(Scorer(card), tables[0], tables[1], threads=threads)
    if json_:
        print_json(rep.as_json(cells=cells))
        return
    t = Table("", "PSI", "status")
    t.add_row("score", f"{rep.score.psi:.4f}", _status(rep.score.psi))
    for item in rep.characteristics:
        t.add_row(item.name, f"{item.psi:.4f}", _status(item.psi))
    console.print(t)
    console.print(f"expected {rep.n_expected} rows, actual {rep.n_actual} rows")


def _status(v: float) -> str:
    from xinyong.scorecard.metrics import psi_status

    return psi_status(v)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="scorecard")
