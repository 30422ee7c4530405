"""Follow-ups in shoppers' own words (issue 13) through the real stack: the trained model parses the text,
the action server answers from the seeded demo shop.
"""

from __future__ import annotations

import pytest

from bot.ops.demo_data import SHOWCASE
from tests.stack import Stack, new_sender, texts

pytestmark = pytest.mark.rasa

CASES = {case.kind: case for case in SHOWCASE}


def test_and_what_about_order_x_asks_for_that_orders_own_proof_then_answers_it(stack: Stack) -> None:
    mine, theirs = CASES["in_transit_on_time"], CASES["late"]
    me = new_sender()
    stack.say(me, f"where is order {mine.number}?")
    assert mine.number in texts(stack.say(me, mine.email))

    asked = texts(stack.say(me, f"and what about order {theirs.number}?"))
    assert f"Order {theirs.number} needs its own check" in asked
    assert "email" in asked.lower()
    assert stack.order(theirs.number).shipments[0].tracking_number not in asked

    answer = texts(stack.say(me, theirs.email))
    assert theirs.number in answer
    assert stack.order(theirs.number).shipments[0].tracking_number in answer


def test_the_same_customers_other_order_is_answered_without_asking_again(stack: Stack) -> None:
    first, second, _ = [c for c in SHOWCASE if c.kind == "several_orders"]
    me = new_sender()
    stack.say(me, f"where is order {first.number}?")
    stack.say(me, first.email)
    answer = texts(stack.say(me, f"what about {second.number}?"))
    assert second.number in answer
    assert "email" not in answer.lower()


def test_the_belt_is_named_with_its_reason_and_the_shirt_offered_then_what_about_the_belt(
    stack: Stack,
) -> None:
    case = CASES["mixed_returnable"]
    me = new_sender()
    stack.say(me, "I want to return the belt")
    stack.say(me, case.number)
    refused = texts(stack.say(me, case.email))
    assert "Leather Belt: cannot be returned; this item was sold as final sale" in refused
    assert "(Returns policy" in refused
    assert f"Shall I start a return for 1 × Oxford Shirt from order {case.number} instead?" in refused

    again = texts(stack.say(me, "what about the belt?"))
    assert "Leather Belt: cannot be returned" in again
    assert stack.order(case.number).returns == ()  # nothing started without a yes


def test_how_long_to_return_a_dress_is_answered_from_the_documents_without_an_order_number(
    stack: Stack,
) -> None:
    answer = texts(stack.say(new_sender(), "how long do I have to return a dress"))
    assert "(Source: Returns policy" in answer
    assert "order number" not in answer.lower()
