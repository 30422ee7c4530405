"""Who from the team is actually there: an agent's presence, from their consoles and their own choice.

Pure rules (no database, no clock: ``now`` is passed in). An agent is **available** when all of these hold:

- their account is enabled;
- at least one console of theirs is connected *and* logged in (its session is still open) *and* was heard
  from within ``stale_after`` (the console sends a beat every ``SHOPDESK_CONSOLE_BEAT_SECONDS``; a crashed
  browser, a sleeping laptop or a gateway replica that died stops the beats, so its console goes stale);
- they have not set themselves **away** in the console.

A connected agent who chose away is ``AWAY``; an agent with no live console is ``OFFLINE``. Only available
agents count towards the expected wait a shopper is told (``bot.desk.wait``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


class Availability(enum.StrEnum):
    """What the agent chose in the console."""

    AVAILABLE = "available"
    AWAY = "away"


class Presence(enum.StrEnum):
    """What the team and the wait estimate see."""

    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True)
class ConsoleSeen:
    """One open console: when it was last heard from, and whether its log-in session is still open."""

    last_seen: datetime
    session_open: bool


@dataclass(frozen=True)
class AgentPresence:
    agent_id: int
    username: str
    display_name: str
    availability: Availability
    disabled: bool
    consoles: Sequence[ConsoleSeen] = ()


def console_live(console: ConsoleSeen, now: datetime, stale_after: timedelta) -> bool:
    return console.session_open and now - console.last_seen <= stale_after


def presence_of(agent: AgentPresence, now: datetime, stale_after: timedelta) -> Presence:
    if agent.disabled or not any(console_live(c, now, stale_after) for c in agent.consoles):
        return Presence.OFFLINE
    if agent.availability is Availability.AWAY:
        return Presence.AWAY
    return Presence.AVAILABLE


def available_count(agents: Iterable[AgentPresence], now: datetime, stale_after: timedelta) -> int:
    return sum(1 for agent in agents if presence_of(agent, now, stale_after) is Presence.AVAILABLE)
