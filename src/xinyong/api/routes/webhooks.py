"""Webhooks over HTTP: register (the secret is returned once), list one's own, disable.

Who may watch which subject is decided in :mod:`xinyong.notify.webhooks` (subjects:
their own; agencies: subjects they reported or decided records about; administrators:
any, or every subject). docs/notifications.md describes the signature scheme.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from xinyong.actors import Role
from xinyong.api.deps import PrincipalDep, StoreDep
from xinyong.errors import Forbidden
from xinyong.notify.webhooks import (
    MAX_TOPICS,
    MAX_URL,
    Webhook,
    create_webhook,
    disable_webhook,
    list_webhooks,
)

router = APIRouter(prefix="/v1", tags=["webhooks"])


class NewWebhook(BaseModel):
    url: str = Field(
        min_length=1, max_length=MAX_URL, examples=["https://receiver.example/xinyong"]
    )
    subject: str | None = Field(
        default=None,
        max_length=64,
        description="USCC, resident ID or subject id watched; omitted: a subject's own "
        "(administrators: every subject)",
    )
    topics: list[str] = Field(
        min_length=1,
        max_length=MAX_TOPICS,
        examples=[["case.opened", "case.decided", "record.*"]],
    )


class CreatedWebhookOut(BaseModel):
    webhook: Webhook
    secret: str = Field(description="the HMAC-SHA256 signing secret; shown only this once")


class WebhookPage(BaseModel):
    items: list[Webhook]
    next: str | None = None


@router.post("/webhooks", status_code=201, response_model=CreatedWebhookOut)
def post_webhook(body: NewWebhook, store: StoreDep, p: PrincipalDep) -> CreatedWebhookOut:
    """Register a webhook for changes to a subject the caller may watch (403 otherwise)."""
    with store.write(p.principal_id) as tx:
        created = create_webhook(tx, p, url=body.url, subject=body.subject, topics=body.topics)
    return CreatedWebhookOut(webhook=created.webhook, secret=created.secret)


@router.get("/webhooks", response_model=WebhookPage)
def get_webhooks(
    store: StoreDep,
    p: PrincipalDep,
    include_disabled: bool = False,
    all_: Annotated[
        bool, Query(alias="all", description="administrators: every principal's webhooks")
    ] = False,
) -> WebhookPage:
    """The caller's webhooks (secrets are never shown again)."""
    if all_ and Role.ADMIN not in p.roles:
        raise Forbidden("only administrators list every principal's webhooks")
    with store.read() as conn:
        items = list_webhooks(conn, None if all_ else p, include_disabled=include_disabled)
    return WebhookPage(items=items)


@router.delete("/webhooks/{webhook_id}", response_model=Webhook)
def delete_webhook(webhook_id: str, store: StoreDep, p: PrincipalDep) -> Webhook:
    """Disable a webhook: its owner or an administrator (403 otherwise, 404 unknown)."""
    with store.write(p.principal_id) as tx:
        return disable_webhook(tx, p, webhook_id)
