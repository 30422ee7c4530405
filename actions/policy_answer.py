"""Policy questions, answered in the words of the shop's own documents, with their source."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import current
from actions.support import handoff_button, latest_text, quote_passage, record_fact
from bot import dialogue_names as names
from bot.desk.handoff import Trigger
from bot.language.wording import Msg, say
from bot.payload import POLICY_UNANSWERED
from knowledge.retriever import Answer

logger = logging.getLogger(__name__)


def answer_from_documents(dispatcher: CollectingDispatcher, tracker: Tracker) -> Answer:
    """Quote the documents' passage for the shopper's latest message, with its source, when one passes
    the threshold (``Answer.answered``); say nothing otherwise."""
    answer = current().ask(latest_text(tracker))
    if not answer.answered:
        logger.info("no policy passage for the message (best score %.3f)", answer.score)
        return answer
    quote_passage(dispatcher, answer.text, answer.source, answer.score)
    return answer


class ActionAnswerPolicy(Action):
    def name(self) -> str:
        return names.Actions.ANSWER_POLICY

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        answer = answer_from_documents(dispatcher, tracker)
        if not answer.answered:
            dispatcher.utter_message(
                text=say(Msg.NOT_IN_THE_POLICIES),
                buttons=[handoff_button(Trigger.UNANSWERED)],
            )
            record_fact(dispatcher, POLICY_UNANSWERED, "no passage passed the threshold", answer.score)
        return []


class ActionOutOfScope(Action):
    """The NLU read the message as out of scope; the documents get a say first, since shoppers ask about
    policy in words the NLU has never seen ("will i get hit with import duty ordering to germany?").
    Only a passage that passes the retriever's calibrated threshold is quoted; otherwise the usual
    out-of-scope answer."""

    def name(self) -> str:
        return names.Actions.OUT_OF_SCOPE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not answer_from_documents(dispatcher, tracker).answered:
            dispatcher.utter_message(text=say(Msg.OUT_OF_SCOPE))
        return []
