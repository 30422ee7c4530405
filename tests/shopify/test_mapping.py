"""Shopify's order JSON -> the order system's record: pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.policy import Policy
from integrations.shopify.mapping import UnmappableOrder, line_keys, order_record
from tests.shopify.fake_admin import FakeShopify

PLACED = datetime(2026, 10, 10, 15, 0, tzinfo=UTC)


def shop() -> FakeShopify:
    return FakeShopify(currency="USD")


def test_an_unfulfilled_paid_order_maps_to_a_paid_order_with_its_money_and_address(policy: Policy) -> None:
    fake = shop()
    node = fake.add_order(1001, "Ava.Reed@Example.com", placed=PLACED, zip_code="10001")
    record = order_record(node, policy)
    assert record.number == "#1001"
    assert record.external_id == node["id"]
    order = record.order
    assert order["status"] == "paid"
    assert order["customer_email"] == "ava.reed@example.com"
    assert (order["currency"], order["subtotal"], order["shipping_cost"], order["total"]) == (
        "USD",
        "25.00",
        "5.00",
        "30.00",
    )
    assert order["shipping_address"]["postcode"] == "10001"
    assert order["lines"] == [
        {
            "sku": "TEE-01",
            "name": "Linen tee - M",
            "category": "apparel",
            "quantity": 1,
            "unit_price": "25.00",
            "final_sale": False,
        }
    ]
    assert record.customer == {
        "email": "ava.reed@example.com",
        "name": "Ava Reed",
        "phone": None,
        "postcode": "10001",
        "country": "US",
    }


def test_a_fulfilled_order_has_a_shipment_with_the_carriers_tracking_page_and_events(policy: Policy) -> None:
    fake = shop()
    fake.add_order(1002, "ava@example.com", placed=PLACED)
    fake.fulfil(
        "#1002",
        company="UPS",
        tracking="1Z999AA10123456784",
        shipped=datetime(2026, 10, 11, 9, tzinfo=UTC),
        events=[
            ("IN_TRANSIT", datetime(2026, 10, 12, 9, tzinfo=UTC), "Memphis"),
            ("LABEL_PRINTED", PLACED, ""),
        ],
    )
    order = order_record(fake.by_number("#1002"), policy).order
    assert order["status"] == "shipped"
    [shipment] = order["shipments"]
    assert shipment["carrier"] == "UPS"
    assert shipment["tracking_url"] == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert shipment["line_skus"] == ["TEE-01"]
    assert [(e["code"], e["location"]) for e in shipment["events"]] == [
        ("in_transit", "Memphis, US"),
        ("label_created", "US"),
    ]


def test_a_delivered_fulfillment_makes_the_order_delivered(policy: Policy) -> None:
    fake = shop()
    fake.add_order(1003, "ava@example.com", placed=PLACED)
    delivered = datetime(2026, 10, 13, tzinfo=UTC)
    fake.fulfil("#1003", company="FedEx", tracking="7946", shipped=PLACED, delivered=delivered)
    order = order_record(fake.by_number("#1003"), policy).order
    assert order["status"] == "delivered"
    assert order["shipments"][0]["delivered_at"] == "2026-10-13T00:00:00+00:00"
    assert order["shipments"][0]["tracking_url"] == "https://www.fedex.com/fedextrack/?trknbr=7946"


def test_a_cancelled_order_is_cancelled_whatever_its_payment(policy: Policy) -> None:
    fake = shop()
    node = fake.add_order(1004, "ava@example.com", placed=PLACED)
    node["cancelledAt"] = "2026-10-11T10:00:00Z"
    assert order_record(node, policy).order["status"] == "cancelled"


def test_two_lines_with_one_sku_are_told_apart_by_their_shopify_ids(policy: Policy) -> None:
    fake = shop()
    node = fake.add_order(
        1005,
        "ava@example.com",
        placed=PLACED,
        lines=[("MUG", "Mug - red", 1, "9.00", "Home"), ("MUG", "Mug - blue", 1, "9.00", "Home")],
    )
    keys = list(line_keys(node).values())
    assert len(set(keys)) == 2 and all(k.startswith("shopify-") for k in keys)
    assert sum(Decimal(li["unit_price"]) for li in order_record(node, policy).order["lines"]) == Decimal("18")


def test_a_gift_card_and_a_final_sale_tag_are_read_from_the_line_and_its_product(policy: Policy) -> None:
    fake = shop()
    node = fake.add_order(
        1006,
        "ava@example.com",
        placed=PLACED,
        lines=[("GC-50", "Gift card", 1, "50.00", ""), ("SALE-1", "Scarf", 1, "10.00", "Accessories")],
    )
    node["lineItems"]["nodes"][0]["isGiftCard"] = True
    node["lineItems"]["nodes"][1]["product"]["tags"] = ["Final-Sale"]
    lines = order_record(node, policy).order["lines"]
    assert (lines[0]["category"], lines[0]["final_sale"]) == ("gift_card", False)
    assert (lines[1]["category"], lines[1]["final_sale"]) == ("accessories", True)


def test_an_order_without_an_email_cannot_be_held(policy: Policy) -> None:
    fake = shop()
    node = fake.add_order(1007, "ava@example.com", placed=PLACED)
    node["email"] = None
    node["customer"]["email"] = None
    with pytest.raises(UnmappableOrder, match="no customer email"):
        order_record(node, policy)


def test_a_refund_for_a_return_marks_the_return_refunded(policy: Policy) -> None:
    fake = shop()
    fake.add_order(1008, "ava@example.com", placed=PLACED)
    fulfillment = fake.fulfil("#1008", company="UPS", tracking="1Z1", shipped=PLACED)
    node = fake.by_number("#1008")
    line_item = node["lineItems"]["nodes"][0]["id"]
    node["returns"]["nodes"].append(
        {
            "id": "gid://shopify/Return/1",
            "name": "#1008-R1",
            "status": "CLOSED",
            "createdAt": "2026-10-14T10:00:00Z",
            "returnLineItems": {
                "nodes": [
                    {
                        "quantity": 1,
                        "returnReason": "SIZE_TOO_SMALL",
                        "fulfillmentLineItem": {"lineItem": {"id": line_item}},
                    }
                ]
            },
        }
    )
    node["refunds"].append(
        {
            "id": "gid://shopify/Refund/1",
            "createdAt": "2026-10-15T10:00:00Z",
            "totalRefundedSet": {"shopMoney": {"amount": "25.00", "currencyCode": "USD"}},
            "return": {"name": "#1008-R1"},
            "transactions": {
                "nodes": [{"gateway": "shopify_payments", "status": "SUCCESS", "processedAt": None}]
            },
        }
    )
    assert fulfillment["trackingInfo"][0]["company"] == "UPS"
    order = order_record(node, policy).order
    [ret] = order["returns"]
    assert (ret["rma_number"], ret["reason"], ret["status"]) == ("#1008-R1", "does_not_fit", "refunded")
    [refund] = order["refunds"]
    assert (refund["amount"], refund["method"], refund["status"], refund["rma_number"]) == (
        "25.00",
        "card",
        "completed",
        "#1008-R1",
    )


def test_a_cancelled_fulfillment_is_not_a_parcel(policy: Policy) -> None:
    fake = shop()
    fake.add_order(1009, "ava@example.com", placed=PLACED)
    fulfillment = fake.fulfil("#1009", company="UPS", tracking="1Z9", shipped=PLACED)
    fulfillment["status"] = "CANCELLED"
    node = fake.by_number("#1009")
    node["displayFulfillmentStatus"] = "UNFULFILLED"
    order = order_record(node, policy).order
    assert order["shipments"] == []
    assert order["status"] == "paid"
