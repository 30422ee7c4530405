"""Publish/subscribe for live delivery: in one process (``LocalHub``), or across gateway replicas through
Redis pub/sub (``RedisHub``, when ``SHOPDESK_REDIS_URL`` is set); the lifespan picks one.

Every stored message and status change of a conversation is published here, and so is every change to the
escalation queue (``queue`` events, for the agent consoles); each WebSocket, each agent console and the
Telegram follower holds a subscription. A subscriber that cannot keep up is dropped rather than allowed
to grow memory: it reconnects with its cursor and reads what it missed from the database, which remains
the source of truth. The same happens when the Redis connection breaks. Call ``publish`` on the event
loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from bot.desk.conversations.model import Author, Button, Message, Status

log = logging.getLogger(__name__)

QUEUE_SIZE = 256
OUTBOX_SIZE = 10_000  # events waiting to go to Redis; beyond that the hub drops its subscribers
RECONNECT_AFTER = 1.0  # seconds before listening again after the Redis connection broke

EventKind = Literal["message", "status", "queue", "presence", "closed"]


@dataclass(frozen=True)
class Event:
    conversation_id: str
    # "queue": an escalation of this conversation changed (agent consoles only); "presence": an agent's
    # presence changed (agent consoles only, no conversation); "closed": the subscriber was dropped and
    # should read what it missed from the database
    kind: EventKind
    message: Message | None = None
    status: Status | None = None


class Subscription:
    def __init__(self, conversation_id: str | None) -> None:
        self.conversation_id = conversation_id  # None: every conversation (an agent console)
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE + 1)

    async def get(self) -> Event:
        return await self.queue.get()

    def wants(self, event: Event) -> bool:
        if self.conversation_id is None:
            return True
        return event.kind not in ("queue", "presence") and event.conversation_id == self.conversation_id


class Hub(ABC):
    """Subscriptions live in the process; ``publish`` decides how an event reaches them (and the other
    replicas' ones)."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    @abstractmethod
    async def start(self) -> None:
        """Connect, when there is anything to connect to."""

    @abstractmethod
    async def stop(self) -> None:
        """Disconnect; publishing afterwards is lost."""

    @abstractmethod
    def publish(self, event: Event) -> None: ...

    @contextmanager
    def subscribe(self, conversation_id: str | None) -> Iterator[Subscription]:
        subscription = Subscription(conversation_id)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def publish_message(self, message: Message) -> None:
        self.publish(Event(message.conversation_id, "message", message=message))

    def publish_status(self, conversation_id: str, status: Status) -> None:
        self.publish(Event(conversation_id, "status", status=status))

    def publish_queue_change(self, conversation_id: str) -> None:
        self.publish(Event(conversation_id, "queue"))

    def publish_presence_change(self) -> None:
        self.publish(Event("", "presence"))

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    def _deliver(self, event: Event) -> None:
        """Hand ``event`` to this process's subscribers."""
        for subscription in list(self._subscriptions):
            if not subscription.wants(event):
                continue
            if subscription.queue.qsize() >= QUEUE_SIZE:
                log.warning("dropping a slow subscriber of conversation %s", event.conversation_id)
                self._drop(subscription, event.conversation_id)
                continue
            subscription.queue.put_nowait(event)

    def _drop(self, subscription: Subscription, conversation_id: str) -> None:
        self._subscriptions.discard(subscription)
        subscription.queue.put_nowait(Event(conversation_id, "closed"))

    def _drop_all(self) -> None:
        for subscription in list(self._subscriptions):
            self._drop(subscription, subscription.conversation_id or "")


class LocalHub(Hub):
    """One gateway process, no broker."""

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def publish(self, event: Event) -> None:
        self._deliver(event)


def encode(event: Event) -> str:
    body: dict[str, Any] = {"conversation_id": event.conversation_id, "kind": event.kind}
    if event.status is not None:
        body["status"] = event.status.value
    if event.message is not None:
        message = asdict(event.message)
        message["author"] = event.message.author.value
        message["created_at"] = event.message.created_at.isoformat()
        body["message"] = message
    return json.dumps(body)


def decode(data: str | bytes) -> Event:
    body = json.loads(data)
    message: Message | None = None
    if (raw := body.get("message")) is not None:
        message = Message(
            id=raw["id"],
            conversation_id=raw["conversation_id"],
            author=Author(raw["author"]),
            text=raw["text"],
            created_at=datetime.fromisoformat(raw["created_at"]),
            buttons=tuple(Button(b["title"], b["payload"]) for b in raw["buttons"]),
            data=raw["data"],
            internal=raw["internal"],
            client_message_id=raw["client_message_id"],
        )
    status = Status(body["status"]) if body.get("status") else None
    return Event(body["conversation_id"], body["kind"], message=message, status=status)


class RedisHub(Hub):
    """Every replica publishes to one Redis channel and delivers what it hears there to its subscribers,
    its own events included, so each subscriber sees one replica's events in the order they were
    published. Redis pub/sub keeps nothing: when the connection breaks, the subscribers are dropped and
    catch up from the database."""

    def __init__(self, redis: Redis, channel: str) -> None:
        super().__init__()
        self._redis = redis
        self._channel = channel
        self._outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_SIZE)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        pubsub = await self._subscribed()
        self._tasks = [
            asyncio.create_task(self._listen(pubsub), name="hub-listener"),
            asyncio.create_task(self._send(), name="hub-publisher"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def publish(self, event: Event) -> None:
        try:
            self._outbox.put_nowait(encode(event))
        except asyncio.QueueFull:
            log.warning("Redis is not keeping up with the hub; dropping live subscribers")
            self._drop_all()

    async def _subscribed(self) -> PubSub:
        """A pub/sub connection the server has confirmed the subscription on: from then on nothing
        published to the channel is missed."""
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(self._channel)
            while True:
                reply = await pubsub.get_message(timeout=5.0)
                if reply is not None and reply["type"] == "subscribe":
                    return pubsub
        except BaseException:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
            raise

    async def _listen(self, pubsub: PubSub) -> None:
        while True:
            try:
                async for reply in pubsub.listen():
                    if reply["type"] == "message":
                        self._deliver(decode(reply["data"]))
            except (RedisError, OSError):
                log.warning("lost the hub's Redis subscription; live subscribers will catch up")
            finally:
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
            self._drop_all()
            while True:
                await asyncio.sleep(RECONNECT_AFTER)
                try:
                    pubsub = await self._subscribed()
                    break
                except (RedisError, OSError):
                    continue

    async def _send(self) -> None:
        while True:
            data = await self._outbox.get()
            try:
                await self._redis.publish(self._channel, data)
            except (RedisError, OSError):
                log.warning("could not publish a live event to Redis; live subscribers will catch up")
                self._drop_all()
