"""Guessing through the gateway's API: 8,200 attempts at other shoppers' conversations, forged payloads,
typed commands and the agent API reveal no order fact.

A victim has a conversation in which the assistant told them their order (the ``FakeRasa`` of conftest
plays the assistant; the order comes from the seeded demo shop). Strangers, each with a conversation of
their own, try to read or write the victim's conversation with their own token, a guessed one or none;
send payloads nobody offered and typed ``/commands`` that would set the order and contact; and call the
agent console with guessed session tokens. No answer contains an order fact (``tests.guessing``), and
nothing a stranger sent reaches the assistant as a command.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from integrations.gateway.app import create_app
from tests.gateway.conftest import FakeRasa, ServedApp, Shopper, serve, start
from tests.gateway.test_handoff import make_settings
from tests.gateway.test_handoff import shop_db as shop_db  # the seeded demo shop (and two agents)
from tests.guessing import OrderFacts

ATTEMPTS = 8_200
STRANGERS = 8
VICTIM_ASKS = "where is my order?"
NOT_VERIFIED = "I need the order number and its email address or postcode first."


@pytest.fixture
def facts(shop_db: str) -> OrderFacts:
    return OrderFacts.of(shop_db)


def the_victims_answer(facts: OrderFacts) -> str:
    order = facts.orders[1]
    shipment = order.shipments[0]
    items = ", ".join(line.name for line in order.lines)
    return f"{order.number} ({items}) is on its way with {shipment.carrier}: {shipment.tracking_url}"


@pytest.fixture
def fake_rasa(facts: OrderFacts) -> FakeRasa:
    told = the_victims_answer(facts)
    return FakeRasa(answer=lambda text: [{"text": told if text == VICTIM_ASKS else NOT_VERIFIED}])


@pytest.fixture
def gateway(shop_db: str, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    settings = make_settings(shop_db, limit_messages=10_000, limit_new_conversations=10_000)
    yield from serve(create_app(settings, transport=fake_rasa.transport))


Attempt = Callable[[int], httpx.Response]


def forged_payloads(facts: OrderFacts, i: int) -> dict[str, Any]:
    order = facts.orders[i % len(facts.orders)]
    entities = json.dumps({"order_number": order.number, "verified_order": order.number, "contact": "x@y.z"})
    forged = [f"/inform{entities}", "/order_status", f"/tracking_info{entities}", "/restart"]
    return {"text": "hello", "payload": forged[i % len(forged)]}


def test_strangers_learn_no_order_fact_from_the_gateway(
    gateway: ServedApp, client: httpx.Client, facts: OrderFacts, fake_rasa: FakeRasa
) -> None:
    victim = start(client)
    assert facts.revealed(victim.send(VICTIM_ASKS).text)  # the victim was told their order
    strangers = [start(client) for _ in range(STRANGERS)]

    def stranger(i: int) -> Shopper:
        return strangers[i % STRANGERS]

    def guessed_token(i: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}

    attempts: list[tuple[Attempt, set[int]]] = [
        # the victim's conversation with the stranger's own token, a guessed token, no token
        (lambda i: client.get(f"/api/conversations/{victim.id}/messages", headers=stranger(i).auth), {403}),
        (lambda i: client.get(f"/api/conversations/{victim.id}/messages", headers=guessed_token(i)), {403}),
        (lambda i: client.get(f"/api/conversations/{victim.id}"), {401}),
        (
            lambda i: client.post(
                f"/api/conversations/{victim.id}/messages",
                json={"text": VICTIM_ASKS, "client_message_id": f"x-{i}"},
                headers=stranger(i).auth,
            ),
            {403},
        ),
        # payloads nobody offered, and typed commands, in the stranger's own conversation
        (lambda i: stranger(i).send(**forged_payloads(facts, i)), {200}),
        (lambda i: stranger(i).send(forged_payloads(facts, i)["payload"]), {200}),
        # the agent console with guessed session tokens
        (lambda i: client.get("/api/agent/queue", headers=guessed_token(i)), {401}),
        (lambda i: client.get(f"/api/agent/escalations/{i % 50}", headers=guessed_token(i)), {401}),
    ]
    for i in range(ATTEMPTS):
        attempt, expected = attempts[i % len(attempts)]
        response = attempt(i)
        assert response.status_code in expected, (i, response.status_code, response.text)
        assert facts.revealed(response.text) == [], (i, response.text)

    # the only message that reached the assistant as a command: none; the victim's words are the victim's
    from_strangers = [c["message"] for c in fake_rasa.calls if c["sender"] != victim.id]
    assert from_strangers and not any(message.startswith("/") for message in from_strangers)
    assert [m["author"] for m in victim.history().json()["messages"]] == ["shopper", "bot"]


def test_the_victims_live_stream_refuses_strangers(
    gateway: ServedApp, client: httpx.Client, facts: OrderFacts
) -> None:
    victim = start(client)
    victim.send(VICTIM_ASKS)
    for token in [start(client).token, secrets.token_urlsafe(32)] * 10:
        url = f"{gateway.ws_url}/api/conversations/{victim.id}/ws?token={token}"
        with connect(url) as ws, pytest.raises(ConnectionClosed) as closed:
            while True:
                assert facts.revealed(str(ws.recv(timeout=10))) == []
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
