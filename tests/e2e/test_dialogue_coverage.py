"""Every intent in every state the dialogue plans gets an answer, on the real trained model.

Rules and memoization carry the dialogue (config.yml has no TEDPolicy); a state no rule or story covers gets
RulePolicy's safety net, our own ``action_fallback``: the shopper hears that the assistant did not
understand and what it can do, and a form that was asking asks again. The walk sends each intent of
domain.yml as ``/intent`` (Rasa's way to name an intent without the NLU) while verification asks for the
order number and while a return waits for the shopper's yes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.language.wording import Msg, say
from bot.ops.demo_data import SHOWCASE
from tests.stack import Stack, new_sender, texts

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
CASES = {case.kind: case for case in SHOWCASE}
INTENTS: list[str] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]
ASK_ORDER_NUMBER = "What's your order number?"
NOT_UNDERSTOOD = say(Msg.NOT_UNDERSTOOD)


def answered_sanely(messages: list[dict[str, object]]) -> None:
    """Something was said, and no message twice: a state that sent the assistant round in circles would
    repeat itself until Rasa's limit of actions per message."""
    assert messages, "the assistant said nothing"  # a handoff's notice to the gateway is a custom message
    said = [str(m.get("text", "")) for m in messages if m.get("text")]
    assert len(said) == len(set(said)), said


def test_yes_while_verification_asks_for_the_order_number_is_not_understood_and_verification_goes_on(
    stack: Stack,
) -> None:
    case = CASES["late"]
    me = new_sender()
    assert ASK_ORDER_NUMBER in texts(stack.say(me, "where is my order?"))
    reply = stack.say(me, "yes")
    answered_sanely(reply)
    assert NOT_UNDERSTOOD in texts(reply)
    assert ASK_ORDER_NUMBER in texts(reply)
    assert "email" in texts(stack.say(me, case.number)).lower()
    assert case.number in texts(stack.say(me, case.email))


def test_a_state_no_rule_plans_for_gets_the_honest_fallback(stack: Stack) -> None:
    """Rasa's HTTP API puts the conversation in a state no rule or story covers (the confirmation flag
    unset, so neither "waiting for a yes" nor "nothing to confirm"), then the shopper says yes: RulePolicy's
    safety net runs action_fallback, and the assistant waits for the shopper's next message."""
    me = new_sender()
    stack.say(me, "hello")  # the session starts (it would set the flag to its initial value)
    api = f"{stack.rasa_url}/conversations/{me}"
    token = {"token": stack.env["SHOPDESK_RASA_TOKEN"]}
    unset = {"event": "slot", "name": "awaiting_confirmation", "value": None}
    stack.client.post(f"{api}/tracker/events", params=token, json=[unset]).raise_for_status()
    response = stack.client.post(f"{api}/trigger_intent", params=token, json={"name": "affirm"})
    response.raise_for_status()
    answer = response.json()
    assert texts(answer["messages"]) == NOT_UNDERSTOOD
    assert answer["tracker"]["latest_action_name"] == "action_listen"


@pytest.mark.parametrize("intent", INTENTS)
def test_every_intent_opening_a_conversation_gets_an_answer(stack: Stack, intent: str) -> None:
    answered_sanely(stack.say(new_sender(), f"/{intent}"))


@pytest.mark.parametrize("intent", INTENTS)
def test_every_intent_while_verification_asks_gets_an_answer(stack: Stack, intent: str) -> None:
    me = new_sender()
    assert ASK_ORDER_NUMBER in texts(stack.say(me, "where is my order?"))
    answered_sanely(stack.say(me, f"/{intent}"))


def start_a_return(stack: Stack, me: str) -> None:
    """Up to the question that waits for the shopper's yes (an order no other test returns)."""
    case = CASES["delivered_29_days_ago"]
    stack.say(me, f"I want to return my order {case.number}")
    question = stack.say(me, case.email)
    if "Which item" in texts(question):
        all_button = next(b for m in question for b in m.get("buttons") or [] if b["title"] == "All of them")
        question = stack.say(me, all_button["payload"])
    assert "Shall I start a return" in texts(question)


# the yes itself would start the return (tests/e2e/test_rest_conversation.py checks that)
@pytest.mark.parametrize("intent", [i for i in INTENTS if i != "affirm"])
def test_every_intent_while_a_return_waits_for_yes_gets_an_answer(stack: Stack, intent: str) -> None:
    me = new_sender()
    start_a_return(stack, me)
    answered_sanely(stack.say(me, f"/{intent}"))
