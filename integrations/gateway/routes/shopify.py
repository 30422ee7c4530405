"""Shopify's webhooks: ``POST /shopify/webhooks`` (one address for every topic, the topic in a header).

The raw body is read first (within the address's body limit, below) and its ``X-Shopify-Hmac-Sha256`` checked
against ``SHOPDESK_SHOPIFY_API_SECRET`` before anything is parsed or stored: a bad signature is 401 and
leaves no trace. A verified delivery is processed in a worker thread (it may ask Shopify for the order)
and answered 200, also for a duplicate or an older version; 503 when Shopify could not be asked, so
Shopify delivers it again. Without a connected shop the route answers 404.

The address has a body limit of its own (``SHOPDESK_SHOPIFY_WEBHOOK_MAX_BYTES``, 1 MiB; ``body_limits``,
applied by the gateway's ``BodyLimit`` before anything is read): Shopify's order webhooks carry every
line and often pass the 16 KiB the rest of the gateway accepts.

The lifespan also runs the scheduled reconcile (``integrations/shopify/schedule.py``) every
``SHOPDESK_SHOPIFY_RECONCILE_HOURS`` on the replica that leads ``shopify-reconcile``
(``app.state.shopify_reconcile_leadership``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from bot.settings import Settings
from integrations.gateway.config import GatewaySettings
from integrations.gateway.replicas import Leadership
from integrations.shopify.client import ShopifyError
from integrations.shopify.connect import shopify_sync, webhook_processor
from integrations.shopify.schedule import reconcile_every
from integrations.shopify.webhooks import BadWebhook, Delivery, WebhookProcessor, verify

log = logging.getLogger(__name__)

WEBHOOKS = "/webhooks"
PREFIX = "/shopify"


def body_limits(settings: Settings) -> dict[str, int]:
    """The webhook address's own body limit, when a store is connected (else it answers 404 unread)."""
    return {PREFIX + WEBHOOKS: settings.shopify_webhook_max_bytes} if settings.shopify_connected else {}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The webhook processor and the scheduled reconcile (each with its HTTP client to Shopify) live as
    long as the gateway."""
    settings: GatewaySettings = app.state.settings
    app.state.shopify_reconcile_leadership = None
    if not settings.shopify_connected:
        app.state.shopify_webhooks = None
        yield
        return
    processor = webhook_processor(settings, app.state.session_factory)
    app.state.shopify_webhooks = processor
    reconcile, task = None, None
    if settings.shopify_reconcile_hours > 0:
        reconcile = shopify_sync(settings, app.state.session_factory)
        app.state.shopify_reconcile_leadership = leadership = Leadership(
            app.state.shared_redis, "shopify-reconcile", settings.leader_lock_ttl
        )
        every = timedelta(hours=settings.shopify_reconcile_hours)
        task = asyncio.create_task(
            leadership.run(lambda: reconcile_every(reconcile, every)), name="shopify-reconcile"
        )
    try:
        yield
    finally:
        app.state.shopify_webhooks = None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        processor.sync.client.close()
        if reconcile is not None:
            reconcile.client.close()


router = APIRouter(prefix=PREFIX, tags=["shopify"], lifespan=lifespan)


@router.post(WEBHOOKS, include_in_schema=False)
async def shopify_webhook(
    request: Request,
    topic: Annotated[str, Header(alias="X-Shopify-Topic")] = "",
    signature: Annotated[str | None, Header(alias="X-Shopify-Hmac-Sha256")] = None,
    webhook_id: Annotated[str, Header(alias="X-Shopify-Webhook-Id")] = "",
) -> dict[str, str]:
    settings: GatewaySettings = request.app.state.settings
    processor: WebhookProcessor | None = request.app.state.shopify_webhooks
    if processor is None or not settings.shopify_api_secret:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    body = await request.body()
    if not verify(body, signature, settings.shopify_api_secret):
        log.warning("Shopify webhook refused: bad signature")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad signature")
    if not webhook_id or not topic or len(webhook_id) > 128 or len(topic) > 64:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "X-Shopify-Topic and X-Shopify-Webhook-Id required")
    try:
        outcome = await run_in_threadpool(
            processor.process, Delivery(topic=topic, webhook_id=webhook_id, body=body)
        )
    except BadWebhook as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    except ShopifyError:
        log.warning("Shopify webhook %s: the order could not be fetched; Shopify delivers again", topic)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "try again") from None
    return {"outcome": outcome}
