"""Backfill and reconcile against the local fake Shopify, over real SQLite and PostgreSQL: pages, cost
limits, HTTP 429, and versions arriving out of order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.orders.model import OrderStatus
from bot.orders.repository import OrderRepository
from bot.orders.tables import OrderRow
from bot.policy import Policy
from integrations.shopify import store
from integrations.shopify.client import ShopifyClient, ShopifyUnavailable
from integrations.shopify.mapping import order_record
from integrations.shopify.store import Applied
from integrations.shopify.sync import ShopifySync
from tests.shopify.conftest import NOW, RecordedSleep
from tests.shopify.fake_admin import FakeShopify

PLACED = datetime(2026, 10, 10, 15, 0, tzinfo=UTC)


def seed(fake: FakeShopify, count: int) -> None:
    for i in range(count):
        fake.add_order(1001 + i, f"shopper{i}@example.com", placed=PLACED + timedelta(hours=i))


def order_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(OrderRow)) or 0)


def test_backfill_reads_every_page_and_writes_every_order(
    fake_shopify: FakeShopify, sync: ShopifySync, session_factory: sessionmaker[Session]
) -> None:
    seed(fake_shopify, 5)
    fake_shopify.fulfil("#1003", company="UPS", tracking="1Z3", shipped=PLACED + timedelta(days=1))
    report = sync.backfill(page_size=2)
    assert report.pages == 3
    assert report.outcomes == {"created": 5}
    pages = fake_shopify.operations("ShopdeskOrders")
    assert [r.variables["after"] is None for r in pages] == [True, False, False]
    assert order_count(session_factory) == 5
    with session_factory() as session:
        shipped = OrderRepository(session).get_order("#1003")
    assert shipped is not None and shipped.status is OrderStatus.SHIPPED
    assert shipped.shipments[0].tracking_url == "https://www.ups.com/track?tracknum=1Z3"


def test_a_second_backfill_changes_nothing(
    fake_shopify: FakeShopify, sync: ShopifySync, session_factory: sessionmaker[Session]
) -> None:
    seed(fake_shopify, 3)
    sync.backfill()
    assert sync.backfill().outcomes == {"unchanged": 3}
    assert order_count(session_factory) == 3


def test_reconcile_reads_only_orders_updated_since_the_last_sync(
    fake_shopify: FakeShopify, sync: ShopifySync, session_factory: sessionmaker[Session]
) -> None:
    seed(fake_shopify, 3)
    sync.backfill()
    fake_shopify.fulfil("#1001", company="FedEx", tracking="7946", shipped=PLACED + timedelta(days=1))
    report = sync.reconcile()
    assert report.outcomes["updated"] == 1
    query = fake_shopify.operations("ShopdeskOrders")[-1].variables["query"]
    assert query.startswith("updated_at:>=")
    with session_factory() as session:
        order = OrderRepository(session).get_order("#1001")
    assert order is not None and order.shipments[0].carrier == "FedEx"


def test_queries_over_the_cost_limit_wait_for_the_bucket_and_succeed(
    fake_shopify: FakeShopify, sync: ShopifySync, sleep: RecordedSleep, session_factory: sessionmaker[Session]
) -> None:
    seed(fake_shopify, 6)
    fake_shopify.throttle(maximum=30, restore_rate=40)  # a page of 2 costs 22: the second must wait
    report = sync.backfill(page_size=2)
    assert report.outcomes == {"created": 6}
    assert sleep.waits, "the client should have waited for the cost bucket"
    throttled = [r for r in fake_shopify.operations("ShopdeskOrders") if r.throttled]
    served = [r for r in fake_shopify.operations("ShopdeskOrders") if not r.throttled]
    assert len(served) == 3
    # the client waits before sending what the bucket cannot pay for, so Shopify rarely has to refuse
    assert len(throttled) <= 1
    assert order_count(session_factory) == 6


def test_a_throttled_answer_is_retried_after_the_missing_points_refill(
    fake_shopify: FakeShopify, client: ShopifyClient, sleep: RecordedSleep
) -> None:
    fake_shopify.throttle(maximum=15, restore_rate=20)
    fake_shopify.bucket.available = 0  # another app emptied the shared bucket
    data = client.execute("query ShopdeskShop { shop { name myshopifyDomain currencyCode } }")
    assert data["shop"]["currencyCode"] == "USD"
    assert fake_shopify.operations("ShopdeskShop")[0].throttled
    assert sleep.waits and sleep.waits[0] > 0


def test_http_429_is_retried_after_retry_after(
    fake_shopify: FakeShopify, sync: ShopifySync, sleep: RecordedSleep, session_factory: sessionmaker[Session]
) -> None:
    seed(fake_shopify, 2)
    fake_shopify.fail_next(2, retry_after="1")
    assert sync.backfill().outcomes == {"created": 2}
    assert [r.status for r in fake_shopify.operations()][:3] == [429, 429, 200]
    assert sleep.waits[:2] == [1.0, 1.0]


def test_shopify_answering_429_every_time_gives_up_with_a_clear_error(
    fake_shopify: FakeShopify, sync: ShopifySync, session_factory: sessionmaker[Session]
) -> None:
    seed(fake_shopify, 1)
    fake_shopify.fail_next(100, retry_after="0")
    with pytest.raises(ShopifyUnavailable, match="did not answer after"):
        sync.backfill()
    assert order_count(session_factory) == 0


def test_an_older_version_never_overwrites_a_newer_one(
    fake_shopify: FakeShopify, policy: Policy, session_factory: sessionmaker[Session]
) -> None:
    node = fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    older = order_record(node, policy)
    fake_shopify.fulfil("#1001", company="UPS", tracking="1Z1", shipped=PLACED + timedelta(days=1))
    newer = order_record(fake_shopify.by_number("#1001"), policy)
    with session_factory.begin() as session:
        assert store.apply(session, newer, policy.order_numbers, NOW) is Applied.CREATED
    with session_factory.begin() as session:
        assert store.apply(session, older, policy.order_numbers, NOW) is Applied.STALE
        assert store.apply(session, newer, policy.order_numbers, NOW) is Applied.UNCHANGED
    with session_factory() as session:
        order = OrderRepository(session).get_order("#1001")
    assert order is not None and order.status is OrderStatus.SHIPPED and len(order.shipments) == 1
