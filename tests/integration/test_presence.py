"""Agent presence in the database, on SQLite and PostgreSQL: what every gateway replica reads to decide
whether anyone from the team is there. The clock is a list the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.desk.agents.presence import Availability, Presence
from bot.desk.agents.presence_store import PresenceBoard
from bot.desk.agents.store import AgentDirectory
from bot.desk.agents.tables import ConsoleConnectionRow
from bot.desk.conversations.model import Channel
from bot.desk.conversations.store import ConversationStore
from bot.desk.escalations.model import EscalationState, NewEscalation
from bot.desk.escalations.store import EscalationBook
from bot.desk.handoff import Priority, Trigger

START = datetime(2026, 10, 15, 10, 0, tzinfo=UTC)
STALE = timedelta(seconds=45)
PASSWORD = "a long enough password"


class Desk:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.now = [START]
        clock = lambda: self.now[0]  # noqa: E731
        self.sessions = session_factory
        self.directory = AgentDirectory(session_factory, clock)
        self.board = PresenceBoard(session_factory, clock, STALE)

    def later(self, **delta: float) -> None:
        self.now[0] += timedelta(**delta)

    def presence(self, username: str) -> Presence:
        return {a.username: p for a, p in self.board.team()}[username]


def test_a_connected_console_makes_its_agent_available_until_it_disconnects(
    session_factory: sessionmaker[Session],
) -> None:
    desk = Desk(session_factory)
    sam = desk.directory.create("sam", PASSWORD, "Sam")
    desk.directory.create("alex", PASSWORD, "Alex")
    _, token = desk.directory.log_in("sam", PASSWORD)
    assert desk.board.available() == 0
    connection = desk.board.connect(sam.id, token)
    assert desk.board.available() == 1
    assert [(a.display_name, p) for a, p in desk.board.team()] == [
        ("Alex", Presence.OFFLINE),
        ("Sam", Presence.AVAILABLE),
    ]
    desk.board.disconnect(connection)
    assert desk.board.available() == 0 and desk.presence("sam") is Presence.OFFLINE


def test_away_is_the_agents_choice_and_outlives_their_console(session_factory: sessionmaker[Session]) -> None:
    desk = Desk(session_factory)
    sam = desk.directory.create("sam", PASSWORD, "Sam")
    _, token = desk.directory.log_in("sam", PASSWORD)
    first = desk.board.connect(sam.id, token)
    desk.board.set_availability(sam.id, Availability.AWAY)
    assert desk.presence("sam") is Presence.AWAY and desk.board.available() == 0
    desk.board.disconnect(first)
    desk.board.connect(sam.id, token)  # back the next morning: still away until they say otherwise
    assert desk.presence("sam") is Presence.AWAY
    desk.board.set_availability(sam.id, Availability.AVAILABLE)
    assert desk.presence("sam") is Presence.AVAILABLE


def test_a_console_that_stops_beating_goes_stale_and_a_beat_brings_it_back(
    session_factory: sessionmaker[Session],
) -> None:
    desk = Desk(session_factory)
    sam = desk.directory.create("sam", PASSWORD, "Sam")
    _, token = desk.directory.log_in("sam", PASSWORD)
    connection = desk.board.connect(sam.id, token)
    desk.later(seconds=30)
    desk.board.beat(connection)
    desk.later(seconds=40)
    assert desk.board.available() == 1  # 40 s since the beat
    desk.later(seconds=10)
    assert desk.board.available() == 0  # the replica (or the browser) died without closing
    desk.board.beat(connection)
    assert desk.board.available() == 1


def test_a_console_whose_session_ended_no_longer_counts(session_factory: sessionmaker[Session]) -> None:
    desk = Desk(session_factory)
    sam = desk.directory.create("sam", PASSWORD, "Sam")
    alex = desk.directory.create("alex", PASSWORD, "Alex")
    _, sam_token = desk.directory.log_in("sam", PASSWORD)
    _, alex_token = desk.directory.log_in("alex", PASSWORD)
    desk.board.connect(sam.id, sam_token)
    desk.board.connect(alex.id, alex_token)
    assert desk.board.available() == 2
    desk.directory.log_out(sam_token)  # before the socket notices and closes
    desk.directory.disable("alex")
    assert desk.board.available() == 0
    assert [a.username for a, _ in desk.board.team()] == ["sam"]  # a disabled agent is not on the team


def test_another_agents_token_does_not_make_a_console_count(session_factory: sessionmaker[Session]) -> None:
    desk = Desk(session_factory)
    sam = desk.directory.create("sam", PASSWORD, "Sam")
    desk.directory.create("alex", PASSWORD, "Alex")
    _, alex_token = desk.directory.log_in("alex", PASSWORD)
    desk.board.connect(sam.id, alex_token)
    assert desk.board.available() == 0


def test_rows_left_by_a_dead_replica_are_cleared_a_day_later(session_factory: sessionmaker[Session]) -> None:
    desk = Desk(session_factory)
    sam = desk.directory.create("sam", PASSWORD, "Sam")
    _, token = desk.directory.log_in("sam", PASSWORD)
    desk.board.connect(sam.id, token)  # never disconnected
    desk.later(days=1, seconds=1)
    _, token = desk.directory.log_in("sam", PASSWORD)
    desk.board.connect(sam.id, token)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ConsoleConnectionRow)) == 1


def test_handling_durations_are_claim_to_close_of_recently_closed_escalations(
    session_factory: sessionmaker[Session],
) -> None:
    now = [START]
    clock = lambda: now[0]  # noqa: E731
    conversations = ConversationStore(session_factory, clock)
    book = EscalationBook(session_factory, clock)
    agent = AgentDirectory(session_factory, clock).create("sam", PASSWORD, "Sam")
    asked = NewEscalation(Trigger.ASKED, None, Priority.NORMAL, "asked", None, None, [], [], [])
    for minutes, state in ((3, EscalationState.RESOLVED), (7, EscalationState.HANDED_BACK)):
        conversation = conversations.create(Channel.WEB).conversation
        escalation, _ = book.open(conversation.id, asked)
        book.claim(escalation.id, agent.id)
        now[0] += timedelta(minutes=minutes)
        book.close(escalation.id, agent.id, state)
    still_open, _ = book.open(conversations.create(Channel.WEB).conversation.id, asked)
    book.claim(still_open.id, agent.id)
    assert sorted(book.handling_durations(START)) == [timedelta(minutes=3), timedelta(minutes=7)]
    assert book.handling_durations(START + timedelta(minutes=5)) == [timedelta(minutes=7)]
