"""Asking for a person: the gateway turns this into an escalation, pauses the assistant and tells the
shopper their place in the queue (or, outside support hours, that the team replies by email)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import dialogue_names as names
from bot.desk.handoff import Trigger
from bot.orders.rules.proof import proof_of
from bot.payload import AssistantPayload, HandoffRequest


def trigger_of(tracker: Tracker) -> Trigger:
    """Why: the trigger the offered button carried, else the shopper simply asked."""
    value = tracker.get_slot(names.Slots.HANDOFF_TRIGGER)
    try:
        return Trigger(value) if value else Trigger.ASKED
    except ValueError:
        return Trigger.ASKED


class ActionHandoff(Action):
    def name(self) -> str:
        return names.Actions.HANDOFF

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        verified = tracker.get_slot(names.Slots.VERIFIED_ORDER) or None
        contact = tracker.get_slot(names.Slots.CONTACT)
        request = AssistantPayload(
            handoff=HandoffRequest(trigger=trigger_of(tracker)),
            verified_order=verified,
            verified_by=proof_of(str(contact)) if verified and contact else None,
        )
        dispatcher.utter_message(json_message=request.to_custom())
        return [SlotSet(names.Slots.HANDOFF_TRIGGER, None)]
