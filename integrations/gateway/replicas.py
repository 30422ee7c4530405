"""What gateway replicas share through Redis (``SHOPDESK_REDIS_URL``): a conversation's turn lock, the
order of the Telegram sends to one chat, and the leadership that lets one replica alone run a job (the
unclaimed-escalation watcher, Telegram polling).

Without Redis there is one gateway process: the turn lock is the chat service's in-process lock alone, and
every job runs here. Keys start with ``SHOPDESK_REDIS_PREFIX``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

log = logging.getLogger(__name__)

KeyedLock = Callable[[str], AbstractAsyncContextManager[None]]
TurnLock = KeyedLock
Job = Callable[[], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class SharedRedis:
    client: Redis
    prefix: str

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))


@asynccontextmanager
async def no_shared_lock(conversation_id: str) -> AsyncIterator[None]:
    yield


def redis_turn_lock(shared: SharedRedis, hold_for: float) -> TurnLock:
    """One turn of a conversation at a time across replicas. ``hold_for`` (seconds) bounds a turn: the
    lock expires by itself if its replica dies mid-turn. A turn that waited longer than two of those goes
    on unserialised (and says so in the log) rather than failing the shopper's message."""

    @asynccontextmanager
    async def hold(conversation_id: str) -> AsyncIterator[None]:
        lock = shared.client.lock(
            shared.key("turn", conversation_id), timeout=hold_for, blocking_timeout=2 * hold_for
        )
        acquired = await lock.acquire()
        if not acquired:
            log.warning("conversation %s: turn lock not acquired in time; going on", conversation_id)
        try:
            yield
        finally:
            if acquired:
                with contextlib.suppress(LockError):  # expired meanwhile: the turn overran hold_for
                    await lock.release()

    return hold


def redis_order_lock(shared: SharedRedis, name: str, hold_for: float) -> KeyedLock:
    """Keeps work on one key (the sends to one Telegram chat) from interleaving across replicas, on a best
    effort: it orders, it never stops the work. A holder that dies frees it after ``hold_for`` seconds; a
    wait longer than two of those, or a Redis that cannot be reached, goes on unserialised (logged)."""

    @asynccontextmanager
    async def hold(key: str) -> AsyncIterator[None]:
        lock = shared.client.lock(shared.key(name, key), timeout=hold_for, blocking_timeout=2 * hold_for)
        try:
            acquired = await lock.acquire()
        except (RedisError, OSError) as exc:
            log.warning("%s lock unavailable (%s); going on", name, type(exc).__name__)
            acquired = False
        else:
            if not acquired:
                log.warning("%s lock not acquired in time; going on", name)
        try:
            yield
        finally:
            if acquired:
                with contextlib.suppress(LockError, RedisError, OSError):
                    await lock.release()

    return hold


class Leadership:
    """Runs a job in one replica at a time: whoever holds the Redis lock ``<prefix>:leader:<name>`` runs
    it and renews the lock every third of ``ttl``; when the holder dies the lock expires and another
    replica's ``run`` takes over within ``ttl``. Without Redis the job simply runs."""

    def __init__(self, shared: SharedRedis | None, name: str, ttl: float = 15.0) -> None:
        self._shared = shared
        self.name = name
        self.ttl = ttl
        self.is_leader = False

    async def run(self, job: Job) -> None:
        """Until cancelled: wait to lead, run ``job`` while leading, stop it when the lead is lost."""
        if self._shared is None:
            self.is_leader = True
            try:
                await job()
            finally:
                self.is_leader = False
            return
        lock = self._shared.client.lock(self._shared.key("leader", self.name), timeout=self.ttl)
        while True:
            try:
                acquired = await lock.acquire(blocking=False)
            except (RedisError, OSError):
                log.warning("cannot reach Redis to take the %s lead", self.name)
                acquired = False
            if acquired:
                await self._lead(lock, job)
            await asyncio.sleep(self.ttl / 3)

    async def _lead(self, lock: Lock, job: Job) -> None:
        log.info("leading %s", self.name)
        self.is_leader = True
        task = asyncio.create_task(job(), name=f"leader-{self.name}")
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=self.ttl / 3)
                if done:
                    if not task.cancelled() and task.exception() is not None:
                        log.error("%s stopped", self.name, exc_info=task.exception())
                    return
                try:
                    await lock.reacquire()
                except (LockError, RedisError, OSError):
                    log.warning("lost the %s lead", self.name)
                    return
        finally:
            self.is_leader = False
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(LockError, RedisError, OSError):
                await lock.release()
