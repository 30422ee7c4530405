"""The retention purge on SQLite and PostgreSQL: what is older than the setting goes, wherever it is kept."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import fixed_clock
from bot.desk.conversations.model import Author, Channel
from bot.desk.conversations.store import ConversationStore
from bot.desk.conversations.tables import MessageRow
from bot.desk.escalations.model import NewEscalation
from bot.desk.escalations.store import EscalationBook
from bot.desk.escalations.tables import EscalationRow
from bot.desk.handoff import Priority, Trigger
from bot.ops import retention

NOW = datetime(2028, 10, 15, 10, 0, tzinfo=UTC)
THREE_YEARS_AGO = NOW - timedelta(days=3 * 365)
LAST_MONTH = NOW - timedelta(days=30)
ASKED = NewEscalation(
    Trigger.ASKED, None, Priority.NORMAL, "asked for a person", None, "jo@example.com", [], [], []
)


def conversation_at(sessions: sessionmaker[Session], when: datetime, *, escalated: bool = False) -> str:
    store = ConversationStore(sessions, fixed_clock(when))
    cid = store.create(Channel.WEB).conversation.id
    store.add_message(cid, Author.SHOPPER, "my email is jo@example.com")
    if escalated:
        EscalationBook(sessions, fixed_clock(when)).open(cid, ASKED)
    return cid


def rasa_tracker_store(path: Path, senders: dict[str, datetime]) -> str:
    """A tracker store with the table Rasa's SQL tracker store keeps its events in."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
        for sender, when in senders.items():
            for offset in (0, 60):
                db.execute(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')",
                    (sender, when.timestamp() + offset),
                )
    return f"sqlite:///{path}"


def test_conversations_older_than_the_setting_go_with_their_messages_escalations_and_trackers(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    old = conversation_at(session_factory, THREE_YEARS_AGO, escalated=True)
    recent = conversation_at(session_factory, LAST_MONTH, escalated=True)
    trackers = rasa_tracker_store(tmp_path / "tracker.db", {old: THREE_YEARS_AGO, recent: LAST_MONTH})

    purged = retention.purge(session_factory, trackers, NOW, keep_days=730)

    assert purged == retention.Purged(
        conversations=1, escalations=1, tracker_conversations=1, verification_failures=0
    )
    store = ConversationStore(session_factory, fixed_clock(NOW))
    assert [c.id for c in store.by_status()] == [recent]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(MessageRow)) == 1
        assert session.scalar(select(func.count()).select_from(EscalationRow)) == 1
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert {row[0] for row in db.execute("SELECT sender_id FROM events")} == {recent}


def test_a_second_purge_finds_nothing_more(session_factory: sessionmaker[Session]) -> None:
    conversation_at(session_factory, THREE_YEARS_AGO)
    assert retention.purge(session_factory, None, NOW, keep_days=730).conversations == 1
    assert retention.purge(session_factory, None, NOW, keep_days=730).conversations == 0


def test_a_tracker_store_rasa_has_not_created_yet_is_left_alone(tmp_path: Path) -> None:
    assert retention.purge_trackers(f"sqlite:///{tmp_path / 'none.db'}", NOW) == 0


def test_the_cli_purges_with_the_configured_retention(sqlite_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "retention", "purge"],
        env={"SHOPDESK_DATABASE_URL": sqlite_url, "SHOPDESK_RETENTION_DAYS": "30", "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert "older than 30 days: 0 conversations" in done.stdout
