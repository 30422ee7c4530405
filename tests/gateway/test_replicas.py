"""Two gateway replicas (two apps served on two loopback ports) sharing one SQLite file and one real Redis
(``SHOPDESK_REDIS_URL``): what a shopper or an agent does on one is seen on the other, the rate limits are
one, a conversation's turns stay in order, and the one-replica jobs run once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.sync.client import ClientConnection, connect

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.agents.store import AgentDirectory
from integrations.gateway.app import create_app
from integrations.gateway.replicas import Leadership
from tests.gateway.conftest import FakeRasa, ServedApp, Shopper, serve, start
from tests.gateway.test_handoff import HANDOFF, PASSWORD, Agent, make_settings

TURN_SECONDS = 0.2  # how long the fake assistant takes, so that turns sent at once overlap
LEAD_TTL = 1.0  # seconds a replica's lead of a job outlives it


def slow_answer(text: str) -> list[dict[str, Any]]:
    if "person" in text:
        return [HANDOFF]
    time.sleep(TURN_SECONDS)
    return [{"text": f"assistant: {text}"}]


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa(answer=slow_answer)


@pytest.fixture
def desk_db(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    AgentDirectory(make_session_factory(engine), system_clock).create("sam", PASSWORD, "Sam")
    engine.dispose()
    return sqlite_url


Replicas = tuple[ServedApp, ServedApp]


@pytest.fixture
def replicas(desk_db: str, redis_url: str, redis_prefix: str, fake_rasa: FakeRasa) -> Iterator[Replicas]:
    settings = make_settings(
        desk_db,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        limit_new_conversations=4,
        leader_lock_ttl=LEAD_TTL,
    )
    with ExitStack() as stack:
        a, b = (
            stack.enter_context(contextmanager(serve)(create_app(settings, transport=fake_rasa.transport)))
            for _ in range(2)
        )
        yield a, b


@pytest.fixture
def http_a(replicas: Replicas) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=replicas[0].url, timeout=30) as http:
        yield http


@pytest.fixture
def http_b(replicas: Replicas) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=replicas[1].url, timeout=30) as http:
        yield http


def frames_until(ws: ClientConnection, found: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """Frames up to and including the first that ``found`` accepts (a missing one times out)."""
    seen = []
    while True:
        frame = json.loads(ws.recv(timeout=10))
        seen.append(frame)
        if found(frame):
            return seen


def test_an_agent_reply_posted_on_one_replica_reaches_the_shoppers_websocket_on_the_other(
    replicas: Replicas, http_a: httpx.Client, http_b: httpx.Client
) -> None:
    shopper = start(http_a)
    assert shopper.send("I want to talk to a person").status_code == 200
    cursor = shopper.history().json()["cursor"]
    with connect(f"{replicas[0].ws_url}/api/conversations/{shopper.id}/ws?after={cursor}") as ws:
        ws.send(json.dumps({"type": "auth", "token": shopper.token}))
        frames_until(ws, lambda f: f["type"] == "status")  # subscribed on replica A

        agent = Agent(http_b, "sam")
        (waiting,) = agent.queue()
        assert agent.post(f"/escalations/{waiting['id']}/claim").status_code == 200
        assert agent.post(f"/escalations/{waiting['id']}/reply", text="Hi, Sam here.").status_code == 200

        received = frames_until(
            ws, lambda f: f["type"] == "message" and f["message"]["text"] == "Hi, Sam here."
        )
    assert {"type": "status", "status": "agent"} in received  # the claim, made on B, was live on A too


def test_the_console_on_one_replica_sees_an_escalation_raised_on_the_other(
    replicas: Replicas, http_a: httpx.Client, http_b: httpx.Client
) -> None:
    agent = Agent(http_a, "sam")
    with connect(f"{replicas[0].ws_url}/api/agent/ws") as console:
        console.send(json.dumps({"type": "auth", "token": agent.headers["Authorization"].split()[1]}))
        frames_until(console, lambda f: f["type"] == "ready")

        shopper = start(http_b)
        assert shopper.send("I want to talk to a person").status_code == 200

        # consoles stream escalated conversations only: the queue changes, then the notice to the shopper
        received = frames_until(console, lambda f: f["type"] == "message")
    assert {"type": "queue"} in received
    assert received[-1]["message"]["conversation_id"] == shopper.id
    # the console open on A is the agent there for a shopper on B: presence is shared, so a real wait
    assert "You're next; the expected wait is about 4 minutes" in received[-1]["message"]["text"]
    assert [q["conversation_id"] for q in agent.queue()] == [shopper.id]


def test_rate_limits_count_requests_on_every_replica(http_a: httpx.Client, http_b: httpx.Client) -> None:
    # limit_new_conversations=4: four requests split across both replicas use it up
    allowed = [http.post("/api/conversations").status_code for http in (http_a, http_b, http_a, http_b)]
    refused = [http_a.post("/api/conversations"), http_b.post("/api/conversations")]
    assert allowed == [201, 201, 201, 201]
    assert [r.status_code for r in refused] == [429, 429]
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def test_the_unclaimed_escalation_watcher_runs_on_one_replica_and_moves_when_it_stops(
    desk_db: str, redis_url: str, redis_prefix: str, fake_rasa: FakeRasa
) -> None:
    settings = make_settings(
        desk_db, redis_url=redis_url, redis_prefix=redis_prefix, leader_lock_ttl=LEAD_TTL
    )
    a_served = contextmanager(serve)(create_app(settings, transport=fake_rasa.transport))
    with contextmanager(serve)(create_app(settings, transport=fake_rasa.transport)) as b:
        with a_served as a:
            watchers: list[Leadership] = [a.app.state.desk_jobs, b.app.state.desk_jobs]
            wait_for(lambda: any(w.is_leader for w in watchers))
            for _ in range(3):  # across several renewals of the lead, never two
                assert [w.is_leader for w in watchers].count(True) == 1
                time.sleep(LEAD_TTL)
            leader_was_a = watchers[0].is_leader
        if leader_was_a:  # replica A stopped: B takes the watcher over
            wait_for(lambda: watchers[1].is_leader)
        assert watchers[1].is_leader


def test_the_delay_notice_job_runs_on_one_replica_only(replicas: Replicas) -> None:
    leads: list[Leadership] = [r.app.state.notices_leadership for r in replicas]
    wait_for(lambda: any(lead.is_leader for lead in leads))
    for _ in range(3):  # across several renewals of the lead, never two
        assert [lead.is_leader for lead in leads].count(True) == 1
        time.sleep(LEAD_TTL)


def test_the_retention_purge_runs_on_the_leading_replica_only_and_moves_when_it_stops(
    desk_db: str, redis_url: str, redis_prefix: str, fake_rasa: FakeRasa
) -> None:
    settings = make_settings(
        desk_db,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        leader_lock_ttl=LEAD_TTL,
        retention_check_every=LEAD_TTL / 4,
    )
    with ExitStack() as both:
        replicas = [
            contextmanager(serve)(create_app(settings, transport=fake_rasa.transport)) for _ in range(2)
        ]
        apps = [both.enter_context(replica).app for replica in replicas]
        wait_for(lambda: any(app.state.desk_jobs.is_leader for app in apps))
        leading = next(n for n, app in enumerate(apps) if app.state.desk_jobs.is_leader)
        leader, follower = apps[leading], apps[1 - leading]
        already = purges(leader)
        wait_for(lambda: purges(leader) >= already + 3)
        assert purges(follower) == 0  # several purges on the leader meanwhile, none on the other replica
        replicas[leading].__exit__(None, None, None)  # the leader stops: the other one purges from now on
        wait_for(lambda: purges(follower) >= 1)


def purges(app: FastAPI) -> float:
    value = app.state.metrics.registry.get_sample_value("shopdesk_gateway_retention_purges_total")
    return value or 0.0


def test_turns_of_one_conversation_sent_to_both_replicas_at_once_are_answered_in_order(
    http_a: httpx.Client, http_b: httpx.Client
) -> None:
    on_a = start(http_a)
    on_b = Shopper(http_b, on_a.id, on_a.token)
    texts = [f"question {n}" for n in range(6)]
    together = threading.Barrier(len(texts))

    def send(n: int) -> int:
        together.wait()
        return (on_a if n % 2 else on_b).send(texts[n]).status_code

    with ThreadPoolExecutor(len(texts)) as pool:
        assert list(pool.map(send, range(len(texts)))) == [200] * len(texts)

    history = [(m["author"], m["text"]) for m in on_a.history().json()["messages"]]
    asked = [text for author, text in history if author == "shopper"]
    assert sorted(asked) == texts
    # every question is followed by its own answer, never by another question
    assert history == [pair for text in asked for pair in (("shopper", text), ("bot", f"assistant: {text}"))]
