"""A local stand-in for a Shopify store: the Admin GraphQL API over HTTP on loopback, and a webhook sender.

Shopify cannot be reached from a test, so this is the one fake of the Shopify tests. It answers
``POST /admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token`` for the operations the connector
sends (by operation name: ``ShopdeskOrders``, ``ShopdeskOrder``, ``ShopdeskShop``, ``ShopdeskOrderCancel``,
``ShopdeskReturnRequest``), from seeded orders in the shape of Shopify's ``Order`` object. It meters cost as
Shopify does (a leaky bucket reported in ``extensions.cost.throttleStatus``; a query above what is left gets
a ``THROTTLED`` error), can answer the next N requests with HTTP 429 and ``Retry-After``, and records every
request. ``send_webhook`` posts a delivery signed as Shopify signs them (or with a bad signature).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

TOKEN = "shpat_test_0123456789abcdef0123456789abcdef"
API_SECRET = "shpss_test_secret_0123456789abcdef0123456789"
SHOP = "shopdesk-test.myshopify.com"
VERSION = "2025-07"
OPERATION = re.compile(r"\b(query|mutation)\s+(\w+)")


def money(amount: Decimal | str, currency: str) -> dict[str, Any]:
    return {
        "shopMoney": {"amount": str(Decimal(str(amount)).quantize(Decimal("0.01"))), "currencyCode": currency}
    }


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Seen:
    """One request the fake received: the operation, its variables, the HTTP status, THROTTLED or not."""

    operation: str
    variables: dict[str, Any]
    status: int
    throttled: bool = False


@dataclass
class Bucket:
    maximum: float = 1000.0
    restore_rate: float = 50.0
    available: float = 1000.0
    at: float = field(default_factory=time.monotonic)

    def refill(self) -> None:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.at) * self.restore_rate)
        self.at = now


class FakeShopify:
    def __init__(self, *, currency: str = "USD", now: datetime | None = None) -> None:
        self.url = ""  # set once served
        self.currency = currency
        self.clock = now or datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
        self.orders: dict[str, dict[str, Any]] = {}  # gid -> Order node
        self.requests: list[Seen] = []
        self.bucket = Bucket()
        self.fail_with_429 = 0
        self.retry_after = "1"
        self.refuse_next_cancel: str | None = None
        # orderCancel runs as a job: the order shows cancelled only after this many reads of it
        self.cancel_job_reads = 0
        self._cancelling: dict[str, tuple[int, bool]] = {}  # order id -> (reads left, refund)
        self._lock = threading.Lock()
        self._ids = itertools.count(5_000_000_001)
        self.app = self._make_app()

    # -- seeding --------------------------------------------------------------------------------------

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/admin/api/{VERSION}/graphql.json"

    def _gid(self, kind: str) -> str:
        return f"gid://shopify/{kind}/{next(self._ids)}"

    def tick(self) -> str:
        self.clock += timedelta(minutes=1)
        return iso(self.clock)

    def add_order(
        self,
        number: int,
        email: str,
        *,
        placed: datetime,
        lines: list[tuple[str, str, int, str, str]] = (("TEE-01", "Linen tee - M", 1, "25.00", "Apparel"),),  # type: ignore[assignment]
        first_name: str = "Ava",
        last_name: str = "Reed",
        zip_code: str = "10001",
        country: str = "US",
        shipping: str = "5.00",
        shipping_title: str = "Standard",
        financial: str = "PAID",
    ) -> dict[str, Any]:
        """An unfulfilled paid order ``#<number>``; ``lines`` are (sku, name, quantity, unit price, type)."""
        subtotal = sum(Decimal(price) * qty for _, _, qty, price, _ in lines)
        gid = self._gid("Order")
        node: dict[str, Any] = {
            "id": gid,
            "legacyResourceId": gid.rsplit("/", 1)[-1],
            "name": f"#{number}",
            "email": email,
            "createdAt": iso(placed),
            "processedAt": iso(placed),
            "updatedAt": self.tick(),
            "cancelledAt": None,
            "displayFinancialStatus": financial,
            "displayFulfillmentStatus": "UNFULFILLED",
            "currencyCode": self.currency,
            "paymentGatewayNames": ["shopify_payments"],
            "subtotalPriceSet": money(subtotal, self.currency),
            "totalShippingPriceSet": money(shipping, self.currency),
            "totalPriceSet": money(subtotal + Decimal(shipping), self.currency),
            "customer": {
                "id": self._gid("Customer"),
                "firstName": first_name,
                "lastName": last_name,
                "email": email,
                "phone": None,
                "defaultAddress": {"zip": zip_code, "countryCodeV2": country},
            },
            "shippingAddress": {
                "name": f"{first_name} {last_name}",
                "address1": "1 Main St",
                "city": "New York",
                "zip": zip_code,
                "countryCodeV2": country,
            },
            "shippingLine": {"title": shipping_title, "code": shipping_title},
            "lineItems": {
                "nodes": [
                    {
                        "id": self._gid("LineItem"),
                        "sku": sku,
                        "name": name,
                        "quantity": qty,
                        "isGiftCard": False,
                        "originalUnitPriceSet": money(price, self.currency),
                        "product": {"productType": product_type, "tags": []},
                    }
                    for sku, name, qty, price, product_type in lines
                ]
            },
            "fulfillments": [],
            "returns": {"nodes": []},
            "refunds": [],
        }
        with self._lock:
            self.orders[gid] = node
        return node

    def by_number(self, number: str) -> dict[str, Any]:
        return next(o for o in self.orders.values() if o["name"] == number)

    def fulfil(
        self,
        number: str,
        *,
        company: str,
        tracking: str,
        shipped: datetime,
        events: list[tuple[str, datetime, str]] = (),  # type: ignore[assignment]
        delivered: datetime | None = None,
    ) -> dict[str, Any]:
        """Ship every line of the order in one fulfillment; ``events`` are (status, when, city)."""
        with self._lock:
            order = self.by_number(number)
            n = len(order["fulfillments"]) + 1
            fulfillment = {
                "id": self._gid("Fulfillment"),
                "name": f"{order['name']}-F{n}",
                "status": "SUCCESS",
                "createdAt": iso(shipped),
                "inTransitAt": None,
                "deliveredAt": None if delivered is None else iso(delivered),
                "estimatedDeliveryAt": None,
                "trackingInfo": [{"company": company, "number": tracking, "url": None}],
                "fulfillmentLineItems": {
                    "nodes": [
                        {
                            "id": self._gid("FulfillmentLineItem"),
                            "quantity": li["quantity"],
                            "lineItem": {"id": li["id"]},
                        }
                        for li in order["lineItems"]["nodes"]
                    ]
                },
                "events": {
                    "nodes": [
                        {
                            "status": s,
                            "happenedAt": iso(at),
                            "city": city,
                            "province": None,
                            "country": "US",
                            "message": None,
                        }
                        for s, at, city in events
                    ]
                },
            }
            order["fulfillments"].append(fulfillment)
            order["displayFulfillmentStatus"] = "FULFILLED"
            order["updatedAt"] = self.tick()
            return fulfillment

    def deliver(self, number: str, at: datetime, city: str) -> dict[str, Any]:
        """The carrier reports the order's latest fulfillment delivered; returns the fulfillment."""
        with self._lock:
            fulfillment = self.by_number(number)["fulfillments"][-1]
            fulfillment["deliveredAt"] = iso(at)
            event = {"status": "DELIVERED", "happenedAt": iso(at), "city": city, "province": None}
            fulfillment["events"]["nodes"].append({**event, "country": "US", "message": None})
            self.by_number(number)["updatedAt"] = self.tick()
            return dict(fulfillment)

    # -- controls -------------------------------------------------------------------------------------

    def throttle(self, maximum: float, restore_rate: float) -> None:
        with self._lock:
            self.bucket = Bucket(maximum=maximum, restore_rate=restore_rate, available=maximum)

    def fail_next(self, count: int, retry_after: str = "1") -> None:
        with self._lock:
            self.fail_with_429, self.retry_after = count, retry_after

    def operations(self, name: str | None = None) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if name is None or r.operation == name]

    # -- the Admin API --------------------------------------------------------------------------------

    def _cost(self, operation: str, variables: dict[str, Any]) -> float:
        if operation == "ShopdeskOrders":
            return 2.0 + 10.0 * int(variables.get("first") or 1)
        return 10.0

    def _make_app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/admin/api/{version}/graphql.json")
        async def graphql(version: str, request: Request) -> JSONResponse:
            if request.headers.get("X-Shopify-Access-Token") != TOKEN:
                return JSONResponse({"errors": "[API] Invalid API key or access token"}, status_code=401)
            body = json.loads(await request.body())
            match = OPERATION.search(body.get("query") or "")
            operation = match.group(2) if match else "?"
            variables = body.get("variables") or {}
            with self._lock:
                if self.fail_with_429 > 0:
                    self.fail_with_429 -= 1
                    self.requests.append(Seen(operation, variables, 429))
                    return JSONResponse(
                        {"errors": "Exceeded 2 calls per second for api client. Reduce request rates."},
                        status_code=429,
                        headers={"Retry-After": self.retry_after},
                    )
                self.bucket.refill()
                cost = self._cost(operation, variables)
                status = {
                    "maximumAvailable": self.bucket.maximum,
                    "restoreRate": self.bucket.restore_rate,
                }
                if cost > self.bucket.available:
                    self.requests.append(Seen(operation, variables, 200, throttled=True))
                    return JSONResponse(
                        {
                            "errors": [
                                {
                                    "message": "Throttled",
                                    "extensions": {
                                        "code": "THROTTLED",
                                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                                    },
                                }
                            ],
                            "extensions": {
                                "cost": {
                                    "requestedQueryCost": cost,
                                    "actualQueryCost": None,
                                    "throttleStatus": {**status, "currentlyAvailable": self.bucket.available},
                                }
                            },
                        }
                    )
                self.bucket.available -= cost
                self.requests.append(Seen(operation, variables, 200))
                data = self._answer(operation, variables)
                extensions = {
                    "cost": {
                        "requestedQueryCost": cost,
                        "actualQueryCost": cost,
                        "throttleStatus": {**status, "currentlyAvailable": self.bucket.available},
                    }
                }
            return JSONResponse({"data": data, "extensions": extensions})

        return app

    def _answer(self, operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        if operation == "ShopdeskShop":
            return {"shop": {"name": "Test shop", "myshopifyDomain": SHOP, "currencyCode": self.currency}}
        if operation == "ShopdeskOrder":
            gid = str(variables.get("id"))
            if gid in self._cancelling:
                left, refund = self._cancelling.pop(gid)
                if left > 1:
                    self._cancelling[gid] = (left - 1, refund)
                else:
                    self._finish_cancel(self.orders[gid], refund)
            order = self.orders.get(gid)
            return {"order": copy.deepcopy(order)}
        if operation == "ShopdeskOrders":
            return {"orders": self._orders_page(variables)}
        if operation == "ShopdeskOrderCancel":
            return {"orderCancel": self._cancel(variables)}
        if operation == "ShopdeskReturnRequest":
            return {"returnRequest": self._return_request(variables["input"])}
        raise ValueError(f"the fake does not know {operation}")

    def _orders_page(self, variables: dict[str, Any]) -> dict[str, Any]:
        orders = sorted(self.orders.values(), key=lambda o: (o["updatedAt"], o["id"]))
        query = variables.get("query") or ""
        if m := re.search(r"updated_at:>='([^']+)'", query):
            since = m.group(1)
            orders = [o for o in orders if o["updatedAt"] >= since]
        start = 0
        if after := variables.get("after"):
            start = int(base64.b64decode(after).decode()) + 1
        first = int(variables["first"])
        page = orders[start : start + first]
        end = start + len(page) - 1
        return {
            "pageInfo": {
                "hasNextPage": start + first < len(orders),
                "endCursor": base64.b64encode(str(end).encode()).decode() if page else None,
            },
            "nodes": copy.deepcopy(page),
        }

    def _cancel(self, variables: dict[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(variables["orderId"]))
        if order is None:
            return {
                "job": None,
                "orderCancelUserErrors": [
                    {"field": ["orderId"], "message": "Order does not exist", "code": "NOT_FOUND"}
                ],
            }
        refusal = self.refuse_next_cancel
        self.refuse_next_cancel = None
        if refusal is None and order["fulfillments"]:
            refusal = "Cannot cancel an order that has fulfillments"
        if refusal is None and order["cancelledAt"]:
            refusal = "Order has already been cancelled"
        if refusal is not None:
            return {
                "job": None,
                "orderCancelUserErrors": [{"field": ["orderId"], "message": refusal, "code": "INVALID"}],
            }
        if self.cancel_job_reads:
            self._cancelling[order["id"]] = (self.cancel_job_reads, bool(variables.get("refund")))
            return {"job": {"id": self._gid("Job"), "done": False}, "orderCancelUserErrors": []}
        self._finish_cancel(order, bool(variables.get("refund")))
        return {"job": {"id": self._gid("Job"), "done": True}, "orderCancelUserErrors": []}

    def _finish_cancel(self, order: dict[str, Any], refund: bool) -> None:
        order["cancelledAt"] = self.tick()
        if refund and order["displayFinancialStatus"] == "PAID":
            order["refunds"].append(
                {
                    "id": self._gid("Refund"),
                    "createdAt": order["cancelledAt"],
                    "totalRefundedSet": copy.deepcopy(order["totalPriceSet"]),
                    "return": None,
                    "transactions": {
                        "nodes": [{"gateway": "shopify_payments", "status": "PENDING", "processedAt": None}]
                    },
                }
            )
            order["displayFinancialStatus"] = "REFUNDED"
        order["updatedAt"] = order["cancelledAt"]

    def _return_request(self, data: dict[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(data["orderId"]))
        if order is None:
            return {
                "return": None,
                "userErrors": [
                    {"field": ["orderId"], "message": "Order does not exist", "code": "NOT_FOUND"}
                ],
            }
        fulfilled = {
            fli["id"]: fli for f in order["fulfillments"] for fli in f["fulfillmentLineItems"]["nodes"]
        }
        items = []
        for item in data["returnLineItems"]:
            fli = fulfilled.get(item["fulfillmentLineItemId"])
            if fli is None or int(item["quantity"]) > fli["quantity"]:
                return {
                    "return": None,
                    "userErrors": [
                        {
                            "field": ["returnLineItems"],
                            "message": "Quantity is not returnable",
                            "code": "INVALID",
                        }
                    ],
                }
            items.append(
                {
                    "quantity": int(item["quantity"]),
                    "returnReason": item["returnReason"],
                    "fulfillmentLineItem": {"lineItem": {"id": fli["lineItem"]["id"]}},
                }
            )
        n = len(order["returns"]["nodes"]) + 1
        ret = {
            "id": self._gid("Return"),
            "name": f"{order['name']}-R{n}",
            "status": "REQUESTED",
            "createdAt": self.tick(),
            "returnLineItems": {"nodes": items},
        }
        order["returns"]["nodes"].append(ret)
        order["updatedAt"] = ret["createdAt"]
        return {"return": {"id": ret["id"], "name": ret["name"], "status": ret["status"]}, "userErrors": []}


# -- webhooks ----------------------------------------------------------------------------------------------


def order_payload(order: dict[str, Any]) -> dict[str, Any]:
    """The REST-shaped body Shopify posts for ``orders/*`` topics (what the connector reads, and more)."""
    return {
        "id": int(order["legacyResourceId"]),
        "admin_graphql_api_id": order["id"],
        "name": order["name"],
        "email": order["email"],
        "updated_at": order["updatedAt"],
        "created_at": order["createdAt"],
        "cancelled_at": order["cancelledAt"],
        "financial_status": order["displayFinancialStatus"].lower(),
        "currency": order["currencyCode"],
    }


def fulfillment_payload(order: dict[str, Any], fulfillment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(fulfillment["id"].rsplit("/", 1)[-1]),
        "admin_graphql_api_id": fulfillment["id"],
        "order_id": int(order["legacyResourceId"]),
        "status": "success",
        "tracking_company": fulfillment["trackingInfo"][0]["company"],
        "tracking_number": fulfillment["trackingInfo"][0]["number"],
        "updated_at": order["updatedAt"],
    }


def sign(body: bytes, secret: str = API_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def send_webhook(
    url: str,
    topic: str,
    payload: dict[str, Any],
    *,
    secret: str = API_SECRET,
    webhook_id: str | None = None,
    signature: str | None = None,
) -> httpx.Response:
    """POST a delivery as Shopify does: raw JSON bytes, signed over exactly those bytes."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature if signature is not None else sign(body, secret),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": VERSION,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
    }
    return httpx.post(url, content=body, headers=headers, timeout=30)
