"""Agents: created by the admin command, passwords hashed, sessions that end."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.agents.model import AgentError, LoginFailed, SessionExpired
from bot.desk.agents.passwords import needs_rehash, password_matches
from bot.desk.agents.presence_store import PresenceBoard
from bot.desk.agents.store import AgentDirectory
from bot.desk.agents.tables import AgentRow
from bot.ops.cli import main

PASSWORD = "a strong password"


def test_the_admin_command_creates_an_agent_whose_password_is_stored_hashed(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", sqlite_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["agents", "create", "Sam", "--name", "Sam Jones", "--password-stdin"]) == 0
    assert "agent 'sam' created" in capsys.readouterr().out

    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        row = session.scalars(select(AgentRow)).one()
    assert row.username == "sam" and row.display_name == "Sam Jones"
    assert PASSWORD not in row.password_hash
    assert password_matches(PASSWORD, row.password_hash)
    assert not password_matches("a strong passworD", row.password_hash)
    engine.dispose()


def test_a_short_password_is_refused_with_a_clear_message(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", sqlite_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["agents", "create", "bob", "--password-stdin"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err


def test_sessions_expire_and_a_new_password_ends_them(sqlite_url: str) -> None:
    now = [datetime(2026, 10, 15, 9, tzinfo=UTC)]
    engine = make_engine(sqlite_url)
    directory = AgentDirectory(make_session_factory(engine), lambda: now[0])
    directory.create("sam", PASSWORD)
    with pytest.raises(LoginFailed):
        directory.log_in("sam", "wrong password!")
    agent, token = directory.log_in("SAM", PASSWORD)
    assert directory.authenticate(token) == agent

    now[0] += timedelta(hours=13)
    with pytest.raises(SessionExpired):
        directory.authenticate(token)

    _, token = directory.log_in("sam", PASSWORD)
    directory.set_password("sam", "another strong one")
    with pytest.raises(SessionExpired):
        directory.authenticate(token)
    with pytest.raises(AgentError):
        directory.create("sam", PASSWORD)
    engine.dispose()


def _legacy_scrypt_hash(password: str) -> str:
    """A hash as agents created before argon2id have them: ``scrypt$n$r$p$salt$hash``."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_new_passwords_are_hashed_with_argon2id(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    AgentDirectory(make_session_factory(engine), lambda: datetime(2026, 10, 15, tzinfo=UTC)).create(
        "sam", PASSWORD
    )
    with make_session_factory(engine)() as session:
        stored = session.scalars(select(AgentRow.password_hash)).one()
    assert stored.startswith("$argon2id$")
    assert not needs_rehash(stored)
    engine.dispose()


def test_an_old_scrypt_hash_still_logs_in_and_is_replaced_by_argon2id(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    directory = AgentDirectory(sessions, lambda: datetime(2026, 10, 15, tzinfo=UTC))
    directory.create("sam", PASSWORD)
    with sessions.begin() as session:
        session.scalars(select(AgentRow)).one().password_hash = _legacy_scrypt_hash(PASSWORD)

    with pytest.raises(LoginFailed):
        directory.log_in("sam", "not the password")
    with sessions() as session:
        assert session.scalars(select(AgentRow.password_hash)).one().startswith("scrypt$")

    directory.log_in("sam", PASSWORD)
    with sessions() as session:
        stored = session.scalars(select(AgentRow.password_hash)).one()
    assert stored.startswith("$argon2id$") and password_matches(PASSWORD, stored)
    directory.log_in("sam", PASSWORD)  # and the new hash logs in
    engine.dispose()


def test_a_disabled_agent_cannot_log_in_and_their_sessions_end_until_enabled(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    directory = AgentDirectory(make_session_factory(engine), lambda: datetime(2026, 10, 15, tzinfo=UTC))
    directory.create("sam", PASSWORD)
    _, token = directory.log_in("sam", PASSWORD)

    directory.disable("Sam")
    with pytest.raises(SessionExpired):
        directory.authenticate(token)
    with pytest.raises(LoginFailed):
        directory.log_in("sam", PASSWORD)
    with pytest.raises(AgentError):
        directory.disable("nobody")

    directory.enable("sam")
    agent, token = directory.log_in("sam", PASSWORD)
    assert directory.authenticate(token) == agent
    engine.dispose()


def test_the_admin_lists_agents_with_their_state_and_disables_one(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", sqlite_url)
    for name in ("sam", "alex"):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        assert main(["agents", "create", name, "--password-stdin"]) == 0
    engine = make_engine(sqlite_url)
    sam, token = AgentDirectory(make_session_factory(engine), system_clock).log_in("sam", PASSWORD)
    board = PresenceBoard(make_session_factory(engine), system_clock, timedelta(seconds=45))
    board.connect(sam.id, token)  # sam has the console open
    engine.dispose()
    capsys.readouterr()

    assert main(["agents", "disable", "alex"]) == 0
    assert "'alex' disabled" in capsys.readouterr().out
    assert main(["agents", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["alex", "sam"]
    assert "disabled" in lines[0] and "0 open sessions" in lines[0] and "offline" in lines[0]
    assert "active" in lines[1] and "1 open session " in lines[1] and "available" in lines[1]
    assert main(["agents", "disable", "nobody"]) == 1
