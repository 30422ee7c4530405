"""Support agents: accounts with argon2id-hashed passwords, and login sessions held as hashed tokens.

A session token is 32 random bytes shown to the agent's browser once; the database keeps only its
SHA-256, so a leaked database does not let anyone act as an agent. A password change and disabling an
agent end their sessions; ``authenticate`` is what every request (and the console's WebSocket, again and
again) asks, so an ended session stops working everywhere.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk.agents.model import (
    MIN_PASSWORD_LENGTH,
    SESSION_LIFETIME,
    Agent,
    AgentAccount,
    AgentError,
    LoginFailed,
    SessionExpired,
)
from bot.desk.agents.passwords import dummy_hash, hash_password, hash_token, needs_rehash, password_matches
from bot.desk.agents.tables import AgentRow, AgentSessionRow


def normal_username(text: str) -> str:
    """Usernames are compared trimmed and in lower case: "Sam " logs in as "sam"."""
    return text.strip().lower()


def _agent(row: AgentRow) -> Agent:
    return Agent(row.id, row.username, row.display_name)


class AgentDirectory:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def create(self, username: str, password: str, display_name: str | None = None) -> Agent:
        username = normal_username(username)
        if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
            raise AgentError("a username is letters, digits, dots, dashes or underscores")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AgentError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        with self._sessions.begin() as session:
            if session.scalar(select(AgentRow).where(AgentRow.username == username)) is not None:
                raise AgentError(f"an agent called {username!r} already exists")
            row = AgentRow(
                username=username,
                display_name=display_name or username,
                password_hash=hash_password(password),
                created_at=self._clock(),
                disabled_at=None,
            )
            session.add(row)
            session.flush()
            return _agent(row)

    def set_password(self, username: str, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AgentError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        with self._sessions.begin() as session:
            row = self._row(session, username)
            row.password_hash = hash_password(password)
            session.execute(delete(AgentSessionRow).where(AgentSessionRow.agent_id == row.id))

    def disable(self, username: str) -> None:
        """The agent can no longer log in, and their open sessions (and consoles) end."""
        with self._sessions.begin() as session:
            row = self._row(session, username)
            if row.disabled_at is None:
                row.disabled_at = self._clock()
            session.execute(delete(AgentSessionRow).where(AgentSessionRow.agent_id == row.id))

    def enable(self, username: str) -> None:
        with self._sessions.begin() as session:
            self._row(session, username).disabled_at = None

    def accounts(self) -> list[AgentAccount]:
        """Every agent, with whether they are disabled and how many sessions they have open now."""
        now = self._clock()
        with self._sessions() as session:
            counted = session.execute(
                select(AgentSessionRow.agent_id, func.count())
                .where(AgentSessionRow.expires_at > now)
                .group_by(AgentSessionRow.agent_id)
            )
            open_sessions: dict[int, int] = {agent_id: count for agent_id, count in counted}
            return [
                AgentAccount(
                    username=row.username,
                    display_name=row.display_name,
                    created_at=row.created_at,
                    disabled_at=row.disabled_at,
                    open_sessions=open_sessions.get(row.id, 0),
                )
                for row in session.scalars(select(AgentRow).order_by(AgentRow.username))
            ]

    @staticmethod
    def _row(session: Session, username: str) -> AgentRow:
        row = session.scalar(select(AgentRow).where(AgentRow.username == normal_username(username)))
        if row is None:
            raise AgentError(f"no agent called {username!r}")
        return row

    def log_in(self, username: str, password: str) -> tuple[Agent, str]:
        """A new session token for the agent; raises ``LoginFailed`` for any wrong detail."""
        with self._sessions.begin() as session:
            row = session.scalar(select(AgentRow).where(AgentRow.username == normal_username(username)))
            if row is None or row.disabled_at is not None:
                password_matches(password, dummy_hash())  # costs what a known username costs
                raise LoginFailed("wrong username or password")
            if not password_matches(password, row.password_hash):
                raise LoginFailed("wrong username or password")
            if needs_rehash(row.password_hash):  # an old scrypt hash becomes argon2id now we know it
                row.password_hash = hash_password(password)
            token = secrets.token_urlsafe(32)
            now = self._clock()
            session.execute(delete(AgentSessionRow).where(AgentSessionRow.expires_at <= now))
            session.add(
                AgentSessionRow(
                    token_hash=hash_token(token),
                    agent_id=row.id,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
            return _agent(row), token

    def authenticate(self, token: str | None) -> Agent:
        if not token:
            raise SessionExpired("not logged in")
        with self._sessions() as session:
            found = session.execute(
                select(AgentSessionRow, AgentRow)
                .join(AgentRow, AgentRow.id == AgentSessionRow.agent_id)
                .where(AgentSessionRow.token_hash == hash_token(token))
            ).first()
            if found is None:
                raise SessionExpired("not logged in")
            agent_session, row = found
            if agent_session.expires_at <= self._clock() or row.disabled_at is not None:
                raise SessionExpired("the session has expired; log in again")
            return _agent(row)

    def log_out(self, token: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(AgentSessionRow).where(AgentSessionRow.token_hash == hash_token(token)))

    def get(self, agent_id: int) -> Agent | None:
        with self._sessions() as session:
            row = session.get(AgentRow, agent_id)
            return _agent(row) if row else None

    def names(self) -> dict[int, str]:
        with self._sessions() as session:
            return {row.id: row.display_name for row in session.scalars(select(AgentRow))}
