"""A known week of conversations for the analytics tests, written through the real stores.

Range 1-7 October 2026 (UTC). Six conversations count (C1-C5, C8); C6 (no shopper message) and C7 (the
day before) do not. What each one holds, and so the figures ``EXPECTED_*`` below:

- C1 web, 1 Oct 09:00: "where is my order?" (order_status), answered; "thanks" (thank), rated 4/5.
  Contained.
- C2 web, 1 Oct 10:00: "do you ship to Mars?" (ask_policy), the documents have nothing; "talk to a
  person" (human_handoff); escalated (asked) 10:02, claimed, agent replies 10:05 (180 s), resolved, 5/5.
- C3 telegram, 2 Oct 12:00: "DO you ship to  mars" (ask_policy), nothing in the documents. Contained.
- C4 telegram, 3 Oct 08:00: "this is useless" escalated (frustration) 08:00; an internal note at 08:01;
  the agent replies 08:20 (1200 s); resolved, 2/5.
- C5 web, 3 Oct 15:00: "someone used my card" escalated (sensitive) 15:00; nobody replied (email).
- C6 web, 5 Oct: opened, never written in.   C7 web, 30 Sep 23:59: escalated; outside the range.
- C8 web, 7 Oct 23:30: "hi" (greet). Contained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.desk.agents.store import AgentDirectory
from bot.desk.analytics.figures import DateRange
from bot.desk.conversations.model import Author, Channel
from bot.desk.conversations.store import ConversationStore
from bot.desk.escalations.model import EscalationState, NewEscalation
from bot.desk.escalations.store import EscalationBook
from bot.desk.handoff import Priority, Trigger
from bot.payload import POLICY_UNANSWERED, AssistantPayload, NluReading, fact

PERIOD = DateRange(date(2026, 10, 1), date(2026, 10, 7))
EXPECTED_CONVERSATIONS = 6
EXPECTED_PER_DAY = {  # (day, channel) -> conversations; every other day and channel is 0
    (date(2026, 10, 1), "web"): 2,
    (date(2026, 10, 2), "telegram"): 1,
    (date(2026, 10, 3), "telegram"): 1,
    (date(2026, 10, 3), "web"): 1,
    (date(2026, 10, 7), "web"): 1,
}
EXPECTED_REASONS = [("asked", 1), ("frustration", 1), ("sensitive", 1)]
EXPECTED_INTENTS = [("ask_policy", 2), ("greet", 1), ("human_handoff", 1), ("order_status", 1), ("thank", 1)]
EXPECTED_UNANSWERED = ("do you ship to Mars?", 2, datetime(2026, 10, 2, 12, 0, tzinfo=UTC))
EXPECTED_REPLY_SECONDS = (180.0, 1200.0)


@dataclass
class MovableClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def at(self, month: int, day: int, hour: int, minute: int = 0) -> MovableClock:
        self.now = datetime(2026, month, day, hour, minute, tzinfo=UTC)
        return self


def _unanswered() -> dict[str, object]:
    return {"custom": AssistantPayload(facts=(fact(POLICY_UNANSWERED, "no passage"),)).to_custom()}


def _intent(name: str) -> dict[str, object]:
    return NluReading(intent=name, confidence=0.9).to_data()


def _new(trigger: Trigger) -> NewEscalation:
    return NewEscalation(trigger, None, Priority.NORMAL, "summary", None, None, [], [], [])


def seed_week(sessions: sessionmaker[Session], agent_username: str = "analyst") -> None:
    """Write the week described above (an agent ``agent_username`` answers the escalations)."""
    clock = MovableClock(datetime(2026, 10, 1, tzinfo=UTC))
    store = ConversationStore(sessions, clock)
    book = EscalationBook(sessions, clock)
    agent = AgentDirectory(sessions, clock).create(agent_username, "a long enough password", "Ana")

    def start(channel: Channel, month: int, day: int, hour: int, minute: int = 0) -> str:
        clock.at(month, day, hour, minute)
        return store.create(channel, with_token=False).conversation.id

    c1 = start(Channel.WEB, 10, 1, 9)
    store.add_message(c1, Author.SHOPPER, "where is my order?", data=_intent("order_status"))
    store.add_message(c1, Author.BOT, "Which order?")
    store.add_message(c1, Author.SHOPPER, "thanks", data=_intent("thank"))
    store.rate(c1, 4)

    c2 = start(Channel.WEB, 10, 1, 10)
    store.add_message(c2, Author.SHOPPER, "do you ship to Mars?", data=_intent("ask_policy"))
    store.add_message(c2, Author.BOT, "I can't find that in our policies.")
    store.add_message(c2, Author.BOT, "", data=_unanswered(), internal=True)
    clock.at(10, 1, 10, 2)
    store.add_message(c2, Author.SHOPPER, "talk to a person", data=_intent("human_handoff"))
    e2, _ = book.open(c2, _new(Trigger.ASKED))
    book.claim(e2.id, agent.id)
    clock.at(10, 1, 10, 5)
    store.add_message(c2, Author.AGENT, "Hello, Ana here")
    book.close(e2.id, agent.id, EscalationState.RESOLVED)
    book.record_satisfaction(e2.id, 5)

    c3 = start(Channel.TELEGRAM, 10, 2, 12)
    store.add_message(c3, Author.SHOPPER, "DO you ship to  mars", data=_intent("ask_policy"))
    store.add_message(c3, Author.BOT, "I can't find that in our policies.")
    store.add_message(c3, Author.BOT, "", data=_unanswered(), internal=True)

    c4 = start(Channel.TELEGRAM, 10, 3, 8)
    store.add_message(c4, Author.SHOPPER, "this is useless")
    e4, _ = book.open(c4, _new(Trigger.FRUSTRATION))
    book.claim(e4.id, agent.id)
    clock.at(10, 3, 8, 1)
    store.add_message(c4, Author.AGENT, "checking the carrier", internal=True)
    clock.at(10, 3, 8, 20)
    store.add_message(c4, Author.AGENT, "Sorry about that")
    book.close(e4.id, agent.id, EscalationState.RESOLVED)
    book.record_satisfaction(e4.id, 2)

    c5 = start(Channel.WEB, 10, 3, 15)
    store.add_message(c5, Author.SHOPPER, "someone used my card")
    e5, _ = book.open(c5, _new(Trigger.SENSITIVE))
    book.to_email(e5.id)

    start(Channel.WEB, 10, 5, 11)  # C6: never written in

    c7 = start(Channel.WEB, 9, 30, 23, 59)
    store.add_message(c7, Author.SHOPPER, "talk to a person", data=_intent("human_handoff"))
    book.open(c7, _new(Trigger.ASKED))

    c8 = start(Channel.WEB, 10, 7, 23, 30)
    store.add_message(c8, Author.SHOPPER, "hi", data=_intent("greet"))
    store.add_message(c8, Author.BOT, "Hello!")
