"""Shopify webhooks: the signature check, and what each topic does to the order system.

Shopify signs each delivery with ``X-Shopify-Hmac-Sha256``: the base64 HMAC-SHA256 of the raw body keyed
by the app's API secret. ``verify`` recomputes it over the bytes as received (before any JSON parsing) and
compares in constant time; a delivery that fails is refused and nothing is stored.

A verified delivery is treated as a notice that an order changed, not as the order itself: its order is
fetched from the Admin API and written like a backfilled one (``sync.ShopifySync.refresh``). So a webhook
for an order never backfilled creates it, deliveries arriving out of order leave the newest state (the
version stored is compared with Shopify's ``updatedAt``), and a second delivery of the same
``X-Shopify-Webhook-Id`` is acknowledged without doing anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.ops.order_io import ImportValidationError
from integrations.shopify import store
from integrations.shopify.mapping import instant
from integrations.shopify.sync import ShopifySync

log = logging.getLogger(__name__)

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled", "orders/paid")
TOPICS = (
    *ORDER_TOPICS,
    "fulfillments/create",
    "fulfillments/update",
    "refunds/create",
    "returns/request",
    "returns/approve",
    "returns/decline",
    "returns/cancel",
    "returns/close",
    "returns/reopen",
)


def signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(body: bytes, header: str | None, secret: str) -> bool:
    """True when ``header`` is Shopify's signature of exactly these bytes with this secret."""
    if not secret or not header:
        return False
    return hmac.compare_digest(signature(body, secret).encode(), header.strip().encode())


class BadWebhook(ValueError):
    """A signed delivery we cannot read (not JSON, no order in it)."""


def _order_gid(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/Order/{text}"


def order_id_of(topic: str, payload: dict[str, Any]) -> str | None:
    """The GraphQL id of the order a delivery is about (each topic carries it differently)."""
    if topic.startswith("orders/"):
        return _order_gid(payload.get("admin_graphql_api_id") or payload.get("id"))
    if "order_id" in payload:
        return _order_gid(payload["order_id"])
    order = payload.get("order")
    if isinstance(order, dict):
        return _order_gid(order.get("admin_graphql_api_id") or order.get("id"))
    return None


@dataclass(frozen=True)
class Delivery:
    topic: str
    webhook_id: str
    body: bytes


class WebhookProcessor:
    def __init__(self, sync: ShopifySync, clock: Clock) -> None:
        self.sync = sync
        self.clock = clock

    def process(self, delivery: Delivery) -> str:
        """Handle one verified delivery; the outcome (``duplicate``, ``stale``, ``created``, ...).

        Raises what Shopify being unreachable raises (``ShopifyError``): the route answers 503, nothing is
        recorded, and Shopify delivers again later."""
        try:
            payload = json.loads(delivery.body)
        except ValueError as exc:
            raise BadWebhook("the body is not JSON") from exc
        if not isinstance(payload, dict):
            raise BadWebhook("the body is not a JSON object")
        with self.sync.sessions() as session:
            if store.seen_event(session, delivery.webhook_id):
                return "duplicate"
        outcome = self._outcome(delivery.topic, payload)
        with self.sync.sessions.begin() as session:
            if not store.remember_event(session, delivery.webhook_id, delivery.topic, outcome, self.clock()):
                return "duplicate"
        log.info("Shopify webhook %s: %s", delivery.topic, outcome)
        return outcome

    def _outcome(self, topic: str, payload: dict[str, Any]) -> str:
        if topic not in TOPICS:
            return "ignored"
        order_id = order_id_of(topic, payload)
        if order_id is None:
            raise BadWebhook(f"no order in a {topic} delivery")
        if topic in ORDER_TOPICS:
            try:
                announced = instant(payload.get("updated_at"))
            except (TypeError, ValueError):
                announced = None  # unreadable: fetch the order and let its own version decide
            with self.sync.sessions() as session:
                stored = store.stored_version(session, order_id)
            if announced is not None and stored is not None and announced < stored:
                return "stale"  # a newer version is already stored: no need to ask Shopify
        try:
            return self.sync.refresh(order_id)
        except ImportValidationError as exc:
            # Retrying will not help (say, an order number outside the policy's shapes): acknowledge it,
            # and let the operator see why (order numbers and field names only, no personal data).
            log.warning("Shopify webhook %s: the order cannot be stored: %s", topic, exc)
            return "invalid"
