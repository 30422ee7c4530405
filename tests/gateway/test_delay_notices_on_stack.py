"""Delay notices through the real assistant (the gateway in front of the real Rasa and action server, over
the seeded demo shop, its notice job running as in production): a web shopper verifies SD-10001 (on time);
an agent records a disruption covering its carrier and area; the shopper is told in the chat, unasked, the
next time the widget opens, and the assistant's next delay answer quotes the disruption. STOP ends it.

The stack's database is shared by the session's tests, so the disruption is closed again at the end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.ops.demo_data import SHOWCASE
from tests.gateway.conftest import ServedApp, Shopper, start
from tests.stack import Stack

pytestmark = pytest.mark.rasa

PASSWORD = "a long enough password"
CASE = next(case for case in SHOWCASE if case.number == "SD-10001")
EXPLANATION = "A fire at the regional sorting centre is holding parcels for a few days."


@pytest.fixture
def http(gateway_on_stack: ServedApp, stack: Stack) -> Iterator[httpx.Client]:
    stack.agent("noor", PASSWORD, "Noor")
    with httpx.Client(base_url=gateway_on_stack.url, timeout=60) as client:
        yield client


def said(shopper: Shopper, text: str) -> str:
    response = shopper.send(text)
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()["replies"]
    return " ".join(r["text"] for r in replies)


def notices(shopper: Shopper) -> list[str]:
    messages = shopper.history().json()["messages"]
    return [m["text"] for m in messages if m["author"] == "system" and "before you have to ask" in m["text"]]


def test_a_recorded_disruption_reaches_a_verified_web_shopper_unasked_and_stop_ends_it(
    http: httpx.Client, stack: Stack
) -> None:
    order = stack.order(CASE.number)
    shopper = start(http)
    said(shopper, f"where is my order {CASE.number}?")
    assert order.shipments[0].tracking_number in said(shopper, CASE.email)
    assert notices(shopper) == []  # on time: nothing to tell

    token = http.post("/api/agent/login", json={"username": "noor", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    created = http.post(
        "/api/agent/disruptions",
        headers=headers,
        json={
            "title": "Sorting centre fire",
            "carrier": order.shipments[0].carrier,
            "countries": [order.shipping_address.country],
            "postcode_prefixes": [order.shipping_address.postcode.split()[0]],
            "extra_days": 4,
            "explanation": EXPLANATION,
        },
    )
    assert created.status_code == 201, created.text
    try:
        deadline = time.monotonic() + 60  # the job wakes for the new disruption; the widget reopens
        while not (found := notices(shopper)) and time.monotonic() < deadline:
            time.sleep(0.5)
        (notice,) = found
        assert notice.startswith(f"An update on your order {CASE.number}, before you have to ask")
        assert EXPLANATION in notice and "Our new estimate:" in notice
        assert notices(shopper) == [notice]  # opened again: once

        assert EXPLANATION in said(shopper, "why is it delayed?")  # the assistant's own answer uses it

        assert said(shopper, "STOP").startswith("Done: you will get no more delivery updates here.")
    finally:
        closed = http.post(f"/api/agent/disruptions/{created.json()['id']}/close", headers=headers)
        assert closed.status_code == 200
