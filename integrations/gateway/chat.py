"""The gateway's chat use cases: store a message, ask the assistant when it owns the conversation, publish.

Channels and the agent console go through ``ChatService`` rather than the store directly, so that every
stored message also reaches the live subscribers (``Hub``) and the metrics.

``on_custom`` hooks (``app.state.custom_hooks``) receive each Rasa ``custom`` payload, e.g. the handoff
action's request for a person: ``hook(conversation, payload)``, sync or async. The payload itself is kept
on the bot message's ``data`` and never shown to the shopper.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from bot.desk.conversations.model import Author, Button, Conversation, Message, NewMessage, Status
from bot.desk.conversations.store import ConversationStore
from bot.language.wording import Msg, say
from integrations.gateway.hub import Hub
from integrations.gateway.metrics import Metrics
from integrations.gateway.rasa import RasaClient, RasaReply, RasaUnavailable

log = logging.getLogger(__name__)

ASSISTANT_UNAVAILABLE = say(Msg.ASSISTANT_UNAVAILABLE)

CustomHook = Callable[[Conversation, dict[str, Any]], Awaitable[None] | None]
# Runs on every shopper message before the assistant is asked; a list of replies means "handled here"
# (e.g. a sensitive topic that goes straight to a person), None lets the turn go on.
MessageHook = Callable[[Conversation, str, str | None], Awaitable[list[Message] | None]]


@dataclass(frozen=True)
class Turn:
    message: Message  # the shopper's message as stored
    replies: list[Message]  # what answered it (empty while a person owns the conversation)
    duplicate: bool  # the client_message_id had been seen: nothing new was stored or sent
    assistant_available: bool = True


def _bot_message(reply: RasaReply) -> NewMessage:
    data: dict[str, Any] = {}
    if reply.custom is not None:
        data["custom"] = reply.custom
    if reply.image:
        data["image"] = reply.image
    text = reply.text
    # A reply with nothing to show (a bare ``custom`` payload) is kept for the record but stays internal.
    return NewMessage(Author.BOT, text, reply.buttons, data or None, internal=not text and not reply.buttons)


class ChatService:
    def __init__(
        self,
        store: ConversationStore,
        rasa: RasaClient,
        hub: Hub,
        metrics: Metrics,
        custom_hooks: list[CustomHook],
        message_hooks: list[MessageHook] | None = None,
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.hub = hub
        self.metrics = metrics
        self.custom_hooks = custom_hooks
        self.message_hooks: list[MessageHook] = message_hooks if message_hooks is not None else []
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        """One turn at a time per conversation, so replies are stored in the order they were asked."""
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    async def shopper_says(
        self,
        conversation: Conversation,
        text: str,
        *,
        client_message_id: str | None = None,
        payload: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Turn:
        """Store the shopper's message; while the assistant owns the conversation, ask Rasa and store the
        replies. ``payload`` (a quick-reply button's) goes to Rasa in place of ``text``, which is what the
        shopper saw: the button's title."""
        cid = conversation.id
        async with self._lock(cid):
            data = {"payload": payload} if payload else None
            added = await run_in_threadpool(
                self.store.add_message,
                cid,
                Author.SHOPPER,
                text,
                data=data,
                client_message_id=client_message_id,
            )
            if not added.created:
                replies = await run_in_threadpool(self.store.replies_to, added.message)
                return Turn(added.message, replies, duplicate=True)
            self._published([added.message])

            current = await run_in_threadpool(self.store.get, cid)
            for message_hook in list(self.message_hooks):
                handled = await message_hook(current, text, payload)
                if handled is not None:
                    return Turn(added.message, handled, duplicate=False)
            if not current.assistant_answers:
                return Turn(added.message, [], duplicate=False)

            meta = {"channel": current.channel.value, "conversation_id": cid, **(metadata or {})}
            try:
                answers = await self.rasa.send(cid, payload or text, meta)
            except RasaUnavailable:
                replies = await self.post(cid, [NewMessage(Author.SYSTEM, ASSISTANT_UNAVAILABLE)])
                return Turn(added.message, replies, duplicate=False, assistant_available=False)

            stored = await run_in_threadpool(self.store.add_messages, cid, [_bot_message(a) for a in answers])
            messages = [s.message for s in stored]
            self._published(messages)
            await self._run_custom_hooks(current, answers)
            return Turn(added.message, [m for m in messages if not m.internal], duplicate=False)

    async def post(self, conversation_id: str, messages: Sequence[NewMessage]) -> list[Message]:
        """Store messages from anyone (agent, system, bot) and deliver them live. Returns the visible ones."""
        stored = await run_in_threadpool(self.store.add_messages, conversation_id, list(messages))
        created = [s.message for s in stored if s.created]
        self._published(created)
        return [m for m in created if not m.internal]

    async def say(
        self, conversation_id: str, author: Author, text: str, buttons: Sequence[Button] = ()
    ) -> Message:
        """One visible message, e.g. an agent's answer or a system notice."""
        stored = await run_in_threadpool(
            self.store.add_message, conversation_id, author, text, buttons=buttons
        )
        self._published([stored.message])
        return stored.message

    async def set_status(self, conversation_id: str, status: Status) -> Conversation:
        conversation = await run_in_threadpool(self.store.set_status, conversation_id, status)
        self.hub.publish_status(conversation_id, conversation.status)
        log.info("conversation %s is now %s", conversation_id, conversation.status.value)
        return conversation

    def _published(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.metrics.messages.inc(author=message.author.value)
            self.hub.publish_message(message)

    async def _run_custom_hooks(self, conversation: Conversation, answers: Sequence[RasaReply]) -> None:
        for answer in answers:
            if answer.custom is None:
                continue
            for hook in list(self.custom_hooks):
                try:
                    result = hook(conversation, answer.custom)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    self.metrics.errors.inc(kind="custom_hook")
                    log.exception("a custom-payload hook failed for conversation %s", conversation.id)
