"""SQLAlchemy tables for chat conversations (web widget, Telegram) and their messages.

Registered on ``bot.tables.Base`` so one metadata (and one Alembic history) covers the whole app database.
``bot.conversations`` turns these rows into dataclasses; nothing else should need them.

``messages.id`` is the reconnect cursor: it only grows (``sqlite_autoincrement`` stops SQLite from reusing
the id of a deleted last row; PostgreSQL sequences never go back).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.tables import LAZY, Base


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_channel_user", "channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str | None] = mapped_column(String(128))
    token_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 hex of the shopper's token
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    # 1..5: the shopper's answer to the survey offered when the assistant alone finished the conversation
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[datetime | None]

    messages: Mapped[list[MessageRow]] = relationship(
        back_populates="conversation", lazy=LAZY, cascade="all, delete-orphan", order_by="MessageRow.id"
    )


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_message_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # e.g. Rasa ``custom`` payloads; never shown
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    client_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    conversation: Mapped[ConversationRow] = relationship(back_populates="messages", lazy=LAZY)


class MessageDeliveryRow(Base):
    """A message claimed for delivery to its conversation's outside channel (a Telegram chat). Every gateway
    replica hears every message on the hub; the primary key lets one of them alone claim, and so send, each
    one. Deleted with its message."""

    __tablename__ = "message_deliveries"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    claimed_at: Mapped[datetime]
