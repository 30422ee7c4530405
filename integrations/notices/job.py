"""The delay-notice job: detect what is newly due, then send what is pending on Telegram and by email (web
notices wait for the widget to open). In the gateway it runs every ``SHOPDESK_NOTICES_EVERY_MINUTES`` on
the replica that leads ``delay-notices`` (``replicas.Leadership``), and at once when an operator records a
disruption (``wake``); ``shopdesk notices run`` runs one pass from the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.clock import Clock
from bot.desk.notices.detection import detect
from bot.desk.notices.store import NoticeBook
from bot.policy import Policy
from integrations.notices.email import EmailNotices
from integrations.notices.telegram import TelegramNotices

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassResult:
    recorded: int
    telegram_sent: int
    email_sent: int


class NoticeJob:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        book: NoticeBook,
        policy: Policy,
        clock: Clock,
        *,
        telegram: TelegramNotices | None,
        email: EmailNotices | None,
    ) -> None:
        self.sessions = sessions
        self.book = book
        self.policy = policy
        self.clock = clock  # the order system's clock (SHOPDESK_NOW in the demo)
        self.telegram = telegram
        self.email = email
        self.wake = asyncio.Event()

    async def run_once(self) -> PassResult:
        detected = await run_in_threadpool(
            detect, self.sessions, self.book, self.policy, self.clock, email_enabled=self.email is not None
        )
        telegram_sent = await self.telegram.send_pending() if self.telegram is not None else 0
        email_sent = await self.email.send_pending() if self.email is not None else 0
        return PassResult(detected.recorded, telegram_sent, email_sent)

    async def run_every(self, seconds: float) -> None:
        """Until cancelled: a pass, then wait ``seconds`` or until woken. A failed pass is logged and the
        next one tries again (what was recorded stays recorded)."""
        while True:
            self.wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("the delay-notice pass failed; the next one tries again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), seconds)
