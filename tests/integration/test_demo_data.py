from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from bot.ops.demo_data import DEMO_NOW, SHOWCASE, generate
from bot.orders.model import Order, OrderStatus, RefundStatus, ReturnStatus, TrackingCode
from bot.orders.repository import OrderRepository
from bot.policy import load_policy

POLICY = load_policy()
TODAY = DEMO_NOW.astimezone(POLICY.timezone).date()
NOT_RETURNABLE = set(POLICY.excluded_categories)


def local_day(instant: datetime) -> date:
    return instant.astimezone(POLICY.timezone).date()


def test_the_same_seed_gives_the_same_shop() -> None:
    assert generate(7, DEMO_NOW).as_import() == generate(7, DEMO_NOW).as_import()
    assert generate(7, DEMO_NOW).as_import() != generate(8, DEMO_NOW).as_import()


def test_the_demo_shop_is_big_enough_and_only_uses_example_addresses() -> None:
    data = generate(7, DEMO_NOW)
    assert len(data.customers) >= 120 and len(data.orders) >= 320
    assert all(c["email"].endswith(("@example.com", "@example.org")) for c in data.customers)
    assert {"IE", "FR", "DE", "US", "CA", "AU"} <= {c["country"] for c in data.customers}
    categories = {li["category"] for o in data.orders for li in o["lines"]}
    assert categories >= {"apparel", "footwear", "home", "accessories", "electronics"} | NOT_RETURNABLE
    carriers = {s["carrier"] for o in data.orders for s in o["shipments"]}
    assert carriers == {"Royal Mail", "DPD", "Evri", "DHL Express", "UPS"}


def test_showcase_numbers_are_the_first_thirty() -> None:
    assert [c.number for c in SHOWCASE] == [f"SD-{n}" for n in range(10001, 10031)]


@pytest.fixture
def showcase_orders(demo_session: Session) -> dict[str, Order]:
    repo = OrderRepository(demo_session)
    orders = {c.number: repo.get_order(c.number) for c in SHOWCASE}
    return {n: o for n, o in orders.items() if o is not None}


def last_scan_age(order: Order) -> timedelta:
    latest = order.shipments[0].latest_event
    assert latest is not None
    return DEMO_NOW - latest.occurred_at


def check(kind: str, order: Order) -> None:
    shipment = order.shipments[0] if order.shipments else None
    latest = shipment.latest_event if shipment else None
    codes = {e.code for s in order.shipments for e in s.events}
    if kind.startswith("delivered_") or kind in ("electronics_20_days",):
        days = 20 if kind == "electronics_20_days" else int(kind.split("_")[1])
        assert order.status is OrderStatus.DELIVERED
        assert shipment is not None and shipment.delivered_at is not None
        assert local_day(shipment.delivered_at) == TODAY - timedelta(days=days)
        if kind == "electronics_20_days":
            assert order.lines[0].category == "electronics"
    elif kind in ("in_transit_on_time", "international", "disrupted"):
        assert order.status is OrderStatus.SHIPPED and shipment is not None and shipment.delivered_at is None
        assert shipment.promised_date is not None and shipment.promised_date >= TODAY
        assert latest is not None and not latest.code.is_exception
        assert last_scan_age(order) < timedelta(days=POLICY.stalled_after_days)
        if kind == "international":
            assert order.shipping_address.country != "GB" and shipment.service_level == "international"
    elif kind == "late":
        assert shipment is not None and shipment.promised_date is not None
        assert TODAY > shipment.promised_date > TODAY - timedelta(days=POLICY.lost_after_days_late)
        assert shipment.delivered_at is None and last_scan_age(order) < timedelta(days=2)
    elif kind == "stalled":
        assert shipment is not None and shipment.promised_date is not None and shipment.promised_date >= TODAY
        assert last_scan_age(order) >= timedelta(days=5)
    elif kind.startswith("exception_") or kind in ("lost", "customs_hold", "returned_to_sender"):
        assert latest is not None and latest.code is TrackingCode(kind) and latest.code.is_exception
        if kind == "lost":
            assert shipment is not None and shipment.promised_date is not None
            assert (TODAY - shipment.promised_date).days > POLICY.lost_after_days_late
        if kind == "customs_hold":
            assert order.shipping_address.country not in ("GB",)
    elif kind == "final_sale":
        assert order.lines[0].final_sale and order.status is OrderStatus.DELIVERED
    elif kind == "mixed_returnable":
        categories = [li.category for li in order.lines]
        assert "apparel" in categories and "gift_card" in categories and "personalised" in categories
        assert [li.name for li in order.lines if li.final_sale] == ["Leather Belt"]
    elif kind == "split_shipment":
        assert len(order.shipments) == 2
        assert sorted(s.delivered_at is None for s in order.shipments) == [False, True]
        assert sorted(i for s in order.shipments for i in s.line_ids) == sorted(li.id for li in order.lines)
    elif kind == "cancelled":
        assert order.status is OrderStatus.CANCELLED and not order.shipments
        assert [r.status for r in order.refunds] == [RefundStatus.COMPLETED]
    elif kind == "already_returned":
        assert order.status is OrderStatus.RETURNED
        assert [r.status for r in order.returns] == [ReturnStatus.REFUNDED]
        assert all(order.returned_quantity(li.id) == li.quantity for li in order.lines)
    elif kind == "refund_pending":
        assert [r.status for r in order.returns] == [ReturnStatus.RECEIVED]
        assert [(r.status, r.rma_number) for r in order.refunds] == [
            (RefundStatus.PENDING, order.returns[0].rma_number)
        ]
    elif kind == "pending_payment":
        assert order.status is OrderStatus.PENDING and order.paid_at is None and not order.shipments
    elif kind == "processing":
        assert order.status.value in POLICY.cancellable_statuses and not order.shipments
    elif kind == "several_orders":
        pass  # checked below across the three orders
    elif kind == "international_delivered":
        assert order.shipping_address.country == "DE" and order.status is OrderStatus.DELIVERED
    elif kind == "delivery_attempted":
        assert latest is not None and latest.code is TrackingCode.DELIVERY_ATTEMPTED
    else:  # pragma: no cover
        pytest.fail(f"no check for showcase kind {kind}")
    assert codes or not order.shipments


@pytest.mark.parametrize("case", SHOWCASE, ids=lambda c: f"{c.number}-{c.kind}")
def test_each_showcase_order_is_in_the_state_it_claims(
    case: object, showcase_orders: dict[str, Order]
) -> None:
    from bot.ops.demo_data import ShowcaseCase

    assert isinstance(case, ShowcaseCase)
    order = showcase_orders[case.number]
    assert order.customer.email == case.email and order.customer.postcode == case.postcode
    assert order.total == order.subtotal + order.shipping_cost and isinstance(order.total, Decimal)
    check(case.kind, order)


def test_one_customer_has_several_orders(demo_session: Session) -> None:
    orders = OrderRepository(demo_session).orders_for_email("chloe.edwards@example.com")
    assert {o.number for o in orders} == {"SD-10025", "SD-10026", "SD-10027"}


def test_the_disrupted_order_is_affected_by_the_active_disruption_only(demo_session: Session) -> None:
    repo = OrderRepository(demo_session)
    disrupted, on_time = repo.get_order("SD-10022"), repo.get_order("SD-10001")
    assert disrupted is not None and on_time is not None
    active = repo.active_disruptions(DEMO_NOW)
    assert [
        d.affects(s.carrier, disrupted.shipping_address) for d in active for s in disrupted.shipments
    ] == [True]
    assert not any(d.affects(s.carrier, on_time.shipping_address) for d in active for s in on_time.shipments)
    assert len(active) == 1  # the Royal Mail strike has ended
