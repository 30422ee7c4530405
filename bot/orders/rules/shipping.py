"""Delay assessment: what is happening to a parcel, what the shopper should expect, and whether a person
from the shop needs to step in. Pure functions of (order, shipment, disruptions, policy, now).

Dates shown to the shopper are shop-local (``policy.timezone``). Shipping-method transit times and the
dispatch time are business days (Monday to Friday; bank holidays are not known to the policy and are not
skipped); every other day count is in calendar days.

Precedence, first match wins (``assess_shipment``):

1. **delivered**: ``delivered_at`` is set or the carrier recorded a DELIVERED scan.
2. **lost**: a LOST scan, or more than ``lost_after_days_late`` days past the date it was due with no
   delivery. "Due" is the promised date, moved later by the extra days of an active disruption that
   affects the parcel, so a parcel is never called lost before the ``wait_until`` date we gave for it.
3. **returned to sender**: a RETURNED_TO_SENDER scan.
4. **exception**: the latest scan is an exception (weather, address, damaged, customs hold).
5. **disrupted**: an active disruption notice covers the carrier and the delivery address; the new
   estimate is the promised date plus the notice's extra days (or the carrier's estimate, if later).
6. **stalled**: no tracking scan for ``stalled_after_days`` days or more (counted from dispatch when
   there is no scan at all).
7. **late**: today is after the promised date.
8. **on time**.

A shipment record with no dispatch time and no scan beyond "label created" is **not shipped**.

``needs_person`` is set when the rules say the shop owes more than an apology: lost, returned to sender,
damaged in transit, an address problem, or a customs hold with no movement for ``stalled_after_days``.
(Past ``wait_until`` a parcel is lost by rule 2, so "late past the wait" is covered there.)
``wait_until`` (late, stalled, disrupted, weather or customs exception) is the due date plus
``lost_after_days_late``: if nothing has arrived by then, the parcel counts as lost.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.language.formatting import format_day
from bot.orders.model import Address, Disruption, Order, OrderStatus, Shipment, TrackingCode, TrackingEvent
from bot.orders.rules.clauses import Clause
from bot.orders.rules.returns import delivered_at, local_date
from bot.policy import Policy, ShippingMethod


class DelayKind(enum.StrEnum):
    NOT_SHIPPED = "not_shipped"
    ON_TIME = "on_time"
    LATE = "late"
    STALLED = "stalled"
    EXCEPTION = "exception"
    LOST = "lost"
    DISRUPTED = "disrupted"
    DELIVERED = "delivered"
    RETURNED_TO_SENDER = "returned_to_sender"


@dataclass(frozen=True)
class DelayAssessment:
    shipment: Shipment | None  # None for the order's lines that have not shipped yet
    kind: DelayKind
    reasons: tuple[str, ...]  # plain-word facts
    promised_date: date | None
    new_estimate: date | None  # best current estimate (shop-local date)
    wait_until: date | None  # not delivered by this date: the shop reships or refunds
    next_step: str  # plain words for the shopper
    needs_person: bool
    disruption: Disruption | None
    clause: Clause


# "latest carrier update: <phrase> at <location> on <day>"
_EVENT_WORDS = {
    TrackingCode.LABEL_CREATED: "label created",
    TrackingCode.PICKED_UP: "collected by the carrier",
    TrackingCode.IN_TRANSIT: "in transit",
    TrackingCode.OUT_FOR_DELIVERY: "out for delivery",
    TrackingCode.DELIVERY_ATTEMPTED: "delivery attempted",
    TrackingCode.DELIVERED: "delivered",
    TrackingCode.EXCEPTION_WEATHER: "delayed by weather",
    TrackingCode.EXCEPTION_ADDRESS: "delayed by a problem with the delivery address",
    TrackingCode.EXCEPTION_DAMAGED: "damaged in transit",
    TrackingCode.CUSTOMS_HOLD: "held at customs",
    TrackingCode.LOST: "reported lost",
    TrackingCode.RETURNED_TO_SENDER: "being returned to us",
}

_NEEDS_PERSON_CODES = frozenset({TrackingCode.EXCEPTION_ADDRESS, TrackingCode.EXCEPTION_DAMAGED})

_FINISHED_STATUSES = frozenset({OrderStatus.CANCELLED, OrderStatus.REFUNDED})


def add_business_days(start: date, days: int) -> date:
    """The date ``days`` working days (Mon-Fri) after ``start``; ``days == 0`` returns ``start``."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def shipping_method_for(policy: Policy, service_level: str | None, country: str) -> ShippingMethod | None:
    """The policy's method for a service level; unknown or missing, the slowest method serving the country.

    The slowest is the safe guess: a promise we then beat is better than one we break.
    """
    if service_level and service_level in policy.shipping_methods:
        return policy.shipping_methods[service_level]
    serving = [m for m in policy.shipping_methods.values() if country.upper() in m.countries]
    return max(serving, key=lambda m: m.max_days, default=None)


def affecting_disruption(
    carrier: str, address: Address, disruptions: Sequence[Disruption], now: datetime
) -> Disruption | None:
    """The active notice covering this carrier and address; with several, the one adding most days."""
    active = [d for d in disruptions if d.is_active(now) and d.affects(carrier, address)]
    return max(active, key=lambda d: d.extra_days, default=None)


def describe_event(event: TrackingEvent, policy: Policy) -> str:
    words = _EVENT_WORDS.get(event.code, event.code.value.replace("_", " "))
    where = f" at {event.location}" if event.location else ""
    said = f' ("{event.description}")' if event.description else ""
    day = format_day(local_date(event.occurred_at, policy.timezone), policy.locale)
    return f"latest carrier update: {words}{where} on {day}{said}"


def _shipped_on(shipment: Shipment, policy: Policy) -> date | None:
    """Local dispatch date: ``shipped_at``, else the first scan showing the parcel moving."""
    if shipment.shipped_at is not None:
        return local_date(shipment.shipped_at, policy.timezone)
    moving = [e.occurred_at for e in shipment.events if e.code is not TrackingCode.LABEL_CREATED]
    first = min(moving, default=None)
    return None if first is None else local_date(first, policy.timezone)


def _wait_words(wait_until: date, policy: Policy) -> str:
    if policy.reship_or_refund:
        return (
            f"Please wait until {format_day(wait_until, policy.locale)}; if it has not arrived by then we "
            "will reship or "
            "refund it, whichever you prefer."
        )
    return (
        f"Please wait until {format_day(wait_until, policy.locale)}; if it has not arrived by then, tell us "
        "and a person "
        "from our team will look into it."
    )


def _lost_words(policy: Policy) -> str:
    if policy.reship_or_refund:
        return (
            "We will reship it or refund it, whichever you prefer; a person from our team will arrange it "
            "with you."
        )
    return "A person from our team will contact you about it."


def assess_shipment(
    order: Order,
    shipment: Shipment,
    disruptions: Sequence[Disruption],
    policy: Policy,
    now: datetime,
) -> DelayAssessment:
    """Where this parcel stands; see the module docstring for the order in which the rules apply."""
    today = local_date(now, policy.timezone)
    latest = shipment.latest_event
    facts: list[str] = [describe_event(latest, policy)] if latest is not None else []
    method = shipping_method_for(policy, shipment.service_level, order.shipping_address.country)

    delivered = delivered_at(shipment)
    if delivered is not None:
        day = format_day(local_date(delivered, policy.timezone), policy.locale)
        return DelayAssessment(
            shipment=shipment,
            kind=DelayKind.DELIVERED,
            reasons=(f"the carrier recorded it as delivered on {day}", *facts),
            promised_date=shipment.promised_date,
            new_estimate=None,
            wait_until=None,
            next_step=(
                f"It was delivered on {day}. If you cannot find it, please check around your address and "
                "with neighbours; if it is still missing, tell us and a person from our team will look "
                "into it."
            ),
            needs_person=False,
            disruption=None,
            clause=Clause.SHIPPING_DELIVERED,
        )

    shipped_on = _shipped_on(shipment, policy)
    if shipped_on is None:
        return _not_shipped(order, shipment, policy, today, method)

    promised = shipment.promised_date
    if promised is None and method is not None:
        promised = add_business_days(shipped_on, method.max_days)
    if promised is None:
        promised = shipment.estimated_date

    disruption = affecting_disruption(shipment.carrier, order.shipping_address, disruptions, now)
    due = promised
    if due is not None and disruption is not None:
        due = due + timedelta(days=disruption.extra_days)
    estimate = due
    if shipment.estimated_date is not None and (estimate is None or shipment.estimated_date > estimate):
        estimate = shipment.estimated_date
    wait_until = None if due is None else due + timedelta(days=policy.lost_after_days_late)
    if disruption is not None:
        facts.append(disruption.explanation)

    def result(
        kind: DelayKind,
        clause: Clause,
        reasons: Sequence[str],
        next_step: str,
        *,
        new_estimate: date | None = None,
        wait: date | None = None,
        needs_person: bool = False,
    ) -> DelayAssessment:
        return DelayAssessment(
            shipment=shipment,
            kind=kind,
            reasons=tuple(reasons),
            promised_date=promised,
            new_estimate=new_estimate,
            wait_until=wait,
            next_step=next_step,
            needs_person=needs_person,
            disruption=disruption,
            clause=clause,
        )

    codes = {e.code for e in shipment.events}
    if TrackingCode.LOST in codes:
        return result(
            DelayKind.LOST,
            Clause.SHIPPING_LOST,
            ["the carrier reported the parcel lost", *facts],
            _lost_words(policy),
            needs_person=True,
        )
    if due is not None and (today - due).days > policy.lost_after_days_late:
        late_by = (today - (promised or due)).days
        reason = (
            f"it is {late_by} days past the promised date of "
            f"{format_day(promised or due, policy.locale)}, and after "
            f"{policy.lost_after_days_late} days late we treat a parcel as lost"
        )
        if disruption is not None:
            reason += f" (allowing {disruption.extra_days} extra days for {disruption.title})"
        return result(
            DelayKind.LOST, Clause.SHIPPING_LOST, [reason, *facts], _lost_words(policy), needs_person=True
        )

    if TrackingCode.RETURNED_TO_SENDER in codes:
        return result(
            DelayKind.RETURNED_TO_SENDER,
            Clause.SHIPPING_EXCEPTION,
            ["the carrier is returning the parcel to us", *facts],
            "The parcel is on its way back to us; a person from our team will contact you to send it "
            "again or refund it.",
            needs_person=True,
        )

    last_seen = local_date(latest.occurred_at, policy.timezone) if latest is not None else shipped_on
    quiet_days = (today - last_seen).days

    if latest is not None and latest.code.is_exception:
        needs_person = latest.code in _NEEDS_PERSON_CODES or (
            latest.code is TrackingCode.CUSTOMS_HOLD and quiet_days >= policy.stalled_after_days
        )
        if latest.code is TrackingCode.EXCEPTION_ADDRESS:
            step = (
                "The carrier could not deliver to the address; a person from our team will check the "
                "address with you."
            )
        elif latest.code is TrackingCode.EXCEPTION_DAMAGED:
            step = "A person from our team will contact you to put this right."
        elif needs_person:
            step = (
                f"It has been held at customs for {quiet_days} days; a person from our team will look "
                "into it."
            )
        elif wait_until is not None:
            step = _wait_words(wait_until, policy)
        else:
            step = "Please wait for the next carrier update; if it does not move, tell us."
        if latest.code is TrackingCode.CUSTOMS_HOLD:
            step += f" Import duties and taxes are paid by the {policy.customs_duties_paid_by}."
        return result(
            DelayKind.EXCEPTION,
            Clause.SHIPPING_EXCEPTION,
            facts,
            step,
            new_estimate=None if needs_person else estimate,
            wait=None if needs_person else wait_until,
            needs_person=needs_person,
        )

    if disruption is not None and wait_until is not None:
        return result(
            DelayKind.DISRUPTED,
            Clause.SHIPPING_DISRUPTION,
            facts,
            _wait_words(wait_until, policy),
            new_estimate=estimate,
            wait=wait_until,
        )

    if quiet_days >= policy.stalled_after_days and wait_until is not None:
        reason = f"there has been no carrier update for {quiet_days} days"
        return result(
            DelayKind.STALLED,
            Clause.SHIPPING_STALLED,
            [reason, *facts],
            _wait_words(wait_until, policy),
            new_estimate=estimate if estimate is not None and estimate >= today else None,
            wait=wait_until,
        )

    if promised is not None and today > promised and wait_until is not None:
        reason = f"it was promised for {format_day(promised, policy.locale)} and has not arrived yet"
        return result(
            DelayKind.LATE,
            Clause.SHIPPING_LATE,
            [reason, *facts],
            _wait_words(wait_until, policy),
            new_estimate=estimate if estimate is not None and estimate >= today else None,
            wait=wait_until,
        )

    arrive = estimate or promised
    step = (
        f"It is on its way and should arrive by {format_day(arrive, policy.locale)}."
        if arrive
        else "It is on its way."
    )
    if shipment.tracking_url:
        step += f" You can follow it at {shipment.tracking_url}."
    return result(DelayKind.ON_TIME, Clause.SHIPPING_ON_TIME, facts, step, new_estimate=arrive)


def _not_shipped(
    order: Order,
    shipment: Shipment | None,
    policy: Policy,
    today: date,
    method: ShippingMethod | None,
) -> DelayAssessment:
    """Nothing has left the warehouse: estimate from payment (or placing) + dispatch + transit days."""
    paid = order.paid_at is not None
    start = local_date(order.paid_at or order.placed_at, policy.timezone)
    dispatch_by = add_business_days(start, policy.dispatch_days)
    transit = method.max_days if method is not None else 0
    promised = add_business_days(dispatch_by, transit) if method is not None else None
    reasons: list[str] = []
    if not paid:
        reasons.append("we have not received payment for this order yet")
        estimate = add_business_days(add_business_days(today, policy.dispatch_days), transit)
        step = (
            f"Once payment arrives it leaves our warehouse within {policy.dispatch_days} business day(s) "
            "and we will send you tracking details."
        )
    elif today > dispatch_by:
        reasons.append(
            f"it was due to leave our warehouse by {format_day(dispatch_by, policy.locale)} and has not yet"
        )
        estimate = add_business_days(today, transit)
        step = "We will send you tracking details as soon as it ships."
    else:
        reasons.append(f"it is due to leave our warehouse by {format_day(dispatch_by, policy.locale)}")
        estimate = promised or dispatch_by
        step = "We will send you tracking details when it ships."
    if method is not None:
        reasons.append(f"{method.label} takes up to {method.max_days} business days after dispatch")
        step = f"It should arrive by {format_day(estimate, policy.locale)}. " + step
    return DelayAssessment(
        shipment=shipment,
        kind=DelayKind.NOT_SHIPPED,
        reasons=tuple(reasons),
        promised_date=shipment.promised_date if shipment is not None and shipment.promised_date else promised,
        new_estimate=estimate if method is not None else None,
        wait_until=None,
        next_step=step,
        needs_person=False,
        disruption=None,
        clause=Clause.SHIPPING_NOT_SHIPPED,
    )


def assess_order(
    order: Order, disruptions: Sequence[Disruption], policy: Policy, now: datetime
) -> list[DelayAssessment]:
    """One assessment per shipment, then one NOT_SHIPPED entry for lines in no shipment.

    The NOT_SHIPPED entry is left out for a cancelled or refunded order (nothing more will ship). A
    shipment with no line ids is taken to carry the whole order. The order has no service level of its
    own, so the unshipped estimate uses the slowest method serving the delivery country.
    """
    today = local_date(now, policy.timezone)
    results = [assess_shipment(order, s, disruptions, policy, now) for s in order.shipments]
    if order.status in _FINISHED_STATUSES:
        return results
    covered = {line_id for s in order.shipments for line_id in s.line_ids}
    whole_order_shipment = any(not s.line_ids for s in order.shipments)
    unshipped = [] if whole_order_shipment else [line for line in order.lines if line.id not in covered]
    if unshipped or not order.shipments:
        method = shipping_method_for(policy, None, order.shipping_address.country)
        results.append(_not_shipped(order, None, policy, today, method))
    return results
