"""Every service times its own steps and serves them as Prometheus histograms (what bench/load reads)."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.demo_data import SHOWCASE
from tests.stack import Stack, new_sender, texts

pytestmark = pytest.mark.rasa

Series = tuple[str, tuple[tuple[str, str], ...]]  # histogram name, labels


def counts(url: str) -> dict[Series, float]:
    """Each histogram's observation count, by metric name and labels."""
    response = httpx.get(url, timeout=30)
    response.raise_for_status()
    return {
        (s.name.removesuffix("_count"), tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
        if s.name.endswith("_count")
    }


def grew(before: dict[Series, float], after: dict[Series, float]) -> set[Series]:
    return {key for key, value in after.items() if value > before.get(key, 0.0)}


def test_rasa_and_the_action_server_time_each_step_of_a_verified_order_question(stack: Stack) -> None:
    case = next(c for c in SHOWCASE if c.kind == "in_transit_on_time")
    rasa, actions = f"{stack.rasa_url}/webhooks/metrics/", f"{stack.actions_url}/metrics"
    rasa_before, actions_before = counts(rasa), counts(actions)

    me = new_sender()
    stack.say(me, f"where is my order {case.number}?")
    assert case.number in texts(stack.say(me, case.email))

    rasa_steps = grew(rasa_before, counts(rasa))
    assert {
        ("shopdesk_rasa_turn_seconds", ()),
        ("shopdesk_rasa_nlu_seconds", ()),
        ("shopdesk_rasa_policy_seconds", ()),
        ("shopdesk_rasa_tracker_store_seconds", (("op", "retrieve"),)),
        ("shopdesk_rasa_tracker_store_seconds", (("op", "save"),)),
        ("shopdesk_rasa_action_call_seconds", (("action", "validate_verify_order_form"),)),
    } <= rasa_steps
    # the form's validation remembers the question and gives the answer: no other action server call
    called = {labels for name, labels in rasa_steps if name == "shopdesk_rasa_action_call_seconds"}
    assert called == {(("action", "validate_verify_order_form"),)}
    action_steps = grew(actions_before, counts(actions))
    assert {
        ("shopdesk_actions_run_seconds", (("action", "validate_verify_order_form"),)),
        ("shopdesk_actions_request_bytes", ()),
        ("shopdesk_actions_webhook_seconds", ()),
        ("shopdesk_actions_db_seconds", ()),
    } <= action_steps


def test_a_policy_question_times_its_embedding_and_faiss_search(stack: Stack) -> None:
    actions = f"{stack.actions_url}/metrics"
    before = counts(actions)

    assert texts(stack.say(new_sender(), "do you ship to Canada?"))

    assert {
        ("shopdesk_actions_retrieval_seconds", (("step", "embedding"),)),
        ("shopdesk_actions_retrieval_seconds", (("step", "faiss"),)),
        ("shopdesk_actions_retrieval_seconds", (("step", "bm25"),)),
    } <= grew(before, counts(actions))
