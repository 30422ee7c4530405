"""A notice in words: the reason, the facts the rules found, the new estimate, what the shopper can do,
and how to stop these messages. Every fact comes from the notice (so from the order system and the
rules); the frames come from the wording catalog."""

from __future__ import annotations

from bot.desk.notices.model import Notice, NoticeReason
from bot.language.formatting import format_day
from bot.language.wording import Msg, say

_OPENINGS = {
    NoticeReason.LATE: Msg.NOTICE_LATE,
    NoticeReason.STALLED: Msg.NOTICE_STALLED,
    NoticeReason.CUSTOMS: Msg.NOTICE_CUSTOMS,
    NoticeReason.DISRUPTION: Msg.NOTICE_DISRUPTION,
}


def sentence(fact: str) -> str:
    """A rule's fact as a sentence: capital first letter, closing full stop."""
    fact = fact.strip()
    fact = fact[:1].upper() + fact[1:]
    return fact if fact.endswith((".", "!", "?")) else f"{fact}."


def body(notice: Notice, locale: str) -> str:
    """The notice without the opt-out line: the opening, the facts, the estimate, the next step."""
    lines = [say(_OPENINGS[notice.reason], order=notice.order_number)]
    lines += [sentence(fact) for fact in notice.facts]
    if notice.new_estimate is not None:
        lines.append(say(Msg.NOTICE_NEW_ESTIMATE, day=format_day(notice.new_estimate, locale)))
    if notice.next_step:
        lines.append(notice.next_step)
    return "\n".join(lines)


def chat_text(notice_body: str) -> str:
    """For Telegram and the web chat, where a reply of STOP opts out."""
    return f"{notice_body}\n\n{say(Msg.NOTICE_STOP_IN_CHAT)}"


def email_text(notice_body: str, unsubscribe_link: str | None) -> str:
    """For email: how to stop is a link when the gateway's public address is known, else a reply."""
    stop = (
        say(Msg.NOTICE_STOP_BY_LINK, link=unsubscribe_link)
        if unsubscribe_link
        else say(Msg.NOTICE_STOP_BY_EMAIL)
    )
    return f"{notice_body}\n\n{stop}\n"


def email_subject(order_number: str) -> str:
    return say(Msg.NOTICE_EMAIL_SUBJECT, order=order_number)
