"""The shop's domain: orders, shipments, returns and refunds as plain dataclasses.

Nothing here knows about SQLAlchemy, Rasa or HTTP. The repository turns database rows into these
objects; the business rules (``returns``, ``shipping``, ``cancellation``) read them and decide.
All datetimes are timezone-aware UTC; money is ``Decimal`` with an ISO 4217 currency code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.errors import ShopdeskError


class OrderNotFound(ShopdeskError):
    """No order matches; deliberately says nothing about which part did not match."""


class VerificationFailed(ShopdeskError):
    """The order number and the email or postcode given do not belong together."""


class NotAllowed(ShopdeskError):
    """The rules forbid the requested change; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # placed, not paid yet
    PAID = "paid"
    PROCESSING = "processing"  # being picked and packed
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"


class TrackingCode(enum.StrEnum):
    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_ATTEMPTED = "delivery_attempted"
    DELIVERED = "delivered"
    EXCEPTION_WEATHER = "exception_weather"
    EXCEPTION_ADDRESS = "exception_address"
    EXCEPTION_DAMAGED = "exception_damaged"
    CUSTOMS_HOLD = "customs_hold"
    LOST = "lost"
    RETURNED_TO_SENDER = "returned_to_sender"

    @property
    def is_exception(self) -> bool:
        return self in _EXCEPTION_CODES


_EXCEPTION_CODES = frozenset(
    {
        TrackingCode.EXCEPTION_WEATHER,
        TrackingCode.EXCEPTION_ADDRESS,
        TrackingCode.EXCEPTION_DAMAGED,
        TrackingCode.CUSTOMS_HOLD,
        TrackingCode.LOST,
        TrackingCode.RETURNED_TO_SENDER,
    }
)


class ReturnReason(enum.StrEnum):
    CHANGED_MIND = "changed_mind"
    DOES_NOT_FIT = "does_not_fit"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    OTHER = "other"

    @property
    def is_shop_fault(self) -> bool:
        return self in (ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM)


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    email: str
    phone: str | None
    postcode: str
    country: str  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postcode: str
    country: str  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class OrderLine:
    id: int
    sku: str
    name: str
    category: str  # a key of the policy's return categories, e.g. "apparel", "gift_card"
    quantity: int
    unit_price: Decimal
    final_sale: bool = False

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class TrackingEvent:
    occurred_at: datetime
    code: TrackingCode
    location: str
    description: str = ""


@dataclass(frozen=True)
class Shipment:
    id: int
    carrier: str
    service_level: str  # a key of the policy's shipping methods, e.g. "standard"
    tracking_number: str
    tracking_url: str
    shipped_at: datetime | None
    promised_date: date | None
    estimated_date: date | None
    delivered_at: datetime | None
    line_ids: tuple[int, ...] = ()
    events: tuple[TrackingEvent, ...] = ()

    @property
    def latest_event(self) -> TrackingEvent | None:
        return max(self.events, key=lambda e: e.occurred_at, default=None)


@dataclass(frozen=True)
class ReturnLine:
    line_id: int
    quantity: int


@dataclass(frozen=True)
class Return:
    rma_number: str
    reason: ReturnReason
    status: ReturnStatus
    instructions: str
    created_at: datetime
    lines: tuple[ReturnLine, ...] = ()


@dataclass(frozen=True)
class Refund:
    id: int
    amount: Decimal
    currency: str
    method: str  # e.g. "card", "paypal", "gift_card"
    status: RefundStatus
    created_at: datetime
    completed_at: datetime | None = None
    rma_number: str | None = None


@dataclass(frozen=True)
class Order:
    id: int
    number: str  # public order number, e.g. "SD-10023"
    customer: Customer
    status: OrderStatus
    placed_at: datetime
    paid_at: datetime | None
    currency: str
    subtotal: Decimal
    shipping_cost: Decimal
    total: Decimal
    shipping_address: Address
    lines: tuple[OrderLine, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    returns: tuple[Return, ...] = ()
    refunds: tuple[Refund, ...] = ()

    def line(self, line_id: int) -> OrderLine:
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)

    def shipment_for_line(self, line_id: int) -> Shipment | None:
        for shipment in self.shipments:
            if line_id in shipment.line_ids:
                return shipment
        return None

    def returned_quantity(self, line_id: int) -> int:
        """Units of a line already covered by a return that was not rejected."""
        return sum(
            rl.quantity
            for r in self.returns
            if r.status is not ReturnStatus.REJECTED
            for rl in r.lines
            if rl.line_id == line_id
        )


@dataclass(frozen=True)
class Disruption:
    """A carrier or regional disruption notice published by the shop."""

    id: int
    title: str
    carrier: str | None  # None: every carrier
    countries: tuple[str, ...]  # ISO alpha-2; empty: every country
    postcode_prefixes: tuple[str, ...]  # empty: the whole of each country
    starts_at: datetime
    ends_at: datetime | None
    extra_days: int
    explanation: str  # public text, shown to shoppers as written

    def is_active(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    def affects(self, carrier: str, address: Address) -> bool:
        if self.carrier is not None and self.carrier.lower() != carrier.lower():
            return False
        if self.countries and address.country.upper() not in self.countries:
            return False
        if self.postcode_prefixes:
            postcode = address.postcode.replace(" ", "").upper()
            return any(postcode.startswith(p.replace(" ", "").upper()) for p in self.postcode_prefixes)
        return True


@dataclass(frozen=True)
class CustomerOrders:
    """A customer with a short list of their orders, newest first (for "which order?" buttons)."""

    customer: Customer
    orders: tuple[Order, ...] = field(default_factory=tuple)
