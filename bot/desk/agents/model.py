"""Support agents as plain values, their errors, and the rules for sessions and passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import ShopdeskError

SESSION_LIFETIME = timedelta(hours=12)


MIN_PASSWORD_LENGTH = 10


class AgentError(ShopdeskError):
    pass


class LoginFailed(AgentError):
    """Wrong username or password (deliberately not saying which)."""


class SessionExpired(AgentError):
    pass


@dataclass(frozen=True)
class Agent:
    id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class AgentAccount:
    """An agent as the admin's ``shopdesk agents list`` shows them."""

    username: str
    display_name: str
    created_at: datetime
    disabled_at: datetime | None
    open_sessions: int
