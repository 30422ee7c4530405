"""Shopify's webhooks through the real gateway over HTTP, with the fake Admin API behind the connector:
signatures, duplicates, order, and an order the backfill never saw. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.orders.model import OrderStatus
from bot.orders.repository import OrderRepository
from bot.orders.tables import ExternalEventRow, OrderRow
from bot.settings import Settings
from integrations.gateway.app import create_app
from integrations.shopify.sync import ShopifySync
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, serve
from tests.shopify.fake_admin import (
    API_SECRET,
    SHOP,
    TOKEN,
    FakeShopify,
    fulfillment_payload,
    order_payload,
    send_webhook,
)

PLACED = datetime(2026, 10, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def gateway(database_url: str, policy_file: Path, fake_shopify: FakeShopify) -> Iterator[ServedApp]:
    settings = Settings(
        database_url=database_url,
        rasa_url=RASA_URL,
        action_server_url=ACTIONS_URL,
        policy_file=policy_file,
        shopify_shop=SHOP,
        shopify_access_token=TOKEN,
        shopify_api_secret=API_SECRET,
        shopify_graphql_url=fake_shopify.graphql_url,
        max_body_bytes=16 * 1024,
    )
    yield from serve(create_app(settings, transport=FakeRasa().transport))


def webhook_url(gateway: ServedApp) -> str:
    return f"{gateway.url}/shopify/webhooks"


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        orders = session.scalar(select(func.count()).select_from(OrderRow))
        events = session.scalar(select(func.count()).select_from(ExternalEventRow))
    return int(orders or 0), int(events or 0)


def test_a_webhook_with_a_bad_signature_is_refused_and_nothing_is_stored(
    gateway: ServedApp, fake_shopify: FakeShopify, session_factory: sessionmaker[Session]
) -> None:
    order = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    response = send_webhook(
        webhook_url(gateway), "orders/create", order_payload(order), secret="not-the-apps-secret"
    )
    assert response.status_code == 401
    response = send_webhook(webhook_url(gateway), "orders/create", order_payload(order), signature="")
    assert response.status_code == 401
    assert counts(session_factory) == (0, 0)
    assert fake_shopify.operations() == []  # Shopify was not even asked


def test_a_webhook_for_an_order_never_backfilled_fetches_and_creates_it(
    gateway: ServedApp, fake_shopify: FakeShopify, session_factory: sessionmaker[Session]
) -> None:
    order = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    response = send_webhook(webhook_url(gateway), "orders/create", order_payload(order))
    assert response.status_code == 200, response.text
    assert response.json() == {"outcome": "created"}
    with session_factory() as session:
        stored = OrderRepository(session).get_order("#1001")
    assert stored is not None and stored.status is OrderStatus.PAID
    assert counts(session_factory) == (1, 1)


def test_the_same_delivery_twice_is_processed_once(
    gateway: ServedApp, fake_shopify: FakeShopify, session_factory: sessionmaker[Session]
) -> None:
    order = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    first = send_webhook(webhook_url(gateway), "orders/create", order_payload(order), webhook_id="w-1")
    again = send_webhook(webhook_url(gateway), "orders/create", order_payload(order), webhook_id="w-1")
    assert (first.json(), again.json()) == ({"outcome": "created"}, {"outcome": "duplicate"})
    assert len(fake_shopify.operations("ShopdeskOrder")) == 1
    assert counts(session_factory) == (1, 1)


def test_deliveries_out_of_order_leave_the_newest_state(
    gateway: ServedApp, fake_shopify: FakeShopify, session_factory: sessionmaker[Session]
) -> None:
    order = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    created = order_payload(order)
    fulfillment = fake_shopify.fulfil(
        "#1001", company="UPS", tracking="1Z1", shipped=PLACED + timedelta(days=1)
    )
    shipped = fake_shopify.by_number("#1001")
    # Shopify delivers the fulfilment first, then the older orders/create
    url = webhook_url(gateway)
    later = send_webhook(url, "fulfillments/create", fulfillment_payload(shipped, fulfillment))
    earlier = send_webhook(webhook_url(gateway), "orders/create", created)
    assert later.json() == {"outcome": "created"}
    assert earlier.json() == {"outcome": "stale"}
    with session_factory() as session:
        stored = OrderRepository(session).get_order("#1001")
    assert stored is not None and stored.status is OrderStatus.SHIPPED
    assert stored.shipments[0].tracking_number == "1Z1"


def test_a_cancellation_made_in_shopify_reaches_the_order_system(
    gateway: ServedApp, fake_shopify: FakeShopify, sync: ShopifySync, session_factory: sessionmaker[Session]
) -> None:
    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    sync.backfill()
    order = fake_shopify.by_number("#1001")
    order["cancelledAt"] = order["updatedAt"] = fake_shopify.tick()
    response = send_webhook(webhook_url(gateway), "orders/cancelled", order_payload(order))
    assert response.json() == {"outcome": "updated"}
    with session_factory() as session:
        stored = OrderRepository(session).get_order("#1001")
    assert stored is not None and stored.status is OrderStatus.CANCELLED


def test_shopify_unreachable_answers_503_and_records_nothing_so_the_delivery_comes_again(
    gateway: ServedApp, fake_shopify: FakeShopify, session_factory: sessionmaker[Session]
) -> None:
    order = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    fake_shopify.fail_next(100, retry_after="0")
    response = send_webhook(webhook_url(gateway), "orders/create", order_payload(order), webhook_id="w-9")
    assert response.status_code == 503
    assert counts(session_factory) == (0, 0)
    fake_shopify.fail_next(0)
    again = send_webhook(webhook_url(gateway), "orders/create", order_payload(order), webhook_id="w-9")
    assert again.json() == {"outcome": "created"}


def test_an_order_the_policy_cannot_hold_is_acknowledged_and_not_stored(
    gateway: ServedApp, fake_shopify: FakeShopify, session_factory: sessionmaker[Session]
) -> None:
    order = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    order["name"] = "#12345678"  # more digits than the shop's order-number shape allows
    response = send_webhook(webhook_url(gateway), "orders/create", order_payload(order))
    assert response.json() == {"outcome": "invalid"}  # Shopify need not retry: it would not help
    assert counts(session_factory) == (0, 1)
