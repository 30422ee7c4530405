"""Keeping the conversation on its feet: misunderstandings, changes of mind."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.policy_answer import answer_from_documents
from actions.support import POLICY_PASSAGE, button, handoff_button
from bot import dialogue_names as names
from bot.desk.handoff import Trigger
from bot.language.wording import Msg, say
from bot.payload import AssistantPayload

MISUNDERSTANDINGS_BEFORE_OFFER = 2


def _quoted_the_documents(event: dict[str, Any]) -> bool:
    said = AssistantPayload.from_custom((event.get("data") or {}).get("custom"))
    return said is not None and any(fact.kind == POLICY_PASSAGE for fact in said.facts)


def consecutive_misunderstandings(events: list[dict[str, Any]]) -> int:
    """How many of the shopper's latest messages in a row the assistant did not understand. A message the
    NLU could not place but the documents answered (see ``ActionFallback``) was understood."""
    count = 0
    answered = False  # did the assistant quote the documents after the user message being looked at?
    for event in reversed(events):
        if event.get("event") == "bot":
            answered = answered or _quoted_the_documents(event)
            continue
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != names.Intents.NLU_FALLBACK or answered:
            break
        count += 1
    return count


class ActionFallback(Action):
    def name(self) -> str:
        return names.Actions.FALLBACK

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Shoppers word policy questions in ways the NLU has not seen; the documents get a say first,
        # and only a passage that passes the retriever's calibrated threshold is quoted.
        if answer_from_documents(dispatcher, tracker).answered:
            return []
        if consecutive_misunderstandings(tracker.events) >= MISUNDERSTANDINGS_BEFORE_OFFER:
            dispatcher.utter_message(
                text=say(Msg.STILL_NOT_UNDERSTOOD),
                buttons=[
                    handoff_button(Trigger.MISUNDERSTOOD),
                    button(say(Msg.BUTTON_NO_THANKS), names.Intents.DENY),
                ],
            )
        else:
            dispatcher.utter_message(text=say(Msg.NOT_UNDERSTOOD))
        return []


class ActionStopRequest(Action):
    """The shopper changed their mind in the middle of verification: drop the request, keep the rest."""

    def name(self) -> str:
        return names.Actions.STOP_REQUEST

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.latest_message.get("intent", {}).get("name") == names.Intents.DENY:
            dispatcher.utter_message(response=names.Responses.NO_PROBLEM)
        return [
            ActiveLoop(None),
            SlotSet(names.Slots.REQUESTED_SLOT, None),
            SlotSet(names.Slots.PENDING_REQUEST, None),
        ]
