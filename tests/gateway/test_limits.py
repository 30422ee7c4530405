"""Size and count limits: request bodies, WebSocket frames, sockets per conversation, per agent session and
unauthenticated (the widget's and the agent console's sockets alike)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.agents.store import AgentDirectory
from integrations.gateway.app import create_app
from integrations.gateway.config import GatewaySettings
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, Shopper, serve, start

PASSWORD = "a long enough password"


@pytest.fixture
def gateway(sqlite_url: str, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    engine = make_engine(sqlite_url)
    AgentDirectory(make_session_factory(engine), system_clock).create("sam", PASSWORD, "Sam")
    engine.dispose()
    settings = GatewaySettings(
        database_url=sqlite_url,
        rasa_url=RASA_URL,
        action_server_url=ACTIONS_URL,
        max_sockets_per_conversation=2,
        max_sockets_per_agent_session=2,
        max_unauthenticated_sockets=1,
    )
    yield from serve(create_app(settings, transport=fake_rasa.transport))


def agent_session(client: httpx.Client) -> str:
    """A new log-in of the agent sam: its session token."""
    response = client.post("/api/agent/login", json={"username": "sam", "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def console(gateway: ServedApp, token: str) -> ClientConnection:
    ws = connect(f"{gateway.ws_url}/api/agent/ws")
    ws.send(json.dumps({"type": "auth", "token": token}))
    return ws


def close_code(ws: ClientConnection) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def test_a_body_over_16_kb_is_refused_before_it_is_read(shopper: Shopper, fake_rasa: FakeRasa) -> None:
    response = shopper.send("x" * 17_000)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large."}
    assert shopper.history().json()["messages"] == []
    assert fake_rasa.calls == []


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(shopper: Shopper) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(40):
            yield b"y" * 1024
        yield b'"}'

    response = shopper.http.post(
        f"/api/conversations/{shopper.id}/messages", content=chunks(), headers=shopper.auth
    )
    assert response.status_code == 413
    assert shopper.history().json()["messages"] == []


def test_a_body_under_the_limit_is_answered(shopper: Shopper) -> None:
    assert shopper.send("z" * 1500).status_code == 200


def test_a_websocket_frame_over_the_limit_closes_the_socket(gateway: ServedApp, shopper: Shopper) -> None:
    with connect(f"{gateway.ws_url}/api/conversations/{shopper.id}/ws?token={shopper.token}") as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "status"
        ws.send(json.dumps({"type": "ping", "pad": "p" * 20_000}))
        assert close_code(ws) == 1009


def test_a_third_socket_on_one_conversation_is_refused(
    gateway: ServedApp, client: httpx.Client, shopper: Shopper
) -> None:
    url = f"{gateway.ws_url}/api/conversations/{shopper.id}/ws?token={shopper.token}"
    with connect(url) as first, connect(url) as second:
        for ws in (first, second):
            assert json.loads(ws.recv(timeout=10))["type"] == "status"
        with connect(url) as third:
            assert close_code(third) == 4429
        other = start(client)  # another conversation is not affected
        with connect(f"{gateway.ws_url}/api/conversations/{other.id}/ws?token={other.token}") as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "status"
    with connect(url) as again:  # closing frees the place
        assert json.loads(again.recv(timeout=10))["type"] == "status"


def test_sockets_waiting_for_their_token_are_capped(gateway: ServedApp, shopper: Shopper) -> None:
    url = f"{gateway.ws_url}/api/conversations/{shopper.id}/ws"
    with connect(url) as waiting:
        with connect(url) as refused:
            assert close_code(refused) == 1013
        waiting.send(json.dumps({"type": "auth", "token": shopper.token}))
        assert json.loads(waiting.recv(timeout=10))["type"] == "status"
    with connect(url) as later:
        later.send(json.dumps({"type": "auth", "token": shopper.token}))
        assert json.loads(later.recv(timeout=10))["type"] == "status"


def test_a_console_frame_over_the_limit_closes_the_socket(gateway: ServedApp, client: httpx.Client) -> None:
    token = agent_session(client)
    with console(gateway, token) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "ready"
        ws.send(json.dumps({"type": "ping", "pad": "p" * 20_000}))
        assert close_code(ws) == 1009
    with connect(f"{gateway.ws_url}/api/agent/ws") as ws:  # the token frame itself, too large
        ws.send(json.dumps({"type": "auth", "token": token, "pad": "p" * 20_000}))
        assert close_code(ws) == 1009


def test_a_third_console_socket_on_one_agent_session_is_refused(
    gateway: ServedApp, client: httpx.Client
) -> None:
    token = agent_session(client)
    # one at a time: a socket still waiting for its token holds the only unauthenticated place
    with console(gateway, token) as first:
        assert json.loads(first.recv(timeout=10))["type"] == "ready"
        with console(gateway, token) as second:
            assert json.loads(second.recv(timeout=10))["type"] == "ready"
            with console(gateway, token) as third:
                assert close_code(third) == 4429
            with console(gateway, agent_session(client)) as other:  # another log-in is not affected
                assert json.loads(other.recv(timeout=10))["type"] == "ready"
    with console(gateway, token) as again:  # closing frees the place
        assert json.loads(again.recv(timeout=10))["type"] == "ready"


def test_console_sockets_waiting_for_their_token_count_with_the_widgets(
    gateway: ServedApp, client: httpx.Client, shopper: Shopper
) -> None:
    token = agent_session(client)
    with connect(f"{gateway.ws_url}/api/conversations/{shopper.id}/ws") as waiting:
        with connect(f"{gateway.ws_url}/api/agent/ws") as refused:
            assert close_code(refused) == 1013
        waiting.send(json.dumps({"type": "auth", "token": shopper.token}))
        assert json.loads(waiting.recv(timeout=10))["type"] == "status"
    with connect(f"{gateway.ws_url}/api/agent/ws") as console_waiting:
        with connect(f"{gateway.ws_url}/api/conversations/{shopper.id}/ws") as refused:
            assert close_code(refused) == 1013
        console_waiting.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(console_waiting.recv(timeout=10))["type"] == "ready"


def test_without_a_connected_store_the_shopify_webhook_address_keeps_the_gateways_limit(
    client: httpx.Client,
) -> None:
    # the webhook address's own, larger limit applies only when a Shopify store is connected
    response = client.post("/shopify/webhooks", content=b"{" + b" " * 20_000 + b"}")
    assert response.status_code == 413
