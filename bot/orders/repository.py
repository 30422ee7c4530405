"""The repository in front of the order database: rows in, frozen ``bot.orders.model`` dataclasses out.

Every query eager-loads what the dataclasses need (``selectinload``); relationships are declared
``lazy="raise_on_sql"`` in ``bot.orders.tables`` so a forgotten load fails in tests instead of at 2 a.m.
The repository flushes but never commits: the caller owns the transaction.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from bot.language.contact_details import normalise_email
from bot.language.order_numbers import OrderNumbers
from bot.orders.model import (
    Address,
    Customer,
    Disruption,
    NotAllowed,
    Order,
    OrderLine,
    OrderNotFound,
    OrderStatus,
    Refund,
    RefundStatus,
    Return,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    Shipment,
    TrackingCode,
    TrackingEvent,
)
from bot.orders.tables import (
    CustomerRow,
    DisruptionRow,
    OrderRow,
    RefundRow,
    ReturnLineRow,
    ReturnRow,
    ShipmentRow,
    join_codes,
    split_codes,
)

log = logging.getLogger(__name__)

RMA_PREFIX = "RMA-"
_RMA_ATTEMPTS = 20


def order_load_options() -> list[_AbstractLoad]:
    """Everything ``to_order`` reads, loaded up front."""
    return [
        selectinload(OrderRow.customer),
        selectinload(OrderRow.lines),
        selectinload(OrderRow.shipments).selectinload(ShipmentRow.lines),
        selectinload(OrderRow.shipments).selectinload(ShipmentRow.events),
        selectinload(OrderRow.returns).selectinload(ReturnRow.lines),
        selectinload(OrderRow.refunds),
    ]


def _select_orders() -> Select[OrderRow]:
    return select(OrderRow).options(*order_load_options())


# --- rows -> dataclasses -------------------------------------------------------------------------------


def to_customer(row: CustomerRow) -> Customer:
    return Customer(
        id=row.id,
        name=row.name,
        email=row.email,
        phone=row.phone,
        postcode=row.postcode,
        country=row.country,
    )


def to_return(row: ReturnRow) -> Return:
    return Return(
        rma_number=row.rma_number,
        reason=ReturnReason(row.reason),
        status=ReturnStatus(row.status),
        instructions=row.instructions,
        created_at=row.created_at,
        lines=tuple(ReturnLine(line_id=rl.order_line_id, quantity=rl.quantity) for rl in row.lines),
    )


def to_refund(row: RefundRow, rma_by_return_id: dict[int, str]) -> Refund:
    return Refund(
        id=row.id,
        amount=row.amount,
        currency=row.currency,
        method=row.method,
        status=RefundStatus(row.status),
        created_at=row.created_at,
        completed_at=row.completed_at,
        rma_number=None if row.return_id is None else rma_by_return_id.get(row.return_id),
    )


def to_shipment(row: ShipmentRow) -> Shipment:
    return Shipment(
        id=row.id,
        carrier=row.carrier,
        service_level=row.service_level,
        tracking_number=row.tracking_number,
        tracking_url=row.tracking_url,
        shipped_at=row.shipped_at,
        promised_date=row.promised_date,
        estimated_date=row.estimated_date,
        delivered_at=row.delivered_at,
        line_ids=tuple(line.id for line in row.lines),
        events=tuple(
            TrackingEvent(
                occurred_at=e.occurred_at,
                code=TrackingCode(e.code),
                location=e.location,
                description=e.description,
            )
            for e in row.events
        ),
    )


def to_order(row: OrderRow) -> Order:
    rma_by_return_id = {r.id: r.rma_number for r in row.returns}
    return Order(
        id=row.id,
        number=row.number,
        customer=to_customer(row.customer),
        status=OrderStatus(row.status),
        placed_at=row.placed_at,
        paid_at=row.paid_at,
        currency=row.currency,
        subtotal=row.subtotal,
        shipping_cost=row.shipping_cost,
        total=row.total,
        shipping_address=Address(
            name=row.ship_name,
            line1=row.ship_line1,
            city=row.ship_city,
            postcode=row.ship_postcode,
            country=row.ship_country,
        ),
        lines=tuple(
            OrderLine(
                id=line.id,
                sku=line.sku,
                name=line.name,
                category=line.category,
                quantity=line.quantity,
                unit_price=line.unit_price,
                final_sale=line.final_sale,
            )
            for line in row.lines
        ),
        shipments=tuple(to_shipment(s) for s in row.shipments),
        returns=tuple(to_return(r) for r in row.returns),
        refunds=tuple(to_refund(r, rma_by_return_id) for r in row.refunds),
    )


def to_disruption(row: DisruptionRow) -> Disruption:
    return Disruption(
        id=row.id,
        title=row.title,
        carrier=row.carrier,
        countries=split_codes(row.countries),
        postcode_prefixes=split_codes(row.postcode_prefixes),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        extra_days=row.extra_days,
        explanation=row.explanation,
    )


def new_rma_number() -> str:
    return f"{RMA_PREFIX}{secrets.randbelow(1_000_000):06d}"


# --- the repository ------------------------------------------------------------------------------------


class OrderRepository:
    """Reads and the few writes the assistant makes (returns, cancellations) on one session."""

    def __init__(self, session: Session, numbers: OrderNumbers | None = None) -> None:
        """``numbers``: the shop's order-number shapes, to read "sd10023" as "SD-10023"; without them a
        number is looked up exactly as given (callers that hold a canonical number)."""
        self.session = session
        self.numbers = numbers

    def _canonical(self, number: str) -> str | None:
        return number.strip() or None if self.numbers is None else self.numbers.normalise(number)

    # reads

    def _order_row(self, number: str) -> OrderRow | None:
        canonical = self._canonical(number)
        if canonical is None:
            return None
        return self.session.scalars(_select_orders().where(OrderRow.number == canonical)).one_or_none()

    def _require_order_row(self, number: str) -> OrderRow:
        row = self._order_row(number)
        if row is None:
            raise OrderNotFound("no such order")
        return row

    def get_order(self, number: str) -> Order | None:
        """The order with that number (``"SD-10023"``, ``"sd10023"`` or ``"10023"``), or ``None``."""
        row = self._order_row(number)
        return None if row is None else to_order(row)

    def get_customer_by_email(self, email: str) -> Customer | None:
        row = self.session.scalars(
            select(CustomerRow).where(CustomerRow.email == normalise_email(email))
        ).one_or_none()
        return None if row is None else to_customer(row)

    def orders_for_email(self, email: str, limit: int = 10) -> list[Order]:
        """The customer's orders, newest first."""
        rows = self.session.scalars(
            _select_orders()
            .join(OrderRow.customer)
            .where(CustomerRow.email == normalise_email(email))
            .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
            .limit(limit)
        ).all()
        return [to_order(row) for row in rows]

    def active_disruptions(self, now: datetime) -> list[Disruption]:
        rows = self.session.scalars(
            select(DisruptionRow)
            .where(DisruptionRow.starts_at <= now)
            .where(or_(DisruptionRow.ends_at.is_(None), DisruptionRow.ends_at > now))
            .order_by(DisruptionRow.starts_at, DisruptionRow.id)
        ).all()
        return [to_disruption(row) for row in rows]

    def orders_on_the_way(self, after_id: int = 0, limit: int = 200) -> list[Order]:
        """Orders with a parcel that may still be on its way (shipped, partly or wholly), by id, one page
        at a time: ``after_id`` is the last id of the previous page."""
        rows = self.session.scalars(
            _select_orders()
            .where(OrderRow.status.in_([OrderStatus.SHIPPED.value, OrderStatus.PARTIALLY_SHIPPED.value]))
            .where(OrderRow.id > after_id)
            .order_by(OrderRow.id)
            .limit(limit)
        ).all()
        return [to_order(row) for row in rows]

    def disruptions(self, limit: int = 200) -> list[Disruption]:
        """Every disruption notice, the newest first."""
        rows = self.session.scalars(
            select(DisruptionRow)
            .order_by(DisruptionRow.starts_at.desc(), DisruptionRow.id.desc())
            .limit(limit)
        ).all()
        return [to_disruption(row) for row in rows]

    def add_disruption(self, disruption: Disruption) -> Disruption:
        """Store a new disruption notice (its ``id`` is ignored) and return it with its id."""
        row = DisruptionRow(
            title=disruption.title,
            carrier=disruption.carrier,
            countries=join_codes(disruption.countries),
            postcode_prefixes=join_codes(disruption.postcode_prefixes),
            starts_at=disruption.starts_at,
            ends_at=disruption.ends_at,
            extra_days=disruption.extra_days,
            explanation=disruption.explanation,
        )
        self.session.add(row)
        self.session.flush()
        return to_disruption(row)

    def close_disruption(self, disruption_id: int, now: datetime) -> Disruption | None:
        """End a disruption now (one that already ended keeps its end); None when there is no such id."""
        row = self.session.get(DisruptionRow, disruption_id)
        if row is None:
            return None
        if row.ends_at is None or row.ends_at > now:
            row.ends_at = now
        self.session.flush()
        return to_disruption(row)

    def refunds_for(self, number: str) -> list[Refund]:
        row = self._require_order_row(number)
        return list(to_order(row).refunds)

    # writes

    def add_return(
        self,
        order_number: str,
        lines: Sequence[ReturnLine],
        reason: ReturnReason,
        instructions: str,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> Return:
        """Record a return request (status ``requested``) with a fresh ``RMA-nnnnnn`` number.

        Eligibility is decided before this is called (``bot.returns``); this only guards the data:
        every line belongs to the order and no more units are returned than were bought. A repeated
        ``idempotency_key`` gives back the return it created the first time, even when two requests race.
        """
        if idempotency_key is not None:
            existing = self._return_by_key(idempotency_key)
            if existing is not None:
                return self._same_order_or_fail(existing, order_number)
        row = self._require_order_row(order_number)
        if not lines:
            raise NotAllowed("choose at least one item to return")
        order = to_order(row)
        line_rows = {line.id: line for line in row.lines}
        for requested in lines:
            if requested.line_id not in line_rows:
                raise ValueError(f"line {requested.line_id} is not part of order {row.number}")
            line = order.line(requested.line_id)
            left = line.quantity - order.returned_quantity(line.id)
            if requested.quantity < 1 or requested.quantity > left:
                raise NotAllowed(f"only {left} of {line.name} can still be returned")

        for _attempt in range(_RMA_ATTEMPTS):
            rma = new_rma_number()
            if not self.session.scalar(select(exists().where(ReturnRow.rma_number == rma))):
                break
        else:  # pragma: no cover - a million numbers, twenty tries
            raise RuntimeError("could not find a free RMA number")

        return_row = ReturnRow(
            rma_number=rma,
            reason=ReturnReason(reason).value,
            status=ReturnStatus.REQUESTED.value,
            instructions=instructions,
            created_at=now,
            idempotency_key=idempotency_key,
            lines=[
                ReturnLineRow(order_line_id=rl.line_id, quantity=rl.quantity)
                for rl in sorted(lines, key=lambda rl: rl.line_id)
            ],
        )
        try:
            with self.session.begin_nested():
                return_row.order_id = row.id
                self.session.add(return_row)
        except IntegrityError:
            # Another request with the same key (or, astronomically rarely, the same RMA) won the race.
            if idempotency_key is not None:
                existing = self._return_by_key(idempotency_key)
                if existing is not None:
                    return self._same_order_or_fail(existing, order_number)
            raise
        log.info("return %s created for order %s", rma, row.number)
        return to_return(return_row)

    def cancel_order(self, number: str, now: datetime) -> Order:
        """Mark the order cancelled; a paid order gets a pending refund of its total.

        Whether cancelling is allowed is decided by ``bot.cancellation``; as a last guard this refuses an
        order that has a shipment. Cancelling an already cancelled order changes nothing.
        """
        row = self._require_order_row(number)
        if row.status == OrderStatus.CANCELLED:
            return to_order(row)
        if row.shipments:
            raise NotAllowed("part of this order has already been sent")
        row.status = OrderStatus.CANCELLED.value
        row.cancelled_at = now
        if row.paid_at is not None and row.total > Decimal("0"):
            row.refunds.append(
                RefundRow(
                    amount=row.total,
                    currency=row.currency,
                    method=row.payment_method,
                    status=RefundStatus.PENDING.value,
                    created_at=now,
                )
            )
        self.session.flush()
        log.info("order %s cancelled", row.number)
        return to_order(row)

    # helpers

    def return_for_key(self, order_number: str, idempotency_key: str) -> Return | None:
        """The return an earlier request with this idempotency key created, if any."""
        existing = self._return_by_key(idempotency_key)
        return None if existing is None else self._same_order_or_fail(existing, order_number)

    def _return_by_key(self, key: str) -> ReturnRow | None:
        return self.session.scalars(
            select(ReturnRow)
            .options(selectinload(ReturnRow.lines), selectinload(ReturnRow.order))
            .where(ReturnRow.idempotency_key == key)
        ).one_or_none()

    def _same_order_or_fail(self, existing: ReturnRow, order_number: str) -> Return:
        if existing.order.number != self._canonical(order_number):
            raise ValueError("idempotency key already used for a different order")
        return to_return(existing)
