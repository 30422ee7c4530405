"""Policy questions, answered in the words of the shop's own documents, with their source."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import current
from actions.support import HANDOFF_BUTTON, latest_text

logger = logging.getLogger(__name__)


class ActionAnswerPolicy(Action):
    def name(self) -> str:
        return "action_answer_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        answer = current().ask(latest_text(tracker))
        if answer.answered:
            dispatcher.utter_message(text=f"{answer.text}\n(Source: {answer.source})")
        else:
            logger.info("policy question abstained (best score %.3f)", answer.score)
            dispatcher.utter_message(
                text="I don't have that in our policies, so I'd rather not guess. "
                "One of our team can answer it.",
                buttons=[HANDOFF_BUTTON],
            )
        return []
