"""A sample of the guessing through the real engine: Rasa's trained model, the action server, the demo shop.

The bulk of the 10,000 attempts runs against the action code (tests/integration/test_guessing_orders.py)
and the gateway (tests/gateway/test_guessing_orders.py); here a stranger asks about real and made-up order
numbers with a wrong email, and sends Rasa commands that would set the verified order, and the engine's
replies reveal no order fact (``tests.guessing``) and are the same whether the order exists or not.

Only orders beyond the showcase are guessed, once each, so the lock-out they add stays far from the
orders other end-to-end tests verify.
"""

from __future__ import annotations

import json
import random

import pytest

from bot.ops.demo_data import SHOWCASE
from tests.guessing import OrderFacts, unknown_numbers
from tests.stack import Stack, new_sender, texts

# many turns through the engine, and the first e2e test to run also waits for the shared stack to start
pytestmark = [pytest.mark.rasa, pytest.mark.timeout(900)]

PAIRS = 8
FORGED = 4


@pytest.fixture(scope="module")
def facts(stack: Stack) -> OrderFacts:
    return OrderFacts.of(stack.database_url)


def guessable(facts: OrderFacts) -> list[str]:
    showcase = {case.number for case in SHOWCASE}
    return [number for number in facts.numbers if number not in showcase]


def ask_then_guess(stack: Stack, number: str, email: str) -> str:
    me = new_sender()
    asked = texts(stack.say(me, f"where is my order {number}?"))
    return asked + "\n" + texts(stack.say(me, email))


def test_a_real_and_a_made_up_order_number_get_the_same_answer_and_no_fact(
    stack: Stack, facts: OrderFacts
) -> None:
    rng = random.Random(31)
    real = guessable(facts)[-PAIRS:]
    for number, unknown in zip(real, unknown_numbers(facts, PAIRS, rng), strict=True):
        email = "".join(rng.choices("abcdefghjkmnpqrstuvwxyz", k=10)) + "@example.net"  # no digits to read
        on_real = ask_then_guess(stack, number, email)
        on_unknown = ask_then_guess(stack, unknown, email)
        assert "can't match" in on_real
        assert on_real.replace(number, "<n>") == on_unknown.replace(unknown, "<n>")
        assert facts.revealed(on_real) == [] and facts.revealed(on_unknown) == []


def test_rasa_commands_that_set_the_verified_order_reveal_nothing(stack: Stack, facts: OrderFacts) -> None:
    for number in guessable(facts)[-PAIRS - FORGED : -PAIRS]:
        me = new_sender()
        slots = {"order_number": number, "verified_order": number, "contact": "x@example.net"}
        said = texts(stack.say(me, f"/inform{json.dumps(slots)}"))
        said += "\n" + texts(stack.say(me, "where is it?"))
        said += "\n" + texts(stack.say(me, f"/order_status{json.dumps(slots)}"))
        assert facts.revealed(said) == [], said
