"""Small pieces the action modules share: reading the tracker, citing the documents, buttons."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import ActionContext
from bot import dialogue_names as names
from bot.desk.handoff import Trigger
from bot.language.wording import Msg, say
from bot.orders.model import Order, VerificationFailed
from bot.orders.rules.proof import Proof
from bot.payload import AssistantPayload, fact
from knowledge.rendering import for_chat

Button = dict[str, str]


def button(title: str, intent: str, entities: Mapping[str, str] | None = None) -> Button:
    """A quick reply that sends ``intent`` (with ``entities``) as if the shopper had said it."""
    payload = "/" + intent
    if entities:
        payload += json.dumps(entities, separators=(",", ":"))
    return {"title": title, "payload": payload}


def handoff_button(trigger: Trigger) -> Button:
    """ "Talk to a person", carrying why it was offered so the escalation records the real trigger."""
    return button(
        say(Msg.BUTTON_TALK_TO_A_PERSON),
        names.Intents.HUMAN_HANDOFF,
        {names.Entities.HANDOFF_TRIGGER: trigger.value},
    )


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def request_text(tracker: Tracker) -> str:
    """The words of the shopper's pending request: the message that started it (the user message before
    the latest ``pending_request`` the form's validation remembered), not the email or order number given
    since; the latest message when no request was remembered."""
    remembered = False
    for event in reversed(tracker.events):
        if (
            event.get("event") == "slot"
            and event.get("name") == names.Slots.PENDING_REQUEST
            and event.get("value") is not None
        ):
            remembered = True
        elif remembered and event.get("event") == "user":
            return str(event.get("text") or "")
    return latest_text(tracker)


def latest_intent(tracker: Tracker) -> str | None:
    intent: dict[str, Any] = tracker.latest_message.get("intent") or {}
    return intent.get("name")


def cite_words(context: ActionContext):  # type: ignore[no-untyped-def]
    """The replies' ``cite``: clause id -> "Returns policy, 2. Return windows" from the documents."""

    def cite(clause: str) -> str | None:
        citation = context.cite(clause)
        return citation.source if citation else None

    return cite


def verified_order(context: ActionContext, tracker: Tracker) -> Order | None:
    """The conversation's verified order, re-read from the order system; None unless it was verified."""
    number = tracker.get_slot(names.Slots.VERIFIED_ORDER)
    contact = tracker.get_slot(names.Slots.CONTACT)
    if (
        not number
        or not contact
        or context.shop.policy.order_numbers.normalise(str(tracker.get_slot(names.Slots.ORDER_NUMBER) or ""))
        != number
    ):
        return None
    try:
        return context.shop.verify(number, contact)
    except VerificationFailed:
        return None


def record_fact(
    dispatcher: CollectingDispatcher,
    kind: str,
    text: str,
    score: float | None = None,
    *,
    verified_order: str | None = None,
    verified_by: Proof | None = None,
) -> None:
    """Tell the gateway what the assistant just told the shopper (and about which verified order, and what
    its verification proved), for the escalation record."""
    said = AssistantPayload(
        facts=(fact(kind, text, score),), verified_order=verified_order, verified_by=verified_by
    )
    dispatcher.utter_message(json_message=said.to_custom())


POLICY_PASSAGE = "policy_passage"  # the fact kind of a passage quoted from the documents


def quote_passage(
    dispatcher: CollectingDispatcher,
    text: str,
    source: str,
    score: float | None = None,
    follow_up: str | None = None,
) -> None:
    """Say a passage of the policy documents in their own words, laid out for a chat window, with its
    source (and ``follow_up`` in the same message), and record it for the escalation record."""
    message = say(Msg.SOURCE_BELOW, text=for_chat(text), source=source)
    dispatcher.utter_message(text=f"{message}\n{follow_up}" if follow_up else message)
    record_fact(dispatcher, POLICY_PASSAGE, f"{source}: {text}", score)
