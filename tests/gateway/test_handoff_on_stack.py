"""Handoff triggers through the real assistant: the gateway in front of the real Rasa and action server.

A lost parcel makes the rules offer a person; pressing that button escalates with the rules as the trigger
and the verified order, the facts the assistant gave and a summary on the record. An angry message is
escalated before the assistant sees it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.ops.demo_data import SHOWCASE
from tests.gateway.conftest import ServedApp, Shopper, start
from tests.stack import Stack

pytestmark = pytest.mark.rasa

PASSWORD = "a long enough password"
LOST = next(case for case in SHOWCASE if case.kind == "lost")


@pytest.fixture
def http(gateway_on_stack: ServedApp, stack: Stack) -> Iterator[httpx.Client]:
    stack.agent("robin", PASSWORD, "Robin")
    with httpx.Client(base_url=gateway_on_stack.url, timeout=60) as client:
        yield client


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


def test_a_lost_parcel_offers_a_person_and_the_escalation_records_why(http: httpx.Client) -> None:
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


def test_an_angry_message_reaches_a_person_without_the_assistant_answering_it(http: httpx.Client) -> None:
    shopper = start(http)
    answer = replies(shopper, "THIS IS RIDICULOUS, WHERE IS MY PARCEL")
    assert [r["author"] for r in answer] == ["system"]
    assert "expected wait" in answer[0]["text"]
    record = queue_entry(http, shopper.id)
    assert record["trigger"] == "frustration"
    assert record["transcript"][0]["text"] == "THIS IS RIDICULOUS, WHERE IS MY PARCEL"
