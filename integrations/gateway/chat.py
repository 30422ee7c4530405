"""The gateway's chat use cases: store a message, ask the assistant when it owns the conversation, publish.

Channels and the agent console go through ``ChatService`` rather than the store directly, so that every
stored message also reaches the live subscribers (``Hub``) and the metrics.

``reading_hooks`` receive what the NLU read in each shopper message the assistant answered (Rasa sends it
with the replies: ``integrations/rasa_engine/nlu_report.py``; it is kept on the shopper's message).
``on_custom`` hooks (``app.state.custom_hooks``) receive each Rasa ``custom`` payload, e.g. the handoff
action's request for a person: ``hook(conversation, payload)``, sync or async. The payload itself is kept
on the bot message's ``data`` and never shown to the shopper. The messages a hook returns (the handoff's
queue notice) answer the turn too: they follow the assistant's replies in the turn's ``replies``.

A part of the assistant that does not answer gets the shopper an honest notice and an offer of a person
(``PERSON_PAYLOAD``, answered by ``HandoffService`` without the assistant), and nothing they wrote is lost:
Rasa unreachable (``RasaUnavailable``); Rasa slower than the gateway's wait (its answer is delivered when
it comes); the action server down, failing or past Rasa's own timeout, which Rasa reports with a note in the
turn's replies (``integrations/rasa_engine/failed_action.py``). Rasa's conversation then starts afresh, so
nothing half-done (a slot taken but never validated) stays in it: once the action server is back the
shopper asks again, and gives the order and contact again (the transcript keeps everything).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from bot.desk.conversations.commands import as_words
from bot.desk.conversations.model import (
    AddedMessage,
    Author,
    Button,
    Conversation,
    Message,
    NewMessage,
    Status,
)
from bot.desk.conversations.store import ConversationStore
from bot.desk.deadline import REPLY_BY, reply_by
from bot.language.wording import Msg, say
from bot.payload import NluReading
from integrations.gateway.hub import Hub
from integrations.gateway.metrics import Metrics
from integrations.gateway.rasa import RasaClient, RasaReply, RasaUnavailable
from integrations.gateway.replicas import TurnLock, no_shared_lock
from integrations.rasa_engine.failed_action import failed_action

log = logging.getLogger(__name__)

ASSISTANT_UNAVAILABLE = say(Msg.ASSISTANT_UNAVAILABLE)
# The button on that notice: a person, reached without the assistant (``HandoffService`` answers it).
PERSON_PAYLOAD = "desk:person"
PERSON_OFFER = (Button(say(Msg.BUTTON_TALK_TO_A_PERSON), PERSON_PAYLOAD),)
ASSISTANT_SLOW = say(Msg.ASSISTANT_SLOW)
# Starts a Rasa conversation afresh after an action failed in it. Rasa's ``rewind`` would be the finer
# tool, but inside an active form Rasa folds the form's repeated runs together before it applies the
# rewind, which then also removes the turn before (the order number already given).
RESTART = {"event": "restart"}

# Returns the messages it posted that answer the turn (e.g. the queue notice), or None.
CustomHookResult = Sequence[Message] | None
CustomHook = Callable[[Conversation, dict[str, Any]], Awaitable[CustomHookResult] | CustomHookResult]
# Runs on every shopper message before the assistant is asked; a list of replies means "handled here"
# (e.g. a sensitive topic that goes straight to a person), None lets the turn go on.
MessageHook = Callable[[Conversation, str, str | None], Awaitable[list[Message] | None]]
# Runs once the assistant has answered a shopper message, with what the NLU read in it; the messages it
# posts follow the answers (e.g. the satisfaction survey after "thanks, bye").
ReadingHook = Callable[[Conversation, NluReading], Awaitable[list[Message] | None]]


@dataclass(frozen=True)
class Turn:
    message: Message  # the shopper's message as stored
    replies: list[Message]  # what answered it (empty while a person owns the conversation)
    duplicate: bool  # the client_message_id had been seen: nothing new was stored or sent
    status: Status  # the conversation's status once the turn is over (a hook may have escalated it)
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
        shared_turn_lock: TurnLock = no_shared_lock,
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.hub = hub
        self.metrics = metrics
        self.custom_hooks = custom_hooks
        self.message_hooks: list[MessageHook] = message_hooks if message_hooks is not None else []
        self.reading_hooks: list[ReadingHook] = []
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._shared_turn_lock = shared_turn_lock  # across gateway replicas (``replicas.py``)
        self._turn_status: dict[str, Status] = {}  # conversations in a turn -> their latest status
        self._late_replies: set[asyncio.Task[None]] = set()  # answers awaited after the turn timed out

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        """One turn at a time per conversation, so replies are stored in the order they were asked. This
        process's turns queue here first; only the one at the front then waits for the replicas' lock."""
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
        shopper saw: the button's title.

        The conversation is not read again: storing the message reports its status (under the lock that
        serialises writers), and a status changed during the turn (an escalation) goes through
        ``set_status``, which keeps the turn's record of it."""
        cid = conversation.id
        async with self._lock(cid), self._shared_turn_lock(cid):
            if payload is not None:
                offered = await run_in_threadpool(self.store.offered_button, cid, payload)
                # a payload nobody offered is ignored; an offered one is stored under the title shown
                payload, text = (offered.payload, offered.title) if offered else (None, text)
            data = {"payload": payload} if payload else None
            added = await run_in_threadpool(
                self.store.add_message,
                cid,
                Author.SHOPPER,
                text,
                data=data,
                client_message_id=client_message_id,
            )
            self._turn_status[cid] = added.status
            try:
                replies, available = await self._answer(
                    replace(conversation, status=added.status), added, text, payload, metadata
                )
            finally:
                status = self._turn_status.pop(cid)
            return Turn(added.message, replies, not added.created, status, available)

    async def _answer(
        self,
        current: Conversation,
        added: AddedMessage,
        text: str,
        payload: str | None,
        metadata: dict[str, Any] | None,
    ) -> tuple[list[Message], bool]:
        """The replies to a stored shopper message, and whether the assistant could be asked."""
        if not added.created:
            return await run_in_threadpool(self.store.replies_to, added.message), True
        cid = current.id
        self._published([added.message])
        for message_hook in list(self.message_hooks):
            handled = await message_hook(current, text, payload)
            if handled is not None:
                return handled, True
        if not current.assistant_answers:
            return [], True

        meta = {
            "channel": current.channel.value,
            "conversation_id": cid,
            **(metadata or {}),
            REPLY_BY: reply_by(datetime.now(UTC), self.rasa.turn_timeout),
        }
        turn = asyncio.ensure_future(self.rasa.send(cid, payload or as_words(text), meta))
        try:
            answers = await asyncio.wait_for(asyncio.shield(turn), self.rasa.turn_timeout)
        except RasaUnavailable:
            unavailable = NewMessage(Author.SYSTEM, ASSISTANT_UNAVAILABLE, PERSON_OFFER)
            return await self.post(cid, [unavailable]), False
        except TimeoutError:
            # Rasa goes on with the turn: its answer is delivered when it comes (bot/desk/deadline.py).
            self._deliver_late(current, added.message, turn)
            return await self.post(cid, [NewMessage(Author.SYSTEM, ASSISTANT_SLOW, PERSON_OFFER)]), False
        except asyncio.CancelledError:  # the request went away mid-turn: the answer is still kept
            self._deliver_late(current, added.message, turn)
            raise
        return await self._assistant_answered(current, added.message, answers)

    async def _assistant_answered(
        self, conversation: Conversation, asked: Message, answers: list[RasaReply], *, late: bool = False
    ) -> tuple[list[Message], bool]:
        """Store and deliver Rasa's answer to a turn; False when the answer says an action failed. What the
        NLU read in ``asked`` (Rasa's ``NluReading``, sent by ``integrations/rasa_engine/nlu_report.py``) is
        kept on that message instead, for the analytics."""
        readings = [NluReading.from_custom(a.custom) for a in answers]
        answers = [a for a, read in zip(answers, readings, strict=True) if read is None]
        # kept on the shopper's message in the transaction that stores the replies
        noted: dict[str, Any] = {}
        for read in readings:
            if read is not None:
                noted.update(read.to_data())
        annotations = {asked.id: noted} if noted else None
        failed = sorted({name for a in answers if (name := failed_action(a.custom))})
        if failed:
            return await self._actions_failed(
                conversation.id, answers, failed, restart=not late, annotations=annotations
            ), False
        messages = await self._store(conversation.id, [_bot_message(a) for a in answers], annotations)
        posted = await self._run_custom_hooks(conversation, answers)  # e.g. the queue notice
        for read in readings:
            if read is not None:
                posted += await self._run_reading_hooks(conversation, read)
        return [m for m in messages if not m.internal] + posted, True

    async def _actions_failed(
        self,
        conversation_id: str,
        answers: list[RasaReply],
        failed: list[str],
        *,
        restart: bool,
        annotations: dict[int, dict[str, Any]] | None = None,
    ) -> list[Message]:
        """The action server did not run an action of the turn: what Rasa said without it is kept for the
        record only (it may rest on the missing action: a question asked again, a fallback), Rasa's
        conversation starts afresh, and the shopper is told and offered a person. After a late answer
        Rasa's conversation is left alone: the shopper's next turn may already be under way in it."""
        self.metrics.errors.labels(kind="action_server").inc()
        log.warning("the action server failed %s in conversation %s", ", ".join(failed), conversation_id)
        kept = [replace(_bot_message(a), internal=True) for a in answers]
        await self._store(conversation_id, kept, annotations)
        if restart:
            try:
                await self.rasa.append_event(conversation_id, RESTART)
            except RasaUnavailable:
                log.warning("could not restart conversation %s after its failed turn", conversation_id)
        return await self.post(
            conversation_id, [NewMessage(Author.SYSTEM, ASSISTANT_UNAVAILABLE, PERSON_OFFER)]
        )

    async def _run_reading_hooks(self, conversation: Conversation, read: NluReading) -> list[Message]:
        """The reading to every hook; a hook that fails is counted and logged, and the turn goes on."""
        posted: list[Message] = []
        for hook in list(self.reading_hooks):
            try:
                posted += [m for m in await hook(conversation, read) or () if not m.internal]
            except Exception:
                self.metrics.errors.labels(kind="reading_hook").inc()
                log.exception("a reading hook failed for conversation %s", conversation.id)
        return posted

    def _deliver_late(
        self, conversation: Conversation, asked: Message, turn: asyncio.Future[list[RasaReply]]
    ) -> None:
        async def deliver() -> None:
            try:
                answers = await turn
            except RasaUnavailable:
                return  # never answered: the shopper was told, and nothing they wrote was lost
            log.info("a late answer arrived for conversation %s", conversation.id)
            await self._assistant_answered(conversation, asked, answers, late=True)

        task = asyncio.create_task(deliver())
        self._late_replies.add(task)
        task.add_done_callback(self._late_replies.discard)

    async def stop_late_replies(self) -> None:
        """On shutdown: stop waiting for answers that have not come."""
        for task in list(self._late_replies):
            task.cancel()
        await asyncio.gather(*self._late_replies, return_exceptions=True)

    async def post(self, conversation_id: str, messages: Sequence[NewMessage]) -> list[Message]:
        """Store messages from anyone (agent, system, bot) and deliver them live. Returns the visible ones."""
        return [m for m in await self._store(conversation_id, messages) if not m.internal]

    async def say(
        self,
        conversation_id: str,
        author: Author,
        text: str,
        buttons: Sequence[Button] = (),
        *,
        data: dict[str, Any] | None = None,
        internal: bool = False,
    ) -> Message:
        """One message, e.g. an agent's answer, an agent's internal note or a system notice."""
        (message,) = await self._store(
            conversation_id, [NewMessage(author, text, buttons, data, internal=internal)]
        )
        return message

    async def set_status(self, conversation_id: str, status: Status) -> Conversation:
        conversation = await run_in_threadpool(self.store.set_status, conversation_id, status)
        if conversation_id in self._turn_status:
            self._turn_status[conversation_id] = conversation.status
        self.hub.publish_status(conversation_id, conversation.status)
        log.info("conversation %s is now %s", conversation_id, conversation.status.value)
        return conversation

    async def _store(
        self,
        conversation_id: str,
        messages: Sequence[NewMessage],
        annotations: dict[int, dict[str, Any]] | None = None,
    ) -> list[Message]:
        """Store, count and publish: the one way a message enters a conversation besides the shopper's.
        ``annotations`` go on stored messages in the same transaction (``ConversationStore.add_messages``)."""
        stored = await run_in_threadpool(
            self.store.add_messages, conversation_id, list(messages), annotations=annotations
        )
        created = [s.message for s in stored if s.created]
        self._published(created)
        return created

    def _published(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.metrics.messages.labels(author=message.author.value).inc()
            self.hub.publish_message(message)

    async def _run_custom_hooks(
        self, conversation: Conversation, answers: Sequence[RasaReply]
    ) -> list[Message]:
        """Each payload to every hook; returns the visible messages the hooks posted for the turn."""
        posted: list[Message] = []
        for answer in answers:
            if answer.custom is None:
                continue
            for hook in list(self.custom_hooks):
                try:
                    result = hook(conversation, answer.custom)
                    if inspect.isawaitable(result):
                        result = await result
                    posted += [m for m in result or () if not m.internal]
                except Exception:
                    self.metrics.errors.labels(kind="custom_hook").inc()
                    log.exception("a custom-payload hook failed for conversation %s", conversation.id)
        return posted
