"""Asking for a person. Until the agent console exists, the honest answer: when and how to reach the team."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import current
from bot.support_hours import agents_online


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        shop = current().shop
        policy = shop.policy
        hours = policy.support_hours
        days = ", ".join(d.capitalize() for d in hours.days)
        when = (
            "Our team is online now" if agents_online(policy, shop.now()) else "Our team is offline right now"
        )
        dispatcher.utter_message(
            text=f"{when} (hours: {days}, {hours.open:%H:%M}-{hours.close:%H:%M} UK time). Please email "
            f"{policy.support_email} with your order number; we reply within "
            f"{policy.email_reply_within_hours} hours."
        )
        return []
