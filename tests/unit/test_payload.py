"""The assistant's payload to the gateway: what the actions write is what the gateway reads, and a payload
the gateway cannot trust is read as far as it is well formed, never as an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.support import POLICY_PASSAGE, quote_passage, record_fact
from bot.desk.handoff import Fact, Trigger
from bot.orders.rules.proof import Proof
from bot.payload import NLU_KEY, SHOPDESK_KEY, AssistantPayload, HandoffRequest, NluReading, fact


def test_a_payload_reads_back_as_it_was_written() -> None:
    written = AssistantPayload(
        facts=(
            Fact("shipping_delay", "SD-10007 is lost in transit"),
            Fact(POLICY_PASSAGE, "Returns: 30 days", 0.71),
        ),
        handoff=HandoffRequest(trigger=Trigger.RULES),
        verified_order="SD-10007",
        verified_by=Proof.ORDER,
    )
    assert AssistantPayload.from_custom(written.to_custom()) == written


def test_what_an_action_records_reaches_the_gateway_as_a_fact_about_its_order() -> None:
    dispatcher = CollectingDispatcher()
    record_fact(dispatcher, "order_status", "SD-10001 is\n  on its way", verified_order="SD-10001")
    quote_passage(dispatcher, "Refunds take 5 days.", "Refunds policy", 0.8)
    read = [AssistantPayload.from_custom(m.get("custom")) for m in dispatcher.messages]
    assert read == [
        AssistantPayload(facts=(Fact("order_status", "SD-10001 is on its way"),), verified_order="SD-10001"),
        None,  # the quoted passage itself: what the shopper sees
        AssistantPayload(facts=(Fact(POLICY_PASSAGE, "Refunds policy: Refunds take 5 days.", 0.8),)),
    ]


def test_a_recorded_fact_is_one_line_of_at_most_400_characters() -> None:
    recorded = fact("policy_passage", "word \n" * 200)
    assert "\n" not in recorded.text and len(recorded.text) == 400


def test_the_payload_is_written_under_the_shopdesk_key_only_with_what_is_set() -> None:
    assert AssistantPayload(handoff=HandoffRequest()).to_custom() == {
        SHOPDESK_KEY: {"handoff": {"trigger": "asked"}}
    }


@pytest.mark.parametrize(
    "custom",
    [None, "shopdesk", ["shopdesk"], {"handoff": True}, {"queue": "returns"}, {SHOPDESK_KEY: "handoff"}],
)
def test_a_payload_that_is_not_the_assistants_reads_as_none(custom: Any) -> None:
    assert AssistantPayload.from_custom(custom) is None


def test_malformed_facts_are_dropped_and_well_formed_ones_kept() -> None:
    custom = {
        SHOPDESK_KEY: {
            "facts": [
                "not a fact",
                {"kind": "order_status"},  # no text
                {"kind": "order_status", "text": "   "},
                {"kind": "order_status", "text": "SD-10001 shipped", "score": "not a number"},
                {"kind": 7, "text": "a kind that is not a name"},
                {"kind": "policy_passage", "text": "Returns: 30 days", "score": 0.5, "extra": "ignored"},
            ]
        }
    }
    read = AssistantPayload.from_custom(custom)
    assert read == AssistantPayload(facts=(Fact("policy_passage", "Returns: 30 days", 0.5),))


@pytest.mark.parametrize("facts", ["a string", {"kind": "x", "text": "y"}, 42])
def test_facts_that_are_not_a_list_read_as_none_told(facts: Any) -> None:
    assert AssistantPayload.from_custom({SHOPDESK_KEY: {"facts": facts}}) == AssistantPayload()


@pytest.mark.parametrize(
    ("handoff", "expected"),
    [
        ({"trigger": "rules"}, HandoffRequest(trigger=Trigger.RULES)),
        ({}, HandoffRequest(trigger=Trigger.ASKED)),
        ({"trigger": "a trigger from a newer assistant"}, HandoffRequest(trigger=Trigger.ASKED)),
        ({"trigger": ["rules"]}, HandoffRequest(trigger=Trigger.ASKED)),
        ("rules", None),
        (True, None),
    ],
)
def test_a_request_for_a_person_with_an_unknown_trigger_is_still_a_request(
    handoff: Any, expected: HandoffRequest | None
) -> None:
    read = AssistantPayload.from_custom({SHOPDESK_KEY: {"handoff": handoff}})
    assert read is not None and read.handoff == expected


@pytest.mark.parametrize("number", [None, "", "   ", 10007, ["SD-10007"], "SD-" + "1" * 100])
def test_a_verified_order_that_is_not_an_order_number_is_ignored(number: Any) -> None:
    read = AssistantPayload.from_custom({SHOPDESK_KEY: {"verified_order": number}})
    assert read == AssistantPayload()


@pytest.mark.parametrize("proof", [None, "", "everything", 1, ["customer"]])
def test_an_unknown_proof_reads_as_none_so_no_email_is_shown(proof: Any) -> None:
    read = AssistantPayload.from_custom({SHOPDESK_KEY: {"verified_order": "SD-10001", "verified_by": proof}})
    assert read == AssistantPayload(verified_order="SD-10001")


def test_the_nlu_reading_key_is_the_one_the_rasa_engine_writes() -> None:
    source = (Path(__file__).resolve().parents[2] / "integrations/rasa_engine/nlu_report.py").read_text()
    assert f'NLU_KEY = "{NLU_KEY}"' in source


def test_an_nlu_reading_travels_from_rasas_reply_to_the_stored_message() -> None:
    read = NluReading.from_custom({NLU_KEY: {"intent": "order_status", "confidence": 0.93}})
    assert read == NluReading(intent="order_status", confidence=0.93)
    assert NluReading.from_data({"payload": "/x", **read.to_data()}) == read


@pytest.mark.parametrize(
    "custom",
    [None, {}, {NLU_KEY: "greet"}, {NLU_KEY: {"intent": ""}}, {NLU_KEY: {"intent": "x", "confidence": 7}}],
)
def test_a_malformed_nlu_reading_is_no_reading(custom: Any) -> None:
    assert NluReading.from_custom(custom) is None
