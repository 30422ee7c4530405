"""Answers about the shopper's verified order: status, tracking, delays, returns, refunds, cancellation.

Thin on purpose: read slots, call ``ShopService``, word the facts with ``bot.replies``, return events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.confirmation_subject import PendingCancellation, PendingReturn, to_slot
from actions.context import ActionContext, current
from actions.support import (
    Button,
    button,
    cite_words,
    handoff_button,
    latest_text,
    record_fact,
    verified_order,
)
from actions.verification import MAX_VERIFICATION_ATTEMPTS
from bot import dialogue_names as names
from bot.desk.handoff import Trigger
from bot.language.formatting import format_day
from bot.language.item_matching import ALL_ITEMS, match_lines
from bot.language.return_reasons import reason_from_text
from bot.language.wording import Msg, say
from bot.orders import replies
from bot.orders.model import Order, OrderStatus
from bot.orders.rules.proof import proof_of
from bot.orders.rules.returns import eligible_lines, local_date

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


def _eligibility(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    report = context.shop.returns(order, reason_from_text(latest_text(tracker)))
    wanted = {line.id for line in match_lines(order.lines, tracker.get_slot(names.Slots.PRODUCT))}
    decisions = [d for d in report.lines if d.line.id in wanted] or report.lines
    reply = replies.return_eligibility(order, decisions, cite_words(context))
    buttons = (
        [button(say(Msg.BUTTON_START_A_RETURN), names.Intents.START_RETURN)]
        if eligible_lines(decisions)
        else []
    )
    return reply.text, buttons, []


def _start_return(context: ActionContext, order: Order, tracker: Tracker) -> Answer:
    reason = reason_from_text(latest_text(tracker))
    report = context.shop.returns(order, reason)
    eligible = eligible_lines(report.lines)
    if not eligible:
        text = replies.return_eligibility(order, report.lines, cite_words(context)).text
        return f"{say(Msg.NOTHING_RETURNABLE_NOW)}\n{text}", [], []
    product = tracker.get_slot(names.Slots.PRODUCT)
    chosen = match_lines([d.line for d in eligible], product) if product else []
    if product and not chosen:
        named = {line.id for line in match_lines(order.lines, product)}
        if named:  # the item is on the order but cannot be returned: say why
            refused = [d for d in report.lines if d.line.id in named]
            return replies.return_eligibility(order, refused, cite_words(context)).text, [], []
    if not chosen and len(eligible) > 1:
        buttons = [
            button(d.line.name, names.Intents.START_RETURN, {names.Entities.PRODUCT: d.line.name})
            for d in eligible
        ]
        everything = {names.Entities.PRODUCT: ALL_ITEMS}
        buttons.append(button(say(Msg.BUTTON_ALL_ITEMS), names.Intents.START_RETURN, everything))
        return say(Msg.WHICH_ITEM_TO_RETURN), buttons, []
    lines = chosen or [eligible[0].line]
    listing = ", ".join(say(Msg.ITEM, quantity=line.quantity, name=line.name) for line in lines)
    subject = PendingReturn(order.number, tuple(line.id for line in lines), reason)
    return (
        say(Msg.CONFIRM_RETURN, items=listing, order=order.number),
        [
            button(say(Msg.BUTTON_YES_START_THE_RETURN), names.Intents.AFFIRM),
            button(say(Msg.BUTTON_NO), names.Intents.DENY),
        ],
        [
            SlotSet(names.Slots.AWAITING_CONFIRMATION, True),
            SlotSet(names.Slots.CONFIRMATION_SUBJECT, to_slot(subject)),
        ],
    )


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


class ActionAnswerRequest(Action):
    """Answer the pending request about the verified order, or offer a person when verification failed."""

    def name(self) -> str:
        return names.Actions.ANSWER_REQUEST

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        context = current()
        order = verified_order(context, tracker)
        cleanup: list[EventType] = [
            SlotSet(names.Slots.PRODUCT, None),
            SlotSet(names.Slots.ORDER_POINTER, None),
        ]
        if order is None:
            if (tracker.get_slot(names.Slots.VERIFICATION_ATTEMPTS) or 0) >= MAX_VERIFICATION_ATTEMPTS:
                dispatcher.utter_message(
                    text=say(Msg.VERIFICATION_FAILED),
                    buttons=[handoff_button(Trigger.VERIFICATION_FAILED)],
                )
                return [
                    *cleanup,
                    SlotSet(names.Slots.VERIFICATION_ATTEMPTS, 0.0),
                    SlotSet(names.Slots.PENDING_REQUEST, None),
                ]
            dispatcher.utter_message(response=names.Responses.ASK_ORDER_NUMBER)
            return cleanup
        request = tracker.get_slot(names.Slots.PENDING_REQUEST) or names.Intents.ORDER_STATUS
        answer = ANSWERS.get(request, _status)
        text, buttons, events = answer(context, order, tracker)
        dispatcher.utter_message(text=text, buttons=buttons or None)
        contact = str(tracker.get_slot(names.Slots.CONTACT))
        record_fact(dispatcher, request, text, verified_order=order.number, verified_by=proof_of(contact))
        return [*cleanup, *events]
