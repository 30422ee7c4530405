"""A part of the assistant down or restarting: an honest answer within the turn, nothing the shopper wrote
lost, and the conversation goes on when the part is back. (Rasa slower than the gateway's wait:
test_slow_assistant.py; the real action server stopped or slow: test_action_server_faults.py; Telegram flood
waits and network errors: tests/telegram.)"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.settings import Settings
from integrations.gateway.app import DATABASE_UNAVAILABLE, create_app
from integrations.gateway.chat import ASSISTANT_UNAVAILABLE, PERSON_PAYLOAD
from integrations.rasa_engine.failed_action import note
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, Reply, ServedApp, Shopper, echo, serve

UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:9/shopdesk?connect_timeout=2"


def test_when_rasa_comes_back_the_conversation_goes_on_with_nothing_lost(
    shopper: Shopper, fake_rasa: FakeRasa
) -> None:
    fake_rasa.down = True
    down = shopper.send("where is my order?", "c-1").json()
    assert down["assistant_available"] is False
    assert [r["text"] for r in down["replies"]] == [ASSISTANT_UNAVAILABLE]

    fake_rasa.down = False  # Rasa restarted
    back = shopper.send("SD-10001", "c-2").json()
    assert back["assistant_available"] is True
    assert [r["text"] for r in back["replies"]] == ["You said: SD-10001"]
    shopper_lines = [m["text"] for m in shopper.history().json()["messages"] if m["author"] == "shopper"]
    assert shopper_lines == ["where is my order?", "SD-10001"]


@pytest.fixture
def gateway_without_database(fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    settings = Settings(database_url=UNREACHABLE_POSTGRES, rasa_url=RASA_URL, action_server_url=ACTIONS_URL)
    yield from serve(create_app(settings, transport=fake_rasa.transport))


def test_with_the_database_down_the_shopper_is_told_plainly_to_try_again(
    gateway_without_database: ServedApp, fake_rasa: FakeRasa
) -> None:
    with httpx.Client(base_url=gateway_without_database.url, timeout=30) as http:
        started = http.post("/api/conversations")
        assert started.status_code == 503
        assert started.json() == {"detail": DATABASE_UNAVAILABLE}
        assert started.headers["retry-after"] == "30"
        ready = http.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["components"]["database"]["ok"] is False
    assert fake_rasa.calls == []


def test_a_turn_whose_action_failed_restarts_rasas_conversation_and_offers_a_person(
    shopper: Shopper, fake_rasa: FakeRasa
) -> None:
    def without_the_action(text: str) -> list[Reply]:
        # what Rasa answers when the action server did not run the form's validation: the question again
        return [{"custom": note("validate_verify_order_form")}, {"text": "Which email is on the order?"}]

    fake_rasa.answer = without_the_action
    failed = shopper.send("where is my order SD-10001?", "c-1").json()
    assert failed["assistant_available"] is False
    assert [(r["author"], r["text"]) for r in failed["replies"]] == [("system", ASSISTANT_UNAVAILABLE)]
    assert [b["payload"] for b in failed["replies"][0]["buttons"]] == [PERSON_PAYLOAD]
    assert fake_rasa.events_for(shopper.id) == ["restart"]  # nothing half-done stays in Rasa's conversation

    fake_rasa.answer = echo  # the action server is back
    back = shopper.send("where is my order SD-10001?", "c-2").json()
    assert back["assistant_available"] is True
    assert [r["text"] for r in back["replies"]] == ["You said: where is my order SD-10001?"]
    shown = [(m["author"], m["text"]) for m in shopper.history().json()["messages"]]
    assert shown == [
        ("shopper", "where is my order SD-10001?"),
        ("system", ASSISTANT_UNAVAILABLE),
        ("shopper", "where is my order SD-10001?"),
        ("bot", "You said: where is my order SD-10001?"),
    ]
