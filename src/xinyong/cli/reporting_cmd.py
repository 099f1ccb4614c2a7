"""Financial credit reporting on the command line: ``xinyong lenders``, ``xinyong reporting``
(feeds), ``xinyong consent`` and ``xinyong report`` (reports, statements, disputes, the
person score). Errors exit with CONTRACTS.md's codes (a refused query: 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    acting_principal,
    console,
    open_store,
    parse_on,
    print_json,
)

lenders_app = typer.Typer(
    help="Lenders: organisations that report credit accounts.", no_args_is_help=True
)
feeds_app = typer.Typer(
    help="Lender feeds: accounts and monthly repayment statuses.", no_args_is_help=True
)
consent_app = typer.Typer(
    help="Subjects' authorisations to query or collect.", no_args_is_help=True
)
report_app = typer.Typer(
    help="Credit reports, statements, disputes, the person score.", no_args_is_help=True
)

OnOpt = Annotated[str | None, typer.Option("--on", help="Day (YYYY-MM-DD, CST; default today).")]


def _subject(store: object, code: str) -> str:
    from xinyong.credit_file.assemble import find_subject
    from xinyong.store.context import Store

    assert isinstance(store, Store)
    with store.read() as conn:
        return find_subject(conn, code)


# --------------------------------------------------------------------------- lenders


@lenders_app.command("add")
def lenders_add(
    code: Annotated[str, typer.Argument(help="Slug, e.g. rc-rural-bank.")],
    name: Annotated[str, typer.Option("--name", help="Registered name (Chinese).")],
    uscc: Annotated[str, typer.Option("--uscc", help="The lender's USCC.")],
    licence: Annotated[
        str, typer.Option("--licence", help="bank | consumer_finance | microcredit | trust | other")
    ] = "bank",
    name_en: Annotated[str | None, typer.Option("--name-en")] = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Register a lender (and its principal, with the lender role)."""
    from xinyong.reporting.lenders import Lender, add_lender

    store = open_store(db)
    with store.write(as_) as tx:
        changed = add_lender(
            tx, Lender(code=code, name_zh=name, name_en=name_en, uscc=uscc, licence=licence)
        )
    console.print(f"lender {code} {'added' if changed else 'already registered'}")


@lenders_app.command("list")
def lenders_list(db: DbOption = None, json_: JsonOption = False) -> None:
    from xinyong.reporting.lenders import list_lenders

    with open_store(db).read() as conn:
        items = list_lenders(conn)
    if json_:
        print_json(items)
        return
    t = Table("code", "name", "USCC", "licence")
    for x in items:
        t.add_row(x.code, x.name_zh, x.uscc, x.licence)
    console.print(t)


# --------------------------------------------------------------------------- feeds


@feeds_app.command("ingest")
def feeds_ingest(
    path: Annotated[Path, typer.Argument(help="The lender's CSV, JSON Lines or Parquet file.")],
    lender: Annotated[str, typer.Option("--lender", help="Registered lender code.")],
    on: OnOpt = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Ingest a lender feed; bad rows are quarantined, the rest goes through."""
    from xinyong.reporting.ingest import FeedRequest, ingest_feed

    store = open_store(db)
    receipt = ingest_feed(
        store, FeedRequest(path=path, lender=lender, actor=as_, today=parse_on(on))
    )
    if json_:
        print_json(receipt)
        return
    t = Table(title=f"receipt {receipt.batch_id}", show_header=False)
    for k in ("lender", "rows", "accepted", "duplicates", "superseded", "quarantined"):
        t.add_row(k, str(getattr(receipt, k)))
    for reason, n in receipt.reasons.items():
        t.add_row(f"  {reason}", str(n))
    console.print(t)


@feeds_app.command("quarantine")
def feeds_quarantine(
    batch_id: Annotated[str, typer.Argument()], db: DbOption = None, json_: JsonOption = False
) -> None:
    """The quarantined rows of a lender batch, with their reasons."""
    from xinyong.reporting.ingest import quarantined

    with open_store(db).read() as conn:
        items = quarantined(conn, batch_id)
    if json_:
        print_json(items)
        return
    t = Table("row", "reason", "message")
    for q in items:
        t.add_row(str(q["row"]), q["reason"], q["message"])
    console.print(t)


@feeds_app.command("purge")
def feeds_purge(
    on: OnOpt = None, db: DbOption = None, json_: JsonOption = False, as_: AsOption = None
) -> None:
    """The daily job: delete negative months 5 years after their conduct ended (Art. 16)."""
    from xinyong.reporting.retention import purge_expired

    res = purge_expired(open_store(db), on=parse_on(on), actor=as_)
    if json_:
        print_json(res)
        return
    console.print(f"purged {res['months']} negative month(s) of {res['accounts']} account(s)")


# --------------------------------------------------------------------------- consent


@consent_app.command("grant")
def consent_grant(
    subject: Annotated[str, typer.Argument(help="The subject's identifier or subject id.")],
    to: Annotated[str, typer.Option("--to", help="The lender authorised.")],
    until: Annotated[str, typer.Option("--until", help="Last valid day (YYYY-MM-DD).")],
    evidence: Annotated[str, typer.Option("--evidence", help="Reference of the signed form.")],
    purpose: Annotated[
        str | None,
        typer.Option(
            "--purpose",
            help="loan_approval | credit_card_approval | post_loan_management | guarantee_qualification",
        ),
    ] = None,
    items: Annotated[
        str | None, typer.Option("--items", help="Collection consent: income,deposits,tax,…")
    ] = None,
    warned: Annotated[
        bool, typer.Option("--warned", help="The subject was warned of the consequences (Art. 14).")
    ] = False,
    valid_from: Annotated[
        str | None, typer.Option("--from", help="First valid day (default today).")
    ] = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Record a subject's authorisation: to query for a purpose, or to collect items."""
    from xinyong.errors import UsageError
    from xinyong.reporting.consent import Purpose, Scope, grant

    store = open_store(db)
    p = acting_principal(store, as_)
    sid = _subject(store, subject)
    if (purpose is None) == (items is None):
        raise UsageError(
            "give either --purpose (a query consent) or --items (a collection consent)"
        )
    try:
        purp = Purpose(purpose) if purpose else None
    except ValueError:
        raise UsageError(f"--purpose: one of {', '.join(x.value for x in Purpose)}") from None
    today = parse_on(None)
    start = parse_on(valid_from) if valid_from else today
    with store.write(p.principal_id) as tx:
        c = grant(
            tx,
            p,
            subject_id=sid,
            grantee=to,
            scope=Scope.QUERY if purp else Scope.COLLECT,
            purpose=purp,
            items=[i.strip() for i in (items or "").split(",") if i.strip()],
            valid_from=start,
            valid_until=parse_on(until),
            evidence=evidence,
            warned=warned,
            today=today,
        )
    if json_:
        print_json(c)
        return
    console.print(
        f"consent {c.consent_id} recorded: {c.grantee} {c.scope.value} {c.purpose or ','.join(c.items)} until {c.valid_until}"
    )


@consent_app.command("revoke")
def consent_revoke(
    consent_id: Annotated[str, typer.Argument()],
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Revoke a consent (the subject, the lender it names, or an administrator)."""
    from xinyong.reporting.consent import revoke

    store = open_store(db)
    p = acting_principal(store, as_)
    with store.write(p.principal_id) as tx:
        c = revoke(tx, p, consent_id)
    if json_:
        print_json(c)
        return
    console.print(f"consent {consent_id} revoked")


@consent_app.command("list")
def consent_list(
    subject: Annotated[str | None, typer.Argument(help="A subject (default: all).")] = None,
    lender: Annotated[str | None, typer.Option("--lender")] = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    from xinyong.reporting.consent import list_consents

    store = open_store(db)
    sid = _subject(store, subject) if subject else None
    with store.read() as conn:
        items = list_consents(conn, subject_id=sid, grantee=lender)
    if json_:
        print_json(items)
        return
    t = Table("consent", "subject", "lender", "scope", "purpose/items", "valid", "revoked")
    for c in items:
        t.add_row(
            c.consent_id,
            c.subject_id,
            c.grantee,
            c.scope.value,
            c.purpose.value if c.purpose else ",".join(c.items),
            f"{c.valid_from}..{c.valid_until}",
            "yes" if c.revoked_at else "",
        )
    console.print(t)


# --------------------------------------------------------------------------- reports


@report_app.command("show")
def report_show(
    subject: Annotated[str, typer.Argument(help="The subject's identifier or subject id.")],
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="A lender's purpose, or a staff purpose.")
    ] = None,
    self_query: Annotated[
        bool, typer.Option("--self", help="Serve the subject's own query at a counter (admin).")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="text | json | html | pdf")] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the report to this file.")
    ] = None,
    on: OnOpt = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Get a credit report: a self-query (counted), or a lender's query with consent."""
    from xinyong.catalogue import get_catalogue
    from xinyong.errors import UsageError
    from xinyong.reporting.queries import obtain_report
    from xinyong.reporting.render import render_html, render_pdf

    if json_:
        fmt = "json"
    if fmt not in ("text", "json", "html", "pdf"):
        raise UsageError("--format is text, json, html or pdf")
    if fmt == "pdf" and out is None:
        raise UsageError("a PDF needs --out FILE")
    store = open_store(db)
    p = acting_principal(store, as_)
    sid = _subject(store, subject)
    r = obtain_report(
        store,
        get_catalogue(),
        p,
        sid,
        purpose=purpose,
        channel="cli",
        self_query=self_query,
        on=parse_on(on),
    )
    if fmt == "json":
        text = r.model_dump_json(indent=2)
    elif fmt == "html":
        text = render_html(r)
    elif fmt == "pdf":
        assert out is not None
        out.write_bytes(render_pdf(r))
        console.print(f"report {r.header.report_id} written to {out}")
        return
    else:
        _print_text(r)
        return
    if out is not None:
        out.write_text(text, encoding="utf-8")
        console.print(f"report {r.header.report_id} written to {out}")
    else:
        print(text)


def _print_text(r: object) -> None:
    from xinyong.reporting.model import CreditReport
    from xinyong.reporting.render import title, yuan

    assert isinstance(r, CreditReport)
    zh, en = title(r)
    h, s = r.header, r.summary
    console.print(f"[bold]{zh} / {en}[/bold]  no. {h.report_id}  as of {h.on}")
    console.print(
        f"{r.basic.name}  {' '.join(i.value for i in r.basic.identifiers)}  "
        f"({h.audience}, {h.purpose}{', chargeable ' + yuan(h.fee_fen) + ' yuan' if h.chargeable else ''})"
    )
    console.print(
        f"accounts {s.accounts} ({s.open_accounts} open), limit {yuan(s.credit_limit_fen)}, "
        f"balance {yuan(s.balance_fen)}, worst status 24 m {s.worst_status_24m}, "
        f"overdue now {s.accounts_overdue_now}"
    )
    if s.score:
        reasons = "; ".join(x.description for x in s.score.reasons) or "none"
        console.print(
            f"platform score {s.score.score:.0f} (card v{s.score.card_version}); reasons: {reasons}"
        )
    t = Table("lender", "kind", "opened", "closed", "status", "last 12 months (newest first)")
    t.add_column("account (for disputes)", no_wrap=True)
    for a in r.credit_transactions + r.repayment_responsibilities:
        t.add_row(
            a.lender,
            a.kind,
            str(a.opened_on),
            str(a.closed_on or ""),
            (a.current_status or "") + (" (disputed)" if a.under_dispute else ""),
            "".join(m.status for m in a.months[:12]),
            a.account_id,
        )
    console.print(t)
    console.print(
        f"public records: {len(r.public_information.records)}; statements: {len(r.statements)}; "
        f"annotations: {len(r.annotations)}; queries (2 years): {len(r.query_records)}"
    )


@report_app.command("statement")
def report_statement(
    subject: Annotated[str, typer.Argument()],
    text: Annotated[str, typer.Option("--text", help="The statement (at most 2000 characters).")],
    account: Annotated[str | None, typer.Option("--account", help="About this account.")] = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Add a personal statement to a subject's report (the subject, or an admin for it)."""
    from xinyong.reporting.statements import add_statement

    store = open_store(db)
    p = acting_principal(store, as_)
    sid = _subject(store, subject)
    with store.write(p.principal_id) as tx:
        st = add_statement(tx, p, sid, text, account_id=account)
    console.print(f"statement {st} added")


@report_app.command("dispute")
def report_dispute(
    account_id: Annotated[str, typer.Argument(help="The account as the report names it.")],
    reason: Annotated[str, typer.Option("--reason")],
    month: Annotated[str | None, typer.Option("--month", help="One month (YYYY-MM).")] = None,
    on: OnOpt = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Dispute an entry: marked at once, answered within 20 calendar days."""
    from xinyong.reporting.disputes import open_dispute
    from xinyong.rights.rules import get_rules
    from xinyong.store.calendar_repo import work_calendar

    store = open_store(db)
    p = acting_principal(store, as_)
    cal = work_calendar(store)
    with store.write(p.principal_id) as tx:
        c = open_dispute(
            tx,
            get_rules(),
            cal,
            p,
            account_id=account_id,
            month=month,
            reason=reason,
            on=parse_on(on),
        )
    if json_:
        print_json(c)
        return
    console.print(f"dispute {c.case_id} opened; {c.deciding_authority} answers by {c.due_on}")


@report_app.command("answer")
def report_answer(
    case_id: Annotated[str, typer.Argument()],
    outcome: Annotated[str, typer.Option("--outcome", help="corrected | upheld")],
    reason: Annotated[str, typer.Option("--reason")],
    status: Annotated[str | None, typer.Option("--status", help="Corrected status code.")] = None,
    corrections: Annotated[
        str | None, typer.Option("--corrections", help='JSON, e.g. \'{"status": "N"}\'')
    ] = None,
    on: OnOpt = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Answer a dispute as a reviewer of the lender that reported the entry."""
    from xinyong.errors import UsageError
    from xinyong.reporting.disputes import decide_dispute

    try:
        fixes = json.loads(corrections) if corrections else {}
    except json.JSONDecodeError as exc:
        raise UsageError(f"--corrections is not JSON: {exc}") from None
    if not isinstance(fixes, dict):
        raise UsageError("--corrections is a JSON object")
    if status:
        fixes["status"] = status
    store = open_store(db)
    p = acting_principal(store, as_)
    with store.write(p.principal_id) as tx:
        c = decide_dispute(
            tx, p, case_id, outcome=outcome, reason=reason, corrections=fixes, on=parse_on(on)
        )
    if json_:
        print_json(c)
        return
    console.print(f"dispute {case_id} {c.outcome}{' (late)' if c.late else ''}")


@report_app.command("queries")
def report_queries_cmd(
    subject: Annotated[str, typer.Argument()],
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Every report query about a subject: who, when, why, and whether it was chargeable."""
    from sqlalchemy import select

    from xinyong.store.tables import report_queries

    store = open_store(db)
    sid = _subject(store, subject)
    with store.read() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                select(report_queries)
                .where(report_queries.c.subject_id == sid)
                .order_by(report_queries.c.at)
            )
        ]
    if json_:
        print_json(rows)
        return
    t = Table("report", "day", "principal", "organisation", "kind", "purpose", "chargeable")
    for q in rows:
        t.add_row(
            q["query_id"],
            str(q["query_on"]),
            q["principal_id"],
            q["organisation"],
            q["kind"],
            q["purpose"],
            "yes" if q["chargeable"] else "",
        )
    console.print(t)


@report_app.command("score-fit")
def report_score_fit(
    on: OnOpt = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the card JSON here.")
    ] = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Fit the platform's person score on the reporting data; stored as the next version."""
    from xinyong.reporting.scoring import fit_person_score
    from xinyong.scorecard import save_card

    store = open_store(db)
    version, card, metrics = fit_person_score(store, on=parse_on(on), seed=seed, actor=as_)
    if out is not None:
        save_card(card, out)
    if json_:
        print_json({"version": version, "characteristics": card.names, **metrics})
        return
    console.print(
        f"person score v{version}: {metrics['rows']} persons, bad rate {metrics['bad_rate']:.3f}, "
        f"holdout AUC {metrics['auc']:.3f}, KS {metrics['ks']:.3f} "
        "(synthetic data: proves the plumbing only)"
    )
    console.print("characteristics: " + ", ".join(card.names))


def register(root: typer.Typer) -> None:
    root.add_typer(lenders_app, name="lenders")
    root.add_typer(feeds_app, name="reporting")
    root.add_typer(consent_app, name="consent")
    root.add_typer(report_app, name="report")
