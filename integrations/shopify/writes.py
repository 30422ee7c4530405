"""The assistant's changes made on Shopify: cancel an unshipped order, open a return (``RemoteOrders``).

The local rules have already said yes (``bot.orders.services``); Shopify has the last word. A refusal
(``orderCancelUserErrors``, ``userErrors``) becomes ``NotAllowed`` with Shopify's own message, and
Shopify being unreachable becomes ``NotAllowed`` saying nothing changed, so the shopper hears what really
happened. After a change the order is read back from Shopify and written here, so the answer and every
later one rest on Shopify's state (a return's number is the one Shopify gave it, ``#1001-R1``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.orders.model import NotAllowed, Order, OrderStatus, Return, ReturnLine, ReturnReason
from bot.orders.repository import OrderRepository, to_return
from bot.orders.tables import OrderRow, ReturnRow
from integrations.shopify import queries, store
from integrations.shopify.client import ShopifyError
from integrations.shopify.mapping import SHOPIFY_RETURN_REASONS, line_keys
from integrations.shopify.sync import ShopifySync

log = logging.getLogger(__name__)

UNREACHABLE = (
    "the shop's order system (Shopify) did not answer, so nothing has changed; please try again later"
)


CANCEL_CHECKS, CANCEL_CHECK_EVERY = 4, 1.0


def _refused(errors: list[dict[str, Any]]) -> NotAllowed | None:
    if not errors:
        return None
    return NotAllowed("Shopify refused it: " + "; ".join(str(e.get("message")).rstrip(".") for e in errors))


class ShopifyOrders:
    name = "Shopify"

    def __init__(self, sync: ShopifySync, pause: Callable[[float], None] = time.sleep) -> None:
        self.sync = sync
        self._pause = pause

    def _external_id(self, order: Order) -> str | None:
        with self.sync.sessions() as session:
            return store.external_id_of(session, order.number)

    def manages(self, order: Order) -> bool:
        return self._external_id(order) is not None

    def _call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.sync.client.execute(query, variables)
        except ShopifyError as exc:
            log.warning("Shopify write failed: %s", type(exc).__name__)
            raise NotAllowed(UNREACHABLE) from exc

    def _read_back(self, external_id: str, number: str) -> Order:
        try:
            self.sync.refresh(external_id)
        except ShopifyError:
            log.warning("Shopify: the order could not be read back after a change; the reconcile will")
        with self.sync.sessions() as session:
            order = OrderRepository(session).get_order(number)
        assert order is not None
        return order

    def cancel(self, order: Order) -> Order:
        external_id = self._external_id(order)
        if external_id is None:
            raise NotAllowed("this order is not on Shopify")
        result = self._call(
            queries.ORDER_CANCEL,
            {
                "orderId": external_id,
                "reason": "CUSTOMER",
                "refund": True,
                "restock": True,
                "notifyCustomer": True,
            },
        )["orderCancel"]
        if refusal := _refused(result.get("orderCancelUserErrors") or []):
            raise refusal
        # orderCancel runs as a job: read the order back until Shopify shows it cancelled, for a few seconds
        cancelled = self._read_back(external_id, order.number)
        for _ in range(CANCEL_CHECKS):
            if cancelled.status is OrderStatus.CANCELLED:
                break
            self._pause(CANCEL_CHECK_EVERY)
            cancelled = self._read_back(external_id, order.number)
        return cancelled  # not cancelled yet: ShopService says Shopify is still processing it

    def _return_items(
        self, node: dict[str, Any], order: Order, lines: Sequence[ReturnLine], reason: ReturnReason
    ) -> list[dict[str, Any]]:
        by_key = {key: line_id for line_id, key in line_keys(node).items()}
        items: list[dict[str, Any]] = []
        for wanted in lines:
            line_item = by_key.get(order.line(wanted.line_id).sku)
            left = wanted.quantity
            for fulfillment in node.get("fulfillments") or []:
                for fli in (fulfillment.get("fulfillmentLineItems") or {}).get("nodes") or []:
                    if left and fli["lineItem"]["id"] == line_item:
                        take = min(left, int(fli["quantity"]))
                        left -= take
                        items.append(
                            {
                                "fulfillmentLineItemId": fli["id"],
                                "quantity": take,
                                "returnReason": SHOPIFY_RETURN_REASONS[reason],
                                "customerNote": "Opened by the shop assistant: "
                                + reason.value.replace("_", " "),
                            }
                        )
            if left:
                raise NotAllowed(f"Shopify has no shipped {order.line(wanted.line_id).name} left to return")
        return items

    def open_return(
        self, order: Order, lines: Sequence[ReturnLine], reason: ReturnReason, instructions: str, key: str
    ) -> Return:
        external_id = self._external_id(order)
        if external_id is None:
            raise NotAllowed("this order is not on Shopify")
        try:
            node = self.sync.fetch_order(external_id)
        except ShopifyError as exc:
            raise NotAllowed(UNREACHABLE) from exc
        if node is None:
            raise NotAllowed("Shopify no longer has this order")
        items = self._return_items(node, order, lines, reason)
        result = self._call(
            queries.RETURN_REQUEST, {"input": {"orderId": external_id, "returnLineItems": items}}
        )["returnRequest"]
        if refusal := _refused(result.get("userErrors") or []):
            raise refusal
        name = str(result["return"]["name"])
        self._read_back(external_id, order.number)
        with self.sync.sessions.begin() as session:
            created = session.scalars(
                select(ReturnRow)
                .options(selectinload(ReturnRow.lines))
                .join(OrderRow, OrderRow.id == ReturnRow.order_id)
                .where(OrderRow.number == order.number, ReturnRow.rma_number == name)
            ).one_or_none()
            if created is None:
                raise NotAllowed(f"Shopify opened return {name}, but it could not be read back yet")
            created.instructions = created.instructions or instructions
            created.idempotency_key = created.idempotency_key or key
            session.flush()
            return to_return(created)
