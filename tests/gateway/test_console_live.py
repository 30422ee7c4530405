"""The console's WebSocket: only escalated conversations stream to it, and it closes when the session ends.

Rasa is the ``FakeRasa`` of conftest; the gateway is real, over the demo shop in SQLite, with the session
re-checked every fifth of a second so an ended session shows quickly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.agents.store import AgentDirectory
from integrations.gateway.app import create_app
from tests.gateway.conftest import FakeRasa, ServedApp, serve, start
from tests.gateway.test_handoff import Agent, answer, escalate, make_settings
from tests.gateway.test_handoff import shop_db as shop_db  # the demo shop with agents sam and alex


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa(answer=answer)


@pytest.fixture
def gateway(shop_db: str, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    settings = make_settings(shop_db, console_session_recheck=0.2)
    yield from serve(create_app(settings, transport=fake_rasa.transport))


def console(gateway: ServedApp, agent: Agent) -> ClientConnection:
    ws = connect(f"{gateway.ws_url}/api/agent/ws")
    ws.send(json.dumps({"type": "auth", "token": agent.headers["Authorization"].removeprefix("Bearer ")}))
    assert json.loads(ws.recv(timeout=10))["type"] == "ready"
    return ws


def frames_until(ws: ClientConnection, done: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while not seen or not done(seen[-1]):
        seen.append(json.loads(ws.recv(timeout=10)))
    return seen


def conversation_of(frame: dict[str, Any]) -> str | None:
    if frame["type"] == "message":
        return str(frame["message"]["conversation_id"])
    return frame.get("conversation_id")


def test_the_console_hears_only_conversations_with_an_open_escalation(
    gateway: ServedApp, client: httpx.Client
) -> None:
    private, escalated = start(client), start(client)
    with console(gateway, Agent(client, "sam")) as ws:
        private.send("my address is 1 High Street")
        escalate(escalated)
        private.send("and my phone number is 07700 900123")
        escalated.send("still waiting for someone")
        seen = frames_until(
            ws, lambda f: f["type"] == "message" and f["message"]["text"] == "still waiting for someone"
        )
    assert {"type": "queue"} in seen
    assert private.id not in {conversation_of(f) for f in seen}
    assert any(f["type"] == "message" and "You're next" in f["message"]["text"] for f in seen)


def _log_out(client: httpx.Client, agent: Agent, directory: AgentDirectory) -> None:
    assert agent.post("/logout").status_code == 204


def _new_password(client: httpx.Client, agent: Agent, directory: AgentDirectory) -> None:
    directory.set_password("sam", "a brand new password")


def _disabled(client: httpx.Client, agent: Agent, directory: AgentDirectory) -> None:
    directory.disable("sam")


@pytest.mark.parametrize("ending", [_log_out, _new_password, _disabled], ids=lambda f: f.__name__[1:])
def test_the_console_socket_closes_when_the_agents_session_ends(
    gateway: ServedApp,
    client: httpx.Client,
    shop_db: str,
    ending: Callable[[httpx.Client, Agent, AgentDirectory], None],
) -> None:
    engine = make_engine(shop_db)
    directory = AgentDirectory(make_session_factory(engine), system_clock)
    sam = Agent(client, "sam")
    with console(gateway, sam) as ws, pytest.raises(ConnectionClosed) as closed:
        ending(client, sam, directory)
        while True:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    engine.dispose()
