"""The shopper's side of the notices, inside the gateway: where they chat, and their STOP.

- ``on_custom`` (a custom-payload hook): when the assistant says it verified an order in a chat, that
  chat becomes a place the order's notices can go (``NoticeBook.record_contact``).
- ``on_shopper_message`` (a message hook, before the assistant is asked): "stop", "stop notices" or
  "unsubscribe" in a chat that received a notice opts its shopper out of notices on that channel and is
  confirmed in plain words; the assistant never sees it. Anywhere else the words go on to the assistant.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool

from bot.desk.conversations.model import Author, Channel, Conversation, Message, NewMessage
from bot.desk.notices.model import NoticeChannel
from bot.desk.notices.rules import asks_to_stop
from bot.desk.notices.store import NoticeBook
from bot.language.wording import Msg, say
from bot.orders.rules.proof import Proof
from bot.payload import AssistantPayload
from integrations.notices.chats import Post

log = logging.getLogger(__name__)


def chat_address(conversation: Conversation) -> str | None:
    """Where a notice reaches this chat: a Telegram chat id, a web conversation's id."""
    if conversation.channel is Channel.TELEGRAM:
        return conversation.channel_user_id
    return conversation.id


class NoticeReplies:
    def __init__(self, book: NoticeBook, post: Post) -> None:
        self.book = book
        self.post = post

    async def on_custom(self, conversation: Conversation, custom: dict[str, Any]) -> None:
        said = AssistantPayload.from_custom(custom)
        address = chat_address(conversation)
        if said is None or said.verified_order is None or address is None:
            return
        await run_in_threadpool(
            self.book.record_contact,
            said.verified_order,
            proves_customer=said.verified_by is Proof.CUSTOMER,
            channel=NoticeChannel.of_chat(conversation.channel),
            address=address,
        )

    async def on_shopper_message(
        self, conversation: Conversation, text: str, payload: str | None
    ) -> list[Message] | None:
        address = chat_address(conversation)
        if payload is not None or address is None or not asks_to_stop(text):
            return None
        channel = NoticeChannel.of_chat(conversation.channel)
        customer = await run_in_threadpool(self.book.notified_customer, channel, address)
        if customer is None:
            return None  # no notice went here: "stop" means something else, the assistant decides
        await run_in_threadpool(self.book.opt_out, customer, channel)
        log.info("conversation %s opted out of delay notices", conversation.id)
        return await self.post(conversation.id, [NewMessage(Author.SYSTEM, say(Msg.NOTICE_STOPPED))])
