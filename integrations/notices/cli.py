"""``shopdesk notices run``: one pass of the delay-notice job from the command line (detect, then send what
is pending on Telegram and by email; web notices wait for the widget). Safe next to a running gateway: the
database decides what is recorded and who sends it."""

from __future__ import annotations

import asyncio

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.conversations.store import ConversationStore
from bot.desk.notices.store import NoticeBook
from bot.settings import Settings
from integrations.gateway.metrics import Metrics
from integrations.notices.chats import store_poster
from integrations.notices.email import EmailNotices
from integrations.notices.job import NoticeJob, PassResult
from integrations.notices.telegram import TelegramNotices
from integrations.telegram.config import TelegramSettings


async def run_once(settings: Settings, telegram_settings: TelegramSettings | None = None) -> PassResult:
    telegram_settings = telegram_settings or TelegramSettings()
    engine = make_engine(settings.database_url, hide_parameters=True)
    try:
        sessions = make_session_factory(engine)
        book = NoticeBook(sessions, system_clock, web_idle_expiry=settings.conversation_idle_expiry)
        store = ConversationStore(sessions, system_clock, idle_expiry=settings.conversation_idle_expiry)
        telegram = (
            TelegramNotices(telegram_settings, book, store, store_poster(store), Metrics())
            if telegram_settings.enabled
            else None
        )
        email = EmailNotices(settings, book) if settings.email_enabled else None
        job = NoticeJob(sessions, book, settings.policy, settings.clock, telegram=telegram, email=email)
        try:
            return await job.run_once()
        finally:
            if telegram is not None:
                await telegram.stop()
    finally:
        engine.dispose()


def run(settings: Settings) -> str:
    result = asyncio.run(run_once(settings))
    return (
        f"delay notices: {result.recorded} new; sent {result.telegram_sent} on Telegram, "
        f"{result.email_sent} by email (web notices arrive when the widget opens)"
    )
