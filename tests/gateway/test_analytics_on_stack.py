"""What the real NLU read in each shopper message reaches the analytics: Rasa (``nlu_report.py``) sends it
with the turn's replies, the gateway keeps it on the shopper's message and never shows it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.conversations.store import ConversationStore
from bot.payload import NluReading
from tests.gateway.conftest import ServedApp, start
from tests.stack import Stack

pytestmark = pytest.mark.rasa

PASSWORD = "a long enough password"


@pytest.fixture
def http(gateway_on_stack: ServedApp, stack: Stack) -> Iterator[httpx.Client]:
    stack.agent("nadia", PASSWORD, "Nadia")
    with httpx.Client(base_url=gateway_on_stack.url, timeout=60) as client:
        yield client


def test_each_shopper_message_keeps_the_intent_the_nlu_read_and_the_console_counts_it(
    http: httpx.Client, stack: Stack
) -> None:
    shopper = start(http)
    for text in ("hello there", "where is my order SD-10001?"):
        response = shopper.send(text)
        assert response.status_code == 200, response.text
        replies = response.json()["replies"]
        assert replies and all(r["text"] or r["buttons"] for r in replies)  # the reading is not shown

    engine = make_engine(stack.database_url)
    try:
        store = ConversationStore(make_session_factory(engine), system_clock)
        stored = [m for m in store.history(shopper.id, include_internal=True) if m.author.value == "shopper"]
        readings = [NluReading.from_data(m.data) for m in stored]
        bot_data = [
            m.data for m in store.history(shopper.id, include_internal=True) if m.author.value == "bot"
        ]
    finally:
        engine.dispose()
    assert [r.intent if r else None for r in readings] == ["greet", "order_status"]
    assert all(r is not None and r.confidence is not None and 0 < r.confidence <= 1 for r in readings)
    assert not any("shopdesk_nlu" in str(d) for d in bot_data)

    token = http.post("/api/agent/login", json={"username": "nadia", "password": PASSWORD}).json()["token"]
    figures = http.get("/api/agent/analytics", headers={"Authorization": f"Bearer {token}"}).json()
    intents = {i["name"]: i["count"] for i in figures["top_intents"]}
    assert intents.get("greet", 0) >= 1 and intents.get("order_status", 0) >= 1
