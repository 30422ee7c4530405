"""SQLAlchemy tables of the delay notices: what was sent (the outbox), the chats where shoppers were
verified (where to send), and who opted out.

``delay_notices`` is unique per order, reason and estimate: a second run, another replica or a restarted
process inserting the same notice gets an integrity error instead of a second message. The row is written
(``pending``) before anything is sent, and a sender claims it (``sending``) in a transaction before it
sends, so nothing is sent that was not recorded and nothing recorded is forgotten.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.tables import Base

NO_ESTIMATE = "-"  # ``estimate_key`` of a notice without an estimate (NULLs never collide in a unique key)


class DelayNoticeRow(Base):
    __tablename__ = "delay_notices"
    __table_args__ = (
        UniqueConstraint("order_id", "reason", "estimate_key", name="uq_delay_notices_once"),
        Index("ix_delay_notices_channel_status", "channel", "status"),
        Index("ix_delay_notices_address", "channel", "address"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    estimate: Mapped[date | None] = mapped_column(Date)
    estimate_key: Mapped[str] = mapped_column(String(10))  # the estimate's ISO date, or NO_ESTIMATE
    disruption_id: Mapped[int | None] = mapped_column(ForeignKey("disruptions.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(16))  # web | telegram | email; None: unreachable
    address: Mapped[str | None] = mapped_column(String(320))  # chat id, conversation id or email
    text: Mapped[str] = mapped_column(Text)  # the notice's words (each channel adds how to opt out)
    status: Mapped[str] = mapped_column(String(16))  # NoticeStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(64))  # the last failure's class, never its text
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]


class NoticeContactRow(Base):
    """A chat in which a shopper was verified for an order: where their notices can go."""

    __tablename__ = "notice_contacts"
    __table_args__ = (
        UniqueConstraint("order_id", "channel", "address", name="uq_notice_contacts_chat"),
        Index("ix_notice_contacts_customer", "customer_id", "seen_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    proves_customer: Mapped[bool] = mapped_column(Boolean, default=False)  # verified by email, not postcode
    channel: Mapped[str] = mapped_column(String(16))  # web | telegram
    address: Mapped[str] = mapped_column(String(128))  # web: the conversation's public id; Telegram: chat id
    seen_at: Mapped[datetime]


class NoticeOptOutRow(Base):
    """A shopper asked for no more notices on a channel."""

    __tablename__ = "notice_opt_outs"
    __table_args__ = (UniqueConstraint("customer_id", "channel", name="uq_notice_opt_outs_customer_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
