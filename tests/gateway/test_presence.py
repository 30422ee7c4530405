"""Agent presence through the real gateway: a console's WebSocket makes its agent available, closing it or
going silent takes them off, and the console's toggle sets them away; the shopper's notice follows.

Rasa is the ``FakeRasa`` of conftest; the database is the demo shop in SQLite with agents sam and alex.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from integrations.gateway.app import create_app
from tests.gateway.conftest import FakeRasa, ServedApp, serve, start
from tests.gateway.test_handoff import (
    SUNDAY_NIGHT,
    Agent,
    answer,
    escalate,
    make_settings,
    on_duty,
    open_console,
    texts,
)
from tests.gateway.test_handoff import shop_db as shop_db  # the demo shop with agents sam and alex

NOBODY = "Nobody from our team is available right now"


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa(answer=answer)


@pytest.fixture
def gateway(shop_db: str, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    settings = make_settings(shop_db, handoff_check_every=0.2)
    yield from serve(create_app(settings, transport=fake_rasa.transport))


def team(agent: Agent) -> dict[str, str]:
    response = agent.get("/team")
    assert response.status_code == 200, response.text
    return {m["username"]: m["presence"] for m in response.json()}


def eventually(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def test_an_open_console_makes_its_agent_available_and_closing_it_takes_them_off(
    gateway: ServedApp, client: httpx.Client
) -> None:
    sam, alex = Agent(client, "sam"), Agent(client, "alex")
    assert team(alex) == {"alex": "offline", "sam": "offline"}  # logged in is not enough
    ws, ready = open_console(gateway, sam)
    assert ready["beat_seconds"] > 0
    assert team(alex) == {"alex": "offline", "sam": "available"}
    ws.close()
    eventually(lambda: team(alex)["sam"] == "offline")
    assert escalate(start(client))[0].startswith(NOBODY)


def test_an_agent_set_away_is_not_counted_and_the_other_consoles_hear_of_it(
    gateway: ServedApp, client: httpx.Client
) -> None:
    sam, alex = Agent(client, "sam"), Agent(client, "alex")
    with on_duty(gateway, sam):
        watcher, _ = open_console(gateway, alex)
        alex.post("/availability", availability="away")  # alex watches the queue but is not taking chats
        away = sam.post("/availability", availability="away")
        assert away.status_code == 200, away.text
        assert (away.json()["availability"], away.json()["presence"]) == ("away", "away")
        assert team(alex) == {"alex": "away", "sam": "away"}
        frames: list[dict[str, Any]] = []
        while {"type": "presence"} not in frames:
            frames.append(json.loads(watcher.recv(timeout=10)))

        assert escalate(start(client))[0].startswith(NOBODY)

        back = sam.post("/availability", availability="available")
        assert back.json()["presence"] == "available"
        assert "You're next" in escalate(start(client))[0]
        watcher.close()
    assert sam.post("/availability", availability="busy").status_code == 422


def test_a_console_that_goes_silent_stops_counting(shop_db: str, fake_rasa: FakeRasa) -> None:
    # the browser froze or its replica died: no close, no beats; beats are asked for rarely here
    settings = make_settings(shop_db, presence_stale_seconds=1, console_beat_seconds=3600)
    with (
        contextmanager(serve)(create_app(settings, transport=fake_rasa.transport)) as served,
        httpx.Client(base_url=served.url, timeout=10) as http,
    ):
        sam = Agent(http, "sam")
        ws, _ = open_console(served, sam)
        eventually(lambda: team(sam)["sam"] == "offline")
        assert escalate(start(http))[0].startswith(NOBODY)
        ws.send(json.dumps({"type": "beat"}))  # heard from again
        eventually(lambda: team(sam)["sam"] == "available")
        ws.close()


def test_when_the_last_agent_leaves_a_waiting_shopper_is_offered_email_at_once(
    gateway: ServedApp, client: httpx.Client, fake_rasa: FakeRasa
) -> None:
    shopper = start(client)
    sam = Agent(client, "sam")
    with on_duty(gateway, sam):
        assert "You're next" in escalate(shopper)[0]
        assert shopper.history().json()["status"] == "queued"
    eventually(lambda: shopper.history().json()["status"] == "bot")
    assert "nobody from our team is free right now" in texts(shopper)[-1]
    assert fake_rasa.events_for(shopper.id) == ["pause", "resume"]
    assert [q["state"] for q in sam.queue()] == ["email"]


def test_once_enough_conversations_were_handled_the_wait_uses_their_measured_handling_time(
    gateway: ServedApp, client: httpx.Client
) -> None:
    sam = Agent(client, "sam")
    with on_duty(gateway, sam):
        for _ in range(5):  # handling.measure_handling_from: 5, each claimed and resolved in moments
            assert "about 4 minutes" in escalate(start(client))[0]  # the policy's figure until then
            (waiting,) = [q for q in sam.queue() if q["state"] == "queued"]
            assert sam.post(f"/escalations/{waiting['id']}/claim").status_code == 200
            assert sam.post(f"/escalations/{waiting['id']}/resolve").status_code == 200
        assert "You're next; the expected wait is about a minute." in escalate(start(client))[0]


def test_an_agent_who_is_there_outside_support_hours_is_counted(shop_db: str, fake_rasa: FakeRasa) -> None:
    settings = make_settings(shop_db, now=SUNDAY_NIGHT)
    with (
        contextmanager(serve)(create_app(settings, transport=fake_rasa.transport)) as served,
        httpx.Client(base_url=served.url, timeout=10) as http,
    ):
        assert "back Monday at 09:00" in escalate(start(http))[0]  # nobody there: when the team is back
        with on_duty(served, Agent(http, "sam")):
            assert "You're next" in escalate(start(http))[0]  # someone is there after all: a real wait
