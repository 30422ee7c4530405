"""In-process publish/subscribe for live delivery: one process, no broker.

Every stored message and status change of a conversation is published here; each WebSocket (and, later,
each agent console) holds a subscription. A subscriber that cannot keep up is dropped rather than allowed
to grow memory: it reconnects with its cursor and reads what it missed from the database, which remains
the source of truth. Call ``publish`` on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from bot.desk.conversations.model import Message, Status

log = logging.getLogger(__name__)

QUEUE_SIZE = 256


@dataclass(frozen=True)
class Event:
    conversation_id: str
    kind: Literal["message", "status", "closed"]  # "closed": the subscriber was dropped
    message: Message | None = None
    status: Status | None = None


class Subscription:
    def __init__(self, conversation_id: str | None) -> None:
        self.conversation_id = conversation_id  # None: every conversation (an agent console)
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE + 1)

    async def get(self) -> Event:
        return await self.queue.get()


class Hub:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    @contextmanager
    def subscribe(self, conversation_id: str | None) -> Iterator[Subscription]:
        subscription = Subscription(conversation_id)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def publish(self, event: Event) -> None:
        for subscription in list(self._subscriptions):
            if subscription.conversation_id not in (None, event.conversation_id):
                continue
            if subscription.queue.qsize() >= QUEUE_SIZE:
                log.warning("dropping a slow subscriber of conversation %s", event.conversation_id)
                self._subscriptions.discard(subscription)
                subscription.queue.put_nowait(Event(event.conversation_id, "closed"))
                continue
            subscription.queue.put_nowait(event)

    def publish_message(self, message: Message) -> None:
        self.publish(Event(message.conversation_id, "message", message=message))

    def publish_status(self, conversation_id: str, status: Status) -> None:
        self.publish(Event(conversation_id, "status", status=status))

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)
