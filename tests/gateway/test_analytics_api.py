"""The console's analytics API over real HTTP: agents only, the seeded week's figures as JSON and CSV, and
the NLU's reading of each shopper message kept off screen for the intents figure."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.db import make_engine, make_session_factory
from bot.payload import NLU_KEY
from bot.settings import Settings
from tests.analytics_seed import EXPECTED_INTENTS, EXPECTED_REASONS, seed_week
from tests.gateway.conftest import FakeRasa, start

WEEK = {"from": "2026-10-01", "to": "2026-10-07"}


@pytest.fixture
def seeded(gateway_settings: Settings) -> None:
    engine = make_engine(gateway_settings.database_url)
    try:
        seed_week(make_session_factory(engine))
    finally:
        engine.dispose()


@pytest.fixture
def agent(seeded: None, client: httpx.Client) -> Iterator[dict[str, str]]:
    login = client.post(
        "/api/agent/login", json={"username": "analyst", "password": "a long enough password"}
    )
    assert login.status_code == 200, login.text
    yield {"Authorization": f"Bearer {login.json()['token']}"}


def test_analytics_need_an_agents_session(client: httpx.Client) -> None:
    for path in ("/api/agent/analytics", "/api/agent/analytics.csv"):
        assert client.get(path, params=WEEK).status_code == 401
        assert client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_seeded_week_as_json(client: httpx.Client, agent: dict[str, str]) -> None:
    response = client.get("/api/agent/analytics", params=WEEK, headers=agent)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert (body["first"], body["last"], body["conversations"]) == ("2026-10-01", "2026-10-07", 6)
    assert body["contained"] == {"count": 3, "total": 6}
    assert [(r["name"], r["count"]) for r in body["handoff_reasons"]] == EXPECTED_REASONS
    assert [(r["name"], r["count"]) for r in body["top_intents"]] == EXPECTED_INTENTS
    assert body["unanswered"][0]["text"] == "do you ship to Mars?"
    assert body["first_reply"]["median_seconds"] == 690.0
    assert body["satisfaction"]["responses"] == 3
    assert body["satisfaction"]["average"] == pytest.approx(11 / 3)
    assert body["notices"] == {"sent": 0, "opted_out": 0}  # none in the seeded week


def test_the_seeded_week_as_a_csv_download(client: httpx.Client, agent: dict[str, str]) -> None:
    response = client.get("/api/agent/analytics.csv", params=WEEK, headers=agent)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        'filename="shopdesk-analytics-2026-10-01-to-2026-10-07.csv"'
        in response.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {"figure": "conversations", "day": "", "channel": "", "name": "", "value": "6"} in rows


@pytest.mark.parametrize(
    "params", [{"from": "2026-10-07", "to": "2026-10-01"}, {"from": "2024-01-01", "to": "2026-10-01"}]
)
def test_a_backwards_or_overlong_range_is_refused(
    client: httpx.Client, agent: dict[str, str], params: dict[str, str]
) -> None:
    assert client.get("/api/agent/analytics", params=params, headers=agent).status_code == 422


def test_the_nlu_reading_rasa_sends_is_kept_for_the_intents_and_never_shown(
    client: httpx.Client, agent: dict[str, str], fake_rasa: FakeRasa
) -> None:
    fake_rasa.answer = lambda text: [
        {"custom": {NLU_KEY: {"intent": "order_status", "confidence": 0.97}}},
        {"text": "Which order?"},
    ]
    shopper = start(client)
    turn = shopper.send("where's my stuff")
    assert [r["text"] for r in turn.json()["replies"]] == ["Which order?"]
    assert [m["text"] for m in shopper.history().json()["messages"]] == ["where's my stuff", "Which order?"]

    today = datetime.now(UTC).date().isoformat()
    body = client.get("/api/agent/analytics", params={"from": today, "to": today}, headers=agent).json()
    assert body["conversations"] == 1
    assert [(r["name"], r["count"]) for r in body["top_intents"]] == [("order_status", 1)]
