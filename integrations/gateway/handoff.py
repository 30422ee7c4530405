"""Human handoff in the gateway: escalate, keep the assistant silent, relay, hand back, survey, time out.

- A shopper message is checked before the assistant sees it (``on_shopper_message``): a sensitive topic
  or frustration goes straight to a person. The action server asks for a person through a Rasa custom
  payload (``on_custom``): the shopper asked, or a button offered after failed verification, two
  misunderstandings or a rule (a lost parcel) was pressed.
- Escalating records why, the verified order and customer, the intents and entities seen, the facts the
  assistant gave (with retrieval scores) and a summary. With agents actually available (logged in, a
  console connected and heard from, not away: ``bot.desk.agents.presence``) it pauses the Rasa
  conversation and tells the shopper their place in the queue and the wait computed from those agents
  (``bot.desk.wait``). With nobody available it says so at once and offers email follow-up, and the
  assistant stays — within support hours ("nobody is available right now") and outside them ("back
  Monday at 09:00"). The facts
  and the verified order come from the assistant's payloads (``bot.payload``) kept with the transcript,
  read once; the order itself is re-read from the order system. Only the intents and entities the NLU saw
  come from Rasa's tracker, which alone knows them.
- The console's routes call this service (and ``ChatService`` through it), never the stores.
- While a person has the conversation its status is ``queued``/``agent``: the chat service stores and
  relays messages without asking Rasa, and Rasa's own pause guards the same.
- Handing back or resolving resumes the Rasa conversation with its slots (the verified order) intact.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot import dialogue_names as names
from bot.clock import Clock
from bot.desk.agents.model import Agent
from bot.desk.agents.presence_store import PresenceBoard
from bot.desk.conversations.model import (
    AlreadyRated,
    Author,
    Button,
    Conversation,
    Message,
    NewMessage,
    Status,
)
from bot.desk.escalations.model import (
    Escalation,
    EscalationError,
    EscalationNotFound,
    EscalationState,
    NewEscalation,
)
from bot.desk.escalations.store import EscalationBook
from bot.desk.handoff import (
    EscalationFacts,
    Fact,
    Trigger,
    detect_trigger,
    nobody_free_notice,
    priority_for,
    queue_notice,
    summarize,
)
from bot.desk.support_hours import agents_online, next_opening
from bot.desk.wait import HandlingTime, expected_wait_minutes, handling_time
from bot.language.contact_details import first_email
from bot.language.wording import Msg, say
from bot.orders.model import Order
from bot.orders.repository import OrderRepository
from bot.orders.rules.proof import Proof
from bot.payload import AssistantPayload, NluReading
from bot.policy import Policy
from integrations.gateway.chat import PERSON_PAYLOAD, ChatService
from integrations.gateway.rasa import RasaClient, RasaUnavailable

log = logging.getLogger(__name__)

CSAT_PREFIX = "csat:"
SURVEY_QUESTION = say(Msg.SURVEY_QUESTION)
SURVEY_BUTTONS = tuple(Button(str(n), f"{CSAT_PREFIX}{n}") for n in range(1, 6))
BACK_WITH_ASSISTANT = say(Msg.BACK_WITH_THE_ASSISTANT)
# What a shopper says when the assistant has done what they came for: the moment to ask for a rating.
CLOSING_INTENTS = frozenset({names.Intents.THANK, names.Intents.GOODBYE})


class HandoffError(Exception):
    """An agent action that the escalation's state does not allow; the message says why."""


@dataclass(frozen=True)
class Transcript:
    """What the escalation record takes from the stored conversation."""

    facts: tuple[Fact, ...]  # what the assistant told the shopper, oldest first
    verified_order: str | None  # the latest order the assistant said it verified
    last_shopper_message: str
    verified_by: Proof | None = None  # what that order's verification proved

    @property
    def email_shown(self) -> bool:
        """Whether notices may name the customer's email (masked): not after a postcode, which proves
        the order only. Without a verified order the email, if any, is one the shopper typed."""
        return self.verified_order is None or self.verified_by is Proof.CUSTOMER


def read_transcript(messages: Sequence[Message]) -> Transcript:
    facts: list[Fact] = []
    verified_order: str | None = None
    verified_by: Proof | None = None
    last = ""
    for message in messages:
        if message.author is Author.SHOPPER:
            last = message.text
        said = AssistantPayload.from_custom((message.data or {}).get("custom"))
        if said is not None:
            facts.extend(said.facts)
            if said.verified_order:
                verified_order, verified_by = said.verified_order, said.verified_by
    return Transcript(tuple(facts), verified_order, last, verified_by)


def _seen(tracker: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    intents: list[str] = []
    entities: list[dict[str, Any]] = []
    for event in tracker.get("events") or []:
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        name = (parse.get("intent") or {}).get("name")
        if name:
            intents.append(str(name))
        for entity in parse.get("entities") or []:
            # emails stay out of the record
            if entity.get("entity") and entity.get("entity") != names.Entities.EMAIL:
                entities.append({"entity": entity["entity"], "value": entity.get("value")})
    return intents, entities


class HandoffService:
    def __init__(
        self,
        chat: ChatService,
        rasa: RasaClient,
        book: EscalationBook,
        shop_sessions: sessionmaker[Session],
        policy: Policy,
        clock: Clock,
        shop_clock: Clock,
        presence: PresenceBoard,
    ) -> None:
        self.chat = chat
        self.rasa = rasa
        self.book = book
        self.presence = presence  # who from the team is there, on every replica (the database)
        self._shop_sessions = shop_sessions
        self.policy = policy
        self.clock = clock  # real time: timestamps and the unclaimed timeout
        self.shop_clock = shop_clock  # the shop's "now" (SHOPDESK_NOW in demos): support hours

    # --- from the shopper's side -------------------------------------------------------------------

    async def on_shopper_message(
        self, conversation: Conversation, text: str, payload: str | None
    ) -> list[Message] | None:
        if payload and payload.startswith(CSAT_PREFIX):
            return await self._satisfaction(conversation, payload.removeprefix(CSAT_PREFIX))
        if payload == PERSON_PAYLOAD:  # offered when the assistant could not be reached
            return await self.escalate(conversation, Trigger.ASKED, None, last_text=text)
        escalation = await run_in_threadpool(self.book.open_for, conversation.id)
        if (
            escalation is not None
            and escalation.state is EscalationState.EMAIL
            and not escalation.customer_email
        ):
            email = first_email(text)
            if email:
                await run_in_threadpool(self.book.set_email, escalation.id, email)
                return await self.chat.post(
                    conversation.id,
                    [NewMessage(Author.SYSTEM, say(Msg.REPLY_EMAIL_NOTED, email=email))],
                )
        if not conversation.assistant_answers or payload:
            return None
        match = detect_trigger(text, self.policy)
        if match is None:
            return None
        return await self.escalate(conversation, match.trigger, match.topic, last_text=text)

    async def on_custom(self, conversation: Conversation, custom: dict[str, Any]) -> list[Message] | None:
        """The assistant asked for a person (``actions/handoff.py``), about the order it sent, if any. The
        queue notice answers the shopper's turn."""
        said = AssistantPayload.from_custom(custom)
        if said is None or said.handoff is None:
            return None
        return await self.escalate(
            conversation,
            said.handoff.trigger,
            None,
            verified_order=said.verified_order,
            verified_by=said.verified_by,
        )

    async def escalate(
        self,
        conversation: Conversation,
        trigger: Trigger,
        topic: str | None,
        *,
        last_text: str | None = None,
        verified_order: str | None = None,
        verified_by: Proof | None = None,
    ) -> list[Message]:
        """Open (or find) the conversation's escalation. ``verified_order``: the order the assistant sent
        with its request (``verified_by``: what its verification proved); without it, the latest one its
        payloads in the transcript name."""
        cid = conversation.id
        history = await run_in_threadpool(self.chat.store.history, cid, 0, include_internal=True)
        transcript = read_transcript(history)
        if verified_order:
            transcript = replace(transcript, verified_order=verified_order, verified_by=verified_by)
        number = transcript.verified_order
        order = await run_in_threadpool(self._order, number) if number else None
        try:
            tracker = await self.rasa.tracker(cid)
        except RasaUnavailable:
            tracker = {}
        intents, entities = _seen(tracker)
        summary = summarize(
            EscalationFacts(
                trigger=trigger,
                topic=topic,
                verified_order=order.number if order else None,
                customer_name=order.customer.name if order else None,
                intents=intents,
                facts=transcript.facts,
                last_shopper_message=transcript.last_shopper_message if last_text is None else last_text,
            )
        )
        escalation, created = await run_in_threadpool(
            self.book.open,
            cid,
            NewEscalation(
                trigger=trigger,
                topic=topic,
                priority=priority_for(trigger, topic),
                summary=summary,
                verified_order=order.number if order else None,
                customer_email=order.customer.email if order else None,
                intents=intents,
                entities=entities,
                facts=[asdict(fact) for fact in transcript.facts],
            ),
        )
        available = await run_in_threadpool(self.presence.available)
        if escalation.state is EscalationState.QUEUED and not available:
            # nobody is there to take it: say so now rather than promise a wait nobody will meet
            try:
                escalation = await run_in_threadpool(self.book.to_email, escalation.id)
            except EscalationError:  # claimed meanwhile: an agent was there after all
                escalation = await run_in_threadpool(self.book.get, escalation.id)
            else:
                if not created:  # it was waiting, paused: the assistant takes back what it can
                    await self._resume(cid, None)
        elif created:
            await self._pause(cid)
            await self.chat.set_status(cid, Status.QUEUED)
        log.info("conversation %s escalated (%s, %s)", cid, trigger.value, escalation.state.value)
        self._notify(escalation)
        wait: int | None = None
        position = 0
        if escalation.state is not EscalationState.EMAIL:
            position = await run_in_threadpool(self.book.position, escalation.id)
            handling = await run_in_threadpool(self.handling_time)
            agents = max(available, 1) if escalation.state is EscalationState.CLAIMED else available
            wait = expected_wait_minutes(agents, max(0, position - 1), handling.minutes)
        now = self.shop_clock()
        notice = queue_notice(
            position,
            wait,
            agents_online(self.policy, now),
            next_opening(self.policy, now),
            self.policy,
            escalation.customer_email,
            email_shown=transcript.email_shown,
        )
        return await self.chat.post(cid, [NewMessage(Author.SYSTEM, notice.text)])

    def handling_time(self) -> HandlingTime:
        """The handling time the expected wait uses: measured from recent escalations when there are
        enough, else the policy's figure (``bot.desk.wait``)."""
        since = self.clock() - timedelta(days=self.policy.handoff_measure_handling_days)
        return handling_time(
            self.book.handling_durations(since),
            self.policy.handoff_average_handling_minutes,
            self.policy.handoff_measure_handling_from,
        )

    async def offer_rating(self, conversation: Conversation, reading: NluReading) -> list[Message] | None:
        """The shopper says thanks or goodbye to the assistant: offer the 1-5 survey, unless this
        conversation has been offered one already (after a person resolved it, or an earlier goodbye)."""
        if reading.intent not in CLOSING_INTENTS or conversation.satisfaction is not None:
            return None
        cid = conversation.id
        if await run_in_threadpool(self.chat.store.offered_button, cid, SURVEY_BUTTONS[0].payload):
            return None
        return await self.chat.post(cid, [NewMessage(Author.SYSTEM, SURVEY_QUESTION, SURVEY_BUTTONS)])

    async def _satisfaction(self, conversation: Conversation, answer: str) -> list[Message]:
        """A survey answer rates the escalation a person resolved (the survey that ends it), else the
        conversation the assistant finished; each once: a second answer is thanked and not kept."""
        score = int(answer) if answer.isdigit() else 0
        kept = False
        if 1 <= score <= 5:
            latest = await run_in_threadpool(self.book.latest_for, conversation.id)
            if latest is not None and latest.state is EscalationState.RESOLVED:
                if latest.satisfaction is None:
                    await run_in_threadpool(self.book.record_satisfaction, latest.id, score)
                    kept = True
            else:
                try:
                    await run_in_threadpool(self.chat.store.rate, conversation.id, score)
                    kept = True
                except AlreadyRated:
                    pass
        thanks = say(Msg.THANKS_FOR_THE_FEEDBACK) if kept else say(Msg.THANKS)
        return await self.chat.post(conversation.id, [NewMessage(Author.SYSTEM, thanks)])

    # --- from the agent's side ---------------------------------------------------------------------

    async def queue(self) -> list[Escalation]:
        """Open escalations: waiting ones by priority, then waiting time; then claimed and email ones."""
        return await run_in_threadpool(self.book.queue)

    async def escalation(self, escalation_id: int) -> Escalation:
        """The escalation, or ``EscalationNotFound``."""
        return await run_in_threadpool(self.book.get, escalation_id)

    async def transcript(self, escalation: Escalation) -> list[Message]:
        """Everything in the escalated conversation, internal notes and machine payloads included."""
        return await run_in_threadpool(
            self.chat.store.history, escalation.conversation_id, 0, include_internal=True
        )

    async def claim(self, escalation_id: int, agent: Agent) -> Escalation:
        before = await self._run(self.book.get, escalation_id)
        escalation = await self._run(self.book.claim, escalation_id, agent.id)
        cid = escalation.conversation_id
        if before.state is EscalationState.EMAIL:  # the assistant had it back meanwhile
            await self._pause(cid)
        await self.chat.set_status(cid, Status.AGENT)
        await self.chat.post(
            cid, [NewMessage(Author.SYSTEM, say(Msg.AGENT_JOINED, agent=agent.display_name))]
        )
        self._notify(escalation)
        return escalation

    async def reply(self, escalation_id: int, agent: Agent, text: str, *, internal: bool = False) -> Message:
        escalation = await self._owned(escalation_id, agent)
        return await self.chat.say(
            escalation.conversation_id,
            Author.AGENT,
            text,
            data={"agent": agent.display_name, "note": internal},
            internal=internal,
        )

    async def hand_back(self, escalation_id: int, agent: Agent) -> Escalation:
        escalation = await self._owned(escalation_id, agent)
        escalation = await self._run(self.book.close, escalation.id, agent.id, EscalationState.HANDED_BACK)
        await self._resume(escalation.conversation_id, BACK_WITH_ASSISTANT)
        self._notify(escalation)
        return escalation

    async def resolve(self, escalation_id: int, agent: Agent) -> Escalation:
        escalation = await self._owned(escalation_id, agent)
        escalation = await self._run(self.book.close, escalation.id, agent.id, EscalationState.RESOLVED)
        await self._resume(escalation.conversation_id, None)
        await self.chat.post(
            escalation.conversation_id, [NewMessage(Author.SYSTEM, SURVEY_QUESTION, SURVEY_BUTTONS)]
        )
        self._notify(escalation)
        return escalation

    async def expire_unclaimed(self) -> list[Escalation]:
        """Nobody claimed it in time, or nobody from the team is there any more (the last available agent
        went away, logged out or lost their console): offer email follow-up and let the assistant take
        back what it can."""
        now = self.clock()
        cutoff = now - timedelta(minutes=self.policy.handoff_unclaimed_after_minutes)
        if not await run_in_threadpool(self.presence.available):
            cutoff = now
        expired = []
        for waiting in await run_in_threadpool(self.book.unclaimed_since, cutoff):
            try:
                escalation = await run_in_threadpool(self.book.to_email, waiting.id)
            except EscalationError:  # claimed since the queue was read: the agent keeps it
                continue
            history = await run_in_threadpool(
                self.chat.store.history, escalation.conversation_id, 0, include_internal=True
            )
            shown = read_transcript(history).email_shown
            await self._resume(
                escalation.conversation_id,
                nobody_free_notice(escalation.customer_email, self.policy, email_shown=shown),
            )
            self._notify(escalation)
            expired.append(escalation)
        return expired

    async def watch_unclaimed(self, every: float = 15.0) -> None:
        """Runs in one replica at a time (the lifespan's ``Leadership``)."""
        while True:
            try:
                await self.expire_unclaimed()
            except Exception:
                log.exception("checking unclaimed escalations failed")
            await asyncio.sleep(every)

    # --- helpers -----------------------------------------------------------------------------------

    def order_card(self, escalation: Escalation) -> dict[str, Any] | None:
        if not escalation.verified_order:
            return None
        order = self._order(escalation.verified_order)
        return None if order is None else _card(order)

    def _order(self, number: str) -> Order | None:
        with self._shop_sessions() as session:
            return OrderRepository(session).get_order(number)

    async def _owned(self, escalation_id: int, agent: Agent) -> Escalation:
        escalation = await self._run(self.book.get, escalation_id)
        if escalation.state is not EscalationState.CLAIMED:
            raise HandoffError("claim the conversation first")
        if escalation.claimed_by != agent.id:
            raise HandoffError("another agent has this conversation")
        return escalation

    async def _run(self, func: Callable[..., Escalation], *args: Any) -> Escalation:
        """The book's refusals as ``HandoffError``; an unknown escalation stays ``EscalationNotFound``."""
        try:
            return await run_in_threadpool(func, *args)
        except EscalationNotFound:
            raise
        except EscalationError as exc:
            raise HandoffError(str(exc)) from exc

    async def _pause(self, conversation_id: str) -> None:
        try:
            await self.rasa.append_event(conversation_id, {"event": "pause"})
        except RasaUnavailable:
            log.warning(
                "Rasa was not told to pause %s; the gateway's status keeps it silent", conversation_id
            )

    async def _resume(self, conversation_id: str, notice: str | None) -> None:
        try:
            await self.rasa.append_event(conversation_id, {"event": "resume"})
        except RasaUnavailable:
            log.warning("Rasa was not told to resume %s", conversation_id)
        await self.chat.set_status(conversation_id, Status.BOT)
        if notice:
            await self.chat.post(conversation_id, [NewMessage(Author.SYSTEM, notice)])

    def _notify(self, escalation: Escalation) -> None:
        """The consoles' live queue, on every replica, through the hub."""
        self.chat.hub.publish_queue_change(escalation.conversation_id)


def _card(order: Order) -> dict[str, Any]:
    """What the agent sees beside the transcript: the order as the order system has it."""
    return {
        "number": order.number,
        "status": order.status.value,
        "placed_at": order.placed_at.isoformat(),
        "customer": {
            "name": order.customer.name,
            "email": order.customer.email,
            "country": order.customer.country,
        },
        "total": f"{order.total} {order.currency}",
        "lines": [
            {
                "name": line.name,
                "quantity": line.quantity,
                "category": line.category,
                "final_sale": line.final_sale,
            }
            for line in order.lines
        ],
        "shipments": [
            {
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "tracking_url": s.tracking_url,
                "shipped_at": s.shipped_at.isoformat() if s.shipped_at else None,
                "promised_date": s.promised_date.isoformat() if s.promised_date else None,
                "delivered_at": s.delivered_at.isoformat() if s.delivered_at else None,
                "latest_event": asdict(s.latest_event) if s.latest_event else None,
            }
            for s in order.shipments
        ],
        "returns": [{"rma_number": r.rma_number, "status": r.status.value} for r in order.returns],
        "refunds": [{"amount": f"{r.amount} {r.currency}", "status": r.status.value} for r in order.refunds],
    }


def waiting_seconds(escalation: Escalation, now: datetime) -> int:
    return max(0, int((now - escalation.created_at).total_seconds()))
