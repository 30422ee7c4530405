"""SQLAlchemy tables for the human side: agents, their login sessions, and escalations.

Registered on ``bot.tables.Base``; the stores turn rows into dataclasses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.desk.escalations.model import OPEN_STATES
from bot.tables import Base

# The database keeps one open escalation per conversation however many gateway replicas ask at once.
OPEN_STATE_CONDITION = "state IN ({})".format(", ".join(f"'{state.value}'" for state in OPEN_STATES))
ONE_OPEN_INDEX = "uq_escalations_one_open_per_conversation"


class EscalationRow(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_state_priority", "state", "priority"),
        Index(
            ONE_OPEN_INDEX,
            "conversation_id",
            unique=True,
            postgresql_where=text(OPEN_STATE_CONDITION),
            sqlite_where=text(OPEN_STATE_CONDITION),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16))  # queued | claimed | email | handed_back | resolved
    trigger: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    verified_order: Mapped[str | None] = mapped_column(String(32))
    customer_email: Mapped[str | None] = mapped_column(String(320))
    intents: Mapped[list[str]] = mapped_column(JSON)
    entities: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1..5, the shopper's answer to the survey
