"""Delay notices as plain values: why a shopper is told, what they are told, where it goes.

A notice is due when the delivery rules (``bot.orders.rules.shipping``) put a parcel in one of four states
the shopper did not ask about: late, stalled, held at customs, or delayed by a disruption. It is sent once
per order, reason and estimate (``NoticeKey``): the same delay is never told twice, and a new estimate for
it (a disruption extended, a carrier's new date) is news worth a second message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.desk.conversations.model import Channel as ChatChannel


class NoticeReason(StrEnum):
    LATE = "late"
    STALLED = "stalled"
    CUSTOMS = "customs"
    DISRUPTION = "disruption"


class NoticeChannel(StrEnum):
    """Where a notice goes: the chat the shopper last used with the shop, or their email."""

    WEB = "web"
    TELEGRAM = "telegram"
    EMAIL = "email"

    @classmethod
    def of_chat(cls, channel: ChatChannel) -> NoticeChannel:
        return cls(channel.value)


class NoticeStatus(StrEnum):
    PENDING = "pending"  # waiting to be sent (web: until the shopper next opens the widget)
    SENDING = "sending"  # claimed by a sender; sent or failed next
    SENT = "sent"
    FAILED = "failed"  # the channel refused it for good (the shopper blocked the bot, a bad address)
    OPTED_OUT = "opted_out"  # the shopper asked for no more notices on that channel
    UNREACHABLE = "unreachable"  # no channel: never chatted, and no email sending is configured


@dataclass(frozen=True, order=True)
class NoticeKey:
    """What makes a notice the same notice: a restart or a second run never sends it again."""

    order_number: str
    reason: NoticeReason
    estimate: date | None


@dataclass(frozen=True)
class Notice:
    """One delay to tell one shopper about. Every fact comes from the order system and the rules."""

    order_id: int
    order_number: str
    customer_id: int
    reason: NoticeReason
    new_estimate: date | None  # the rules' best current estimate (shop-local), when there is one
    wait_until: date | None  # not arrived by then: the shop reships or refunds (the rules' date)
    facts: tuple[str, ...]  # why, in plain words (carrier updates, the disruption's explanation)
    next_step: str  # what the shopper can do, in plain words
    disruption_id: int | None = None

    @property
    def key(self) -> NoticeKey:
        return NoticeKey(self.order_number, self.reason, self.new_estimate)


@dataclass(frozen=True)
class Route:
    """Where one notice goes: a Telegram chat id, a web conversation's public id, or an email address."""

    channel: NoticeChannel
    address: str


@dataclass(frozen=True)
class Contact:
    """A chat where the shopper was verified for an order (``proof``: what the verification proved)."""

    channel: NoticeChannel
    address: str
    order_id: int | None
    customer_id: int
    proves_customer: bool
    seen_at: datetime


@dataclass(frozen=True)
class Outgoing:
    """A stored notice, claimed for sending."""

    id: int
    order_number: str
    customer_id: int
    channel: NoticeChannel
    address: str
    text: str
