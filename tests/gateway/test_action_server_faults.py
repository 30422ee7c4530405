"""The action server down or slow, with the real Rasa and a real action server behind the real gateway.

The shared stack's action server is stopped and started again (``stack.action_server``); Rasa reaches it
through a relay that can hold its calls (``stack.proxy``) to make it slow. The fixtures put both back as
they were, so the tests after these find the stack whole. In both cases the shopper gets an honest answer
within the gateway's wait, with an offer of a person; what they wrote is in the transcript; and the
conversation goes on once the action server is back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.ops.demo_data import DEMO_NOW, SHOWCASE
from integrations.gateway.app import create_app
from integrations.gateway.chat import ASSISTANT_SLOW, ASSISTANT_UNAVAILABLE, PERSON_PAYLOAD
from integrations.gateway.config import GatewaySettings
from tests.gateway.conftest import ServedApp, Shopper, serve, start
from tests.gateway.test_handoff import Agent, on_duty
from tests.stack import ActionServer, SlowProxy, Stack

pytestmark = pytest.mark.rasa

ORDER = next(case for case in SHOWCASE if case.kind == "in_transit_on_time")
ASK = f"where is my order {ORDER.number}?"
UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:9/shopdesk?connect_timeout=2"
PASSWORD = "a long enough password"
# The gateway's wait for one turn: long enough for a real turn on a busy machine, short for the test.
TURN_WAIT = 20.0


@pytest.fixture(scope="module")
def gateway(stack: Stack) -> Iterator[ServedApp]:
    settings = GatewaySettings(
        database_url=stack.database_url,
        rasa_url=stack.rasa_url,
        rasa_token=stack.env["SHOPDESK_RASA_TOKEN"],
        action_server_url=stack.actions_url,
        now=DEMO_NOW.isoformat(),
        rasa_timeout=TURN_WAIT,
    )
    yield from serve(create_app(settings))


@pytest.fixture
def http(gateway: ServedApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url, timeout=TURN_WAIT * 3) as client:
        yield client


@pytest.fixture
def action_server(stack: Stack) -> Iterator[ActionServer]:
    server = stack.action_server
    yield server
    if server.process is None:  # started again even when the test failed before it did
        server.start()
        server.wait_until_up()


@pytest.fixture
def proxy(stack: Stack) -> Iterator[SlowProxy]:
    relay = stack.proxy
    yield relay
    relay.release()


def turn(shopper: Shopper, text: str, **extra: Any) -> dict[str, Any]:
    response = shopper.send(text, **extra)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def said(body: dict[str, Any]) -> str:
    return "\n".join(r["text"] for r in body["replies"])


def person_offer(body: dict[str, Any]) -> dict[str, str]:
    (reply,) = [r for r in body["replies"] if r["author"] == "system"]
    (button,) = reply["buttons"]
    assert button["payload"] == PERSON_PAYLOAD
    return {"title": button["title"], "payload": button["payload"]}


def shopper_lines(shopper: Shopper) -> list[str]:
    return [m["text"] for m in shopper.history().json()["messages"] if m["author"] == "shopper"]


def test_with_the_action_server_down_the_shopper_is_told_and_the_conversation_resumes_when_it_is_back(
    http: httpx.Client, action_server: ActionServer
) -> None:
    shopper = start(http)
    action_server.stop()

    down = turn(shopper, ASK)
    assert down["assistant_available"] is False
    assert [(r["author"], r["text"]) for r in down["replies"]] == [("system", ASSISTANT_UNAVAILABLE)]
    person_offer(down)
    assert shopper_lines(shopper) == [ASK]

    action_server.start()
    action_server.wait_until_up()
    again = turn(shopper, ASK)  # Rasa's conversation started afresh: asked again, it is a first try
    assert again["assistant_available"] is True
    assert "email" in said(again).lower()
    verified = turn(shopper, ORDER.email)
    assert ORDER.number in said(verified)
    assert shopper_lines(shopper) == [ASK, ASK, ORDER.email]


def test_with_the_action_server_down_the_offered_person_is_reached(
    http: httpx.Client, action_server: ActionServer, gateway: ServedApp, stack: Stack
) -> None:
    stack.agent("casey", PASSWORD, "Casey")
    shopper = start(http)
    action_server.stop()
    offer = person_offer(turn(shopper, ASK))
    with on_duty(gateway, Agent(http, "casey", PASSWORD)):  # someone is there to take the shopper
        queued = turn(shopper, offer["title"], payload=offer["payload"])
    assert "expected wait" in said(queued)
    assert shopper.history().json()["status"] == "queued"


def test_with_the_order_database_down_the_shopper_is_told_and_the_conversation_resumes_when_it_is_back(
    http: httpx.Client, stack: Stack, action_server: ActionServer
) -> None:
    """The action server up, the order system's database not: the verification fails inside the action
    server (an error answer to Rasa)."""
    shopper = start(http)
    assert "email" in said(turn(shopper, ASK)).lower()  # asking for the email needs no order yet
    action_server.stop()
    env = {**stack.env, "SHOPDESK_DATABASE_URL": UNREACHABLE_DATABASE}
    cut_off = ActionServer(env, action_server.port, action_server.log)
    cut_off.start()
    try:
        cut_off.wait_until_up()
        down = turn(shopper, ORDER.email)
        assert down["assistant_available"] is False
        assert [(r["author"], r["text"]) for r in down["replies"]] == [("system", ASSISTANT_UNAVAILABLE)]
        person_offer(down)
    finally:
        cut_off.stop()
    action_server.start()
    action_server.wait_until_up()
    assert "email" in said(turn(shopper, ASK)).lower()  # Rasa's conversation started afresh
    assert ORDER.number in said(turn(shopper, ORDER.email))
    assert shopper_lines(shopper) == [ASK, ORDER.email, ASK, ORDER.email]


def test_with_the_action_server_slow_the_shopper_is_told_and_gets_the_answer_when_it_comes(
    http: httpx.Client, proxy: SlowProxy
) -> None:
    shopper = start(http)
    proxy.hold()
    slow = turn(shopper, ASK)
    assert slow["assistant_available"] is False
    assert [(r["author"], r["text"]) for r in slow["replies"]] == [("system", ASSISTANT_SLOW)]
    person_offer(slow)
    assert shopper_lines(shopper) == [ASK]

    proxy.release()  # the action server answers again: the held turn's answer arrives, late
    deadline = time.monotonic() + TURN_WAIT * 3
    while time.monotonic() < deadline:
        bot = [m["text"] for m in shopper.history().json()["messages"] if m["author"] == "bot"]
        if bot:
            break
        time.sleep(0.5)
    assert "email" in "\n".join(bot).lower()
    verified = turn(shopper, ORDER.email)
    assert verified["assistant_available"] is True
    assert ORDER.number in said(verified)
