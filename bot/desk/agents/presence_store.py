"""Agent presence in the database, so every gateway replica sees the same team: the availability each agent
chose, and one row per open console WebSocket with the time it was last heard from.

A console's row is written when its socket authenticates, touched at each of its beats and deleted when the
socket closes. A replica that dies leaves its rows behind; they stop counting once older than
``stale_after`` (``bot.desk.agents.presence``) and are deleted at the next console's connect once a day old.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk.agents.model import AgentError
from bot.desk.agents.passwords import hash_token
from bot.desk.agents.presence import (
    AgentPresence,
    Availability,
    ConsoleSeen,
    Presence,
    available_count,
    presence_of,
)
from bot.desk.agents.tables import AgentRow, AgentSessionRow, ConsoleConnectionRow

LEFTOVERS_AFTER = timedelta(days=1)  # a console row this old belonged to a replica or browser that died


class PresenceBoard:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, stale_after: timedelta) -> None:
        self._sessions = sessions
        self._clock = clock
        self.stale_after = stale_after

    # --- a console's life --------------------------------------------------------------------------------

    def connect(self, agent_id: int, session_token: str) -> str:
        """A console of ``agent_id`` authenticated with ``session_token``: its connection id."""
        now = self._clock()
        connection_id = str(uuid.uuid4())
        with self._sessions.begin() as session:
            session.execute(
                delete(ConsoleConnectionRow).where(ConsoleConnectionRow.last_seen_at < now - LEFTOVERS_AFTER)
            )
            session.add(
                ConsoleConnectionRow(
                    id=connection_id,
                    agent_id=agent_id,
                    session_token_hash=hash_token(session_token),
                    connected_at=now,
                    last_seen_at=now,
                )
            )
        return connection_id

    def beat(self, connection_id: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(ConsoleConnectionRow)
                .where(ConsoleConnectionRow.id == connection_id)
                .values(last_seen_at=self._clock())
            )

    def disconnect(self, connection_id: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(ConsoleConnectionRow).where(ConsoleConnectionRow.id == connection_id))

    # --- the agent's choice ------------------------------------------------------------------------------

    def set_availability(self, agent_id: int, availability: Availability) -> None:
        with self._sessions.begin() as session:
            row = session.get(AgentRow, agent_id)
            if row is None:
                raise AgentError(f"no agent with id {agent_id}")
            row.availability = availability.value

    # --- what the team and the wait estimate see ---------------------------------------------------------

    def agents(self) -> list[AgentPresence]:
        """Every agent with their consoles (by display name), as the rules in ``presence`` take them."""
        now = self._clock()
        with self._sessions() as session:
            consoles: dict[int, list[ConsoleSeen]] = {}
            rows = session.execute(
                select(ConsoleConnectionRow, AgentSessionRow.expires_at).outerjoin(
                    AgentSessionRow,
                    (AgentSessionRow.token_hash == ConsoleConnectionRow.session_token_hash)
                    & (AgentSessionRow.agent_id == ConsoleConnectionRow.agent_id),
                )
            )
            for connection, expires_at in rows:
                seen = ConsoleSeen(connection.last_seen_at, expires_at is not None and expires_at > now)
                consoles.setdefault(connection.agent_id, []).append(seen)
            return [
                AgentPresence(
                    agent_id=row.id,
                    username=row.username,
                    display_name=row.display_name,
                    availability=Availability(row.availability),
                    disabled=row.disabled_at is not None,
                    consoles=tuple(consoles.get(row.id, ())),
                )
                for row in session.scalars(select(AgentRow).order_by(AgentRow.display_name, AgentRow.id))
            ]

    def team(self) -> list[tuple[AgentPresence, Presence]]:
        """Every enabled agent and their presence now."""
        agents = self.agents()
        now = self._clock()
        return [(a, presence_of(a, now, self.stale_after)) for a in agents if not a.disabled]

    def available(self) -> int:
        """How many agents are available now: the figure the expected wait is computed from."""
        return available_count(self.agents(), self._clock(), self.stale_after)

    def presence(self, agent_id: int) -> Presence:
        for agent in self.agents():
            if agent.agent_id == agent_id:
                return presence_of(agent, self._clock(), self.stale_after)
        return Presence.OFFLINE
