"""Gateway fixtures: the real gateway served by uvicorn on loopback over a migrated SQLite file.

Rasa is replaced, for these unit-level tests only, by ``FakeRasa``: an ``httpx.MockTransport`` under the
gateway's HTTP client that answers Rasa's REST channel and the health endpoints. The real Rasa is exercised
by ``test_widget_browser.py`` (and tests/e2e).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from bot.ops.demo_data import DEMO_NOW
from bot.settings import Settings
from integrations.gateway.app import create_app
from integrations.gateway.config import GatewaySettings
from tests.stack import Stack, unavailable

RASA_URL = "http://rasa.test"
ACTIONS_URL = "http://actions.test"

Reply = dict[str, Any]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServedApp:
    url: str
    app: FastAPI

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")


def serve(app: FastAPI) -> Iterator[ServedApp]:
    """Run ``app`` with uvicorn in a thread on a free loopback port until the generator is closed."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, name=f"gateway-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gateway did not start")
        time.sleep(0.05)
    try:
        yield ServedApp(url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def echo(text: str) -> list[Reply]:
    return [{"recipient_id": "x", "text": f"You said: {text}"}]


@dataclass
class FakeRasa:
    """Rasa's REST channel as the gateway sees it; ``answer`` decides the replies to each message."""

    answer: Callable[[str], list[Reply]] = echo
    down: bool = False
    actions_down: bool = False
    refusals: int = 0  # the next this many requests find nothing listening (a replica restarting)
    lost: bool = False  # turns are received and run, but the connection drops before the answer
    calls: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # appended tracker events

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "actions.test":
            if self.actions_down:
                raise httpx.ConnectError("refused", request=request)
            return httpx.Response(200, json={"status": "ok"})
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        if self.refusals:
            self.refusals -= 1
            raise httpx.ConnectError("refused", request=request)
        if request.method == "GET" and request.url.path == "/status":
            return httpx.Response(200, json={"model_file": "shopdesk.tar.gz"})
        if request.method == "POST" and request.url.path == "/webhooks/rest/webhook":
            body = json.loads(request.content)
            self.calls.append(body)
            if self.lost:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            replies = [{"recipient_id": body["sender"], **r} for r in self.answer(body["message"])]
            return httpx.Response(200, json=replies)
        parts = request.url.path.strip("/").split("/")
        if len(parts) >= 3 and parts[0] == "conversations" and parts[2] == "tracker":
            sender = parts[1]
            if request.method == "GET" and len(parts) == 3:
                return httpx.Response(200, json={"sender_id": sender, "slots": {}, "events": []})
            if request.method == "POST" and parts[3:] == ["events"]:
                self.events.append((sender, json.loads(request.content)))
                return httpx.Response(200, json={"sender_id": sender})
        return httpx.Response(404, json={"detail": "not found"})

    def events_for(self, sender: str) -> list[str]:
        return [event["event"] for who, event in self.events if who == sender]

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def gateway_settings(sqlite_url: str) -> Settings:
    return Settings(database_url=sqlite_url, rasa_url=RASA_URL, action_server_url=ACTIONS_URL)


@pytest.fixture
def gateway(gateway_settings: Settings, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    yield from serve(create_app(gateway_settings, transport=fake_rasa.transport))


@pytest.fixture
def client(gateway: ServedApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url, timeout=10) as http:
        yield http


@dataclass
class Shopper:
    """A web shopper's view of one conversation."""

    http: httpx.Client
    id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def send(self, text: str, client_message_id: str | None = None, **extra: Any) -> httpx.Response:
        body = {"text": text, "client_message_id": client_message_id, **extra}
        return self.http.post(f"/api/conversations/{self.id}/messages", json=body, headers=self.auth)

    def history(self, after: int = 0) -> httpx.Response:
        return self.http.get(
            f"/api/conversations/{self.id}/messages", params={"after": after}, headers=self.auth
        )


def start(http: httpx.Client) -> Shopper:
    response = http.post("/api/conversations")
    assert response.status_code == 201, response.text
    body = response.json()
    return Shopper(http, body["id"], body["token"])


@pytest.fixture
def shopper(client: httpx.Client) -> Shopper:
    return start(client)


CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, as root, on a machine whose only network is loopback
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def gateway_on_stack(stack: Stack) -> Iterator[ServedApp]:
    """The real gateway in front of the real Rasa and action server, at the demo's "now" (a Thursday
    morning, so support hours are open)."""
    settings = GatewaySettings(
        database_url=stack.database_url,
        rasa_url=stack.rasa_url,
        rasa_token=stack.env["SHOPDESK_RASA_TOKEN"],
        action_server_url=stack.actions_url,
        now=DEMO_NOW.isoformat(),
    )
    yield from serve(create_app(settings))
