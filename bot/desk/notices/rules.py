"""Which delay notices are due, and where each goes: pure functions of (orders, disruptions, what was already
sent, contacts, policy, now), tested without a clock or a database.

Lateness is never re-derived here: ``bot.orders.rules.shipping.assess_order`` decides it, with the same
disruptions the assistant's delay answers use, and a notice is due for each parcel it finds

- **late** (``DelayKind.LATE``), **stalled** (``DelayKind.STALLED``),
- **held at customs** (``DelayKind.EXCEPTION`` whose latest scan is a customs hold), or
- **delayed by a disruption** (``DelayKind.DISRUPTED``),

unless a notice with the same order, reason and estimate (``NoticeKey``) was already recorded. One order
with two parcels in the same state and estimate gets one notice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from bot.desk.notices.model import (
    Contact,
    Notice,
    NoticeChannel,
    NoticeKey,
    NoticeReason,
    NoticeStatus,
    Route,
)
from bot.orders.model import Disruption, Order, TrackingCode
from bot.orders.rules.shipping import DelayAssessment, DelayKind, assess_order
from bot.policy import Policy

_BY_KIND = {
    DelayKind.LATE: NoticeReason.LATE,
    DelayKind.STALLED: NoticeReason.STALLED,
    DelayKind.DISRUPTED: NoticeReason.DISRUPTION,
}


def reason_for(assessment: DelayAssessment) -> NoticeReason | None:
    """The notice an assessment calls for, if any."""
    if assessment.kind is DelayKind.EXCEPTION:
        latest = assessment.shipment.latest_event if assessment.shipment is not None else None
        held = latest is not None and latest.code is TrackingCode.CUSTOMS_HOLD
        return NoticeReason.CUSTOMS if held else None
    return _BY_KIND.get(assessment.kind)


def notices_due(
    orders: Iterable[Order],
    disruptions: Sequence[Disruption],
    already_sent: Collection[NoticeKey],
    policy: Policy,
    now: datetime,
) -> list[Notice]:
    """The notices to send now, in order number order; none twice, none already in ``already_sent``."""
    due: dict[NoticeKey, Notice] = {}
    for order in sorted(orders, key=lambda o: o.number):
        for assessment in assess_order(order, disruptions, policy, now):
            reason = reason_for(assessment)
            if reason is None:
                continue
            notice = Notice(
                order_id=order.id,
                order_number=order.number,
                customer_id=order.customer.id,
                reason=reason,
                new_estimate=assessment.new_estimate,
                wait_until=assessment.wait_until,
                facts=assessment.reasons,
                next_step=assessment.next_step,
                disruption_id=assessment.disruption.id if assessment.disruption is not None else None,
            )
            if notice.key not in already_sent and notice.key not in due:
                due[notice.key] = notice
    return list(due.values())


def choose_route(
    order_id: int,
    customer_id: int,
    customer_email: str,
    contacts: Iterable[Contact],
    opted_out: Collection[NoticeChannel],
    email_enabled: bool,
) -> tuple[Route | None, NoticeStatus]:
    """Where a notice about this order goes, and the status it is stored with.

    The channel is the one the shopper last used with the shop: the newest chat in which they were
    verified for this order, or for any of their orders with their email (a postcode proves one order
    only). Without such a chat, their email when the shop sends email. A shopper who opted out of that
    channel gets nothing (``OPTED_OUT``); with no channel at all the notice is ``UNREACHABLE``. Either way
    the notice is recorded, so it is not reconsidered on the next run.
    """
    usable = [
        c for c in contacts if c.customer_id == customer_id and (c.order_id == order_id or c.proves_customer)
    ]
    latest = max(usable, key=lambda c: c.seen_at, default=None)
    if latest is not None:
        route = Route(latest.channel, latest.address)
    elif email_enabled:
        route = Route(NoticeChannel.EMAIL, customer_email)
    else:
        return None, NoticeStatus.UNREACHABLE
    if route.channel in opted_out:
        return route, NoticeStatus.OPTED_OUT
    return route, NoticeStatus.PENDING


STOP_WORDS = frozenset({"stop", "stop notices", "stop updates", "unsubscribe"})


def asks_to_stop(text: str) -> bool:
    """Whether a reply asks for no more notices ("STOP", "stop notices", "Unsubscribe.", Telegram's
    "/stop" ...)."""
    words = " ".join(text.lower().replace("!", " ").replace(".", " ").split()).lstrip("/")
    return words in STOP_WORDS
