"""SQLAlchemy tables for agents, their login sessions and their open consoles (presence)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.tables import Base


class AgentRow(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id; old scrypt ones until next log-in
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    # what the agent chose in the console: available | away (bot/desk/agents/presence.py)
    availability: Mapped[str] = mapped_column(String(16), server_default=text("'available'"))


class AgentSessionRow(Base):
    __tablename__ = "agent_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex; the token is never stored
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ConsoleConnectionRow(Base):
    """One open console WebSocket, on whichever gateway replica: deleted when it closes, and no longer
    counted once ``last_seen_at`` is older than the stale limit (its replica or browser died)."""

    __tablename__ = "console_connections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a random id per socket
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    # the log-in session the socket authenticated with (sha256 hex, as agent_sessions keeps it): a socket
    # whose session ended stops counting at once, before the socket itself notices and closes
    session_token_hash: Mapped[str] = mapped_column(String(64))
    connected_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(index=True)
