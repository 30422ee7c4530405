"""Shopify fixtures: a shop set up like a Shopify store (``#1001`` numbers, USD, UPS and FedEx), the local
fake Admin API served on loopback, and the connector pointed at it over a real SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import fixed_clock
from bot.ops.setup_cli import new_policy
from bot.policy import Policy, parse_policy
from integrations.shopify.client import ShopifyClient, ShopifyConnection
from integrations.shopify.sync import ShopifySync
from tests.gateway.conftest import serve
from tests.shopify.fake_admin import SHOP, TOKEN, FakeShopify

NOW = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
ANSWERS = {
    "name": "Maple & Co",
    "timezone": "America/New_York",
    "currency": "USD",
    "locale": "en_US",
    "order_number_prefix": "#",
    "order_number_digits": "4-6",
    "order_number_example": "#1001",
    "support_email": "help@maple.example",
    "support_days": "mon,tue,wed,thu,fri",
    "support_open": "09:00",
    "support_close": "17:00",
    "carriers": "UPS=https://www.ups.com/track?tracknum={number},"
    "FedEx=https://www.fedex.com/fedextrack/?trknbr={number}",
}


def shopify_policy_data() -> dict[str, object]:
    """The policy ``shopdesk init`` writes for these answers."""
    return new_policy(ANSWERS)


@pytest.fixture
def policy() -> Policy:
    return parse_policy(shopify_policy_data())


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(shopify_policy_data(), sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def fake_shopify() -> Iterator[FakeShopify]:
    fake = FakeShopify(currency="USD")
    served = serve(fake.app)
    fake.url = next(served).url
    try:
        yield fake
    finally:
        next(served, None)


class RecordedSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        import time

        self.waits.append(seconds)
        time.sleep(seconds)


@pytest.fixture
def sleep() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
def client(fake_shopify: FakeShopify, sleep: RecordedSleep) -> Iterator[ShopifyClient]:
    connection = ShopifyConnection(shop=SHOP, access_token=TOKEN, graphql_url=fake_shopify.graphql_url)
    with ShopifyClient(connection, sleep=sleep) as shopify:
        yield shopify


@pytest.fixture
def sync(client: ShopifyClient, session_factory: sessionmaker[Session], policy: Policy) -> ShopifySync:
    return ShopifySync(client, session_factory, policy, fixed_clock(NOW))
