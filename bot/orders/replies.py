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
from bot.language.wording import Msg, say
from bot.orders.model import Order, OrderStatus, Refund, RefundStatus, Return
from bot.orders.rules.cancellation import CancellationDecision
from bot.orders.rules.clauses import Clause
from bot.orders.rules.returns import LineEligibility, NamedItems, local_date
from bot.orders.rules.shipping import DelayAssessment, DelayKind
from bot.policy import Policy

Cite = Callable[[Clause], str | None]  # clause -> "Returns policy, 2. Return windows"


def no_citation(_clause: Clause) -> str | None:
    return None


STATUS_WORDS: dict[OrderStatus, Msg] = {
    OrderStatus.PENDING: Msg.STATUS_PENDING,
    OrderStatus.PAID: Msg.STATUS_PAID,
    OrderStatus.PROCESSING: Msg.STATUS_PROCESSING,
    OrderStatus.PARTIALLY_SHIPPED: Msg.STATUS_PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED: Msg.STATUS_SHIPPED,
    OrderStatus.DELIVERED: Msg.STATUS_DELIVERED,
    OrderStatus.CANCELLED: Msg.STATUS_CANCELLED,
    OrderStatus.RETURNED: Msg.STATUS_RETURNED,
    OrderStatus.REFUNDED: Msg.STATUS_REFUNDED,
}

DELIVERY_HEADINGS: dict[DelayKind, Msg] = {
    DelayKind.NOT_SHIPPED: Msg.DELIVERY_NOT_SHIPPED,
    DelayKind.ON_TIME: Msg.DELIVERY_ON_TIME,
    DelayKind.LATE: Msg.DELIVERY_LATE,
    DelayKind.STALLED: Msg.DELIVERY_STALLED,
    DelayKind.EXCEPTION: Msg.DELIVERY_EXCEPTION,
    DelayKind.LOST: Msg.DELIVERY_LOST,
    DelayKind.DISRUPTED: Msg.DELIVERY_DISRUPTED,
    DelayKind.DELIVERED: Msg.DELIVERY_DELIVERED,
    DelayKind.RETURNED_TO_SENDER: Msg.DELIVERY_RETURNED_TO_SENDER,
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
    return say(Msg.CITED, text=text, source=source) if source else text


def _items(order: Order, line_ids: Sequence[int] | None = None) -> str:
    lines = [line for line in order.lines if line_ids is None or line.id in line_ids]
    return ", ".join(say(Msg.ITEM, quantity=line.quantity, name=line.name) for line in lines)


def _placed(order: Order, policy: Policy) -> str:
    return format_day(local_date(order.placed_at, policy.timezone), policy.locale)


def shipment_line(assessment: DelayAssessment, policy: Policy) -> str:
    """One delivery: carrier, tracking, the dates that matter."""
    s = assessment.shipment
    if s is None:
        estimate = (
            " " + say(Msg.EXPECTED_DELIVERY, day=format_day(assessment.new_estimate, policy.locale))
            if assessment.new_estimate
            else ""
        )
        return say(Msg.NOT_SHIPPED_YET) + estimate
    link = s.tracking_url or policy.tracking_url(s.carrier, s.tracking_number)
    facts = {"carrier": s.carrier, "service": s.service_level, "tracking_number": s.tracking_number}
    parts = [
        say(Msg.SHIPMENT, tracking_url=link, **facts) if link else say(Msg.SHIPMENT_WITHOUT_LINK, **facts)
    ]
    if s.delivered_at is not None:
        parts.append(
            say(Msg.DELIVERED_ON, day=format_day(local_date(s.delivered_at, policy.timezone), policy.locale))
        )
    else:
        if s.shipped_at is not None:
            parts.append(
                say(Msg.SHIPPED_ON, day=format_day(local_date(s.shipped_at, policy.timezone), policy.locale))
            )
        if assessment.promised_date is not None:
            parts.append(say(Msg.PROMISED_BY, day=format_day(assessment.promised_date, policy.locale)))
        if assessment.new_estimate is not None and assessment.new_estimate != assessment.promised_date:
            parts.append(say(Msg.CURRENT_ESTIMATE, day=format_day(assessment.new_estimate, policy.locale)))
    return " ".join(parts)


def order_status(order: Order, deliveries: Sequence[DelayAssessment], policy: Policy) -> Reply:
    head = say(
        Msg.ORDER_STATUS,
        order=order.number,
        placed=_placed(order, policy),
        status=say(STATUS_WORDS[order.status]),
        items=_items(order),
    )
    if order.status is OrderStatus.CANCELLED:
        return Reply(head)
    body = []
    for i, assessment in enumerate(deliveries, start=1):
        prefix = f"{say(Msg.PARCEL, number=i, count=len(deliveries))}: " if len(deliveries) > 1 else ""
        items = ""
        if len(deliveries) > 1 and assessment.shipment is not None:
            items = f"{_items(order, assessment.shipment.line_ids)}. "
        line = f"{prefix}{items}{shipment_line(assessment, policy)}"
        if assessment.kind not in (DelayKind.ON_TIME, DelayKind.DELIVERED, DelayKind.NOT_SHIPPED):
            line += " " + say(Msg.PARCEL_NEEDS_A_LOOK, heading=say(DELIVERY_HEADINGS[assessment.kind]))
        body.append(line)
    return Reply("\n".join([head, *body]))


def tracking(order: Order, deliveries: Sequence[DelayAssessment], policy: Policy) -> Reply:
    shipped = [a for a in deliveries if a.shipment is not None]
    if not shipped:
        return Reply(
            say(Msg.NO_TRACKING_YET, order=order.number) + " " + shipment_line(deliveries[0], policy)
            if deliveries
            else say(Msg.NO_TRACKING_YET, order=order.number)
        )
    lines = [say(Msg.TRACKING_FOR, order=order.number)]
    lines += [shipment_line(a, policy) for a in shipped]
    return Reply("\n".join(lines))


def delivery_explanation(
    order: Order, deliveries: Sequence[DelayAssessment], policy: Policy, cite: Cite = no_citation
) -> Reply:
    """Why a parcel is where it is: the reason, any disruption notice, the new estimate, the next step."""
    if not deliveries:
        return Reply(say(Msg.NOTHING_ON_ITS_WAY, order=order.number, status=say(STATUS_WORDS[order.status])))
    parts = []
    for i, a in enumerate(deliveries, start=1):
        label = (
            say(Msg.PARCEL, number=i, count=len(deliveries))
            if len(deliveries) > 1
            else say(Msg.YOUR_ORDER, order=order.number)
        )
        text = say(Msg.DELIVERY_IS, label=label, heading=say(DELIVERY_HEADINGS[a.kind]))
        if a.reasons:
            text += " " + " ".join(_sentence(r) for r in a.reasons)
        if a.disruption is not None and a.disruption.explanation not in text:
            text += " " + say(
                Msg.DISRUPTION_NOTICE, title=a.disruption.title, explanation=a.disruption.explanation
            )
        if a.new_estimate is not None and a.kind is not DelayKind.DELIVERED:
            text += " " + say(Msg.CURRENT_ESTIMATE, day=format_day(a.new_estimate, policy.locale))
        if a.next_step:
            text += f" {a.next_step}"
        parts.append(_with_source(text, a.clause, cite))
    needs_person = any(a.needs_person for a in deliveries)
    return Reply("\n".join(parts), needs_person=needs_person)


def return_eligibility(order: Order, decisions: Sequence[LineEligibility], cite: Cite = no_citation) -> Reply:
    if not decisions:
        return Reply(say(Msg.ITEM_NOT_ON_ORDER, order=order.number))
    lines = [say(Msg.RETURNS_FOR, order=order.number)]
    for d in decisions:
        verdict = say(Msg.CAN_BE_RETURNED if d.eligible else Msg.CANNOT_BE_RETURNED)
        lines.append(
            _with_source(
                say(Msg.RETURN_LINE, item=d.line.name, verdict=verdict, reason=d.reason), d.clause, cite
            )
        )
    return Reply("\n".join(lines))


def named_items_not_returnable(order: Order, named: NamedItems, cite: Cite = no_citation) -> Reply:
    """The named items that cannot go back, each with the rule's reason and its policy section, then the
    rest of the order that can (or that nothing else can)."""
    text = return_eligibility(order, named.refused, cite).text
    if not named.rest:
        return Reply(f"{text}\n{say(Msg.NOTHING_ELSE_RETURNABLE, order=order.number)}")
    rest = [say(Msg.REST_CAN_GO_BACK, order=order.number)]
    for d in named.rest:
        verdict = say(Msg.CAN_BE_RETURNED)
        rest.append(
            _with_source(
                say(Msg.RETURN_LINE, item=d.line.name, verdict=verdict, reason=d.reason), d.clause, cite
            )
        )
    return Reply("\n".join([text, *rest]))


def return_created(order: Order, created: Return, source: str | None = None) -> Reply:
    names = ", ".join(order.line(rl.line_id).name for rl in created.lines)
    text = say(
        Msg.RETURN_REGISTERED,
        rma=created.rma_number,
        items=names,
        order=order.number,
        instructions=created.instructions,
    )
    return Reply(say(Msg.SOURCE_BELOW, text=text, source=source) if source else text)


def cancellation(order: Order, decision: CancellationDecision, cite: Cite = no_citation) -> Reply:
    if decision.allowed:
        return Reply(
            _with_source(
                say(Msg.CAN_CANCEL, order=order.number, reason=decision.reason), decision.clause, cite
            )
        )
    text = say(Msg.CANNOT_CANCEL, order=order.number, reason=decision.reason.strip().rstrip("."))
    if decision.alternative:
        text += f" {_sentence(decision.alternative)}"
    return Reply(_with_source(text, decision.clause, cite))


REFUND_WORDS: dict[RefundStatus, Msg] = {
    RefundStatus.PENDING: Msg.REFUND_PENDING,
    RefundStatus.PROCESSING: Msg.REFUND_PROCESSING,
    RefundStatus.COMPLETED: Msg.REFUND_COMPLETED,
    RefundStatus.FAILED: Msg.REFUND_FAILED,
}


def refunds(order: Order, items: Sequence[Refund], policy: Policy, cite: Cite = no_citation) -> Reply:
    if not items:
        open_returns = [r for r in order.returns if r.status.value in ("requested", "in_transit", "received")]
        if open_returns:
            r = open_returns[0]
            text = say(
                Msg.NO_REFUND_YET,
                order=order.number,
                rma=r.rma_number,
                return_status=r.status.value.replace("_", " "),
                days=policy.refund_processing_business_days,
            )
            return Reply(_with_source(text, Clause.REFUNDS_TIMING, cite))
        return Reply(say(Msg.NO_REFUND, order=order.number))
    lines = []
    for refund in items:
        amount = format_money(refund.amount, refund.currency, policy.locale)
        method, status = refund.method.replace("_", " "), say(REFUND_WORDS[refund.status])
        if refund.completed_at is not None:
            day = format_day(local_date(refund.completed_at, policy.timezone), policy.locale)
            text = say(Msg.REFUND_DONE, amount=amount, method=method, status=status, day=day)
        else:
            day = format_day(local_date(refund.created_at, policy.timezone), policy.locale)
            text = say(Msg.REFUND_STARTED, amount=amount, method=method, status=status, day=day)
        lines.append(text)
    if any(r.status is RefundStatus.COMPLETED and r.method == "card" for r in items):
        lines.append(say(Msg.CARD_REFUND_DELAY, days=policy.refund_bank_days))
    return Reply(
        _with_source(
            say(Msg.REFUNDS_FOR, order=order.number) + "\n" + "\n".join(lines), Clause.REFUNDS_TIMING, cite
        )
    )
