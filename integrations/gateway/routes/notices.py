"""Proactive delay notices in the gateway: their place in the lifespan, and the email unsubscribe page.

The lifespan (merged into the gateway's, after it, like Telegram's) keeps a ``NoticeBook`` on
``app.state.notice_book``, adds the hooks that learn where shoppers chat and handle their STOP
(``integrations.notices.replies``), and runs the notice job (``app.state.notices``) on the replica that
leads ``delay-notices``: detection, Telegram (python-telegram-bot with its rate limiter) and email (SMTP).
Web notices are stored into the conversation when the widget next opens it (``routes/conversations.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from bot.clock import system_clock
from bot.desk.notices import links
from bot.desk.notices.store import NoticeBook
from bot.language.wording import Msg, say
from integrations.gateway.config import GatewaySettings
from integrations.gateway.replicas import Leadership
from integrations.notices.email import EmailNotices
from integrations.notices.job import NoticeJob
from integrations.notices.replies import NoticeReplies
from integrations.notices.telegram import TelegramNotices
from integrations.telegram.config import TelegramSettings

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: GatewaySettings = app.state.settings
    chat = app.state.chat
    book = NoticeBook(
        app.state.session_factory, system_clock, web_idle_expiry=config.conversation_idle_expiry
    )
    replies = NoticeReplies(book, chat.post)
    chat.custom_hooks.append(replies.on_custom)
    chat.message_hooks.insert(0, replies.on_shopper_message)  # before the assistant and the handoff
    telegram_settings: TelegramSettings = getattr(app.state, "telegram_settings", None) or TelegramSettings()
    telegram = (
        TelegramNotices(telegram_settings, book, chat.store, chat.post, app.state.metrics)
        if telegram_settings.enabled
        else None
    )
    email = EmailNotices(config, book) if config.email_enabled else None
    job = NoticeJob(
        app.state.session_factory, book, config.policy, config.clock, telegram=telegram, email=email
    )
    app.state.notice_book = book
    app.state.notices = job

    task = None
    if config.notices_every_minutes > 0:
        app.state.notices_leadership = leadership = Leadership(
            app.state.shared_redis, "delay-notices", config.leader_lock_ttl
        )
        every = config.notices_every_minutes * 60
        task = asyncio.create_task(leadership.run(lambda: job.run_every(every)), name="delay-notices")
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        chat.custom_hooks.remove(replies.on_custom)
        chat.message_hooks.remove(replies.on_shopper_message)
        if telegram is not None:
            await telegram.stop()


router = APIRouter(tags=["delay notices"], lifespan=lifespan)

NoticeId = Annotated[int, Query(alias="n", ge=1, le=2**63 - 1)]
Signature = Annotated[str, Query(alias="s", min_length=1, max_length=64)]
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Delivery updates</title></head>
<body><main><p>{text}</p>{form}</main></body></html>"""
FORM = '<form method="post" action="{action}"><button type="submit">{button}</button></form>'
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def _checked(request: Request, notice_id: int, signature: str) -> None:
    settings: GatewaySettings = request.app.state.settings
    if not links.verify(settings.secret_key.encode(), notice_id, signature):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This link is not valid.")


@router.get("/notices/stop", response_class=HTMLResponse, include_in_schema=False)
async def stop_page(request: Request, notice_id: NoticeId, signature: Signature) -> HTMLResponse:
    """The email's unsubscribe link: a page with one button (opening a link changes nothing, so mail
    scanners that follow links do not unsubscribe anyone)."""
    _checked(request, notice_id, signature)
    action = html.escape(f"/notices/stop?n={notice_id}&s={signature}")
    page = PAGE.format(
        text=html.escape(say(Msg.NOTICE_STOP_PAGE)),
        form=FORM.format(action=action, button=html.escape(say(Msg.NOTICE_STOP_BUTTON))),
    )
    return HTMLResponse(page, headers=HEADERS)


@router.post("/notices/stop", response_class=HTMLResponse, include_in_schema=False)
async def stop(request: Request, notice_id: NoticeId, signature: Signature) -> HTMLResponse:
    """Opt out of email notices: the page's button, or a mail client's one-click unsubscribe (RFC 8058)."""
    _checked(request, notice_id, signature)
    book: NoticeBook = request.app.state.notice_book
    if not await run_in_threadpool(book.opt_out_of_notice, notice_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This link is not valid.")
    return HTMLResponse(
        PAGE.format(text=html.escape(say(Msg.NOTICE_UNSUBSCRIBED_PAGE)), form=""), headers=HEADERS
    )
