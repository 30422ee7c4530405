"""Rasa slower than the gateway's wait: the shopper is told at once, the late answer still reaches them, and
a confirmed change happens only where its result is seen (bot/desk/deadline.py).

``SlowRasa`` holds each REST turn until the test releases it. What the action server would do is played by
``too_late_to_act`` itself, the rule ``ActionConfirm`` applies (tested with the real action in
tests/integration/test_actions_orders.py).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from bot.desk.deadline import too_late_to_act
from bot.language.wording import Msg, say
from integrations.gateway.app import create_app
from integrations.gateway.chat import ASSISTANT_SLOW
from integrations.gateway.config import GatewaySettings
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, Shopper, serve
from tests.gateway.test_api import frames

CANCELLED = "Order SD-10001 is now cancelled."


@dataclass
class SlowRasa(FakeRasa):
    """Answers a turn only once ``release`` is set; records what the "action" decided and when."""

    release: threading.Event = field(default_factory=threading.Event)
    acted: list[bool] = field(default_factory=list)
    act_on_arrival: bool = False  # the action runs at once and only the reply is slow

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/webhooks/rest/webhook":
            return self.handle(request)
        body = json.loads(request.content)
        self.calls.append(body)
        if self.act_on_arrival:
            self.acted.append(not too_late_to_act(body["metadata"], datetime.now(UTC)))
        await asyncio.to_thread(self.release.wait, 30)
        if not self.act_on_arrival:
            self.acted.append(not too_late_to_act(body["metadata"], datetime.now(UTC)))
        text = CANCELLED if self.acted[-1] else say(Msg.TOO_LATE_NOTHING_DONE)
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": text}])

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle_async)


@pytest.fixture
def fake_rasa() -> SlowRasa:
    return SlowRasa()


@pytest.fixture
def gateway(sqlite_url: str, fake_rasa: SlowRasa) -> Iterator[ServedApp]:
    settings = GatewaySettings(
        database_url=sqlite_url, rasa_url=RASA_URL, action_server_url=ACTIONS_URL, rasa_timeout=0.5
    )
    yield from serve(create_app(settings, transport=fake_rasa.transport))


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages]


def test_a_yes_that_reaches_the_action_after_the_gateway_gave_up_changes_nothing_and_says_so(
    gateway: ServedApp, shopper: Shopper, fake_rasa: SlowRasa
) -> None:
    url = f"{gateway.ws_url}/api/conversations/{shopper.id}/ws?token={shopper.token}"
    with connect(url) as ws:
        turn = shopper.send("yes", "c-1").json()
        assert turn["assistant_available"] is False
        assert texts(turn["replies"]) == [ASSISTANT_SLOW]
        assert len(frames(ws, 2)) == 2  # the shopper's message and the notice

        fake_rasa.release.set()
        (late,) = frames(ws, 1)

    assert fake_rasa.acted == [False]
    assert late["author"] == "bot" and late["text"] == say(Msg.TOO_LATE_NOTHING_DONE)
    assert texts(shopper.history().json()["messages"]) == ["yes", ASSISTANT_SLOW, late["text"]]


def test_a_change_made_in_time_whose_reply_is_late_still_reaches_the_shopper(
    gateway: ServedApp, shopper: Shopper, fake_rasa: SlowRasa
) -> None:
    fake_rasa.act_on_arrival = True
    turn = shopper.send("yes", "c-1").json()
    assert texts(turn["replies"]) == [ASSISTANT_SLOW]

    fake_rasa.release.set()
    url = f"{gateway.ws_url}/api/conversations/{shopper.id}/ws?token={shopper.token}"
    with connect(url) as ws:  # a widget reconnecting later replays what it missed
        received = frames(ws, 3)

    assert fake_rasa.acted == [True]
    assert texts(received) == ["yes", ASSISTANT_SLOW, CANCELLED]


def test_after_a_slow_turn_the_conversation_goes_on(shopper: Shopper, fake_rasa: SlowRasa) -> None:
    fake_rasa.act_on_arrival = True
    assert texts(shopper.send("yes", "c-1").json()["replies"]) == [ASSISTANT_SLOW]
    fake_rasa.release.set()
    turn = shopper.send("and now?", "c-2").json()
    assert turn["assistant_available"] is True
    assert [
        m["client_message_id"] for m in shopper.history().json()["messages"] if m["author"] == "shopper"
    ] == [
        "c-1",
        "c-2",
    ]
