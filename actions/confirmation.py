"""Yes and no to what waits for confirmation: starting a return, cancelling an order."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.confirmation_subject import PendingReturn, from_slot, to_slot
from actions.context import current
from actions.support import cite_words, handoff_button, verified_order
from bot import dialogue_names as names
from bot.desk.deadline import too_late_to_act
from bot.desk.handoff import Trigger
from bot.language.wording import Msg, say
from bot.orders import replies
from bot.orders.model import NotAllowed
from bot.orders.remote import ChangePending
from bot.orders.rules.clauses import Clause
from knowledge.rendering import for_chat

logger = logging.getLogger(__name__)

_CLEAR = [SlotSet(names.Slots.AWAITING_CONFIRMATION, False), SlotSet(names.Slots.CONFIRMATION_SUBJECT, None)]


def _idempotency_key(sender_id: str, subject: PendingReturn) -> str:
    """The same conversation confirming the same return twice gets the same RMA. A digest, so the key
    fits the column (128 characters) however many items the return has."""
    return hashlib.sha256(f"{sender_id}|{to_slot(subject)}".encode()).hexdigest()


class ActionConfirm(Action):
    def name(self) -> str:
        return names.Actions.CONFIRM

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        context = current()
        subject = from_slot(tracker.get_slot(names.Slots.CONFIRMATION_SUBJECT))
        order = verified_order(context, tracker)
        if order is None or (subject is not None and subject.order_number != order.number):
            dispatcher.utter_message(text=say(Msg.LOST_TRACK_OF_THE_ORDER))
            return _CLEAR
        if subject is None:
            dispatcher.utter_message(text=say(Msg.LOST_TRACK))
            return _CLEAR
        if too_late_to_act(tracker.latest_message.get("metadata"), datetime.now(UTC)):
            # The gateway has told the shopper the assistant is slow: act only where the result is seen.
            logger.warning("confirmation in %s came back too late to act on", tracker.sender_id)
            dispatcher.utter_message(text=say(Msg.TOO_LATE_NOTHING_DONE))
            return []  # still waiting for the same yes
        try:
            if isinstance(subject, PendingReturn):
                how_to_send = context.cite(Clause.RETURNS_HOW_TO_SEND)
                created = context.shop.start_return(
                    order,
                    list(subject.line_ids),
                    subject.reason,
                    idempotency_key=_idempotency_key(tracker.sender_id, subject),
                    instructions=for_chat(how_to_send.text) if how_to_send else None,
                )
                source = how_to_send.source if how_to_send else None
                dispatcher.utter_message(text=replies.return_created(order, created, source).text)
            else:
                cancelled = context.shop.cancel(order)
                source = cite_words(context)(Clause.CANCELLATION_ALLOWED)
                dispatcher.utter_message(
                    text=say(Msg.ORDER_CANCELLED_CITED, order=cancelled.number, source=source)
                    if source
                    else say(Msg.ORDER_CANCELLED, order=cancelled.number)
                )
        except ChangePending as pending:
            dispatcher.utter_message(
                text=say(Msg.CANCELLATION_PENDING, platform=pending.platform, order=pending.order_number)
            )
        except NotAllowed as refused:
            dispatcher.utter_message(
                text=say(Msg.COULD_NOT_DO_IT, reason=refused.reason), buttons=[handoff_button(Trigger.RULES)]
            )
        return _CLEAR


class ActionDecline(Action):
    def name(self) -> str:
        return names.Actions.DECLINE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        subject = from_slot(tracker.get_slot(names.Slots.CONFIRMATION_SUBJECT))
        declined = Msg.RETURN_NOT_STARTED if isinstance(subject, PendingReturn) else Msg.NOTHING_CANCELLED
        dispatcher.utter_message(text=say(declined))
        return _CLEAR
