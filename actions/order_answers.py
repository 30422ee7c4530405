"""Answers about the shopper's verified order: status, tracking, delays, returns, refunds, cancellation.

Thin on purpose: read slots, call ``ShopService``, word the facts with ``bot.replies``, return events. No
action of its own: the form's validation answers in the call that verifies the order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.confirmation_subject import PendingCancellation, PendingReturn, to_slot
from actions.context import ActionContext
from actions.support import (
    Button,
    button,
    cite_words,
    handoff_button,
    record_fact,
    request_text,
)
from bot import dialogue_names as names
from bot.desk.handoff import Trigger
from bot.language.formatting import format_day
from bot.language.item_matching import ALL_ITEMS, lines_named_in, match_lines, means_every_item
from bot.language.return_reasons import reason_from_text
from bot.language.wording import Msg, say
from bot.orders import replies
from bot.orders.model import Order, OrderLine, OrderStatus, ReturnReason
from bot.orders.rules.proof import proof_of
from bot.orders.rules.returns import LineEligibility, eligible_lines, local_date, split_named

logger = logging.getLogger(__name__)

Answer = tuple[str, list[Button], list[EventType]]


def _other_order_buttons(context: ActionContext, order: Order, tracker: Tracker) -> list[Button]:
    """The customer's other orders as quick replies; none after a postcode (``rules.proof``)."""
    contact = str(tracker.get_slot(names.Slots.CONTACT))
    others = [o for o in context.shop.customer_orders(order, contact) if o.number != order.number]
    tz = context.shop.policy.timezone
    return [
        button(
            say(
                Msg.BUTTON_OTHER_ORDER,
                order=o.number,
                day=format_day(local_date(o.placed_at, tz), context.shop.policy.locale),
            ),
            names.Intents.INFORM,
            {names.Entities.ORDER_NUMBER: o.number},
        )
        for o in others[:4]
    ]


def _status(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    report = context.shop.status(order)
    reply = replies.order_status(order, report.deliveries, context.shop.policy)
    return reply.text, _other_order_buttons(context, order, tracker), []


def _tracking(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    report = context.shop.status(order)
    return replies.tracking(order, report.deliveries, context.shop.policy).text, [], []


def _delay(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    report = context.shop.status(order)
    reply = replies.delivery_explanation(order, report.deliveries, context.shop.policy, cite_words(context))
    return reply.text, [handoff_button(Trigger.RULES)] if reply.needs_person else [], []


def _named_lines(order: Order, tracker: Tracker) -> tuple[list[OrderLine], bool]:
    """(the lines the shopper named, whether they named an item the order does not have).

    The item the NLU picked out comes first; when it picked out none, or one the order does not have, a
    line's name in the words of the request counts ("can I return the belt?"). "All of them" names no
    line in particular: the caller takes every item.
    """
    product = tracker.get_slot(names.Slots.PRODUCT)
    if means_every_item(product):
        return [], False
    named = match_lines(order.lines, product) if product else []
    if not named:
        named = lines_named_in(request_text(tracker), order.lines)
    return named, bool(product) and not named


def _start_return_button(rest: Sequence[LineEligibility]) -> list[Button]:
    """ "Start a return" for what can go back: for the one item by name, else the usual "which item?"."""
    if not rest:
        return []
    item = {names.Entities.PRODUCT: rest[0].line.name} if len(rest) == 1 else None
    return [button(say(Msg.BUTTON_START_A_RETURN), names.Intents.START_RETURN, item)]


def _eligibility(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    report = context.shop.returns(order, reason_from_text(request_text(tracker)))
    named, _ = _named_lines(order, tracker)
    wanted = {line.id for line in named}
    if wanted:
        split = split_named(report.lines, wanted)
        if not split.returnable:  # say why each named item cannot go back, and offer the rest
            text = replies.named_items_not_returnable(order, split, cite_words(context)).text
            return text, _start_return_button(split.rest), []
    decisions = [d for d in report.lines if d.line.id in wanted] or report.lines
    reply = replies.return_eligibility(order, decisions, cite_words(context))
    buttons = (
        [button(say(Msg.BUTTON_START_A_RETURN), names.Intents.START_RETURN)]
        if eligible_lines(decisions)
        else []
    )
    return reply.text, buttons, []


def _confirm_return(
    order: Order, lines: Sequence[OrderLine], reason: ReturnReason, before: str = "", instead: bool = False
) -> Answer:
    """Ask for the shopper's yes before a return for ``lines`` is created (``actions.confirmation``)."""
    listing = ", ".join(say(Msg.ITEM, quantity=line.quantity, name=line.name) for line in lines)
    question = say(
        Msg.CONFIRM_RETURN_INSTEAD if instead else Msg.CONFIRM_RETURN, items=listing, order=order.number
    )
    subject = PendingReturn(order.number, tuple(line.id for line in lines), reason)
    return (
        f"{before}\n{question}" if before else question,
        [
            button(say(Msg.BUTTON_YES_START_THE_RETURN), names.Intents.AFFIRM),
            button(say(Msg.BUTTON_NO), names.Intents.DENY),
        ],
        [
            SlotSet(names.Slots.AWAITING_CONFIRMATION, True),
            SlotSet(names.Slots.CONFIRMATION_SUBJECT, to_slot(subject)),
        ],
    )


def _which_item(eligible: Sequence[LineEligibility], question: str) -> Answer:
    buttons = [
        button(d.line.name, names.Intents.START_RETURN, {names.Entities.PRODUCT: d.line.name})
        for d in eligible
    ]
    everything = {names.Entities.PRODUCT: ALL_ITEMS}
    buttons.append(button(say(Msg.BUTTON_ALL_ITEMS), names.Intents.START_RETURN, everything))
    return question, buttons, []


def _start_return(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    reason = reason_from_text(request_text(tracker))
    report = context.shop.returns(order, reason)
    eligible = eligible_lines(report.lines)
    if not eligible:
        text = replies.return_eligibility(order, report.lines, cite_words(context)).text
        return f"{say(Msg.NOTHING_RETURNABLE_NOW)}\n{text}", [], []
    named, unknown = _named_lines(order, tracker)
    if named:
        split = split_named(report.lines, {line.id for line in named})
        if split.returnable:  # the named items that can go back; say why the others cannot
            refused = replies.return_eligibility(order, split.refused, cite_words(context)).text
            return _confirm_return(
                order, [d.line for d in split.returnable], reason, refused if split.refused else ""
            )
        # nothing named can go back: say why, and offer the rest of the order instead
        text = replies.named_items_not_returnable(order, split, cite_words(context)).text
        if len(split.rest) == 1:
            return _confirm_return(order, [split.rest[0].line], reason, text, instead=True)
        return _which_item(split.rest, f"{text}\n{say(Msg.WHICH_ITEM_INSTEAD)}")
    if unknown:  # an item the order does not have: never start a return for a different one unasked
        return _which_item(
            eligible, f"{say(Msg.ITEM_NOT_ON_ORDER, order=order.number)}\n{say(Msg.WHICH_ITEM_TO_RETURN)}"
        )
    if means_every_item(tracker.get_slot(names.Slots.PRODUCT)):
        return _confirm_return(order, [d.line for d in eligible], reason)
    if len(eligible) > 1:
        return _which_item(eligible, say(Msg.WHICH_ITEM_TO_RETURN))
    return _confirm_return(order, [eligible[0].line], reason)


def _refunds(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    reply = replies.refunds(order, order.refunds, context.shop.policy, cite_words(context))
    return reply.text, [], []


def _cancel(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    decision = context.shop.cancellation(order)
    reply = replies.cancellation(order, decision, cite_words(context))
    if not decision.allowed:
        return reply.text, [], []
    return (
        f"{reply.text}\n{say(Msg.CONFIRM_CANCEL, order=order.number)}",
        [
            button(say(Msg.BUTTON_YES_CANCEL), names.Intents.AFFIRM),
            button(say(Msg.BUTTON_NO_KEEP_IT), names.Intents.DENY),
        ],
        [
            SlotSet(names.Slots.AWAITING_CONFIRMATION, True),
            SlotSet(names.Slots.CONFIRMATION_SUBJECT, to_slot(PendingCancellation(order.number))),
        ],
    )


def _change_address(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    report = context.shop.status(order)
    shipped = [a.shipment for a in report.deliveries if a.shipment is not None and a.shipment.shipped_at]
    if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED):
        return (
            say(Msg.ADDRESS_NO_DELIVERY, order=order.number, status=say(replies.STATUS_WORDS[order.status])),
            [],
            [],
        )
    if shipped:
        carriers = ", ".join(sorted({s.carrier for s in shipped}))
        links = "\n".join(s.tracking_url for s in shipped)
        return (
            say(Msg.ADDRESS_TOO_LATE, order=order.number, carriers=carriers, links=links),
            [handoff_button(Trigger.RULES)],
            [],
        )
    return (
        say(Msg.ADDRESS_CAN_CHANGE, order=order.number),
        [handoff_button(Trigger.RULES)],
        [],
    )


ANSWERS: dict[str, Callable[[ActionContext, Order, Tracker], Answer]] = {
    names.Intents.ORDER_STATUS: _status,
    names.Intents.TRACKING_INFO: _tracking,
    names.Intents.SHIPPING_DELAY: _delay,
    names.Intents.RETURN_ELIGIBILITY: _eligibility,
    names.Intents.START_RETURN: _start_return,
    names.Intents.REFUND_STATUS: _refunds,
    names.Intents.CANCEL_ORDER: _cancel,
    names.Intents.CHANGE_ADDRESS: _change_address,
}


def answer_verified_order(
    context: ActionContext, order: Order, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """Answer the pending request about ``order``, verified by the contact in the slot, and tell the
    gateway what was said. The form's validation calls it in the call that verifies the order
    (``actions.verification``), so the answer costs no round trip of its own."""
    request = tracker.get_slot(names.Slots.PENDING_REQUEST) or names.Intents.ORDER_STATUS
    answer = ANSWERS.get(request, _status)
    text, buttons, events = answer(context, order, tracker)
    asks = any(e.get("name") == names.Slots.AWAITING_CONFIRMATION for e in events)
    if tracker.get_slot(names.Slots.AWAITING_CONFIRMATION) and not asks:
        # a new question replaces the one waiting for a yes: a later "yes" must not act on the old one
        events = [
            *events,
            SlotSet(names.Slots.AWAITING_CONFIRMATION, False),
            SlotSet(names.Slots.CONFIRMATION_SUBJECT, None),
        ]
    dispatcher.utter_message(text=text, buttons=buttons or None)
    contact = str(tracker.get_slot(names.Slots.CONTACT))
    record_fact(dispatcher, request, text, verified_order=order.number, verified_by=proof_of(contact))
    return events
