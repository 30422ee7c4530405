"""Fixed-window rate limits kept in the gateway's memory: enough to stop a script hammering one process.

Keys are opaque strings (a client address, a conversation id, a username); nothing here is logged.
A deployment with several gateway processes would move this to Redis, like the hub.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, status


@dataclass(frozen=True)
class Limit:
    count: int
    per_seconds: float


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._max_keys = max_keys

    def retry_after(self, key: str, limit: Limit) -> float | None:
        """Count one hit; ``None`` when allowed, else the seconds until the window reopens."""
        now = self._clock()
        started, hits = self._windows.get(key, (now, 0))
        if now - started >= limit.per_seconds:
            started, hits = now, 0
        if hits >= limit.count:
            return limit.per_seconds - (now - started)
        if len(self._windows) >= self._max_keys:
            self._forget_expired(now, limit.per_seconds)
        self._windows[key] = (started, hits + 1)
        return None

    def _forget_expired(self, now: float, window: float) -> None:
        for key, (started, _) in list(self._windows.items()):
            if now - started >= window:
                del self._windows[key]

    def check(self, key: str, limit: Limit, what: str) -> None:
        """Raise 429 with ``Retry-After`` when ``key`` is over ``limit``."""
        wait = self.retry_after(key, limit)
        if wait is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"Too many {what}; please wait a moment and try again.",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
