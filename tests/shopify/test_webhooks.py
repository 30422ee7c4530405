"""Shopify's webhooks through the real gateway over HTTP, with the fake Admin API behind the connector:
signatures, duplicates, order, and an order the backfill never saw. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.orders.model import OrderStatus
from bot.orders.repository import OrderRepository
from bot.orders.tables import ExternalEventRow, OrderRow
from integrations.gateway.app import create_app
from integrations.gateway.config import GatewaySettings
from integrations.shopify.sync import ShopifySync
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, serve, start
from tests.shopify.fake_admin import (
    API_SECRET,
    SHOP,
    TOKEN,
    FakeShopify,
    fulfillment_payload,
    order_payload,
    send_webhook,
    sign,
)

PLACED = datetime(2026, 10, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def gateway(database_url: str, policy_file: Path, fake_shopify: FakeShopify) -> Iterator[ServedApp]:
    settings = GatewaySettings(
        database_url=database_url,
        rasa_url=RASA_URL,
        action_server_url=ACTIONS_URL,
        policy_file=policy_file,
        shopify_shop=SHOP,
        shopify_access_token=TOKEN,
        shopify_api_secret=API_SECRET,
        shopify_graphql_url=fake_shopify.graphql_url,
        max_body_bytes=16 * 1024,  # the chat's limit; the webhook address has its own (1 MiB)
        shopify_reconcile_hours=0,  # only webhooks here (the scheduled reconcile: test_scheduled_reconcile)
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


def long_order_payload(order: dict[str, object], size: int) -> dict[str, object]:
    """An ``orders/*`` body of about ``size`` bytes: Shopify's carry every line with its properties, tax
    and discount lines, and addresses; a large order's easily pass 16 KiB."""
    line = {
        "id": 0,
        "title": "Linen tee",
        "variant_title": "M / Sand",
        "sku": "TEE-01",
        "quantity": 1,
        "price": "25.00",
        "properties": [{"name": "Engraving", "value": "x" * 200}],
        "tax_lines": [{"title": "NY State Tax", "price": "1.00", "rate": 0.04}],
        "discount_allocations": [],
    }
    one = len(json.dumps({**line, "id": 10**6}, separators=(",", ":"))) + 1
    count = size // one + 1
    return {**order_payload(order), "line_items": [{**line, "id": n} for n in range(10**6, 10**6 + count)]}


def test_a_signed_100_kib_order_webhook_is_accepted_and_stored(
    gateway: ServedApp, fake_shopify: FakeShopify, session_factory: sessionmaker[Session]
) -> None:
    order = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    payload = long_order_payload(order, 100 * 1024)
    assert len(json.dumps(payload, separators=(",", ":"))) > 100 * 1024
    response = send_webhook(webhook_url(gateway), "orders/create", payload)
    assert response.status_code == 200, response.text
    assert response.json() == {"outcome": "created"}
    assert counts(session_factory) == (1, 1)


def test_a_2_mib_webhook_is_refused_with_413_before_its_signature_is_checked(
    gateway: ServedApp, fake_shopify: FakeShopify, session_factory: sessionmaker[Session]
) -> None:
    order = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    payload = long_order_payload(order, 2 * 1024 * 1024)
    signed = send_webhook(webhook_url(gateway), "orders/create", payload)
    unsigned = send_webhook(webhook_url(gateway), "orders/create", payload, signature="not-a-signature")
    assert (signed.status_code, unsigned.status_code) == (413, 413)  # not 401: refused before the HMAC
    assert signed.json() == {"detail": "The request is too large."}
    assert counts(session_factory) == (0, 0)
    assert fake_shopify.operations() == []


def test_a_streamed_webhook_without_a_length_is_cut_off_at_the_webhook_limit(
    gateway: ServedApp, fake_shopify: FakeShopify, session_factory: sessionmaker[Session]
) -> None:
    order = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    body = json.dumps(long_order_payload(order, 2 * 1024 * 1024), separators=(",", ":")).encode()

    def chunks() -> Iterator[bytes]:
        for at in range(0, len(body), 64 * 1024):
            yield body[at : at + 64 * 1024]

    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": sign(body),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
    }
    response = httpx.post(webhook_url(gateway), content=chunks(), headers=headers, timeout=30)
    assert response.status_code == 413
    assert counts(session_factory) == (0, 0)


def test_the_chat_api_keeps_its_16_kib_limit_beside_the_webhooks_larger_one(gateway: ServedApp) -> None:
    with httpx.Client(base_url=gateway.url, timeout=30) as http:
        shopper = start(http)
        response = shopper.send("x" * 100 * 1024)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large."}
