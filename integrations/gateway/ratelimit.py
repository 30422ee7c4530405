"""Fixed-window rate limits (the ``limits`` library): in memory for one gateway process, in Redis when the
replicas share one (``SHOPDESK_REDIS_URL``), so N requests split across replicas still hit a limit of N.

Keys are opaque strings (a client address, a conversation id, a username); nothing here is logged.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request, status
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import Redis


@dataclass(frozen=True)
class Limit:
    count: int
    per_seconds: int

    @property
    def item(self) -> RateLimitItem:
        return RateLimitItemPerSecond(self.count, self.per_seconds)


def memory_storage() -> Storage:
    return MemoryStorage()


def redis_storage(redis: Redis, prefix: str) -> Storage:
    """``limits``' Redis storage on the connection pool of the gateway's client."""
    pool: Any = redis.connection_pool  # ``limits`` types its pass-through options as scalars
    return RedisStorage("async+redis://", implementation="redispy", key_prefix=prefix, connection_pool=pool)


class RateLimiter:
    def __init__(self, storage: Storage) -> None:
        self._limiter = FixedWindowRateLimiter(storage)

    async def retry_after(self, key: str, limit: Limit) -> float | None:
        """Count one hit; ``None`` when allowed, else the seconds until the window reopens."""
        if await self._limiter.hit(limit.item, key):
            return None
        stats = await self._limiter.get_window_stats(limit.item, key)
        return max(0.0, stats.reset_time - time.time())

    async def check(self, key: str, limit: Limit, what: str) -> None:
        """Raise 429 with ``Retry-After`` when ``key`` is over ``limit``."""
        wait = await self.retry_after(key, limit)
        if wait is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"Too many {what}; please wait a moment and try again.",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
