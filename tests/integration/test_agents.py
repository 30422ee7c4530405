"""Agents: created by the admin command, passwords hashed, sessions that end."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory
from bot.desk.agents.model import AgentError, LoginFailed, SessionExpired
from bot.desk.agents.passwords import password_matches
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
