"""Telegram: the bridge's place in the gateway's lifespan, and the webhook Telegram posts updates to.

The router's lifespan runs inside the gateway's (FastAPI merges them), so ``app.state.chat`` and
``app.state.hub`` exist when the bridge starts. Settings come from ``app.state.telegram_settings`` when set
(``python -m integrations.telegram``, tests), else from the environment; without a token Telegram is off
and the webhook answers 404. With several gateway replicas (``app.state.shared_redis``), polling runs in
one replica at a time: Telegram serves ``getUpdates`` to one poller only. With a webhook every replica runs
a bridge (Telegram posts each update to whichever the balancer picks), and each message reaches the chat
once because every bridge claims it in the shared database before sending it (``DeliveryClaims``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, HTTPException, Request, Response, status

from bot.clock import system_clock
from bot.desk.conversations.deliveries import DeliveryClaims
from integrations.gateway.replicas import Leadership, SharedRedis, no_shared_lock, redis_order_lock
from integrations.telegram.bridge import TelegramBridge
from integrations.telegram.config import WEBHOOK_PATH, TelegramSettings

log = logging.getLogger(__name__)

# How long one replica may hold a chat's send lock (a turn's replies, or one message with its retries)
# before another goes on without it.
SEND_LOCK_SECONDS = 60.0


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: TelegramSettings = getattr(app.state, "telegram_settings", None) or TelegramSettings()
    if not settings.enabled:
        log.info("Telegram is off (no SHOPDESK_TELEGRAM_TOKEN)")
        app.state.telegram = None
        yield
        return
    if app.state.shared_redis is not None and settings.effective_mode == "polling":
        async with _polling_in_one_replica(app, settings):
            yield
        return
    bridge = _bridge(app, settings)
    await bridge.start()
    app.state.telegram = bridge
    try:
        yield
    finally:
        app.state.telegram = None
        await bridge.stop()


def _bridge(app: FastAPI, settings: TelegramSettings) -> TelegramBridge:
    deliveries = DeliveryClaims(app.state.session_factory, system_clock)
    shared: SharedRedis | None = app.state.shared_redis
    send_lock = redis_order_lock(shared, "telegram-chat", SEND_LOCK_SECONDS) if shared else no_shared_lock
    return TelegramBridge(app.state.chat, app.state.hub, app.state.metrics, settings, deliveries, send_lock)


@asynccontextmanager
async def _polling_in_one_replica(app: FastAPI, settings: TelegramSettings) -> AsyncIterator[None]:
    """A bridge (polling, and the hub follower that delivers agents' replies) runs while this replica
    leads ``telegram-polling``; a fresh one each time it takes the lead."""

    async def poll() -> None:
        bridge = _bridge(app, settings)
        await bridge.start()
        app.state.telegram = bridge
        try:
            await asyncio.Event().wait()  # until the lead is lost or the gateway stops
        finally:
            app.state.telegram = None
            await bridge.stop()

    app.state.telegram = None
    app.state.telegram_polling = leadership = Leadership(
        app.state.shared_redis, "telegram-polling", app.state.settings.leader_lock_ttl
    )
    task = asyncio.create_task(leadership.run(poll), name="telegram-polling")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


router = APIRouter(tags=["telegram"], lifespan=lifespan)


@router.post(WEBHOOK_PATH, include_in_schema=False)
async def telegram_webhook(
    request: Request,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> Response:
    """Telegram's webhook: refused (403) unless it carries the configured secret; the update is queued
    for the bridge and acknowledged at once, so Telegram never retries because a turn was slow."""
    bridge: TelegramBridge | None = getattr(request.app.state, "telegram", None)
    if bridge is None or not bridge.webhook:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    if secret is None or not hmac.compare_digest(secret.encode(), bridge.webhook_secret.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Forbidden")
    try:
        data: Any = await request.json()
    except ValueError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Expected a JSON update.") from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Expected a JSON update.")
    await bridge.push(data)
    return Response(status_code=status.HTTP_200_OK)
