"""Verification: an order number plus the email or delivery postcode on it, before any order fact is told.

The answer is the same for an unknown order and a wrong email, so nobody learns whether an order exists.
After ``MAX_VERIFICATION_ATTEMPTS`` failures the form stops asking and offers a person.

The form's validation is the only custom action of an order question, so each of the shopper's messages
costs Rasa one action server call and one prediction fewer: the call that starts the form remembers what
was asked (``remember_request``), and the call that completes it gives the answer (``conclude_request``)
before Rasa deactivates the form.

"And what about order SD-10002?" after a verified order: the email that verified the first order proves
the second only when it is the email on that order too (``ShopService.same_customer_order``); otherwise,
and always after a postcode (``rules.proof``), the new order needs its own email or postcode, and the
form asks for it without counting a failure.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import current
from actions.order_answers import answer_verified_order
from actions.support import handoff_button, latest_intent, latest_text, quote_passage, verified_order
from bot import dialogue_names as names
from bot.desk.handoff import Trigger
from bot.language.extraction import extract
from bot.language.wording import Msg, say
from bot.orders.model import VerificationFailed
from bot.orders.rules.clauses import Clause

logger = logging.getLogger(__name__)

MAX_VERIFICATION_ATTEMPTS = 3


def client_of(tracker: Tracker) -> str | None:
    """Where the message came from (web address, Telegram chat), as the gateway put it in the metadata."""
    metadata = tracker.latest_message.get("metadata") or {}
    client = metadata.get("client") if isinstance(metadata, dict) else None
    return str(client) if client else None


def remember_request(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """What the shopper asked for, kept in ``pending_request`` to answer once the order is verified (an
    order number alone asks for the order's status). The slot is set even when its value stays, since
    ``request_text`` finds the request's words before that event.

    "How long until I get my refund?" is both a policy question and a question about an order: before
    asking for the order number, the shopper gets the shop's own words on refund timing.
    """
    intent = latest_intent(tracker)
    if intent == names.Intents.REFUND_STATUS and verified_order(current(), tracker) is None:
        timing = current().cite(Clause.REFUNDS_TIMING)
        if timing is not None:
            quote_passage(
                dispatcher,
                timing.text,
                timing.source,
                follow_up=say(Msg.REFUND_NEEDS_THE_ORDER),
            )
    if intent in names.ORDER_REQUESTS:
        return [SlotSet(names.Slots.PENDING_REQUEST, intent)]
    pending = tracker.get_slot(names.Slots.PENDING_REQUEST) or names.Intents.ORDER_STATUS
    return [SlotSet(names.Slots.PENDING_REQUEST, pending)]


def conclude_request(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The form's end: the answer about the verified order, or a person offered when verification failed
    ``MAX_VERIFICATION_ATTEMPTS`` times. The item and "my last order" asked about are forgotten."""
    context = current()
    order = verified_order(context, tracker)
    cleanup: list[EventType] = [
        SlotSet(names.Slots.PRODUCT, None),
        SlotSet(names.Slots.ORDER_POINTER, None),
    ]
    if order is not None:
        return [*cleanup, *answer_verified_order(context, order, dispatcher, tracker)]
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


class ValidateVerifyOrderForm(FormValidationAction):
    def name(self) -> str:
        return names.Actions.VALIDATE_VERIFY_ORDER_FORM

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Rasa's form validation, plus what the form's first and last runs do for the request.

        The request is remembered when this message starts the form, and when the form is already asking
        and the message is another order question or an order number it could not read (Rasa would
        otherwise reject the form and nothing would answer). Any other message that fills no slot gets
        no slot event back, so Rasa rejects the form and the rules for it (thanks, a policy question, a
        person) run. When nothing is left to ask, the answer comes in this same call.
        """
        remembered: list[EventType] = []
        if _starts_the_form(tracker):
            remembered = remember_request(dispatcher, tracker)
            tracker.add_slots(remembered)
        events = await super().run(dispatcher, tracker, domain)
        if not remembered and not _fills_a_slot(events) and latest_intent(tracker) in _REQUESTS:
            remembered = remember_request(dispatcher, tracker)
            tracker.add_slots(remembered)
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        if any(tracker.get_slot(slot) is None for slot in required):
            return [*remembered, *events]
        done = [e for e in events if e.get("name") != names.Slots.REQUESTED_SLOT]
        return [
            *remembered,
            *done,
            *conclude_request(dispatcher, tracker),
            SlotSet(names.Slots.REQUESTED_SLOT, None),
        ]

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if (tracker.get_slot(names.Slots.VERIFICATION_ATTEMPTS) or 0) >= MAX_VERIFICATION_ATTEMPTS:
            return []  # stop asking; conclude_request offers a person
        return domain_slots

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """What NLU missed: "order no. 10023", a bare "10023" when asked, or "my last order"."""
        text = latest_text(tracker)
        if text.startswith("/"):
            return {}  # a button payload: its entities are already slots
        numbers = current().shop.policy.order_numbers
        found = extract(text, numbers).order_numbers
        if found:
            return {names.Slots.ORDER_NUMBER: found[0]}
        # a bare "10023" (or "#1001", "sd10023") is an order number when it is all we asked for
        asked = tracker.get_slot(names.Slots.REQUESTED_SLOT) == names.Slots.ORDER_NUMBER
        if asked and (number := numbers.normalise(text.strip().rstrip(".!").strip())) is not None:
            return {names.Slots.ORDER_NUMBER: number}
        if tracker.get_slot(names.Slots.ORDER_POINTER) == names.ORDER_POINTER_LATEST:
            order = verified_order(current(), tracker)
            if order is not None:
                contact = str(tracker.get_slot(names.Slots.CONTACT))
                newest = current().shop.customer_orders(order, contact, limit=1)
                if newest:
                    return {names.Slots.ORDER_NUMBER: newest[0].number, names.Slots.ORDER_POINTER: None}
        return {}

    async def extract_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        if text.startswith("/"):
            return {}
        found = extract(text, current().shop.policy.order_numbers)
        if found.emails:
            return {names.Slots.CONTACT: found.emails[0]}
        # a postcode only when we asked for one, so "M1" in a sentence is never taken for one
        if found.postcodes and tracker.get_slot(names.Slots.REQUESTED_SLOT) == names.Slots.CONTACT:
            return {names.Slots.CONTACT: found.postcodes[0]}
        return {}

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        numbers = current().shop.policy.order_numbers
        number = numbers.normalise(str(value or ""))
        if number is None:
            examples = " or ".join(shape.example for shape in numbers.shapes)
            dispatcher.utter_message(text=say(Msg.NOT_AN_ORDER_NUMBER, examples=examples))
        return {names.Slots.ORDER_NUMBER: number}

    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {names.Slots.CONTACT: str(value or "").strip() or None}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Check each slot's form, then, once both are known and one of them is new, the pair together."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        changed = {e["name"] for e in events if e.get("event") == "slot"}
        number, contact = tracker.get_slot(names.Slots.ORDER_NUMBER), tracker.get_slot(names.Slots.CONTACT)
        if not ({names.Slots.ORDER_NUMBER, names.Slots.CONTACT} & changed) or not (number and contact):
            return events
        if _another_order_with_the_proof_given_before(tracker):
            outcome = self._switch(number, contact, dispatcher, tracker)
        else:
            outcome = self._verify(number, contact, dispatcher, tracker)
        tracker.slots.update(outcome)
        kept = [e for e in events if e.get("name") not in outcome]
        return [*kept, *(SlotSet(name, value) for name, value in outcome.items())]

    def _switch(
        self, number: str, contact: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """Another order than the verified one, with no new contact given: the same customer's order is
        verified by the email they proved; any other needs its own proof, asked for next."""
        verified = str(tracker.get_slot(names.Slots.VERIFIED_ORDER))
        if current().shop.same_customer_order(verified, contact, number) is not None:
            return _verified(number, contact)
        dispatcher.utter_message(text=say(Msg.NEW_ORDER_NEEDS_PROOF, order=number))
        return {
            names.Slots.ORDER_NUMBER: number,
            names.Slots.CONTACT: None,
            names.Slots.VERIFIED_ORDER: None,
        }

    def _verify(
        self, number: str, contact: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        try:
            current().shop.verify(number, contact, client=client_of(tracker))
        except VerificationFailed:
            attempts = int(tracker.get_slot(names.Slots.VERIFICATION_ATTEMPTS) or 0) + 1
            if attempts >= MAX_VERIFICATION_ATTEMPTS:
                dispatcher.utter_message(text=say(Msg.STILL_NO_MATCH))
            else:
                dispatcher.utter_message(text=say(Msg.NO_MATCH))
            return {
                names.Slots.ORDER_NUMBER: None,
                names.Slots.CONTACT: None,
                names.Slots.VERIFIED_ORDER: None,
                names.Slots.VERIFICATION_ATTEMPTS: float(attempts),
            }
        return _verified(number, contact)


def _verified(number: str, contact: str) -> dict[str, Any]:
    return {
        names.Slots.ORDER_NUMBER: number,
        names.Slots.CONTACT: contact,
        names.Slots.VERIFIED_ORDER: number,
        names.Slots.VERIFICATION_ATTEMPTS: 0.0,
    }


_REQUESTS = names.ORDER_REQUESTS | {names.Intents.INFORM}


def _starts_the_form(tracker: Tracker) -> bool:
    """Whether Rasa activated the form for the latest message (this call validates what it brought)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "active_loop" and event.get("name") == names.Forms.VERIFY_ORDER:
            return True
    return False


def _fills_a_slot(events: list[EventType]) -> bool:
    """Whether Rasa sees a slot filled or validated (it rejects the form when none is)."""
    return any(e.get("event") == "slot" and e.get("name") != names.Slots.REQUESTED_SLOT for e in events)


def _another_order_with_the_proof_given_before(tracker: Tracker) -> bool:
    """An order is verified, the shopper now names another, and their latest message gives no email or
    postcode: the contact in the slot is the one that verified the earlier order."""
    verified = tracker.get_slot(names.Slots.VERIFIED_ORDER)
    numbers = current().shop.policy.order_numbers
    number = numbers.normalise(str(tracker.get_slot(names.Slots.ORDER_NUMBER) or ""))
    if not verified or number is None or number == verified:
        return False
    entities = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
    if {names.Entities.EMAIL, names.Entities.POSTCODE} & entities:
        return False
    text = latest_text(tracker)
    return text.startswith("/") or not extract(text, numbers).emails
