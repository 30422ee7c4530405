"""Yes and no to what waits for confirmation: starting a return, cancelling an order."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import names
from actions.context import current
from actions.support import cite_words, handoff_button, verified_order
from bot.desk.handoff import Trigger
from bot.orders import replies
from bot.orders.model import NotAllowed, ReturnReason
from bot.orders.rules.clauses import Clause
from knowledge.rendering import for_chat

logger = logging.getLogger(__name__)

_CLEAR = [SlotSet(names.AWAITING_CONFIRMATION, False), SlotSet(names.CONFIRMATION_SUBJECT, None)]


class ActionConfirm(Action):
    def name(self) -> str:
        return "action_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        context = current()
        subject = str(tracker.get_slot(names.CONFIRMATION_SUBJECT) or "")
        kind, _, rest = subject.partition("|")
        order = verified_order(context, tracker)
        if order is None or not rest.startswith(order.number):
            dispatcher.utter_message(
                text="Sorry, I lost track of which order that was. Could you ask me again?"
            )
            return _CLEAR
        try:
            if kind == names.SUBJECT_RETURN:
                _number, ids, reason = rest.split("|")
                how_to_send = context.cite(Clause.RETURNS_HOW_TO_SEND)
                created = context.shop.start_return(
                    order,
                    [int(i) for i in ids.split(",")],
                    ReturnReason(reason),
                    # the same conversation confirming the same return twice gets the same RMA
                    idempotency_key=f"{tracker.sender_id}|{subject}",
                    instructions=for_chat(how_to_send.text) if how_to_send else None,
                )
                source = how_to_send.source if how_to_send else None
                dispatcher.utter_message(text=replies.return_created(order, created, source).text)
            elif kind == names.SUBJECT_CANCEL:
                cancelled = context.shop.cancel(order)
                source = cite_words(context)(Clause.CANCELLATION_ALLOWED)
                dispatcher.utter_message(
                    text=f"Order {cancelled.number} is now cancelled. Any payment is refunded to the method "
                    f"you paid with{f' ({source})' if source else ''}."
                )
            else:
                dispatcher.utter_message(
                    text="Sorry, I lost track of what we were doing. Could you ask me again?"
                )
        except NotAllowed as refused:
            dispatcher.utter_message(
                text=f"I couldn't do that: {refused.reason}.", buttons=[handoff_button(Trigger.RULES)]
            )
        return _CLEAR


class ActionDecline(Action):
    def name(self) -> str:
        return "action_decline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        subject = str(tracker.get_slot(names.CONFIRMATION_SUBJECT) or "")
        what = "started a return" if subject.startswith(names.SUBJECT_RETURN) else "cancelled anything"
        dispatcher.utter_message(text=f"OK, I haven't {what}. Is there anything else I can help with?")
        return _CLEAR
