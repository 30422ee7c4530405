"""Calling the Bot API without losing messages: flood waits and network errors are retried, boundedly.

Telegram answers HTTP 429 with ``retry_after`` when a bot sends too fast (python-telegram-bot raises
``RetryAfter``); connection problems raise ``NetworkError``/``TimedOut``. Both are retried: a flood wait
for exactly the time Telegram asks (up to ``max_retry_after``), network errors with exponential backoff and
jitter. Anything else (``BadRequest``, ``Forbidden``: the user blocked the bot) fails at once. A call that
finally fails is logged and counted (``shopdesk_gateway_errors_total{kind="telegram_send"}``), then raised.

A ``TimedOut`` send may have reached Telegram before the connection dropped, so a retry can, rarely, show a
message twice; losing it silently would be worse.
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from integrations.gateway.metrics import Metrics

log = logging.getLogger(__name__)

T = TypeVar("T")

BACKOFF_BASE = 0.5  # seconds before the second attempt after a network error; doubles each time
BACKOFF_CAP = 8.0


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, whether this PTB version gives an int or a timedelta."""
    with warnings.catch_warnings():
        # PTB 22.2+ warns that the int form is deprecated; we accept both forms.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _retryable(exc: Exception) -> bool:
    return isinstance(exc, RetryAfter) or (isinstance(exc, NetworkError) and not isinstance(exc, BadRequest))


class Sender:
    """Runs Bot API calls with bounded retries; ``sleep`` is injectable for tests."""

    def __init__(
        self,
        metrics: Metrics,
        *,
        attempts: int = 5,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.metrics = metrics
        self.attempts = attempts
        self.max_retry_after = max_retry_after
        self._sleep = sleep

    async def call(self, what: str, request: Callable[[], Awaitable[T]]) -> T:
        """``await request()`` until it succeeds, a non-retryable error occurs, or attempts run out.
        ``what`` names the call in logs (the Bot API method, never the text or the chat)."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await request()
            except Exception as exc:
                if not _retryable(exc) or attempt == self.attempts:
                    self._failed(what, exc, attempt)
                    raise
                if isinstance(exc, RetryAfter):
                    delay = retry_after_seconds(exc)
                    if delay > self.max_retry_after:
                        self._failed(what, exc, attempt)
                        raise
                    delay += 0.1  # Telegram's figure is a floor
                else:
                    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
                log.warning(
                    "Telegram %s failed (%s, attempt %d of %d); retrying in %.1fs",
                    what,
                    type(exc).__name__,
                    attempt,
                    self.attempts,
                    delay,
                )
                await self._sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _failed(self, what: str, exc: Exception, attempt: int) -> None:
        self.metrics.errors.labels(kind="telegram_send").inc()
        log.error("Telegram %s failed for good after %d attempt(s): %s", what, attempt, type(exc).__name__)
