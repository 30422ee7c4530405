"""The order actions against a real SQLite database seeded by the demo generator, with a fixed clock.

The demo "now" is 15 October 2026, 11:00 in London; SHOWCASE says what each order demonstrates.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.confirmation import ActionConfirm, ActionDecline
from actions.confirmation_subject import PendingCancellation, to_slot
from actions.context import ActionContext
from actions.conversation import ActionFallback, ActionStopRequest
from actions.handoff import ActionHandoff
from actions.policy_answer import ActionAnswerPolicy, ActionOutOfScope
from actions.verification import ValidateVerifyOrderForm
from bot.desk.deadline import REPLY_BY, reply_by
from bot.desk.handoff import Trigger
from bot.language.wording import Msg, say
from bot.ops.demo_data import SHOWCASE
from bot.orders.model import OrderStatus
from bot.orders.rules.clauses import Clause
from bot.orders.rules.proof import Proof
from bot.payload import AssistantPayload, HandoffRequest, fact
from knowledge.rendering import for_chat
from tests.integration.conftest import DOMAIN, ROOT, conclude, form_call, make_tracker, run_action

CASES = {case.kind: case for case in SHOWCASE}


def verified_slots(kind: str, request: str, **extra: Any) -> dict[str, Any]:
    case = CASES[kind]
    return {
        "order_number": case.number,
        "contact": case.email,
        "verified_order": case.number,
        "pending_request": request,
        **extra,
    }


def answer(
    kind: str, request: str, text: str = "", **slots: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tracker = make_tracker(verified_slots(kind, request, **slots), text=text, intent=request)
    return conclude(tracker)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def offered_handoff(messages: list[dict[str, Any]]) -> str | None:
    """The trigger a "Talk to a person" button carries, or None when no person is offered."""
    for payload in payloads(messages):
        if payload.startswith("/human_handoff"):
            return str(json.loads(payload.removeprefix("/human_handoff"))["handoff_trigger"])
    return None


def validate(slots: dict[str, Any], text: str = "") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the form validation the way Rasa calls it: the slots just set are the ones to validate."""
    tracker = make_tracker(
        {"requested_slot": "contact", **slots},
        text=text,
        intent="inform",
        events=[
            {"event": "user", "text": text, "parse_data": {"intent": {"name": "inform"}, "entities": []}},
            *[{"event": "slot", "name": k, "value": v} for k, v in slots.items()],
        ],
        active_loop="verify_order_form",
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateVerifyOrderForm().run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --- verification --------------------------------------------------------------------------------------


def test_order_number_with_its_email_is_verified(action_context: ActionContext) -> None:
    case = CASES["in_transit_on_time"]
    messages, events = validate({"order_number": case.number, "contact": case.email.upper()})
    assert slot_values(events)["verified_order"] == case.number
    assert messages[0]["text"].startswith(f"Order {case.number}")  # the answer, in the same call


def test_order_number_with_its_delivery_postcode_is_verified(action_context: ActionContext) -> None:
    case = CASES["late"]
    _, events = validate({"order_number": case.number, "contact": case.postcode.lower().replace(" ", "")})
    assert slot_values(events)["verified_order"] == case.number


def test_wrong_email_and_unknown_order_get_exactly_the_same_answer(action_context: ActionContext) -> None:
    case = CASES["late"]
    wrong_email, wrong_events = validate({"order_number": case.number, "contact": "someone.else@example.com"})
    unknown, unknown_events = validate({"order_number": "SD-99999", "contact": case.email})
    assert wrong_email == unknown
    assert slot_values(wrong_events) == slot_values(unknown_events)
    assert slot_values(wrong_events)["verified_order"] is None
    assert slot_values(wrong_events)["verification_attempts"] == 1.0


def test_third_failed_verification_ends_the_form_and_offers_a_person_in_the_same_call(
    action_context: ActionContext,
) -> None:
    messages, events = validate(
        {
            "order_number": "SD-99999",
            "contact": "nobody@example.com",
            "verification_attempts": 2.0,
            "pending_request": "order_status",
        }
    )
    values = slot_values(events)
    assert values["requested_slot"] is None  # the form asks nothing more
    assert messages[0]["text"] == say(Msg.STILL_NO_MATCH)
    assert offered_handoff(messages) == "verification_failed"
    assert "SD-99999" not in str(messages)
    # a new question starts with a clean slate
    assert values["verification_attempts"] == 0.0
    assert values["pending_request"] is None


def test_an_answer_is_refused_when_the_order_number_changed_after_verification(
    action_context: ActionContext,
) -> None:
    slots = verified_slots("late", "order_status")
    slots["order_number"] = CASES["lost"].number  # asked about someone else's order
    messages, _ = conclude(make_tracker(slots))
    assert messages == [{**messages[0], "response": "utter_ask_order_number"}]
    assert CASES["lost"].number not in str(messages)


# --- status, tracking, delays --------------------------------------------------------------------------


def test_order_status_gives_the_true_items_carrier_and_tracking(action_context: ActionContext) -> None:
    case = CASES["in_transit_on_time"]
    order = action_context.shop.verify(case.number, case.email)
    messages, _ = answer("in_transit_on_time", "order_status")
    text = messages[0]["text"]
    shipment = order.shipments[0]
    assert shipment.tracking_number in text
    assert shipment.tracking_url in text
    assert shipment.carrier in text
    for line in order.lines:
        assert line.name in text
    assert "is with the carrier" in text


def test_a_late_parcel_is_explained_with_a_new_estimate_and_a_next_step(
    action_context: ActionContext,
) -> None:
    messages, _ = answer("late", "shipping_delay")
    text = messages[0]["text"]
    assert "running late" in text
    assert "Current estimate:" in text
    assert "(Delivery problems" in text or "section" in text.lower()


def test_a_disruption_notice_is_quoted_as_the_shop_wrote_it(action_context: ActionContext) -> None:
    case = CASES["disrupted"]
    order = action_context.shop.verify(case.number, case.email)
    report = action_context.shop.status(order)
    notice = next(a.disruption for a in report.deliveries if a.disruption is not None)
    messages, _ = answer("disrupted", "shipping_delay")
    assert notice.explanation in messages[0]["text"]


def test_a_lost_parcel_offers_a_person(action_context: ActionContext) -> None:
    messages, _ = answer("lost", "shipping_delay")
    assert "lost" in messages[0]["text"]
    assert offered_handoff(messages) == "rules"


def test_an_order_not_shipped_has_no_tracking_number_yet(action_context: ActionContext) -> None:
    messages, _ = answer("processing", "tracking_info")
    assert "has not shipped yet" in messages[0]["text"]


# --- returns -------------------------------------------------------------------------------------------


def test_delivered_30_days_ago_is_returnable_today_and_says_until_when(action_context: ActionContext) -> None:
    messages, _ = answer("delivered_30_days_ago", "return_eligibility")
    text = messages[0]["text"]
    assert "can be returned" in text
    assert "15 October 2026" in text  # delivered 15 September, 30 days
    assert "Returns" in text  # the policy section it rests on


def test_delivered_31_days_ago_is_not_returnable(action_context: ActionContext) -> None:
    messages, _ = answer("delivered_31_days_ago", "return_eligibility")
    assert "cannot be returned" in messages[0]["text"]
    assert "can be returned" not in messages[0]["text"]


def test_mixed_order_says_which_lines_can_go_back(action_context: ActionContext) -> None:
    case = CASES["mixed_returnable"]
    order = action_context.shop.verify(case.number, case.email)
    messages, _ = answer("mixed_returnable", "return_eligibility")
    verdicts = {
        line.split(": ", 1)[0].removeprefix("- "): line.split(": ", 1)[1].split(";")[0]
        for line in messages[0]["text"].splitlines()[1:]
    }
    assert set(verdicts) == {line.name for line in order.lines}
    returnable = [name for name, verdict in verdicts.items() if verdict == "can be returned"]
    assert len(returnable) == 1
    assert next(line for line in order.lines if line.name == returnable[0]).category == "apparel"


def test_a_final_sale_item_cannot_be_returned(action_context: ActionContext) -> None:
    messages, events = answer("final_sale", "start_return")
    assert "final sale" in messages[0]["text"].lower()
    assert SlotSet("awaiting_confirmation", True) not in events


def test_starting_a_return_asks_first_and_confirming_twice_creates_one_return(
    action_context: ActionContext,
) -> None:
    messages, events = answer(
        "delivered_5_days_ago", "start_return", text="I want to return it", product="all"
    )
    assert payloads(messages) == ["/affirm", "/deny"]
    subject = slot_values(events)["confirmation_subject"]
    slots = verified_slots("delivered_5_days_ago", "start_return", awaiting_confirmation=True)
    slots["confirmation_subject"] = subject
    first, first_events = run_action(ActionConfirm(), make_tracker(slots, text="yes", intent="affirm"))
    second, _ = run_action(ActionConfirm(), make_tracker(slots, text="yes", intent="affirm"))
    rma = first[0]["text"].split("return ")[1].split(" ")[0]
    assert rma.startswith("RMA-")
    assert rma in second[0]["text"]
    assert slot_values(first_events)["awaiting_confirmation"] is False

    case = CASES["delivered_5_days_ago"]
    order = action_context.shop.verify(case.number, case.email)
    assert [r.rma_number for r in order.returns] == [rma]
    how_to_send = action_context.cite(Clause.RETURNS_HOW_TO_SEND)
    assert how_to_send is not None
    instructions = for_chat(how_to_send.text)  # the shop's own words, laid out for a chat window
    assert order.returns[0].instructions == instructions  # stored with the return
    assert instructions in first[0]["text"]
    assert f"(Source: {how_to_send.source})" in first[0]["text"]


def test_no_at_the_confirmation_creates_nothing(action_context: ActionContext) -> None:
    _, events = answer("delivered_5_days_ago", "start_return", product="all")
    slots = verified_slots("delivered_5_days_ago", "start_return", awaiting_confirmation=True)
    slots["confirmation_subject"] = slot_values(events)["confirmation_subject"]
    messages, _ = run_action(ActionDecline(), make_tracker(slots, text="no", intent="deny"))
    assert "haven't started a return" in messages[0]["text"]
    case = CASES["delivered_5_days_ago"]
    assert action_context.shop.verify(case.number, case.email).returns == ()


def test_a_yes_to_a_subject_about_another_order_changes_nothing(action_context: ActionContext) -> None:
    other = CASES["processing"].number
    slots = verified_slots("delivered_5_days_ago", "start_return", awaiting_confirmation=True)
    slots["confirmation_subject"] = to_slot(PendingCancellation(other))
    messages, events = run_action(ActionConfirm(), make_tracker(slots, text="yes", intent="affirm"))
    assert "lost track of which order" in messages[0]["text"]
    assert slot_values(events) == {"awaiting_confirmation": False, "confirmation_subject": None}
    case = CASES["processing"]
    assert action_context.shop.verify(case.number, case.email).status is not OrderStatus.CANCELLED


def test_a_yes_to_an_unreadable_subject_asks_again_and_changes_nothing(action_context: ActionContext) -> None:
    case = CASES["delivered_5_days_ago"]
    slots = verified_slots("delivered_5_days_ago", "start_return", awaiting_confirmation=True)
    slots["confirmation_subject"] = f"return|{case.number}|1|changed_mind"  # the old packed format
    messages, events = run_action(ActionConfirm(), make_tracker(slots, text="yes", intent="affirm"))
    assert "lost track of what we were doing" in messages[0]["text"]
    assert slot_values(events)["confirmation_subject"] is None
    assert action_context.shop.verify(case.number, case.email).returns == ()


# --- cancellation and refunds --------------------------------------------------------------------------


def test_an_order_being_packed_is_cancelled_after_confirmation(action_context: ActionContext) -> None:
    messages, events = answer("processing", "cancel_order")
    assert payloads(messages) == ["/affirm", "/deny"]
    slots = verified_slots("processing", "cancel_order", awaiting_confirmation=True)
    slots["confirmation_subject"] = slot_values(events)["confirmation_subject"]
    done, _ = run_action(ActionConfirm(), make_tracker(slots, text="yes", intent="affirm"))
    assert "is now cancelled" in done[0]["text"]
    case = CASES["processing"]
    assert action_context.shop.verify(case.number, case.email).status is OrderStatus.CANCELLED


def test_a_yes_arriving_after_the_gateway_stopped_waiting_cancels_nothing(
    action_context: ActionContext,
) -> None:
    _, events = answer("processing", "cancel_order")
    slots = verified_slots("processing", "cancel_order", awaiting_confirmation=True)
    slots["confirmation_subject"] = slot_values(events)["confirmation_subject"]
    sent = datetime.now(UTC) - timedelta(minutes=1)
    late = make_tracker(slots, text="yes", intent="affirm", metadata={REPLY_BY: reply_by(sent, 30)})

    messages, events = run_action(ActionConfirm(), late)

    assert messages[0]["text"] == say(Msg.TOO_LATE_NOTHING_DONE)
    assert events == []  # the question stays open: a new yes can still do it
    case = CASES["processing"]
    assert action_context.shop.verify(case.number, case.email).status is OrderStatus.PROCESSING

    in_time = make_tracker(
        slots, text="yes", intent="affirm", metadata={REPLY_BY: reply_by(datetime.now(UTC), 30)}
    )
    done, _ = run_action(ActionConfirm(), in_time)
    assert "is now cancelled" in done[0]["text"]


def test_a_shipped_order_cannot_be_cancelled_and_the_shopper_is_told_what_instead(
    action_context: ActionContext,
) -> None:
    messages, events = answer("in_transit_on_time", "cancel_order")
    assert "can't cancel" in messages[0]["text"]
    assert "return" in messages[0]["text"]
    assert "awaiting_confirmation" not in slot_values(events)


def test_refund_status_comes_from_the_order_system(action_context: ActionContext) -> None:
    case = CASES["refund_pending"]
    order = action_context.shop.verify(case.number, case.email)
    messages, _ = answer("refund_pending", "refund_status")
    text = messages[0]["text"]
    if order.refunds:
        assert "waiting to be processed" in text or "being processed" in text
    else:
        assert order.returns[0].rma_number in text


# --- several orders ------------------------------------------------------------------------------------


def test_a_customer_with_several_orders_gets_buttons_for_the_others(action_context: ActionContext) -> None:
    first = next(c for c in SHOWCASE if c.kind == "several_orders")
    messages, _ = conclude(
        make_tracker({"order_number": first.number, "contact": first.email, "verified_order": first.number})
    )
    others = {c.number for c in SHOWCASE if c.email == first.email and c.number != first.number}
    offered = {p.split('"order_number":"')[1].rstrip('"}') for p in payloads(messages)}
    assert others <= offered
    assert first.number not in offered


def test_after_a_postcode_no_other_order_is_listed_or_named(action_context: ActionContext) -> None:
    """A postcode proves the order it came with, not who the customer is (``bot.orders.rules.proof``)."""
    first = next(c for c in SHOWCASE if c.kind == "several_orders")
    by_postcode = {"order_number": first.number, "contact": first.postcode, "verified_order": first.number}
    messages, _ = conclude(make_tracker(by_postcode))
    assert first.number in messages[0]["text"]
    assert payloads(messages) == []
    others = [c.number for c in SHOWCASE if c.email == first.email and c.number != first.number]
    assert others and not any(number in (m.get("text") or "") for m in messages for number in others)
    said = [AssistantPayload.from_custom(m.get("custom")) for m in messages if m.get("custom")]
    assert [p.verified_by for p in said if p is not None] == [Proof.ORDER]

    latest = make_tracker(
        {**by_postcode, "order_pointer": "latest", "requested_slot": None}, text="my last one"
    )
    extracted = asyncio.run(
        ValidateVerifyOrderForm().extract_order_number(CollectingDispatcher(), latest, DOMAIN)
    )
    assert extracted == {}


def test_my_last_order_means_the_verified_customers_newest_order(action_context: ActionContext) -> None:
    first = next(c for c in SHOWCASE if c.kind == "several_orders")
    tracker = make_tracker(
        {
            "order_number": first.number,
            "contact": first.email,
            "verified_order": first.number,
            "order_pointer": "latest",
            "requested_slot": None,
        },
        text="my last order",
        intent="inform",
    )
    extracted = asyncio.run(
        ValidateVerifyOrderForm().extract_order_number(CollectingDispatcher(), tracker, DOMAIN)
    )
    order = action_context.shop.verify(first.number, first.email)
    newest = action_context.shop.customer_orders(order, order.customer.email, limit=1)[0]
    assert extracted["order_number"] == newest.number


# --- policy questions and misunderstandings ------------------------------------------------------------


def test_a_policy_question_is_answered_in_the_documents_words_with_the_source(
    action_context: ActionContext,
) -> None:
    messages, _ = run_action(
        ActionAnswerPolicy(), make_tracker(text="how long until I get my refund?", intent="policy_question")
    )
    text = messages[0]["text"]
    assert "(Source: " in text
    passage = text.split("\n(Source: ")[0]
    docs = "\n".join(p.read_text() for p in (ROOT / "knowledge" / "docs").glob("*.md"))
    assert passage[:80] in docs  # the documents' own words, not invented text


def test_a_question_the_documents_do_not_answer_gets_an_honest_no_and_a_person(
    action_context: ActionContext,
) -> None:
    messages, _ = run_action(
        ActionAnswerPolicy(), make_tracker(text="do you sell mountain bikes?", intent="policy_question")
    )
    assert "don't have that" in messages[0]["text"]
    assert offered_handoff(messages) == "unanswered"


def test_a_policy_answer_shows_a_table_as_lines_not_markdown(action_context: ActionContext) -> None:
    messages, _ = run_action(
        ActionAnswerPolicy(), make_tracker(text="how much does delivery cost?", intent="policy_question")
    )
    text = messages[0]["text"]
    assert "(Source: Delivery policy, section 1. Delivery methods and costs)" in text
    assert "Standard delivery — delivery time after dispatch: 3–5 business days; cost: £3.95" in text
    assert "|" not in text and "---" not in text


@pytest.mark.parametrize(("misunderstood", "offers_person"), [(1, False), (2, True)])
def test_two_misunderstandings_in_a_row_offer_a_person(
    action_context: ActionContext, misunderstood: int, offers_person: bool
) -> None:
    fallback = {"event": "user", "text": "zzz", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    understood = {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}
    tracker = make_tracker(
        text="zzz", intent="nlu_fallback", events=[understood, *[fallback] * misunderstood]
    )
    messages, _ = run_action(ActionFallback(), tracker)
    assert (offered_handoff(messages) == "misunderstood") is offers_person


def test_a_message_the_nlu_could_not_place_is_answered_when_the_documents_answer_it(
    action_context: ActionContext,
) -> None:
    tracker = make_tracker(text="will i get hit with import duty ordering to germany?", intent="nlu_fallback")
    messages, _ = run_action(ActionFallback(), tracker)
    assert "(Source: International shipping and customs policy, section 3." in messages[0]["text"]
    assert messages[1]["custom"]["shopdesk"]["facts"][0]["kind"] == "policy_passage"

    gibberish, _ = run_action(
        ActionFallback(), make_tracker(text="flibber the grobnitz", intent="nlu_fallback")
    )
    assert gibberish[0]["text"].startswith("Sorry, I didn't understand that.")


def test_a_fallback_the_documents_answered_is_not_a_misunderstanding(action_context: ActionContext) -> None:
    fallback = {"event": "user", "text": "zzz", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    passage = AssistantPayload(facts=(fact("policy_passage", "Returns: 30 days from delivery"),))
    quoted = {"event": "bot", "data": {"custom": passage.to_custom()}}
    tracker = make_tracker(text="zzz", intent="nlu_fallback", events=[fallback, quoted, fallback])
    messages, _ = run_action(ActionFallback(), tracker)
    assert offered_handoff(messages) is None  # one misunderstanding in a row, not two


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("what's the weather like in paris", None),
        ("can you write it down as a gift on the customs form so i dont get charged tax", "International"),
    ],
)
def test_out_of_scope_messages_get_the_documents_first(
    action_context: ActionContext, text: str, source: str | None
) -> None:
    messages, _ = run_action(ActionOutOfScope(), make_tracker(text=text, intent="out_of_scope"))
    if source is None:
        assert len(messages) == 1
        assert messages[0]["text"].startswith("Sorry, that's not something I can help with.")
    else:
        assert f"(Source: {source}" in messages[0]["text"]


# --- requests, handoff and changes of mind -------------------------------------------------------------


def test_a_refund_question_before_verification_first_gets_the_shops_refund_timing(
    action_context: ActionContext,
) -> None:
    messages, events = form_call({}, "how long until I get my refund?", "refund_status", starts=True)
    timing = action_context.cite(Clause.REFUNDS_TIMING)
    assert timing is not None
    assert messages[0]["text"].startswith(timing.text)
    assert f"(Source: {timing.source})" in messages[0]["text"]
    assert slot_values(events) == {"pending_request": "refund_status"}  # Rasa asks for the order number


def test_a_refund_question_after_verification_goes_straight_to_the_order(
    action_context: ActionContext,
) -> None:
    known = verified_slots("refund_pending", "order_status")
    prefilled = {"order_number": known.pop("order_number"), "contact": known.pop("contact")}
    messages, events = form_call(known, "and my refund?", "refund_status", prefilled, starts=True)
    assert slot_values(events)["pending_request"] == "refund_status"
    assert slot_values(events)["requested_slot"] is None
    refund_answer, _ = answer("refund_pending", "refund_status")
    assert messages == refund_answer  # no passage quoted first


# --- the form's first and last runs ---------------------------------------------------------------------


def test_an_order_question_that_starts_the_form_is_remembered(action_context: ActionContext) -> None:
    messages, events = form_call({}, "where is my order?", "order_status", starts=True)
    assert messages == []
    assert events == [SlotSet("pending_request", "order_status")]


def test_an_order_number_alone_asks_for_the_orders_status(action_context: ActionContext) -> None:
    number = CASES["late"].number
    _, events = form_call({}, number, "inform", {"order_number": number}, starts=True)
    assert slot_values(events) == {"pending_request": "order_status", "order_number": number}


def test_the_email_that_verifies_the_order_brings_the_answer_in_the_same_call(
    action_context: ActionContext,
) -> None:
    case = CASES["in_transit_on_time"]
    order = action_context.shop.verify(case.number, case.email)
    asked = {
        "order_number": case.number,
        "pending_request": "tracking_info",
        "requested_slot": "contact",
        "product": "shoes",
    }
    messages, events = form_call(asked, case.email, "inform", {"contact": case.email})
    values = slot_values(events)
    assert values["verified_order"] == case.number
    assert values["requested_slot"] is None  # Rasa ends the form
    assert values["product"] is None
    assert order.shipments[0].tracking_number in messages[0]["text"]
    said = AssistantPayload.from_custom(messages[1]["custom"])
    assert said is not None and said.facts[0].kind == "tracking_info"


def test_a_new_order_question_while_the_form_asks_replaces_the_request(
    action_context: ActionContext,
) -> None:
    asking = {"pending_request": "order_status", "requested_slot": "order_number"}
    messages, events = form_call(asking, "actually I want to cancel it", "cancel_order")
    assert messages == []
    assert events == [SlotSet("pending_request", "cancel_order")]  # the form goes on and asks again


@pytest.mark.parametrize("intent", ["thank", "goodbye", "deny", "human_handoff", "policy_question", "greet"])
def test_a_message_that_fills_no_slot_is_left_to_the_rules(
    action_context: ActionContext, intent: str
) -> None:
    """No slot event back: Rasa rejects the form's run and the rule for the message runs instead."""
    asking = {"pending_request": "cancel_order", "requested_slot": "order_number"}
    messages, events = form_call(asking, "something", intent)
    assert (messages, events) == ([], [])


def test_handoff_carries_the_trigger_of_the_button_that_offered_it() -> None:
    tracker = make_tracker({"handoff_trigger": "rules", "verified_order": "SD-10007"}, intent="human_handoff")
    messages, events = run_action(ActionHandoff(), tracker)
    assert AssistantPayload.from_custom(messages[0]["custom"]) == AssistantPayload(
        handoff=HandoffRequest(trigger=Trigger.RULES), verified_order="SD-10007"
    )
    assert slot_values(events) == {"handoff_trigger": None}


def test_asking_for_a_person_unprompted_is_recorded_as_asked() -> None:
    messages, _ = run_action(ActionHandoff(), make_tracker(intent="human_handoff"))
    assert AssistantPayload.from_custom(messages[0]["custom"]) == AssistantPayload(
        handoff=HandoffRequest(trigger=Trigger.ASKED)
    )


def test_an_answer_about_an_order_tells_the_gateway_the_fact_and_the_verified_order(
    action_context: ActionContext,
) -> None:
    messages, _ = answer("lost", "shipping_delay")
    said = [AssistantPayload.from_custom(m.get("custom")) for m in messages if m.get("custom")]
    assert len(said) == 1 and said[0] is not None
    assert said[0].verified_order == CASES["lost"].number
    assert said[0].verified_by is Proof.CUSTOMER  # verified with the email
    assert [f.kind for f in said[0].facts] == ["shipping_delay"]
    assert " ".join(messages[0]["text"].split())[:400] == said[0].facts[0].text


def test_a_change_of_mind_drops_the_request_and_leaves_the_form() -> None:
    tracker = make_tracker({"pending_request": "cancel_order"}, text="no forget it", intent="deny")
    messages, events = run_action(ActionStopRequest(), tracker)
    assert messages == [{**messages[0], "response": "utter_no_problem"}]
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in events if e["event"] == "active_loop"
    ]
    assert slot_values(events)["pending_request"] is None
