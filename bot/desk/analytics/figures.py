"""The analytics figures as pure functions of plain records: no database, no clock, no HTTP.

Every figure is about the conversations *started* in the date range (UTC days, both ends included) in
which the shopper wrote at least one message; their messages and escalations count whenever they happened,
so a figure for a past range does not change as later days are added.

- conversations per day and channel;
- containment: conversations that never reached a person (no escalation), and the handoff rate (at
  least one escalation, whatever became of it: claimed, resolved, or email follow-up), with the
  escalations' reasons (``Trigger``);
- top intents: the intent the NLU read in each shopper message (recorded by the gateway);
- questions the documents could not answer: the shopper's message before each assistant answer that
  recorded the ``policy_unanswered`` fact, grouped by their words (personal data redacted);
- time to first agent reply: from an escalation to the first message an agent sent the shopper after it;
- satisfaction: the 1–5 answers to the survey offered when a person resolves an escalation, or when the
  shopper thanks the assistant or says goodbye (a conversation is rated once, an escalation once);
- notices sent and opt-outs: from ``notices`` (None where this installation does not record them).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from bot.desk.conversations.model import Author, Channel
from bot.language.redaction import redact

MAX_DAYS = 366  # the longest range one request may ask for
TOP_INTENTS = 10
TOP_UNANSWERED = 20
QUESTION_LIMIT = 300  # characters of an unanswered question shown

# Time to first agent reply, in buckets for the chart: (label, upper bound in seconds, exclusive).
REPLY_BUCKETS: tuple[tuple[str, float], ...] = (
    ("under 1 min", 60),
    ("1–5 min", 5 * 60),
    ("5–15 min", 15 * 60),
    ("15–60 min", 60 * 60),
    ("over 1 h", math.inf),
)


class InvalidRange(ValueError):
    """The date range is backwards or longer than ``MAX_DAYS``."""


@dataclass(frozen=True)
class DateRange:
    """UTC calendar days, ``first`` to ``last`` inclusive."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidRange("the range ends before it starts")
        if self.days > MAX_DAYS:
            raise InvalidRange(f"a range covers at most {MAX_DAYS} days")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the range."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    @classmethod
    def ending(cls, last: date, days: int) -> DateRange:
        return cls(last - timedelta(days=days - 1), last)


# --- the records the figures are computed from --------------------------------------------------------


@dataclass(frozen=True)
class ConversationRecord:
    key: int
    channel: str
    started_at: datetime
    satisfaction: int | None = None  # the rating of the conversation itself (the assistant finished it)


@dataclass(frozen=True)
class MessageRecord:
    conversation: int
    author: str  # ``Author`` value
    at: datetime
    text: str = ""
    internal: bool = False
    intent: str | None = None  # shopper messages: what the NLU read
    unanswered: bool = False  # assistant messages: the documents had no passage for the question before


@dataclass(frozen=True)
class EscalationRecord:
    conversation: int
    trigger: str
    created_at: datetime
    satisfaction: int | None = None


@dataclass(frozen=True)
class Records:
    conversations: Sequence[ConversationRecord]
    messages: Sequence[MessageRecord]  # in the order they were stored
    escalations: Sequence[EscalationRecord]


# --- the figures -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: date
    channel: str
    conversations: int


@dataclass(frozen=True)
class Share:
    count: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.count / self.total if self.total else None


@dataclass(frozen=True)
class Ranked:
    name: str
    count: int


@dataclass(frozen=True)
class UnansweredQuestion:
    text: str  # as first asked, personal data redacted
    count: int
    last_asked: datetime


@dataclass(frozen=True)
class ReplyTimes:
    escalations: int  # escalations of the range's conversations
    replied: int  # ... that an agent answered
    median_seconds: float | None
    p90_seconds: float | None  # nearest rank
    mean_seconds: float | None
    buckets: list[Ranked] = field(default_factory=list)


@dataclass(frozen=True)
class Satisfaction:
    responses: int
    average: float | None
    scores: list[Ranked]  # "1" .. "5", every score listed
    after_a_person: int = 0  # responses rating an escalation a person resolved
    assistant_only: int = 0  # responses rating a conversation the assistant finished


@dataclass(frozen=True)
class NoticeFigures:
    sent: int
    opted_out: int


@dataclass(frozen=True)
class Report:
    first: date
    last: date
    conversations: int
    per_day: list[DayCount]  # every day of the range for every channel, zeros included
    contained: Share
    handed_off: Share
    handoff_reasons: list[Ranked]
    top_intents: list[Ranked]
    unanswered: list[UnansweredQuestion]
    first_reply: ReplyTimes
    satisfaction: Satisfaction
    notices: NoticeFigures | None  # None: this installation records no notices


def counted_conversations(records: Records, period: DateRange) -> list[ConversationRecord]:
    """Conversations started in the range in which the shopper wrote something."""
    spoke = {m.conversation for m in records.messages if m.author == Author.SHOPPER}
    return [c for c in records.conversations if period.contains(c.started_at) and c.key in spoke]


def per_day(conversations: Iterable[ConversationRecord], period: DateRange) -> list[DayCount]:
    counts = Counter((c.started_at.astimezone(UTC).date(), c.channel) for c in conversations)
    channels = sorted({c.value for c in Channel} | {channel for _, channel in counts})
    return [DayCount(d, ch, counts[(d, ch)]) for d in period.each_day() for ch in channels]


def containment(
    conversations: Sequence[ConversationRecord], escalations: Iterable[EscalationRecord]
) -> Share:
    escalated = {e.conversation for e in escalations}
    return Share(sum(1 for c in conversations if c.key not in escalated), len(conversations))


def handoff(conversations: Sequence[ConversationRecord], escalations: Iterable[EscalationRecord]) -> Share:
    escalated = {e.conversation for e in escalations}
    return Share(sum(1 for c in conversations if c.key in escalated), len(conversations))


def ranked(counts: Counter[str], limit: int | None = None) -> list[Ranked]:
    """Most frequent first, ties by name."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Ranked(name, count) for name, count in ordered[:limit]]


def handoff_reasons(escalations: Iterable[EscalationRecord]) -> list[Ranked]:
    return ranked(Counter(e.trigger for e in escalations))


def top_intents(messages: Iterable[MessageRecord], limit: int = TOP_INTENTS) -> list[Ranked]:
    return ranked(Counter(m.intent for m in messages if m.author == Author.SHOPPER and m.intent), limit)


def _question_key(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip("?!. ")


def unanswered_questions(
    messages: Sequence[MessageRecord], limit: int = TOP_UNANSWERED
) -> list[UnansweredQuestion]:
    """The shopper's latest message before each answer that found nothing in the documents, grouped by
    its words (case and spacing aside), most asked first, then most recently asked."""
    last_question: dict[int, MessageRecord] = {}
    asked: dict[str, list[MessageRecord]] = {}
    for message in messages:
        if message.author == Author.SHOPPER:
            last_question[message.conversation] = message
        elif message.unanswered:
            question = last_question.pop(message.conversation, None)
            if question is not None and question.text.strip():
                asked.setdefault(_question_key(question.text), []).append(question)
    found = [
        UnansweredQuestion(
            redact(group[0].text.strip())[:QUESTION_LIMIT], len(group), max(m.at for m in group)
        )
        for group in asked.values()
    ]
    found.sort(key=lambda q: (-q.count, -q.last_asked.timestamp(), q.text))
    return found[:limit]


def _nearest_rank(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def first_reply_times(
    escalations: Sequence[EscalationRecord], messages: Sequence[MessageRecord]
) -> ReplyTimes:
    """Seconds from each escalation to the first message an agent sent the shopper after it (notes aside)."""
    agent_messages: dict[int, list[datetime]] = {}
    for m in messages:
        if m.author == Author.AGENT and not m.internal:
            agent_messages.setdefault(m.conversation, []).append(m.at)
    waits: list[float] = []
    for escalation in escalations:
        after = [at for at in agent_messages.get(escalation.conversation, ()) if at >= escalation.created_at]
        if after:
            waits.append((min(after) - escalation.created_at).total_seconds())
    buckets = Counter[str]()
    for wait in waits:
        buckets[next(label for label, bound in REPLY_BUCKETS if wait < bound)] += 1
    return ReplyTimes(
        escalations=len(escalations),
        replied=len(waits),
        median_seconds=statistics.median(waits) if waits else None,
        p90_seconds=_nearest_rank(waits, 0.9) if waits else None,
        mean_seconds=statistics.fmean(waits) if waits else None,
        buckets=[Ranked(label, buckets[label]) for label, _ in REPLY_BUCKETS],
    )


def _scores(values: Iterable[int | None]) -> list[int]:
    return [v for v in values if v is not None and 1 <= v <= 5]


def satisfaction(
    escalations: Iterable[EscalationRecord], conversations: Iterable[ConversationRecord] = ()
) -> Satisfaction:
    after_a_person = _scores(e.satisfaction for e in escalations)
    assistant_only = _scores(c.satisfaction for c in conversations)
    answers = after_a_person + assistant_only
    counts = Counter(answers)
    return Satisfaction(
        responses=len(answers),
        average=statistics.fmean(answers) if answers else None,
        scores=[Ranked(str(score), counts[score]) for score in range(1, 6)],
        after_a_person=len(after_a_person),
        assistant_only=len(assistant_only),
    )


def report(records: Records, period: DateRange, notices: NoticeFigures | None = None) -> Report:
    """Every figure for the conversations started in ``period``."""
    conversations = counted_conversations(records, period)
    keys = {c.key for c in conversations}
    messages = [m for m in records.messages if m.conversation in keys]
    escalations = [e for e in records.escalations if e.conversation in keys]
    return Report(
        first=period.first,
        last=period.last,
        conversations=len(conversations),
        per_day=per_day(conversations, period),
        contained=containment(conversations, escalations),
        handed_off=handoff(conversations, escalations),
        handoff_reasons=handoff_reasons(escalations),
        top_intents=top_intents(messages),
        unanswered=unanswered_questions(messages),
        first_reply=first_reply_times(escalations, messages),
        satisfaction=satisfaction(escalations, conversations),
        notices=notices,
    )
