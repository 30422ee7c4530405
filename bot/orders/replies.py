"""Shopper-facing wording of the facts the order system and the rules produce.

Every date, status, carrier, tracking link and reason here comes from an ``Order`` or a rule's decision;
these functions only choose words around them. A policy citation ("Returns policy, 2. Return windows")
comes from the shop's documents through the ``cite`` callable, so the wording never claims a clause the
documents do not have.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.language.formatting import format_day, format_money
from bot.orders.model import Order, OrderStatus, Refund, RefundStatus, Return
from bot.orders.rules.cancellation import CancellationDecision
from bot.orders.rules.clauses import Clause
from bot.orders.rules.returns import LineEligibility, local_date
from bot.orders.rules.shipping import DelayAssessment, DelayKind
from bot.policy import Policy

Cite = Callable[[Clause], str | None]  # clause -> "Returns policy, 2. Return windows"


def no_citation(_clause: Clause) -> str | None:
    return None


STATUS_WORDS: dict[OrderStatus, str] = {
    OrderStatus.PENDING: "waiting for payment",
    OrderStatus.PAID: "paid and waiting to be packed",
    OrderStatus.PROCESSING: "being packed at our warehouse",
    OrderStatus.PARTIALLY_SHIPPED: "partly with the carrier",
    OrderStatus.SHIPPED: "with the carrier",
    OrderStatus.DELIVERED: "delivered",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.RETURNED: "returned",
    OrderStatus.REFUNDED: "refunded",
}

DELIVERY_HEADINGS: dict[DelayKind, str] = {
    DelayKind.NOT_SHIPPED: "not shipped yet",
    DelayKind.ON_TIME: "on its way and on time",
    DelayKind.LATE: "running late",
    DelayKind.STALLED: "waiting for a tracking update",
    DelayKind.EXCEPTION: "held up by a problem the carrier reported",
    DelayKind.LOST: "lost in transit",
    DelayKind.DISRUPTED: "delayed by a disruption",
    DelayKind.DELIVERED: "delivered",
    DelayKind.RETURNED_TO_SENDER: "being returned to us by the carrier",
}


@dataclass(frozen=True)
class Reply:
    text: str
    needs_person: bool = False


def _sentence(fact: str) -> str:
    """A rule's fact as a sentence: capital first letter, closing full stop."""
    fact = fact.strip()
    fact = fact[:1].upper() + fact[1:]
    return fact if fact.endswith((".", "!", "?")) else f"{fact}."


def _with_source(text: str, clause: Clause, cite: Cite) -> str:
    source = cite(clause)
    return f"{text} ({source})" if source else text


def _items(order: Order, line_ids: Sequence[int] | None = None) -> str:
    lines = [line for line in order.lines if line_ids is None or line.id in line_ids]
    return ", ".join(f"{line.quantity} × {line.name}" for line in lines)


def _placed(order: Order, policy: Policy) -> str:
    return format_day(local_date(order.placed_at, policy.timezone))


def shipment_line(assessment: DelayAssessment, policy: Policy) -> str:
    """One delivery: carrier, tracking, the dates that matter."""
    s = assessment.shipment
    if s is None:
        estimate = (
            f" Expected delivery: {format_day(assessment.new_estimate)}." if assessment.new_estimate else ""
        )
        return f"Not shipped yet.{estimate}"
    parts = [f"{s.carrier} ({s.service_level}), tracking number {s.tracking_number}: {s.tracking_url}"]
    if s.delivered_at is not None:
        parts.append(f"Delivered on {format_day(local_date(s.delivered_at, policy.timezone))}.")
    else:
        if s.shipped_at is not None:
            parts.append(f"Shipped on {format_day(local_date(s.shipped_at, policy.timezone))}.")
        if assessment.promised_date is not None:
            parts.append(f"Promised by {format_day(assessment.promised_date)}.")
        if assessment.new_estimate is not None and assessment.new_estimate != assessment.promised_date:
            parts.append(f"Current estimate: {format_day(assessment.new_estimate)}.")
    return " ".join(parts)


def order_status(order: Order, deliveries: Sequence[DelayAssessment], policy: Policy) -> Reply:
    head = (
        f"Order {order.number} (placed {_placed(order, policy)}) is {STATUS_WORDS[order.status]}. "
        f"Items: {_items(order)}."
    )
    if order.status is OrderStatus.CANCELLED:
        return Reply(head)
    body = []
    for i, assessment in enumerate(deliveries, start=1):
        prefix = f"Parcel {i} of {len(deliveries)}: " if len(deliveries) > 1 else ""
        items = ""
        if len(deliveries) > 1 and assessment.shipment is not None:
            items = f"{_items(order, assessment.shipment.line_ids)}. "
        line = f"{prefix}{items}{shipment_line(assessment, policy)}"
        if assessment.kind not in (DelayKind.ON_TIME, DelayKind.DELIVERED, DelayKind.NOT_SHIPPED):
            line += (
                f' This parcel is {DELIVERY_HEADINGS[assessment.kind]}: ask me "why is it late?" for details.'
            )
        body.append(line)
    return Reply("\n".join([head, *body]))


def tracking(order: Order, deliveries: Sequence[DelayAssessment], policy: Policy) -> Reply:
    shipped = [a for a in deliveries if a.shipment is not None]
    if not shipped:
        return Reply(
            f"Order {order.number} has not shipped yet, so there is no tracking number. "
            + shipment_line(deliveries[0], policy)
            if deliveries
            else f"Order {order.number} has not shipped yet, so there is no tracking number."
        )
    lines = [f"Tracking for order {order.number}:"]
    lines += [shipment_line(a, policy) for a in shipped]
    return Reply("\n".join(lines))


def delivery_explanation(
    order: Order, deliveries: Sequence[DelayAssessment], policy: Policy, cite: Cite = no_citation
) -> Reply:
    """Why a parcel is where it is: the reason, any disruption notice, the new estimate, the next step."""
    if not deliveries:
        return Reply(f"Order {order.number} is {STATUS_WORDS[order.status]}, so there is nothing on its way.")
    parts = []
    for i, a in enumerate(deliveries, start=1):
        label = f"Parcel {i} of {len(deliveries)}" if len(deliveries) > 1 else f"Your order {order.number}"
        text = f"{label} is {DELIVERY_HEADINGS[a.kind]}."
        if a.reasons:
            text += " " + " ".join(_sentence(r) for r in a.reasons)
        if a.disruption is not None and a.disruption.explanation not in text:
            text += f' Notice from us, "{a.disruption.title}": {a.disruption.explanation}'
        if a.new_estimate is not None and a.kind is not DelayKind.DELIVERED:
            text += f" Current estimate: {format_day(a.new_estimate)}."
        if a.next_step:
            text += f" {a.next_step}"
        parts.append(_with_source(text, a.clause, cite))
    needs_person = any(a.needs_person for a in deliveries)
    return Reply("\n".join(parts), needs_person=needs_person)


def return_eligibility(order: Order, decisions: Sequence[LineEligibility], cite: Cite = no_citation) -> Reply:
    if not decisions:
        return Reply(f"I couldn't find that item on order {order.number}.")
    lines = [f"Returns for order {order.number}:"]
    for d in decisions:
        verdict = "can be returned" if d.eligible else "cannot be returned"
        lines.append(_with_source(f"- {d.line.name}: {verdict}; {d.reason}", d.clause, cite))
    return Reply("\n".join(lines))


def return_created(order: Order, created: Return, source: str | None = None) -> Reply:
    names = ", ".join(order.line(rl.line_id).name for rl in created.lines)
    text = (
        f"Your return {created.rma_number} for {names} from order {order.number} is registered.\n"
        f"{created.instructions}"
    )
    return Reply(f"{text}\n(Source: {source})" if source else text)


def cancellation(order: Order, decision: CancellationDecision, cite: Cite = no_citation) -> Reply:
    if decision.allowed:
        return Reply(
            _with_source(
                f"Order {order.number} can still be cancelled: {decision.reason}", decision.clause, cite
            )
        )
    text = f"I can't cancel order {order.number}: {decision.reason.strip().rstrip('.')}."
    if decision.alternative:
        text += f" {_sentence(decision.alternative)}"
    return Reply(_with_source(text, decision.clause, cite))


REFUND_WORDS: dict[RefundStatus, str] = {
    RefundStatus.PENDING: "waiting to be processed",
    RefundStatus.PROCESSING: "being processed",
    RefundStatus.COMPLETED: "paid",
    RefundStatus.FAILED: "not completed: the payment was refused",
}


def refunds(order: Order, items: Sequence[Refund], policy: Policy, cite: Cite = no_citation) -> Reply:
    if not items:
        open_returns = [r for r in order.returns if r.status.value in ("requested", "in_transit", "received")]
        if open_returns:
            r = open_returns[0]
            text = (
                f"There is no refund on order {order.number} yet. Your return {r.rma_number} is "
                f"{r.status.value.replace('_', ' ')}; we refund within "
                f"{policy.refund_processing_business_days} "
                "business days of receiving it."
            )
            return Reply(_with_source(text, Clause.REFUNDS_TIMING, cite))
        return Reply(f"There is no refund on order {order.number}.")
    lines = []
    for refund in items:
        amount = format_money(refund.amount, refund.currency)
        text = f"Refund of {amount} to your {refund.method.replace('_', ' ')}: {REFUND_WORDS[refund.status]}"
        if refund.completed_at is not None:
            text += f" on {format_day(local_date(refund.completed_at, policy.timezone))}"
        else:
            text += f" (started {format_day(local_date(refund.created_at, policy.timezone))})"
        lines.append(text + ".")
    if any(r.status is RefundStatus.COMPLETED and r.method == "card" for r in items):
        lines.append(
            f"Card refunds can take up to {policy.refund_bank_days} further days to show on your statement."
        )
    return Reply(
        _with_source(f"Refunds for order {order.number}:\n" + "\n".join(lines), Clause.REFUNDS_TIMING, cite)
    )
