"""``xinyong notify``: deliver the outbox, the prior-notice scan, webhooks, the outbox."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    OnOption,
    console,
    open_store,
    parse_on,
    print_json,
)

app = typer.Typer(
    help="Notifications: delivery of outbox events, prior notice, webhooks.",
    no_args_is_help=True,
)
hooks_app = typer.Typer(help="Signed webhooks for changes to a subject.", no_args_is_help=True)
app.add_typer(hooks_app, name="webhooks")


def _acting(store: object, as_: str | None) -> object:
    from xinyong.store.actors import get_principal
    from xinyong.store.context import Store

    assert isinstance(store, Store)
    with store.read() as conn:
        return get_principal(conn, as_ or store.default_actor())


@app.command("deliver")
def deliver(
    adapter: Annotated[
        list[str] | None,
        typer.Option(
            "--adapter",
            help="Delivery adapter by name or module:Class (repeatable; default "
            "$XINYONG_NOTIFY_ADAPTERS or log).",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Events per run.")] = 1000,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Deliver pending outbox events through the adapters and to matching webhooks."""
    import logging

    from xinyong.notify.adapters import LOGGER_NAME, get_adapters
    from xinyong.notify.delivery import deliver_pending

    adapters = get_adapters(adapter or None)
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.handlers and not logging.getLogger().handlers:
        # a plain CLI run: the log adapter's lines go to stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    rep = deliver_pending(open_store(db), adapters=adapters, limit=limit, actor=as_)
    if json_:
        print_json(rep.as_json())
        return
    console.print(
        f"run {rep.run_id} ({', '.join(rep.adapters) or 'no adapters'}): "
        f"{rep.events_seen} events seen, {rep.events_completed} completed, "
        f"{rep.pending_events} still pending"
    )
    console.print(
        f"adapters: {rep.adapter_ok} ok, {rep.adapter_failed} failed; webhooks: "
        f"{rep.webhook_delivered} delivered, {rep.webhook_retrying} to retry, "
        f"{rep.webhook_failed} failed"
    )


@app.command("scan")
def scan_(
    on: OnOption = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Emit record.pending_publication for new negative records about persons (daily job)."""
    from xinyong.notify.prior_notice import scan

    day = parse_on(on)
    n = scan(open_store(db), on=day, actor=as_)
    if json_:
        print_json({"on": day.isoformat(), "emitted": n})
        return
    console.print(f"prior notice: {n} record.pending_publication events emitted")


@app.command("outbox")
def outbox_(
    pending: Annotated[bool, typer.Option("--pending", help="Only undelivered events.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Events, newest first, with their delivery state."""
    from xinyong.notify.delivery import list_outbox

    with open_store(db).read() as conn:
        items = list_outbox(conn, pending=pending, limit=limit)
    if json_:
        print_json(items)
        return
    t = Table("event", "at", "topic", "subject", "delivered", "webhooks")
    for e in items:
        hooks = ", ".join(f"{k} {v}" for k, v in sorted(e["webhooks"].items()))
        t.add_row(
            e["event_id"],
            e["at"],
            e["topic"],
            e["subject_id"] or "",
            e["delivered_at"] or "pending",
            hooks,
        )
    console.print(t)


@hooks_app.command("add")
def hooks_add(
    url: Annotated[str, typer.Argument(help="http(s) URL the events are POSTed to.")],
    topics: Annotated[
        str, typer.Option("--topics", help="Comma-separated topics: case.opened,case.*,*")
    ],
    subject: Annotated[
        str | None,
        typer.Option(
            "--subject",
            help="USCC, resident ID or subject id watched (administrators may omit it: all).",
        ),
    ] = None,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """Register a webhook; its signing secret is printed once and cannot be shown again."""
    from xinyong.actors import Principal
    from xinyong.notify.webhooks import create_webhook

    store = open_store(db)
    p = _acting(store, as_)
    assert isinstance(p, Principal)
    with store.write(p.principal_id) as tx:
        created = create_webhook(
            tx, p, url=url, subject=subject, topics=[t for t in topics.split(",")]
        )
    if json_:
        print_json({**created.webhook.model_dump(mode="json"), "secret": created.secret})
        return
    w = created.webhook
    console.print(
        f"webhook {w.webhook_id} for {w.principal_id}: {', '.join(w.topics)} "
        f"on {w.subject_id or 'every subject'}"
    )
    console.print("signing secret (shown once):")
    print(created.secret)


@hooks_app.command("list")
def hooks_list(
    include_disabled: Annotated[
        bool, typer.Option("--include-disabled", help="Show disabled webhooks too.")
    ] = False,
    db: DbOption = None,
    json_: JsonOption = False,
    as_: AsOption = None,
) -> None:
    """The acting principal's webhooks (an administrator sees everyone's)."""
    from xinyong.actors import Principal, Role
    from xinyong.notify.webhooks import list_webhooks

    store = open_store(db)
    p = _acting(store, as_)
    assert isinstance(p, Principal)
    with store.read() as conn:
        items = list_webhooks(
            conn, None if Role.ADMIN in p.roles else p, include_disabled=include_disabled
        )
    if json_:
        print_json(items)
        return
    t = Table("webhook", "owner", "url", "subject", "topics", "created", "disabled")
    for w in items:
        t.add_row(
            w.webhook_id,
            w.principal_id,
            w.url,
            w.subject_id or "*",
            ",".join(w.topics),
            w.created_at.isoformat(timespec="seconds"),
            w.disabled_at.isoformat(timespec="seconds") if w.disabled_at else "",
        )
    console.print(t)


@hooks_app.command("disable")
def hooks_disable(
    webhook_id: Annotated[str, typer.Argument(help="The webhook's id.")],
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Disable a webhook (its owner or an administrator); pending deliveries end failed."""
    from xinyong.actors import Principal
    from xinyong.notify.webhooks import disable_webhook

    store = open_store(db)
    p = _acting(store, as_)
    assert isinstance(p, Principal)
    with store.write(p.principal_id) as tx:
        w = disable_webhook(tx, p, webhook_id)
    console.print(f"webhook {w.webhook_id} disabled")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="notify")
