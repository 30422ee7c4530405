"""Small pieces the action modules share: reading the tracker, citing the documents, buttons."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import names
from actions.context import ActionContext
from bot.extraction import normalise_order_number
from bot.model import Order, VerificationFailed

Button = dict[str, str]


def button(title: str, intent: str, **entities: str) -> Button:
    payload = "/" + intent
    if entities:
        import json

        payload += json.dumps(entities, separators=(",", ":"))
    return {"title": title, "payload": payload}


HANDOFF_BUTTON = button("Talk to a person", names.HUMAN_HANDOFF)


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


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
    number = tracker.get_slot(names.VERIFIED_ORDER)
    contact = tracker.get_slot(names.CONTACT)
    if (
        not number
        or not contact
        or normalise_order_number(str(tracker.get_slot(names.ORDER_NUMBER) or "")) != number
    ):
        return None
    try:
        return context.shop.verify(number, contact)
    except VerificationFailed:
        return None
