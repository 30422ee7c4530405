"""Small builders for domain objects: sensible defaults, keyword overrides for what a test is about.

The defaults describe one ordinary order: a customer in Leeds, one £49.00 apparel line, paid on Monday
2 March 2026, no shipment (pass ``shipments=`` for one). Every builder takes any field as a keyword.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.orders.model import (
    Address,
    Customer,
    Disruption,
    Order,
    OrderLine,
    OrderStatus,
    Return,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    Shipment,
    TrackingCode,
    TrackingEvent,
)


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC instant; noon by default so the local date is the same in London all year."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_customer(**overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "id": 1,
        "name": "Alex Example",
        "email": "alex@example.com",
        "phone": None,
        "postcode": "LS1 4AP",
        "country": "GB",
    }
    values.update(overrides)
    return Customer(**values)


def make_address(**overrides: Any) -> Address:
    values: dict[str, Any] = {
        "name": "Alex Example",
        "line1": "1 Park Row",
        "city": "Leeds",
        "postcode": "LS1 4AP",
        "country": "GB",
    }
    values.update(overrides)
    return Address(**values)


def make_line(**overrides: Any) -> OrderLine:
    values: dict[str, Any] = {
        "id": 1,
        "sku": "TSHIRT-NAVY-M",
        "name": "Navy T-shirt",
        "category": "apparel",
        "quantity": 1,
        "unit_price": Decimal("49.00"),
        "final_sale": False,
    }
    values.update(overrides)
    return OrderLine(**values)


def make_event(
    code: TrackingCode, occurred_at: datetime, location: str = "Leeds depot", description: str = ""
) -> TrackingEvent:
    return TrackingEvent(occurred_at=occurred_at, code=code, location=location, description=description)


def make_shipment(**overrides: Any) -> Shipment:
    """Dispatched on Tuesday 3 March 2026 by standard delivery, promised for 10 March, not delivered."""
    values: dict[str, Any] = {
        "id": 1,
        "carrier": "Royal Mail",
        "service_level": "standard",
        "tracking_number": "RM123456789GB",
        "tracking_url": "https://track.example/RM123456789GB",
        "shipped_at": utc(2026, 3, 3, 15),
        "promised_date": date(2026, 3, 10),
        "estimated_date": None,
        "delivered_at": None,
        "line_ids": (1,),
        "events": (),
    }
    values.update(overrides)
    return Shipment(**values)


def make_delivered_shipment(delivered_at: datetime, **overrides: Any) -> Shipment:
    """Delivered at ``delivered_at`` (with a matching DELIVERED scan), dispatched two days before."""
    values: dict[str, Any] = {
        "shipped_at": delivered_at - timedelta(days=2),
        "delivered_at": delivered_at,
        "events": (make_event(TrackingCode.DELIVERED, delivered_at, location="Leeds"),),
    }
    values.update(overrides)
    return make_shipment(**values)


def make_return(line_id: int = 1, quantity: int = 1, **overrides: Any) -> Return:
    values: dict[str, Any] = {
        "rma_number": "RMA-1001",
        "reason": ReturnReason.CHANGED_MIND,
        "status": ReturnStatus.REQUESTED,
        "instructions": "Print the label and drop the parcel at any post office.",
        "created_at": utc(2026, 3, 12),
        "lines": (ReturnLine(line_id=line_id, quantity=quantity),),
    }
    values.update(overrides)
    return Return(**values)


def make_order(**overrides: Any) -> Order:
    """An order; ``subtotal`` and ``total`` follow the lines unless given."""
    lines: tuple[OrderLine, ...] = tuple(overrides.pop("lines", (make_line(),)))
    subtotal = sum((line.total for line in lines), Decimal("0"))
    shipping_cost = overrides.pop("shipping_cost", Decimal("0.00"))
    values: dict[str, Any] = {
        "id": 1,
        "number": "SD-10023",
        "customer": make_customer(),
        "status": OrderStatus.PAID,
        "placed_at": utc(2026, 3, 2, 10),
        "paid_at": utc(2026, 3, 2, 10, 1),
        "currency": "GBP",
        "subtotal": subtotal,
        "shipping_cost": shipping_cost,
        "total": subtotal + shipping_cost,
        "shipping_address": make_address(),
        "lines": lines,
        "shipments": (),
        "returns": (),
        "refunds": (),
    }
    values.update(overrides)
    values["shipments"] = tuple(values["shipments"])
    values["returns"] = tuple(values["returns"])
    return Order(**values)


def make_disruption(**overrides: Any) -> Disruption:
    """Snow in Yorkshire (LS postcodes), Royal Mail, three extra days, started 1 March 2026, no end set."""
    values: dict[str, Any] = {
        "id": 1,
        "title": "Snow in Yorkshire",
        "carrier": "Royal Mail",
        "countries": ("GB",),
        "postcode_prefixes": ("LS",),
        "starts_at": utc(2026, 3, 1, 0),
        "ends_at": None,
        "extra_days": 3,
        "explanation": "Heavy snow in West Yorkshire is slowing Royal Mail deliveries by a few days.",
    }
    values.update(overrides)
    return Disruption(**values)
