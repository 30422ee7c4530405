"""Shopify's order (the Admin GraphQL ``Order`` read by ``queries.ORDER_FIELDS``) -> the order system.

Pure functions, no I/O: the result is one customer and one order in the import format of
``docs/order-format.md``, written by ``bot.ops.order_io.import_data`` (validated, then matched by natural
key: customer by email, order by number, line by SKU, shipment by tracking number, return by RMA number,
refund by creation time), so a Shopify order and an imported one are the same rows. Where each field comes
from, and what has no source in Shopify, is the table in ``docs/shopify.md``; keep the two in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.errors import ShopdeskError
from bot.orders.model import OrderStatus, RefundStatus, ReturnReason, ReturnStatus, TrackingCode
from bot.policy import Policy

SOURCE = "shopify"
FINAL_SALE_TAGS = frozenset({"final-sale", "final sale", "final_sale"})

# FulfillmentEventStatus -> our tracking codes (statuses not listed are not tracking news: skipped)
EVENT_CODES = {
    "LABEL_PRINTED": TrackingCode.LABEL_CREATED,
    "LABEL_PURCHASED": TrackingCode.LABEL_CREATED,
    "CONFIRMED": TrackingCode.LABEL_CREATED,
    "CARRIER_PICKED_UP": TrackingCode.PICKED_UP,
    "PICKED_UP": TrackingCode.PICKED_UP,
    "IN_TRANSIT": TrackingCode.IN_TRANSIT,
    "DELAYED": TrackingCode.IN_TRANSIT,
    "READY_FOR_PICKUP": TrackingCode.OUT_FOR_DELIVERY,
    "OUT_FOR_DELIVERY": TrackingCode.OUT_FOR_DELIVERY,
    "ATTEMPTED_DELIVERY": TrackingCode.DELIVERY_ATTEMPTED,
    "DELIVERED": TrackingCode.DELIVERED,
    "FAILURE": TrackingCode.EXCEPTION_ADDRESS,
}

# ReturnReason (Shopify) -> ours, and back for the returns the assistant opens
RETURN_REASONS = {
    "SIZE_TOO_LARGE": ReturnReason.DOES_NOT_FIT,
    "SIZE_TOO_SMALL": ReturnReason.DOES_NOT_FIT,
    "DEFECTIVE": ReturnReason.DAMAGED,
    "NOT_AS_DESCRIBED": ReturnReason.DAMAGED,
    "WRONG_ITEM": ReturnReason.WRONG_ITEM,
    "UNWANTED": ReturnReason.CHANGED_MIND,
    "STYLE": ReturnReason.CHANGED_MIND,
    "COLOR": ReturnReason.CHANGED_MIND,
}
SHOPIFY_RETURN_REASONS = {
    ReturnReason.CHANGED_MIND: "UNWANTED",
    ReturnReason.DAMAGED: "DEFECTIVE",
    ReturnReason.WRONG_ITEM: "WRONG_ITEM",
    ReturnReason.DOES_NOT_FIT: "OTHER",  # Shopify has "too large" or "too small" only
    ReturnReason.OTHER: "OTHER",
}

RETURN_STATUSES = {
    "REQUESTED": ReturnStatus.REQUESTED,
    "OPEN": ReturnStatus.REQUESTED,  # approved; the parcel has not been received yet
    "CLOSED": ReturnStatus.RECEIVED,
    "DECLINED": ReturnStatus.REJECTED,
    "CANCELED": ReturnStatus.REJECTED,
}

# FulfillmentStatus values of a fulfillment that never left (or was called back): not a parcel
VOID_FULFILLMENTS = frozenset({"CANCELLED", "ERROR", "FAILURE"})

REFUND_METHODS = {"shopify_payments": "card", "bogus": "card", "paypal": "paypal", "gift_card": "gift_card"}


class UnmappableOrder(ShopdeskError):
    """A Shopify order the order system cannot hold (no customer email, nothing to ship to, no lines)."""


@dataclass(frozen=True)
class OrderRecord:
    """One Shopify order mapped: the import format's customer and order, and what identifies it there."""

    external_id: str  # the order's GraphQL id, gid://shopify/Order/...
    updated_at: datetime
    customer: dict[str, Any]
    order: dict[str, Any]

    @property
    def number(self) -> str:
        return str(self.order["number"])


def instant(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _amount(money_set: Mapping[str, Any] | None) -> Decimal:
    if not money_set:
        return Decimal("0.00")
    return Decimal(str(money_set["shopMoney"]["amount"])).quantize(Decimal("0.01"))


def _nodes(connection: Any) -> list[dict[str, Any]]:
    """A connection's nodes (``{nodes: [...]}``) or a plain list (``fulfillments``, ``refunds``)."""
    if connection is None:
        return []
    if isinstance(connection, list):
        return connection
    return list(connection.get("nodes") or [])


def slug(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (text or "").strip().lower()).strip("_")


def line_keys(node: Mapping[str, Any]) -> dict[str, str]:
    """Shopify line item id -> the line's key in the order system (its SKU; the line id where the SKU is
    missing or shared by two lines of the order, since the order system keys lines by SKU)."""
    items = _nodes(node.get("lineItems"))
    skus = [str(item.get("sku") or "").strip() for item in items]
    keys: dict[str, str] = {}
    for item, sku in zip(items, skus, strict=True):
        unique = sku and skus.count(sku) == 1
        keys[str(item["id"])] = sku if unique else f"shopify-{str(item['id']).rsplit('/', 1)[-1]}"
    return keys


def category(item: Mapping[str, Any]) -> str:
    """A gift card is ``gift_card``; else the product type as a policy category key ("Home & Living" ->
    ``home_living``); ``other`` without one (the default return window applies)."""
    if item.get("isGiftCard"):
        return "gift_card"
    product = item.get("product") or {}
    return slug(product.get("productType"))[:32] or "other"


def final_sale(item: Mapping[str, Any]) -> bool:
    tags = (item.get("product") or {}).get("tags") or []
    return any(str(tag).strip().lower() in FINAL_SALE_TAGS for tag in tags)


def service_level(node: Mapping[str, Any], policy: Policy) -> str:
    """The policy's shipping method named by the shipping line's code or title, else the title's slug
    (the rules then pick the method by destination country)."""
    line = node.get("shippingLine") or {}
    for candidate in (slug(line.get("code")), slug(line.get("title"))):
        if candidate in policy.shipping_methods:
            return candidate
    return (slug(line.get("title")) or "standard")[:32]


def _event(event: Mapping[str, Any]) -> dict[str, Any] | None:
    code = EVENT_CODES.get(str(event.get("status")))
    happened = instant(event.get("happenedAt"))
    if code is None or happened is None:
        return None
    place = ", ".join(str(p) for p in (event.get("city"), event.get("province"), event.get("country")) if p)
    return {
        "occurred_at": happened.isoformat(),
        "code": code.value,
        "location": place or "carrier network",
        "description": str(event.get("message") or ""),
    }


def shipment(
    fulfillment: Mapping[str, Any], keys: Mapping[str, str], node: Mapping[str, Any], policy: Policy
) -> dict[str, Any]:
    infos = fulfillment.get("trackingInfo") or []
    tracking: Mapping[str, Any] = infos[0] if infos else {}
    carrier = str(tracking.get("company") or "").strip() or "Unknown carrier"
    number = str(tracking.get("number") or "").strip() or str(fulfillment.get("name") or fulfillment["id"])
    url = str(tracking.get("url") or "").strip() or policy.tracking_url(carrier, number) or ""
    events = [e for e in map(_event, _nodes(fulfillment.get("events"))) if e is not None]
    delivered = instant(fulfillment.get("deliveredAt"))
    estimated = instant(fulfillment.get("estimatedDeliveryAt"))
    lines = [
        keys[str(fli["lineItem"]["id"])]
        for fli in _nodes(fulfillment.get("fulfillmentLineItems"))
        if str((fli.get("lineItem") or {}).get("id")) in keys
    ]
    return {
        "carrier": carrier[:64],
        "service_level": service_level(node, policy),
        "tracking_number": number[:64],
        "tracking_url": url[:500],
        "shipped_at": fulfillment.get("createdAt"),
        "promised_date": None,
        "estimated_date": None if estimated is None else estimated.date().isoformat(),
        "delivered_at": None if delivered is None else delivered.isoformat(),
        "line_skus": list(dict.fromkeys(lines)),
        "events": events,
    }


def _return(ret: Mapping[str, Any], keys: Mapping[str, str], refunded: set[str]) -> dict[str, Any] | None:
    lines: dict[str, int] = {}
    reasons = []
    for rli in _nodes(ret.get("returnLineItems")):
        line_id = str(((rli.get("fulfillmentLineItem") or {}).get("lineItem") or {}).get("id"))
        if line_id in keys:
            lines[keys[line_id]] = lines.get(keys[line_id], 0) + int(rli.get("quantity") or 0)
            reasons.append(RETURN_REASONS.get(str(rli.get("returnReason")), ReturnReason.OTHER))
    if not lines:
        return None
    status = RETURN_STATUSES.get(str(ret.get("status")), ReturnStatus.REQUESTED)
    if str(ret.get("name")) in refunded and status is not ReturnStatus.REJECTED:
        status = ReturnStatus.REFUNDED
    return {
        "rma_number": str(ret.get("name") or ret["id"])[:32],
        "reason": (reasons[0] if reasons else ReturnReason.OTHER).value,
        "status": status.value,
        "created_at": ret.get("createdAt"),
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines.items() if qty > 0],
    }


def refund(entry: Mapping[str, Any], currency: str) -> dict[str, Any]:
    transactions = _nodes(entry.get("transactions"))
    statuses = {str(t.get("status")) for t in transactions}
    if not transactions or statuses <= {"SUCCESS"}:
        status = RefundStatus.COMPLETED
    elif statuses & {"FAILURE", "ERROR"}:
        status = RefundStatus.FAILED
    else:
        status = RefundStatus.PROCESSING
    gateway = str(transactions[0].get("gateway") or "") if transactions else ""
    done = [instant(t.get("processedAt")) for t in transactions if t.get("status") == "SUCCESS"]
    completed = max((d for d in done if d is not None), default=None)
    if status is RefundStatus.COMPLETED and completed is None:
        completed = instant(entry.get("createdAt"))
    money = (entry.get("totalRefundedSet") or {}).get("shopMoney") or {}
    return {
        "amount": str(_amount(entry.get("totalRefundedSet"))),
        "currency": str(money.get("currencyCode") or currency),
        "method": REFUND_METHODS.get(gateway, slug(gateway) or "card")[:32],
        "status": status.value,
        "created_at": entry.get("createdAt"),
        "completed_at": None if completed is None else completed.isoformat(),
        "rma_number": str((entry.get("return") or {}).get("name") or "") or None,
    }


def order_status(node: Mapping[str, Any], shipments: list[dict[str, Any]]) -> OrderStatus:
    """Shopify's cancelled/financial/fulfilment statuses as one of ours (the table in docs/shopify.md)."""
    financial = str(node.get("displayFinancialStatus") or "")
    fulfilment = str(node.get("displayFulfillmentStatus") or "")
    if node.get("cancelledAt"):
        return OrderStatus.CANCELLED
    if financial == "REFUNDED":
        return OrderStatus.REFUNDED
    if fulfilment == "FULFILLED":
        delivered = bool(shipments) and all(s["delivered_at"] for s in shipments)
        return OrderStatus.DELIVERED if delivered else OrderStatus.SHIPPED
    if fulfilment == "PARTIALLY_FULFILLED":
        return OrderStatus.PARTIALLY_SHIPPED
    if fulfilment in ("IN_PROGRESS", "PENDING_FULFILLMENT", "ON_HOLD", "SCHEDULED"):
        return OrderStatus.PROCESSING
    if financial in ("PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "AUTHORIZED"):
        return OrderStatus.PAID
    return OrderStatus.PENDING


def order_record(node: Mapping[str, Any], policy: Policy) -> OrderRecord:
    """The order as the order system's import format; ``UnmappableOrder`` says why one cannot be."""
    customer = node.get("customer") or {}
    email = str(node.get("email") or customer.get("email") or "").strip().lower()
    if not email:
        raise UnmappableOrder(f"{node.get('name')}: no customer email (verification needs one)")
    address = node.get("shippingAddress") or {}
    default = customer.get("defaultAddress") or {}
    country = str(address.get("countryCodeV2") or default.get("countryCodeV2") or "").upper()
    postcode = str(address.get("zip") or default.get("zip") or "").strip()
    if not (address and country and postcode):
        raise UnmappableOrder(f"{node.get('name')}: no shipping address with a country and postcode")
    name = " ".join(p for p in (customer.get("firstName"), customer.get("lastName")) if p).strip()
    name = name or str(address.get("name") or email.split("@")[0])
    currency = str(node.get("currencyCode") or policy.currency)
    keys = line_keys(node)
    items = _nodes(node.get("lineItems"))
    if not items:
        raise UnmappableOrder(f"{node.get('name')}: no line items")
    fulfillments = [f for f in _nodes(node.get("fulfillments")) if f.get("status") not in VOID_FULFILLMENTS]
    shipments = [shipment(f, keys, node, policy) for f in fulfillments]
    refunds = [refund(r, currency) for r in _nodes(node.get("refunds"))]
    refunded_returns = {str(r["rma_number"]) for r in refunds if r["rma_number"]}
    returns = [r for r in (_return(x, keys, refunded_returns) for x in _nodes(node.get("returns"))) if r]
    known_rmas = {r["rma_number"] for r in returns}
    for entry in refunds:
        if entry["rma_number"] not in known_rmas:
            entry["rma_number"] = None
    status = order_status(node, shipments)
    financial = str(node.get("displayFinancialStatus") or "")
    gateways = [str(g) for g in node.get("paymentGatewayNames") or []]
    order = {
        "number": str(node["name"]),
        "customer_email": email,
        "status": status.value,
        "placed_at": node.get("createdAt"),
        "paid_at": node.get("processedAt") if financial not in ("PENDING", "EXPIRED", "VOIDED", "") else None,
        "cancelled_at": node.get("cancelledAt"),
        "payment_method": REFUND_METHODS.get(gateways[0], slug(gateways[0]) or "card")[:32]
        if gateways
        else "card",
        "currency": currency,
        "subtotal": str(_amount(node.get("subtotalPriceSet"))),
        "shipping_cost": str(_amount(node.get("totalShippingPriceSet"))),
        "total": str(_amount(node.get("totalPriceSet"))),
        "shipping_address": {
            "name": str(address.get("name") or name),
            "line1": str(address.get("address1") or "-"),
            "city": str(address.get("city") or "-"),
            "postcode": postcode,
            "country": country,
        },
        "lines": [
            {
                "sku": keys[str(item["id"])],
                "name": str(item.get("name") or keys[str(item["id"])])[:200],
                "category": category(item),
                "quantity": int(item.get("quantity") or 1),
                "unit_price": str(_amount(item.get("originalUnitPriceSet"))),
                "final_sale": final_sale(item),
            }
            for item in items
        ],
        "shipments": shipments,
        "returns": returns,
        "refunds": refunds,
    }
    updated = instant(node.get("updatedAt"))
    if updated is None:
        raise UnmappableOrder(f"{node.get('name')}: no updatedAt")
    return OrderRecord(
        external_id=str(node["id"]),
        updated_at=updated,
        customer={
            "email": email,
            "name": name[:200],
            "phone": (str(customer["phone"])[:40] if customer.get("phone") else None),
            "postcode": str(default.get("zip") or postcode),
            "country": str(default.get("countryCodeV2") or country).upper(),
        },
        order=order,
    )
