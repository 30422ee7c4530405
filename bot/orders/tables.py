"""SQLAlchemy tables for the order system.

The rest of ``bot/`` never sees these rows: ``bot.orders.repository`` turns them into the frozen
dataclasses of ``bot.orders.model``. Enumerations are stored as their string values, which keeps the
schema readable from ``psql``/``sqlite3`` and lets a new enum member arrive without a migration. The
shared base and column types (UTC instants, money) are in ``bot.tables``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.tables import LAZY, Base

shipment_lines = Table(
    "shipment_lines",
    Base.metadata,
    Column("shipment_id", ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True),
    Column("order_line_id", ForeignKey("order_lines.id", ondelete="CASCADE"), primary_key=True),
)


class CustomerRow(Base):
    __tablename__ = "customers"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    postcode: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))

    orders: Mapped[list[OrderRow]] = relationship(back_populates="customer", lazy=LAZY)


class OrderRow(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    placed_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    payment_method: Mapped[str] = mapped_column(String(32), default="card")
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal]
    shipping_cost: Mapped[Decimal]
    total: Mapped[Decimal]
    ship_name: Mapped[str] = mapped_column(String(200))
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_postcode: Mapped[str] = mapped_column(String(20))
    ship_country: Mapped[str] = mapped_column(String(2))

    customer: Mapped[CustomerRow] = relationship(back_populates="orders", lazy=LAZY)
    lines: Mapped[list[OrderLineRow]] = relationship(
        back_populates="order", lazy=LAZY, cascade="all, delete-orphan", order_by="OrderLineRow.id"
    )
    shipments: Mapped[list[ShipmentRow]] = relationship(
        back_populates="order", lazy=LAZY, cascade="all, delete-orphan", order_by="ShipmentRow.id"
    )
    returns: Mapped[list[ReturnRow]] = relationship(
        back_populates="order", lazy=LAZY, cascade="all, delete-orphan", order_by="ReturnRow.id"
    )
    refunds: Mapped[list[RefundRow]] = relationship(
        back_populates="order", lazy=LAZY, cascade="all, delete-orphan", order_by="RefundRow.id"
    )


class OrderLineRow(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal]
    final_sale: Mapped[bool] = mapped_column(default=False)

    order: Mapped[OrderRow] = relationship(back_populates="lines", lazy=LAZY)


class ShipmentRow(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(64))
    service_level: Mapped[str] = mapped_column(String(32))
    tracking_number: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    tracking_url: Mapped[str] = mapped_column(String(500))
    shipped_at: Mapped[datetime | None]
    promised_date: Mapped[date | None]
    estimated_date: Mapped[date | None]
    delivered_at: Mapped[datetime | None]

    order: Mapped[OrderRow] = relationship(back_populates="shipments", lazy=LAZY)
    lines: Mapped[list[OrderLineRow]] = relationship(
        secondary=shipment_lines, lazy=LAZY, order_by="OrderLineRow.id"
    )
    events: Mapped[list[TrackingEventRow]] = relationship(
        back_populates="shipment",
        lazy=LAZY,
        cascade="all, delete-orphan",
        order_by="(TrackingEventRow.occurred_at, TrackingEventRow.id)",
    )


class TrackingEventRow(Base):
    __tablename__ = "tracking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime]
    code: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    shipment: Mapped[ShipmentRow] = relationship(back_populates="events", lazy=LAZY)


class ReturnRow(Base):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    rma_number: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    instructions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)

    order: Mapped[OrderRow] = relationship(back_populates="returns", lazy=LAZY)
    lines: Mapped[list[ReturnLineRow]] = relationship(
        back_populates="return_", lazy=LAZY, cascade="all, delete-orphan", order_by="ReturnLineRow.id"
    )


class ReturnLineRow(Base):
    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    return_: Mapped[ReturnRow] = relationship(back_populates="lines", lazy=LAZY)
    order_line: Mapped[OrderLineRow] = relationship(lazy=LAZY)


class RefundRow(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id", ondelete="SET NULL"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    order: Mapped[OrderRow] = relationship(back_populates="refunds", lazy=LAZY)
    return_: Mapped[ReturnRow | None] = relationship(lazy=LAZY)


class DisruptionRow(Base):
    __tablename__ = "disruptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    carrier: Mapped[str | None] = mapped_column(String(64))
    countries: Mapped[str] = mapped_column(Text, default="")  # comma-separated ISO alpha-2 codes
    postcode_prefixes: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    extra_days: Mapped[int] = mapped_column(Integer, default=0)
    explanation: Mapped[str] = mapped_column(Text)


class VerificationFailureRow(Base):
    """One failed verification attempt on one subject (order, contact or client), keyed by a hash."""

    __tablename__ = "verification_failures"
    __table_args__ = (Index("ix_verification_failures_subject", "subject", "subject_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class ExternalOrderRow(Base):
    """An order kept in step with a commerce platform (``source``, e.g. "shopify"): its id there and the
    platform's ``updated_at`` of the version stored, so an older notification never overwrites a newer one."""

    __tablename__ = "external_orders"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_external_orders_source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    source_updated_at: Mapped[datetime]
    synced_at: Mapped[datetime]


class ExternalEventRow(Base):
    """A notification (webhook) a platform delivered, by its own id: a second delivery is acknowledged
    and changes nothing."""

    __tablename__ = "external_events"
    __table_args__ = (UniqueConstraint("source", "event_id", name="uq_external_events_source_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(32))


def split_codes(text: str) -> tuple[str, ...]:
    """``"GB, IE"`` -> ``("GB", "IE")``; the empty string -> ``()``."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def join_codes(values: tuple[str, ...] | list[str]) -> str:
    return ",".join(v.strip() for v in values if v.strip())
