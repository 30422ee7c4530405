"""The assistant's changes on a connected shop go to Shopify first, and what Shopify did is what the order
system then says: cancellations and returns against the fake Admin API, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import fixed_clock
from bot.orders.model import NotAllowed, OrderStatus, RefundStatus, ReturnReason, ReturnStatus
from bot.orders.remote import ChangePending
from bot.orders.services import ShopService
from bot.policy import Policy
from bot.settings import Settings
from integrations.shopify.connect import remote_orders
from integrations.shopify.sync import ShopifySync
from integrations.shopify.writes import UNREACHABLE, ShopifyOrders
from tests.shopify.conftest import NOW
from tests.shopify.fake_admin import SHOP, TOKEN, FakeShopify

PLACED = NOW - timedelta(days=5)


@pytest.fixture
def settings_connected(fake_shopify: FakeShopify) -> Settings:
    return Settings(
        shopify_shop=SHOP, shopify_access_token=TOKEN, shopify_graphql_url=fake_shopify.graphql_url
    )


@pytest.fixture
def shop(sync: ShopifySync, session_factory: sessionmaker[Session], policy: Policy) -> ShopService:
    writes = ShopifyOrders(sync, pause=lambda _seconds: None)
    return ShopService(session_factory, policy, fixed_clock(NOW), secret=b"test-secret", remote=writes)


def test_cancelling_an_unshipped_order_cancels_it_on_shopify_and_here(
    fake_shopify: FakeShopify, sync: ShopifySync, shop: ShopService
) -> None:
    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    sync.backfill()
    order = shop.verify("#1001", "ava@example.com")
    cancelled = shop.cancel(order)
    assert fake_shopify.by_number("#1001")["cancelledAt"] is not None
    assert [r.variables["orderId"] for r in fake_shopify.operations("ShopdeskOrderCancel")] == [
        fake_shopify.by_number("#1001")["id"]
    ]
    assert cancelled.status is OrderStatus.CANCELLED
    assert [(r.amount, r.status) for r in cancelled.refunds] == [(order.total, RefundStatus.PROCESSING)]


def test_a_cancellation_shopify_finishes_a_moment_later_is_waited_for(
    fake_shopify: FakeShopify, sync: ShopifySync, shop: ShopService
) -> None:
    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    sync.backfill()
    fake_shopify.cancel_job_reads = 3  # the job is done by the third read of the order
    assert shop.cancel(shop.verify("#1001", "ava@example.com")).status is OrderStatus.CANCELLED


def test_a_cancellation_shopify_is_still_processing_is_told_as_such_not_as_done(
    fake_shopify: FakeShopify, sync: ShopifySync, shop: ShopService
) -> None:
    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    sync.backfill()
    fake_shopify.cancel_job_reads = 50
    order = shop.verify("#1001", "ava@example.com")
    with pytest.raises(ChangePending) as pending:
        shop.cancel(order)
    assert (pending.value.platform, pending.value.order_number) == ("Shopify", "#1001")
    assert shop.reload(order).status is OrderStatus.PAID  # what Shopify shows so far


def test_a_cancellation_shopify_refuses_is_refused_with_shopifys_reason_and_nothing_changes(
    fake_shopify: FakeShopify, sync: ShopifySync, shop: ShopService
) -> None:
    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    sync.backfill()
    fake_shopify.refuse_next_cancel = "Order is being prepared for fulfillment"
    order = shop.verify("#1001", "ava@example.com")
    with pytest.raises(NotAllowed) as refused:
        shop.cancel(order)
    assert refused.value.reason == "Shopify refused it: Order is being prepared for fulfillment"
    assert shop.reload(order).status is OrderStatus.PAID
    assert fake_shopify.by_number("#1001")["cancelledAt"] is None


def test_with_shopify_unreachable_the_shopper_hears_nothing_changed(
    fake_shopify: FakeShopify, sync: ShopifySync, shop: ShopService
) -> None:
    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    sync.backfill()
    order = shop.verify("#1001", "ava@example.com")
    fake_shopify.fail_next(100, retry_after="0")
    with pytest.raises(NotAllowed) as refused:
        shop.cancel(order)
    assert refused.value.reason == UNREACHABLE
    assert shop.reload(order).status is OrderStatus.PAID


def test_a_return_is_opened_on_shopify_and_carries_shopifys_number(
    fake_shopify: FakeShopify, sync: ShopifySync, shop: ShopService
) -> None:
    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    fake_shopify.fulfil(
        "#1001",
        company="UPS",
        tracking="1Z1",
        shipped=PLACED + timedelta(days=1),
        delivered=datetime(2026, 10, 13, 15, tzinfo=UTC),
    )
    sync.backfill()
    order = shop.verify("#1001", "ava@example.com")
    line = order.lines[0].id
    reason = ReturnReason.DOES_NOT_FIT
    created = shop.start_return(order, [line], reason, "key-1", instructions="Use the label.")
    assert (created.rma_number, created.status, created.instructions) == (
        "#1001-R1",
        ReturnStatus.REQUESTED,
        "Use the label.",
    )
    [request] = fake_shopify.operations("ShopdeskReturnRequest")
    assert request.variables["input"]["returnLineItems"][0]["quantity"] == 1
    # the same confirmation again: the same return, Shopify not asked twice
    again = shop.start_return(shop.reload(order), [line], ReturnReason.DOES_NOT_FIT, "key-1")
    assert again.rma_number == "#1001-R1"
    assert len(fake_shopify.operations("ShopdeskReturnRequest")) == 1
    # a reconcile keeps what only the order system knows about the return
    fake_shopify.by_number("#1001")["updatedAt"] = fake_shopify.tick()
    sync.reconcile()
    [kept] = shop.reload(order).returns
    assert kept.instructions == "Use the label."


def test_an_order_not_on_shopify_is_changed_here_as_before(
    fake_shopify: FakeShopify, sync: ShopifySync, shop: ShopService, session_factory: sessionmaker[Session]
) -> None:
    from bot.ops.order_io import import_data

    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    sync.backfill()
    order = shop.verify("#1001", "ava@example.com")
    with session_factory.begin() as session:
        record = {
            "number": "#2002",
            "customer_email": "ava@example.com",
            "status": "paid",
            "placed_at": PLACED.isoformat(),
            "paid_at": PLACED.isoformat(),
            "currency": "USD",
            "subtotal": "10.00",
            "shipping_cost": "0.00",
            "total": "10.00",
            "shipping_address": order.shipping_address.__dict__,
            "lines": [{"sku": "X", "name": "X", "category": "home", "quantity": 1, "unit_price": "10.00"}],
        }
        import_data(session, {"orders": [record]}, shop.policy.order_numbers)
    local = shop.verify("#2002", "ava@example.com")
    assert shop.cancel(local).status is OrderStatus.CANCELLED
    assert fake_shopify.operations("ShopdeskOrderCancel") == []


def test_the_assistants_writes_give_up_sooner_than_a_backfill(
    settings_connected: Settings, session_factory: sessionmaker[Session]
) -> None:
    writes = remote_orders(settings_connected, session_factory)
    assert writes is not None
    with writes.sync.client as client:
        assert (client.max_attempts, client.max_wait) == (3, 5.0)
    assert remote_orders(Settings(database_url="sqlite://"), session_factory) is None
