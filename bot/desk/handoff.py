"""When a person should take over, how urgent it is, and the summary an agent reads first.

Pure functions: the shopper's words and the facts the assistant gathered in, a decision out. The gateway
calls ``detect_trigger`` on every shopper message (before the assistant answers) and the action server
says when the shopper asked or the rules need a person; both end in an escalation.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from bot.dialogue_names import CHITCHAT
from bot.language.wording import Msg, say
from bot.policy import Policy


class Trigger(enum.StrEnum):
    ASKED = "asked"  # the shopper asked for a person
    MISUNDERSTOOD = "misunderstood"  # two misunderstandings in a row
    VERIFICATION_FAILED = "verification_failed"  # three failed verifications
    FRUSTRATION = "frustration"
    SENSITIVE = "sensitive"  # a topic the shop lists in its policy
    RULES = "rules"  # the delay or return rules say the shop owes more than an apology
    UNANSWERED = "unanswered"  # a policy question the documents do not answer


class Priority(enum.IntEnum):
    NORMAL = 1
    HIGH = 2
    URGENT = 3


_URGENT_TOPICS = frozenset({"fraud", "legal", "safety"})

_FRUSTRATION = re.compile(
    r"\b("
    r"useless|pointless|ridiculous|terrible|awful|horrible|worst|pathetic|disgrace(ful)?|unacceptable|"
    r"rubbish|joke|shambles|fed up|sick (of|and tired)|had enough|waste of (my )?time|"
    r"(so|really|very) (angry|annoyed|frustrated|upset)|furious|livid|"
    r"wtf|ffs|bloody|damn|stupid|idiot(ic)?|"
    r"not (helpful|helping)|you'?re not listening|(still|again) not (working|here|arrived)|"
    r"(been )?waiting (for )?(weeks|ages|forever)"
    r")\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TriggerMatch:
    trigger: Trigger
    topic: str | None = None  # the sensitive topic, when there is one


@lru_cache(maxsize=8)
def _topic_patterns(
    topics: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (topic, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
        for topic, patterns in topics
    )


def sensitive_topic(text: str, policy: Policy) -> str | None:
    """The first topic of the policy's ``handoff.sensitive_topics`` the text is about, if any."""
    key = tuple((topic, patterns) for topic, patterns in policy.sensitive_topics.items())
    for topic, pattern in _topic_patterns(key):
        if pattern.search(text):
            return topic
    return None


def is_frustrated(text: str) -> bool:
    """Words of frustration, or shouting: most of a message of three or more words in capitals, or '!!!'."""
    if _FRUSTRATION.search(text) or "!!!" in text or "?!?" in text:
        return True
    words = re.findall(r"[A-Za-z]{2,}", text)
    shouted = [w for w in words if w.isupper()]
    return len(words) >= 3 and len(shouted) / len(words) >= 0.6


def detect_trigger(text: str, policy: Policy) -> TriggerMatch | None:
    """A reason to bring in a person straight away from one shopper message, or None."""
    topic = sensitive_topic(text, policy)
    if topic is not None:
        return TriggerMatch(Trigger.SENSITIVE, topic)
    if is_frustrated(text):
        return TriggerMatch(Trigger.FRUSTRATION)
    return None


def priority_for(trigger: Trigger, topic: str | None = None) -> Priority:
    if trigger is Trigger.SENSITIVE:
        return Priority.URGENT if topic in _URGENT_TOPICS else Priority.HIGH
    if trigger in (Trigger.FRUSTRATION, Trigger.RULES):
        return Priority.HIGH
    return Priority.NORMAL


TRIGGER_WORDS: dict[Trigger, str] = {
    Trigger.ASKED: "the shopper asked for a person",
    Trigger.MISUNDERSTOOD: "the assistant misunderstood twice in a row",
    Trigger.VERIFICATION_FAILED: "order verification failed three times",
    Trigger.FRUSTRATION: "the shopper sounds frustrated",
    Trigger.SENSITIVE: "a sensitive topic",
    Trigger.RULES: "the shop's rules need a person",
    Trigger.UNANSWERED: "a question the policy documents do not answer",
}


@dataclass(frozen=True)
class Fact:
    """Something the assistant told the shopper, as recorded by the action that said it."""

    kind: str  # "order_status", "delivery", "return_eligibility", "policy_passage", ...
    text: str  # one line, e.g. "SD-10007: lost in transit (Royal Mail)"
    score: float | None = None  # for policy passages: the retrieval score


@dataclass(frozen=True)
class EscalationFacts:
    trigger: Trigger
    topic: str | None
    verified_order: str | None
    customer_name: str | None
    intents: Sequence[str] = ()
    facts: Sequence[Fact] = ()
    last_shopper_message: str = ""
    detail: str = ""  # the action's own words, e.g. "parcel lost: reship or refund"
    extra: dict[str, str] = field(default_factory=dict)


def summarize(facts: EscalationFacts) -> str:
    """A few lines an agent reads before anything else; assembled from facts, no language model."""
    reason = TRIGGER_WORDS[facts.trigger]
    if facts.topic:
        reason += f" ({facts.topic.replace('_', ' ')})"
    if facts.detail:
        reason += f": {facts.detail}"
    lines = [f"Why: {reason}."]
    if facts.verified_order:
        who = f" for {facts.customer_name}" if facts.customer_name else ""
        lines.append(f"Verified order: {facts.verified_order}{who}.")
    else:
        lines.append("No order verified.")
    asked = [i.replace("_", " ") for i in dict.fromkeys(facts.intents) if i not in CHITCHAT]
    if asked:
        lines.append("Asked about: " + ", ".join(asked) + ".")
    for fact in facts.facts[-4:]:
        score = f" (score {fact.score:.2f})" if fact.score is not None else ""
        lines.append(f"Told: {fact.text}{score}")
    if facts.last_shopper_message:
        lines.append(f'Last message: "{_clip(facts.last_shopper_message, 200)}"')
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class QueueNotice:
    text: str
    email_follow_up: bool


def queue_notice(
    position: int,
    wait_minutes: int | None,
    within_hours: bool,
    next_opening: datetime,
    policy: Policy,
    email: str | None,
    *,
    email_shown: bool = True,
) -> QueueNotice:
    """What a shopper asking for a person is told. With agents available (``wait_minutes``, from
    ``bot.desk.wait.expected_wait_minutes``): their place and the expected wait. With nobody available:
    that nobody is, and email follow-up at once (to ``email``, named only as ``reply_address`` allows) —
    within support hours "nobody is available right now", outside them when the team is back."""
    if wait_minutes is not None:
        wait = say(Msg.ONE_MINUTE) if wait_minutes <= 1 else say(Msg.MINUTES, minutes=wait_minutes)
        text = (
            say(Msg.QUEUE_NEXT, wait=wait)
            if position <= 1
            else say(Msg.QUEUE_POSITION, position=position, wait=wait)
        )
        return QueueNotice(text, email_follow_up=False)
    hours = policy.email_reply_within_hours
    if within_hours:
        return QueueNotice(
            say(Msg.NOBODY_AVAILABLE, email=reply_address(email, email_shown), hours=hours)
            if email
            else say(Msg.NOBODY_AVAILABLE_NO_EMAIL, hours=hours),
            email_follow_up=True,
        )
    opened = next_opening.astimezone(policy.timezone)
    opens = say(Msg.OPENS_AT, weekday=f"{opened:%A}", time=f"{opened:%H:%M}")
    return QueueNotice(
        say(Msg.TEAM_OFFLINE, opens=opens, email=reply_address(email, email_shown), hours=hours)
        if email
        else say(Msg.TEAM_OFFLINE_NO_EMAIL, opens=opens, hours=hours),
        email_follow_up=True,
    )


def nobody_free_notice(email: str | None, policy: Policy, *, email_shown: bool = True) -> str:
    """What the shopper is told when nobody claimed their escalation in time: the team replies by email."""
    hours = policy.email_reply_within_hours
    if not email:
        return say(Msg.NOBODY_FREE_NO_EMAIL, hours=hours)
    return say(Msg.NOBODY_FREE, email=reply_address(email, email_shown), hours=hours)


def reply_address(email: str, shown: bool) -> str:
    """The address the team replies to, as a notice names it: masked when the shopper proved it is theirs
    (verified with it, or typed it), else only "the email address on your order" (after a postcode,
    which proves the order but not who the customer is: see ``bot.orders.rules.proof``)."""
    return mask_email(email) if shown else say(Msg.EMAIL_ON_YOUR_ORDER)


def mask_email(email: str) -> str:
    """ "olivia.bennett@example.com" -> "o***@example.com": enough to confirm, not enough to leak."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
