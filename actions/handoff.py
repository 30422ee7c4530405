"""Asking for a person: the gateway turns this into an escalation, pauses the assistant and tells the
shopper their place in the queue (or, outside support hours, that the team replies by email)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.support import SHOPDESK_KEY
from bot import dialogue_names as names
from bot.desk.handoff import Trigger


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
        handoff = {
            "trigger": trigger_of(tracker).value,
            "verified_order": tracker.get_slot(names.Slots.VERIFIED_ORDER),
        }
        dispatcher.utter_message(json_message={SHOPDESK_KEY: {"handoff": handoff}})
        return [SlotSet(names.Slots.HANDOFF_TRIGGER, None)]
