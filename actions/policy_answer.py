"""Policy questions, answered in the words of the shop's own documents, with their source."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import current
from actions.support import handoff_button, latest_text, record_fact
from bot.handoff import Trigger

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
            record_fact(dispatcher, "policy_passage", f"{answer.source}: {answer.text}", answer.score)
        else:
            logger.info("policy question abstained (best score %.3f)", answer.score)
            dispatcher.utter_message(
                text="I don't have that in our policies, so I'd rather not guess. "
                "One of our team can answer it.",
                buttons=[handoff_button(Trigger.UNANSWERED)],
            )
            record_fact(dispatcher, "policy_unanswered", "no passage passed the threshold", answer.score)
        return []
