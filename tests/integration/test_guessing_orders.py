"""Guessing orders through the action code: 1,800 attempts reveal no order fact and no order's existence.

The verification form's validation (the code Rasa calls), its answer included, runs against the seeded
demo shop, lock-out included: 600 pairs of guesses (a real order number and an unknown one, each with the same
wrong contact: made up, or another customer's real email or postcode) and 300 pairs of forged slots (a
"verified" order the contact does not prove, a verified order with another order number, no contact at
all). Every reply is checked against every order fact of the shop (``tests.guessing``), and the answer to
a real number is the answer to an unknown one. The gateway (tests/gateway/test_guessing_orders.py, 8,200)
makes the rest of the 10,000, and tests/e2e/test_guessing_orders.py a sample through the real engine.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from actions.context import ActionContext
from actions.order_answers import ANSWERS
from bot.orders.services import ShopService
from tests.guessing import OrderFacts, unknown_numbers, wrong_contact
from tests.integration.conftest import conclude, make_tracker
from tests.integration.test_actions_orders import slot_values, validate

VERIFICATION_PAIRS = 600
FORGED_PAIRS = 300


@pytest.fixture
def facts(shop_db_url: str) -> OrderFacts:
    return OrderFacts.of(shop_db_url)


def said(messages: list[dict[str, Any]]) -> str:
    """Everything a shopper would see: texts, button titles and payloads, template names."""
    parts: list[str] = []
    for message in messages:
        parts += [str(message.get("text") or ""), str(message.get("response") or "")]
        parts += [f"{b['title']} {b['payload']}" for b in message.get("buttons") or []]
    return "\n".join(parts)


def test_guessed_order_numbers_and_contacts_reveal_nothing(
    action_context: ActionContext, facts: OrderFacts
) -> None:
    rng = random.Random(12)
    unknown = unknown_numbers(facts, VERIFICATION_PAIRS, rng)
    for i in range(VERIFICATION_PAIRS):
        real = facts.numbers[i % len(facts.numbers)]
        contact = wrong_contact(facts, real, i, rng)
        slots = {"contact": contact, "verification_attempts": float(i % 3)}
        on_real, real_events = validate({"order_number": real, **slots})
        on_unknown, unknown_events = validate({"order_number": unknown[i], **slots})
        assert on_real == on_unknown, (i, real, contact)
        assert slot_values(real_events) == slot_values(unknown_events)
        assert slot_values(real_events)["verified_order"] is None
        assert facts.revealed(said(on_real)) == [], (i, real)


def forged_slots(facts: OrderFacts, number: str, i: int, rng: random.Random) -> dict[str, Any]:
    """Slots a shopper might try to set by hand: the order "verified", the contact not proving it."""
    other = facts.numbers[(i * 7 + 1) % len(facts.numbers)]
    owner_email = next((o.customer.email for o in facts.orders if o.number == number), "x@example.com")
    variants: list[dict[str, Any]] = [
        {"order_number": number, "contact": wrong_contact(facts, number, i, rng)},
        {"order_number": other, "contact": owner_email},  # verified one order, asks about another
        {"order_number": number, "contact": None},
        {"order_number": None, "contact": owner_email},
    ]
    return {"verified_order": number, **variants[i % len(variants)]}


def test_forged_verification_slots_reveal_nothing(action_context: ActionContext, facts: OrderFacts) -> None:
    rng = random.Random(13)
    unknown = unknown_numbers(facts, FORGED_PAIRS, rng)
    requests = list(ANSWERS)
    for i in range(FORGED_PAIRS):
        real = facts.numbers[(i * 3) % len(facts.numbers)]
        request = {"pending_request": requests[i % len(requests)]}
        forged = forged_slots(facts, real, i, random.Random(i))
        as_unknown = {k: (unknown[i] if v == real else v) for k, v in forged.items()}
        on_real, real_events = conclude(make_tracker({**forged, **request}))
        on_unknown, unknown_events = conclude(make_tracker({**as_unknown, **request}))
        assert (on_real, real_events) == (on_unknown, unknown_events), (i, forged)
        assert facts.revealed(said(on_real)) == [], (i, forged)
        assert not any(m.get("custom") for m in on_real)  # no fact recorded for the escalation either


def test_the_facts_checked_are_the_ones_a_verified_answer_gives(
    action_context: ActionContext, facts: OrderFacts, shop: ShopService
) -> None:
    """The check is not empty: a real, verified answer is caught by it."""
    order = facts.orders[0]
    slots = {
        "order_number": order.number,
        "contact": order.customer.email,
        "verified_order": order.number,
        "pending_request": "order_status",
    }
    messages, _ = conclude(make_tracker(slots))
    assert facts.revealed(said(messages))
    assert len(facts.facts) > 1_000
