"""Keeping a notice in the shopper's conversation, so the transcript (and an agent) shows what was said.

A notice message carries ``data = {"notice": id, "delivered": channel}``: the Telegram bridge's hub
follower skips messages already delivered by the notices (``already_delivered``), and its
``client_message_id`` (``notice-<id>``) makes storing it twice impossible.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool

from bot.desk.conversations.model import Author, Message, NewMessage
from bot.desk.conversations.store import ConversationStore

Post = Callable[[str, Sequence[NewMessage]], Awaitable[list[Message]]]
NOTICE_KEY = "notice"
DELIVERED_KEY = "delivered"


def notice_message(notice_id: int, text: str, delivered_by: str | None) -> NewMessage:
    data: dict[str, Any] = {NOTICE_KEY: notice_id}
    if delivered_by:
        data[DELIVERED_KEY] = delivered_by
    return NewMessage(Author.SYSTEM, text, data=data, client_message_id=f"notice-{notice_id}")


def already_delivered(message: Message) -> bool:
    """A notice the notices sent to its channel themselves: nobody else should deliver it."""
    return bool(message.data and message.data.get(DELIVERED_KEY))


def store_poster(store: ConversationStore) -> Post:
    """Posting without live delivery (``shopdesk notices run``, outside the gateway)."""

    async def post(conversation_id: str, messages: Sequence[NewMessage]) -> list[Message]:
        added = await run_in_threadpool(store.add_messages, conversation_id, list(messages))
        return [a.message for a in added]

    return post
