"""Delay notices to Telegram chats: python-telegram-bot's ``ExtBot`` with its ``AIORateLimiter`` (Telegram's
flood limits: about 30 messages a second overall, one a second per chat), and the bridge's ``Sender`` for
bounded retries of flood waits (429) and network errors.

A chat that refuses the bot (``Forbidden``: blocked, or never started) or an invalid chat (``BadRequest``)
fails the notice for good; anything else leaves it for the next run.
"""

from __future__ import annotations

import logging
import os
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot.desk.conversations.model import Channel, ConversationClosed
from bot.desk.conversations.store import ConversationStore
from bot.desk.notices import text
from bot.desk.notices.model import NoticeChannel, Outgoing
from bot.desk.notices.store import NoticeBook
from integrations.gateway.metrics import Metrics
from integrations.notices.chats import Post, notice_message
from integrations.telegram.config import TelegramSettings
from integrations.telegram.sending import Sender
from integrations.telegram.text import split_message

log = logging.getLogger(__name__)

BATCH = 50


class TelegramNotices:
    def __init__(
        self,
        settings: TelegramSettings,
        book: NoticeBook,
        store: ConversationStore,
        post: Post,
        metrics: Metrics,
    ) -> None:
        self.settings = settings.checked()
        self.book = book
        self.store = store
        self.post = post
        token = settings.token.get_secret_value() if settings.token else ""
        self.bot: ExtBot[Any] = ExtBot(
            token,
            base_url=settings.api_base_url,
            base_file_url=settings.api_file_base_url,
            rate_limiter=AIORateLimiter(max_retries=0),  # the Sender retries, for exactly as long as asked
        )
        self.sender = Sender(
            metrics, attempts=settings.send_attempts, max_retry_after=settings.max_retry_after
        )

    async def start(self) -> None:
        """Connect (``getMe``: a wrong token or Bot API address fails here); again after a failure."""
        os.environ.setdefault("PTB_TIMEDELTA", "1")  # as the bridge: RetryAfter as a timedelta
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()

    async def send_pending(self) -> int:
        """Send every pending Telegram notice; returns how many were sent. Without a connection to the
        Bot API they stay pending for the next run."""
        try:
            await self.start()
        except TelegramError as exc:
            log.error("Telegram notices cannot connect (%s); they stay pending", type(exc).__name__)
            return 0
        sent = 0
        while batch := await run_in_threadpool(self.book.claim, NoticeChannel.TELEGRAM, BATCH):
            for notice in batch:
                sent += await self._send(notice)
        return sent

    async def _send(self, notice: Outgoing) -> bool:
        words = text.chat_text(notice.text)
        chat_id = int(notice.address)
        try:
            for chunk in split_message(words):
                await self.sender.call("sendMessage", partial(self.bot.send_message, chat_id, chunk))
        except (Forbidden, BadRequest) as exc:
            await run_in_threadpool(self.book.mark_failed, notice.id, type(exc).__name__, final=True)
            return False
        except TelegramError as exc:
            await run_in_threadpool(self.book.mark_failed, notice.id, type(exc).__name__, final=False)
            return False
        await run_in_threadpool(self.book.mark_sent, notice.id)
        await self._keep_in_conversation(notice.address, notice.id, words)
        log.info("delay notice %d sent on Telegram", notice.id)
        return True

    async def _keep_in_conversation(self, chat_id: str, notice_id: int, words: str) -> None:
        try:
            conversation = await run_in_threadpool(self.store.find_open, Channel.TELEGRAM, chat_id)
            if conversation is None:
                conversation = (
                    await run_in_threadpool(self.store.create, Channel.TELEGRAM, chat_id)
                ).conversation
            await self.post(conversation.id, [notice_message(notice_id, words, NoticeChannel.TELEGRAM.value)])
        except ConversationClosed:
            log.warning("delay notice %d was sent but its conversation closed before it was kept", notice_id)
