from datetime import UTC, datetime

import pytest

from bot.desk.conversations.model import Author, Message
from bot.desk.handoff import (
    EscalationFacts,
    Fact,
    Priority,
    Trigger,
    detect_trigger,
    is_frustrated,
    mask_email,
    nobody_free_notice,
    priority_for,
    queue_notice,
    summarize,
)
from bot.orders.rules.proof import Proof
from bot.payload import AssistantPayload
from bot.policy import load_policy
from integrations.gateway.handoff import read_transcript

POLICY = load_policy()


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("someone used my stolen card on your site", "fraud"),
        ("I didn't place this order", "fraud"),
        ("I'm going to file a chargeback with my bank", "chargeback"),
        ("my solicitor will be in touch", "legal"),
        ("the charger caught fire last night", "safety"),
        ("the vase arrived smashed", "damaged"),
    ],
)
def test_sensitive_topics_from_the_policy_go_to_a_person(text: str, topic: str) -> None:
    match = detect_trigger(text, POLICY)
    assert match is not None
    assert match.trigger is Trigger.SENSITIVE
    assert match.topic == topic


@pytest.mark.parametrize(
    "text",
    [
        "this is ridiculous, where is my parcel",
        "WHERE IS MY ORDER I PAID TWO WEEKS AGO",
        "been waiting for weeks!!!",
        "you're useless",
        "I'm really annoyed now",
    ],
)
def test_frustration_is_recognised(text: str) -> None:
    assert is_frustrated(text)
    match = detect_trigger(text, POLICY)
    assert match is not None and match.trigger is Trigger.FRUSTRATION


@pytest.mark.parametrize(
    "text",
    [
        "where is my order?",
        "can I return the shoes please",
        "Hi, I ordered SD-10023 last week",
        "OK thanks",
        "I live in the UK",
    ],
)
def test_ordinary_messages_trigger_nothing(text: str) -> None:
    assert detect_trigger(text, POLICY) is None


def test_fraud_legal_and_safety_are_urgent_and_frustration_is_high() -> None:
    assert priority_for(Trigger.SENSITIVE, "fraud") is Priority.URGENT
    assert priority_for(Trigger.SENSITIVE, "damaged") is Priority.HIGH
    assert priority_for(Trigger.FRUSTRATION) is Priority.HIGH
    assert priority_for(Trigger.ASKED) is Priority.NORMAL


def test_summary_is_assembled_from_the_facts() -> None:
    summary = summarize(
        EscalationFacts(
            trigger=Trigger.RULES,
            topic=None,
            verified_order="SD-10007",
            customer_name="Sophie Walker",
            intents=["greet", "order_status", "shipping_delay", "shipping_delay"],
            facts=[Fact("delivery", "SD-10007: lost in transit (Royal Mail)")],
            last_shopper_message="so what now?",
            detail="lost parcel",
        )
    )
    assert summary.splitlines() == [
        "Why: the shop's rules need a person: lost parcel.",
        "Verified order: SD-10007 for Sophie Walker.",
        "Asked about: order status, shipping delay.",
        "Told: SD-10007: lost in transit (Royal Mail)",
        'Last message: "so what now?"',
    ]


def test_with_agents_available_the_shopper_hears_place_and_the_wait_they_were_given() -> None:
    notice = queue_notice(3, 12, True, datetime(2026, 10, 15, 9, tzinfo=UTC), POLICY, None)
    assert "number 3 in the queue" in notice.text
    assert "about 12 minutes" in notice.text
    assert not notice.email_follow_up


def test_within_hours_with_nobody_available_the_shopper_is_told_so_and_offered_email_at_once() -> None:
    now = datetime(2026, 10, 15, 10, tzinfo=UTC)
    notice = queue_notice(1, None, True, now, POLICY, "olivia.bennett@example.com")
    assert notice.email_follow_up
    assert notice.text.startswith("Nobody from our team is available right now")
    assert "o***@example.com" in notice.text and "olivia.bennett" not in notice.text
    assert "minutes" not in notice.text and "queue;" not in notice.text  # no promised wait
    asks = queue_notice(1, None, True, now, POLICY, None).text
    assert asks.startswith("Nobody from our team is available right now")
    assert asks.endswith("What email address should they reply to?")


def test_outside_hours_the_shopper_is_promised_an_email_to_their_confirmed_address() -> None:
    opening = datetime(2026, 10, 19, 8, tzinfo=UTC)  # Monday 09:00 in London (BST)
    notice = queue_notice(1, None, False, opening, POLICY, "olivia.bennett@example.com")
    assert notice.email_follow_up
    assert "o***@example.com" in notice.text
    assert "Monday at 09:00" in notice.text
    assert f"{POLICY.email_reply_within_hours} hours" in notice.text


def test_after_a_postcode_the_notices_name_no_email_not_even_masked() -> None:
    email = "olivia.bennett@example.com"
    opening = datetime(2026, 10, 19, 8, tzinfo=UTC)
    offline = queue_notice(1, None, False, opening, POLICY, email, email_shown=False).text
    nobody_here = queue_notice(1, None, True, opening, POLICY, email, email_shown=False).text
    nobody = nobody_free_notice(email, POLICY, email_shown=False)
    for text in (offline, nobody, nobody_here):
        assert "the email address on your order" in text
        assert "@" not in text and "example.com" not in text


def test_when_nobody_is_free_the_email_is_masked_like_in_the_queue_notice() -> None:
    text = nobody_free_notice("olivia.bennett@example.com", POLICY)
    assert "o***@example.com" in text and "olivia.bennett" not in text
    assert "What email address should they use?" in nobody_free_notice(None, POLICY)


def test_email_masking() -> None:
    assert mask_email("olivia.bennett@example.com") == "o***@example.com"


def _said(verified_by: Proof | None, number: str = "SD-10025") -> Message:
    custom = AssistantPayload(verified_order=number, verified_by=verified_by).to_custom()
    now = datetime(2026, 10, 15, 9, tzinfo=UTC)
    return Message(1, "c", Author.BOT, "", now, data={"custom": custom}, internal=True)


def test_the_email_is_shown_only_when_the_latest_verification_proved_the_customer() -> None:
    assert read_transcript([]).email_shown  # no order verified: any email is one the shopper typed
    assert read_transcript([_said(Proof.CUSTOMER)]).email_shown
    assert not read_transcript([_said(Proof.ORDER)]).email_shown
    assert not read_transcript([_said(None)]).email_shown
    assert not read_transcript([_said(Proof.CUSTOMER), _said(Proof.ORDER, "SD-10026")]).email_shown


def test_a_one_minute_wait_reads_as_a_minute() -> None:
    notice = queue_notice(1, 1, True, datetime(2026, 10, 15, 9, tzinfo=UTC), POLICY, None)
    assert "the expected wait is about a minute." in notice.text
