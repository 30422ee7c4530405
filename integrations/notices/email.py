"""Delay notices by email, through the shop's SMTP server (``SHOPDESK_SMTP_*``), throttled to
``SHOPDESK_SMTP_PER_MINUTE`` with aiolimiter's leaky bucket.

The standard library speaks SMTP (``smtplib``, run in a worker thread); each run opens one connection
for its batch. A recipient the server refuses fails the notice for good; a connection or server problem
leaves it for the next run. Each email has a stable ``Message-ID`` per notice, and an unsubscribe link
(with ``List-Unsubscribe`` and RFC 8058 one-click headers) when ``SHOPDESK_PUBLIC_URL`` is set.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from aiolimiter import AsyncLimiter
from starlette.concurrency import run_in_threadpool

from bot.desk.notices import links, text
from bot.desk.notices.model import NoticeChannel, Outgoing
from bot.desk.notices.store import NoticeBook
from bot.settings import Settings

log = logging.getLogger(__name__)

BATCH = 50


class EmailNotices:
    def __init__(self, settings: Settings, book: NoticeBook) -> None:
        if not settings.email_enabled:
            raise ValueError("email notices need SHOPDESK_SMTP_HOST")
        self.settings = settings
        self.book = book
        self.limiter = AsyncLimiter(settings.smtp_per_minute, 60)

    def message(self, notice: Outgoing) -> EmailMessage:
        settings = self.settings
        link = (
            links.unsubscribe_link(settings.public_url, settings.secret_key.encode(), notice.id)
            if settings.public_url
            else None
        )
        email = EmailMessage()
        email["From"] = settings.smtp_from
        email["To"] = notice.address
        email["Subject"] = text.email_subject(notice.order_number)
        email["Date"] = formatdate(localtime=False)
        domain = settings.smtp_from.rpartition("@")[2].rstrip(">").strip() or "localhost"
        email["Message-ID"] = f"<delay-notice-{notice.id}@{domain}>"
        if link:
            email["List-Unsubscribe"] = f"<{link}>"
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email.set_content(text.email_text(notice.text, link))
        return email

    async def send_pending(self) -> int:
        """Send every pending email notice; returns how many were sent."""
        sent = 0
        while batch := await run_in_threadpool(self.book.claim, NoticeChannel.EMAIL, BATCH):
            try:
                connection = await run_in_threadpool(self._connect)
            except (OSError, smtplib.SMTPException) as exc:
                log.error("cannot reach the SMTP server: %s", type(exc).__name__)
                for notice in batch:
                    await run_in_threadpool(self.book.mark_failed, notice.id, type(exc).__name__, final=False)
                return sent
            try:
                for notice in batch:
                    async with self.limiter:
                        sent += await self._send(connection, notice)
            finally:
                await run_in_threadpool(_quit, connection)
        return sent

    async def _send(self, connection: smtplib.SMTP, notice: Outgoing) -> bool:
        try:
            await run_in_threadpool(connection.send_message, self.message(notice))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            await run_in_threadpool(self.book.mark_failed, notice.id, type(exc).__name__, final=True)
            log.warning("delay notice %d: the SMTP server refused it", notice.id)
            return False
        except (OSError, smtplib.SMTPException) as exc:
            await run_in_threadpool(self.book.mark_failed, notice.id, type(exc).__name__, final=False)
            log.warning(
                "delay notice %d: sending failed (%s); it will be tried again", notice.id, type(exc).__name__
            )
            return False
        await run_in_threadpool(self.book.mark_sent, notice.id)
        log.info("delay notice %d sent by email", notice.id)
        return True

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.smtp_host is not None
        connection: smtplib.SMTP
        if s.smtp_security == "tls":
            connection = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            if s.smtp_security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            password = s.smtp_password.get_secret_value() if s.smtp_password else ""
            connection.login(s.smtp_username, password)
        return connection


def _quit(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()
