"""Rate limits: a script hammering the gateway gets 429 with Retry-After, a person never notices."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from bot.settings import Settings
from integrations.gateway.app import create_app
from integrations.gateway.config import GatewaySettings
from integrations.gateway.ratelimit import Limit, RateLimiter, memory_storage
from tests.gateway.conftest import FakeRasa, ServedApp, serve, start


def test_a_window_allows_its_count_then_refuses_until_it_reopens() -> None:
    async def scenario() -> None:
        limiter = RateLimiter(memory_storage())
        limit = Limit(2, 1)
        assert await limiter.retry_after("k", limit) is None
        assert await limiter.retry_after("k", limit) is None
        wait = await limiter.retry_after("k", limit)
        assert wait is not None and 0 < wait <= 1
        assert await limiter.retry_after("other", limit) is None  # keys are independent
        await asyncio.sleep(wait + 0.05)
        assert await limiter.retry_after("k", limit) is None

    asyncio.run(scenario())


@pytest.fixture
def strict_gateway(gateway_settings: Settings, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    settings = GatewaySettings(
        **gateway_settings.model_dump(), limit_new_conversations=3, limit_messages=2, limit_logins=2
    )
    yield from serve(create_app(settings, transport=fake_rasa.transport))


def test_too_many_new_conversations_from_one_address_are_refused(strict_gateway: ServedApp) -> None:
    with httpx.Client(base_url=strict_gateway.url, timeout=10) as http:
        codes = [http.post("/api/conversations").status_code for _ in range(4)]
        refused = http.post("/api/conversations")
    assert codes == [201, 201, 201, 429]
    assert int(refused.headers["Retry-After"]) >= 1


def test_too_many_messages_in_a_minute_are_refused_and_not_stored(strict_gateway: ServedApp) -> None:
    with httpx.Client(base_url=strict_gateway.url, timeout=10) as http:
        shopper = start(http)
        codes = [shopper.send(f"message {n}").status_code for n in range(3)]
        kept = [m["text"] for m in shopper.history().json()["messages"] if m["author"] == "shopper"]
    assert codes == [200, 200, 429]
    assert kept == ["message 0", "message 1"]


def test_repeated_agent_log_in_attempts_are_slowed_down(strict_gateway: ServedApp) -> None:
    with httpx.Client(base_url=strict_gateway.url, timeout=10) as http:
        wrong = {"username": "sam", "password": "guess guess guess"}
        codes = [http.post("/api/agent/login", json=wrong).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def _from(address: str, url: str) -> httpx.Client:
    """A client whose requests come from another loopback address (another machine, to the gateway)."""
    return httpx.Client(base_url=url, timeout=10, transport=httpx.HTTPTransport(local_address=address))


def test_log_in_attempts_for_one_username_are_limited_across_addresses(strict_gateway: ServedApp) -> None:
    wrong = {"username": "sam", "password": "guess guess guess"}
    with _from("127.0.0.2", strict_gateway.url) as first, _from("127.0.0.3", strict_gateway.url) as second:
        codes = [first.post("/api/agent/login", json=wrong).status_code for _ in range(2)]
        codes.append(second.post("/api/agent/login", json={**wrong, "username": " SAM"}).status_code)
        other = second.post("/api/agent/login", json={**wrong, "username": "alex"}).status_code
    assert codes == [401, 401, 429]
    assert other == 401  # another username from that address is still allowed its tries
