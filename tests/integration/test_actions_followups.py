"""Follow-ups in a conversation (issue 13), against the seeded demo shop with a fixed clock: another order
after a verified one, an item named by its short name that cannot go back, "what about the belt?".
"""

from __future__ import annotations

from typing import Any

import pytest

from actions.confirmation_subject import PendingReturn, from_slot
from actions.context import ActionContext
from actions.policy_answer import ActionAnswerPolicy
from bot.language.wording import Msg, say
from bot.ops.demo_data import SHOWCASE
from bot.orders.model import VerificationFailed
from bot.orders.rules.clauses import Clause
from tests.integration.conftest import conclude, form_call, make_tracker, run_action

CASES = {case.kind: case for case in SHOWCASE}
MIXED = CASES["mixed_returnable"]  # SD-10016: Oxford Shirt, final-sale Leather Belt, gift card, mug


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def ask_about_another_order(
    verified: str, contact: str, number: str, text: str, entities: list[dict[str, Any]] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The form's validation as Rasa runs it when, after ``verified`` was verified with ``contact``, the
    shopper's message names order ``number`` and starts the form again: only the order number is new."""
    return form_call(
        {"contact": contact, "verified_order": verified, "pending_request": "order_status"},
        text,
        "inform",
        {"order_number": number},
        starts=True,
        entities=entities or [{"entity": "order_number", "value": number}],
    )


def verified(case_kind: str, request: str, **extra: Any) -> dict[str, Any]:
    case = CASES[case_kind]
    return {
        "order_number": case.number,
        "contact": case.email,
        "verified_order": case.number,
        "pending_request": request,
        **extra,
    }


# --- another order after a verified one -----------------------------------------------------------------


def test_another_order_of_the_same_customer_needs_no_new_proof(action_context: ActionContext) -> None:
    first, second, _ = [c for c in SHOWCASE if c.kind == "several_orders"]
    messages, events = ask_about_another_order(
        first.number, first.email, second.number, f"and what about order {second.number}?"
    )
    values = slot_values(events)
    assert values["verified_order"] == second.number
    assert values["pending_request"] == "order_status"  # the question before stays the question
    assert values["requested_slot"] is None  # the form ends in this call, with the answer
    assert second.number in messages[0]["text"]


def test_another_customers_order_asks_for_its_own_proof_and_counts_no_failure(
    action_context: ActionContext,
) -> None:
    mine, theirs = CASES["in_transit_on_time"], CASES["late"]
    messages, events = ask_about_another_order(
        mine.number, mine.email, theirs.number, f"and what about order {theirs.number}?"
    )
    values = slot_values(events)
    assert values["order_number"] == theirs.number
    assert values["verified_order"] is None
    assert values["contact"] is None  # so the form asks for this order's email or postcode next
    assert "verification_attempts" not in values
    assert [m["text"] for m in messages] == [say(Msg.NEW_ORDER_NEEDS_PROOF, order=theirs.number)]
    assert "george" not in str(messages).lower()  # nothing about the other order is told

    # its own email then verifies it
    messages, events = ask_about_another_order(
        mine.number, theirs.email, theirs.number, theirs.email, [{"entity": "email", "value": theirs.email}]
    )
    assert slot_values(events)["verified_order"] == theirs.number


def test_an_unknown_order_and_another_customers_order_are_asked_for_alike(
    action_context: ActionContext,
) -> None:
    mine, theirs = CASES["in_transit_on_time"], CASES["late"]
    other, other_events = ask_about_another_order(mine.number, mine.email, theirs.number, "what about it")
    unknown, unknown_events = ask_about_another_order(mine.number, mine.email, "SD-99999", "what about it")
    assert [m["text"].replace("SD-99999", theirs.number) for m in unknown] == [m["text"] for m in other]
    assert slot_values(unknown_events).keys() == slot_values(other_events).keys()


def test_after_a_postcode_another_order_of_the_same_customer_still_needs_its_own_proof(
    action_context: ActionContext,
) -> None:
    first, second, _ = [c for c in SHOWCASE if c.kind == "several_orders"]
    messages, events = ask_about_another_order(first.number, first.postcode, second.number, "and that one?")
    assert slot_values(events)["verified_order"] is None
    assert messages[0]["text"] == say(Msg.NEW_ORDER_NEEDS_PROOF, order=second.number)


def test_a_contact_that_never_verified_the_first_order_proves_nothing(action_context: ActionContext) -> None:
    # the slot holds an email picked out of a later message, not the one that verified SD-10001
    mine, theirs = CASES["in_transit_on_time"], CASES["late"]
    _, events = ask_about_another_order(mine.number, theirs.email, theirs.number, "what about that order")
    assert slot_values(events)["verified_order"] is None


def test_asking_about_another_order_does_not_lock_its_owner_out(action_context: ActionContext) -> None:
    mine, theirs = CASES["in_transit_on_time"], CASES["late"]
    for _ in range(12):
        ask_about_another_order(mine.number, mine.email, theirs.number, "and that one?")
    assert action_context.shop.verify(theirs.number, theirs.email).number == theirs.number


# --- an item named by its short name --------------------------------------------------------------------


def answer(request: str, text: str, **slots: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tracker = make_tracker(verified("mixed_returnable", request, **slots), text=text, intent=request)
    return conclude(tracker)


def test_can_i_return_the_belt_names_the_belt_and_its_reason_and_offers_the_shirt(
    action_context: ActionContext,
) -> None:
    messages, _ = answer("return_eligibility", "can I return the belt?")  # the NLU found no product
    text = messages[0]["text"]
    belt_line = next(line for line in text.splitlines() if "Leather Belt" in line)
    assert "cannot be returned" in belt_line
    assert "final sale" in belt_line
    assert "(Returns policy" in belt_line  # the section it rests on, from the documents
    assert "Oxford Shirt: can be returned" in text
    for other in ("Gift Card", "Personalised Mug"):
        assert other not in text  # only what was asked, and what can go back instead
    start = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert start == ['/start_return{"product":"Oxford Shirt"}']


def test_starting_a_return_for_the_belt_refuses_it_with_its_reason_and_asks_about_the_shirt_instead(
    action_context: ActionContext,
) -> None:
    messages, events = answer("start_return", "I want to return the belt")
    text = messages[0]["text"]
    assert "Leather Belt: cannot be returned; this item was sold as final sale" in text
    assert text.endswith(f"Shall I start a return for 1 × Oxford Shirt from order {MIXED.number} instead?")
    subject = from_slot(slot_values(events)["confirmation_subject"])
    order = action_context.shop.verify(MIXED.number, MIXED.email)
    shirt = next(line for line in order.lines if line.name == "Oxford Shirt")
    assert isinstance(subject, PendingReturn) and subject.line_ids == (shirt.id,)
    assert slot_values(events)["awaiting_confirmation"] is True


def test_the_item_named_in_the_request_counts_after_the_order_number_and_email_were_given(
    action_context: ActionContext,
) -> None:
    request = "can I return the belt?"
    parse = {"intent": {"name": "return_eligibility"}, "entities": []}
    history = [
        {"event": "user", "text": request, "parse_data": parse},
        {"event": "action", "name": "verify_order_form"},
        {"event": "active_loop", "name": "verify_order_form"},
        {"event": "slot", "name": "pending_request", "value": "return_eligibility"},
        {"event": "user", "text": MIXED.number, "parse_data": {"intent": {"name": "inform"}}},
        {"event": "action", "name": "verify_order_form"},
        {"event": "slot", "name": "order_number", "value": MIXED.number},
    ]
    messages, events = form_call(
        {"order_number": MIXED.number, "pending_request": "return_eligibility", "requested_slot": "contact"},
        MIXED.email,
        "inform",
        {"contact": MIXED.email},
        history=history,
    )
    assert slot_values(events)["verified_order"] == MIXED.number
    assert "Leather Belt: cannot be returned" in messages[0]["text"]


def test_what_about_the_belt_follows_the_pending_request(action_context: ActionContext) -> None:
    messages, _ = answer("start_return", "what about the belt?", product="belt")
    assert "Leather Belt: cannot be returned" in messages[0]["text"]
    assert "instead?" in messages[0]["text"]


def test_an_item_that_can_go_back_is_offered_without_a_refusal(action_context: ActionContext) -> None:
    messages, events = answer("start_return", "I want to return the shirt")
    assert messages[0]["text"] == f"Shall I start a return for 1 × Oxford Shirt from order {MIXED.number}?"
    assert slot_values(events)["awaiting_confirmation"] is True


def test_an_item_the_order_does_not_have_never_starts_a_return_for_another(
    action_context: ActionContext,
) -> None:
    case = CASES["delivered_5_days_ago"]
    slots = {**verified("delivered_5_days_ago", "start_return"), "product": "kettle"}
    messages, events = conclude(make_tracker(slots, text="return the kettle", intent="start_return"))
    assert messages[0]["text"].startswith(say(Msg.ITEM_NOT_ON_ORDER, order=case.number))
    assert "awaiting_confirmation" not in slot_values(events)


def test_nothing_else_returnable_is_said_when_the_named_item_was_the_only_candidate(
    action_context: ActionContext,
) -> None:
    case = CASES["final_sale"]  # SD-10015: final-sale linen trousers only
    slots = verified("final_sale", "return_eligibility")
    tracker = make_tracker(slots, text="can I return the trousers?", intent="return_eligibility")
    messages, _ = conclude(tracker)
    text = messages[0]["text"]
    assert "Linen Trousers: cannot be returned; this item was sold as final sale" in text
    assert text.endswith(say(Msg.NOTHING_ELSE_RETURNABLE, order=case.number))


def test_a_new_answer_drops_a_return_that_was_waiting_for_a_yes(action_context: ActionContext) -> None:
    _, asked = answer("start_return", "I want to return the belt")
    waiting = slot_values(asked)
    _, events = answer(
        "return_eligibility",
        "can I return the mug?",
        awaiting_confirmation=True,
        confirmation_subject=waiting["confirmation_subject"],
    )
    assert slot_values(events)["awaiting_confirmation"] is False
    assert slot_values(events)["confirmation_subject"] is None


# --- a general question that names an item -------------------------------------------------------------


def test_how_long_to_return_a_dress_is_quoted_from_the_return_windows_section(
    action_context: ActionContext,
) -> None:
    text = "how long do I have to return a dress"
    tracker = make_tracker(
        text=text, intent="policy_question", entities=[{"entity": "product", "value": "dress"}]
    )
    messages, events = run_action(ActionAnswerPolicy(), tracker)
    window = action_context.cite(Clause.RETURNS_WINDOW)
    assert window is not None
    assert messages[0]["text"].endswith(f"(Source: {window.source})")
    assert "order number" not in messages[0]["text"].lower()
    assert events == []


def test_the_same_customers_other_order_locked_out_by_guesses_needs_its_own_proof(
    action_context: ActionContext,
) -> None:
    first, second, _ = [c for c in SHOWCASE if c.kind == "several_orders"]
    for attempt in range(5):  # someone guessing at the second order's email
        with pytest.raises(VerificationFailed):
            action_context.shop.verify(second.number, f"guess{attempt}@example.com")
    _, events = ask_about_another_order(first.number, first.email, second.number, "what about that one?")
    assert slot_values(events)["verified_order"] is None
