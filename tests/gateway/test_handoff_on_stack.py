"""Handoff triggers through the real assistant: the gateway in front of the real Rasa and action server.

A lost parcel makes the rules offer a person; pressing that button escalates with the rules as the trigger
and the verified order, the facts the assistant gave and a summary on the record. An angry message is
escalated before the assistant sees it. Robin's console is open for those (``robin_on_duty``); with nobody's
console open, asking for a person says so and offers email follow-up straight away.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.ops.demo_data import SHOWCASE
from tests.gateway.conftest import ServedApp, Shopper, start
from tests.gateway.test_handoff import Agent, on_duty
from tests.stack import Stack

pytestmark = pytest.mark.rasa

PASSWORD = "a long enough password"
LOST = next(case for case in SHOWCASE if case.kind == "lost")


@pytest.fixture
def http(gateway_on_stack: ServedApp, stack: Stack) -> Iterator[httpx.Client]:
    stack.agent("robin", PASSWORD, "Robin")
    with httpx.Client(base_url=gateway_on_stack.url, timeout=60) as client:
        yield client


@pytest.fixture
def robin_on_duty(gateway_on_stack: ServedApp, http: httpx.Client) -> Iterator[None]:
    with on_duty(gateway_on_stack, Agent(http, "robin", PASSWORD)):
        yield


def replies(shopper: Shopper, text: str, payload: str | None = None) -> list[dict[str, Any]]:
    extra = {"payload": payload} if payload else {}
    response = shopper.send(text, **extra)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["replies"]
    return result


def queue_entry(http: httpx.Client, conversation_id: str) -> dict[str, Any]:
    token = http.post("/api/agent/login", json={"username": "robin", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    entry = next(
        e
        for e in http.get("/api/agent/queue", headers=headers).json()
        if e["conversation_id"] == conversation_id
    )
    detail: dict[str, Any] = http.get(f"/api/agent/escalations/{entry['id']}", headers=headers).json()
    return detail


def test_a_lost_parcel_offers_a_person_and_the_escalation_records_why(
    http: httpx.Client, robin_on_duty: None
) -> None:
    shopper = start(http)
    replies(shopper, f"my order {LOST.number} never arrived, where is it?")
    answer = replies(shopper, LOST.email)
    assert "lost" in " ".join(r["text"] for r in answer)
    offer = next(b for r in answer for b in r["buttons"] if b["payload"].startswith("/human_handoff"))
    assert json.loads(offer["payload"].removeprefix("/human_handoff")) == {"handoff_trigger": "rules"}

    replies(shopper, offer["title"], payload=offer["payload"])
    history = shopper.history().json()
    assert history["status"] == "queued"
    assert "expected wait" in history["messages"][-1]["text"]

    record = queue_entry(http, shopper.id)
    assert (record["trigger"], record["priority"], record["verified_order"]) == ("rules", 2, LOST.number)
    assert record["order"]["customer"]["email"] == LOST.email
    assert any("lost" in fact["text"] for fact in record["facts"])
    assert f"Verified order: {LOST.number}" in record["summary"]


def test_an_angry_message_reaches_a_person_without_the_assistant_answering_it(
    http: httpx.Client, robin_on_duty: None
) -> None:
    shopper = start(http)
    answer = replies(shopper, "THIS IS RIDICULOUS, WHERE IS MY PARCEL")
    assert [r["author"] for r in answer] == ["system"]
    assert "expected wait" in answer[0]["text"]
    record = queue_entry(http, shopper.id)
    assert record["trigger"] == "frustration"
    assert record["transcript"][0]["text"] == "THIS IS RIDICULOUS, WHERE IS MY PARCEL"


def test_with_no_agent_connected_asking_for_a_person_says_so_and_offers_email_at_once(
    http: httpx.Client,
) -> None:
    # issue 15: an agent account exists, nobody has the console open, support hours are open
    shopper = start(http)
    replies(shopper, f"my order {LOST.number} never arrived, where is it?")
    replies(shopper, LOST.email)
    answer = replies(shopper, "I want to talk to a person")
    notice = answer[-1]["text"]
    assert notice.startswith("Nobody from our team is available right now")
    assert "queue;" not in notice and "minutes" not in notice
    masked = f"{LOST.email[0]}***@{LOST.email.split('@')[1]}"
    assert f"reply by email to {masked}" in notice and LOST.email not in notice
    assert shopper.history().json()["status"] == "bot"  # the assistant carries on meanwhile
    assert queue_entry(http, shopper.id)["state"] == "email"
