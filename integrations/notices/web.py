"""Delay notices to the web chat: kept pending until the shopper next opens the widget (its history or
live socket), then stored into that conversation, which also shows them live on any open widget.

Storing uses the notice's id as the message's ``client_message_id``: a gateway that dies after storing
and before marking the notice sent stores nothing new when the notice is claimed again.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool

from bot.desk.conversations.model import ConversationClosed
from bot.desk.notices import text
from bot.desk.notices.model import NoticeChannel
from bot.desk.notices.store import NoticeBook
from integrations.notices.chats import Post, notice_message

log = logging.getLogger(__name__)


async def deliver_on_open(book: NoticeBook, post: Post, conversation_id: str) -> int:
    """Store this conversation's pending notices into it; returns how many."""
    pending = await run_in_threadpool(book.claim, NoticeChannel.WEB, 20, address=conversation_id)
    for notice in pending:
        try:
            await post(conversation_id, [notice_message(notice.id, text.chat_text(notice.text), None)])
        except ConversationClosed:
            await run_in_threadpool(book.mark_failed, notice.id, "ConversationClosed", final=True)
            continue
        await run_in_threadpool(book.mark_sent, notice.id)
        log.info("delay notice %d delivered into web conversation %s", notice.id, conversation_id)
    return len(pending)
