"""The escalation book's state changes hold when two actors race for the same escalation."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.desk.agents.store import AgentDirectory
from bot.desk.conversations.model import Channel
from bot.desk.conversations.store import ConversationStore
from bot.desk.escalations.model import EscalationError, EscalationState, NewEscalation
from bot.desk.escalations.store import EscalationBook
from bot.desk.escalations.tables import EscalationRow
from bot.desk.handoff import Priority, Trigger

NOW = datetime(2026, 10, 15, 10, 0, tzinfo=UTC)
ASKED = NewEscalation(Trigger.ASKED, None, Priority.NORMAL, "asked for a person", None, None, [], [], [])


def _book(session_factory: sessionmaker[Session]) -> tuple[EscalationBook, int]:
    conversation = ConversationStore(session_factory, lambda: NOW).create(Channel.WEB).conversation
    book = EscalationBook(session_factory, lambda: NOW)
    escalation, created = book.open(
        conversation.id,
        NewEscalation(Trigger.ASKED, None, Priority.NORMAL, "asked for a person", None, None, [], [], []),
    )
    assert created and escalation.state is EscalationState.QUEUED
    return book, escalation.id


def test_an_unclaimed_escalation_goes_to_email_once(session_factory: sessionmaker[Session]) -> None:
    book, escalation_id = _book(session_factory)
    assert [e.id for e in book.unclaimed_since(NOW + timedelta(minutes=1))] == [escalation_id]
    assert book.to_email(escalation_id).state is EscalationState.EMAIL
    with pytest.raises(EscalationError, match="no longer waiting"):
        book.to_email(escalation_id)  # a second gateway process expiring it too changes nothing
    assert book.unclaimed_since(NOW + timedelta(minutes=1)) == []


def test_a_claim_made_after_the_queue_was_read_is_kept(session_factory: sessionmaker[Session]) -> None:
    book, escalation_id = _book(session_factory)
    stale = book.unclaimed_since(NOW + timedelta(minutes=1))  # the timeout check reads the queue...
    agent = AgentDirectory(session_factory, lambda: NOW).create("sam", "a long enough password", "Sam")
    book.claim(escalation_id, agent.id)  # ...an agent claims it...
    with pytest.raises(EscalationError):
        book.to_email(stale[0].id)  # ...and the expiry must not take it from them
    assert book.get(escalation_id).state is EscalationState.CLAIMED


def test_the_database_refuses_a_second_open_escalation_for_a_conversation(
    session_factory: sessionmaker[Session],
) -> None:
    _, escalation_id = _book(session_factory)
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        first = session.get(EscalationRow, escalation_id)
        assert first is not None
        session.add(
            EscalationRow(
                conversation_id=first.conversation_id,
                state=EscalationState.CLAIMED.value,
                trigger=first.trigger,
                priority=first.priority,
                summary="a second one",
                intents=[],
                entities=[],
                facts=[],
                created_at=NOW,
            )
        )


def test_a_closed_escalation_leaves_room_for_a_new_one(session_factory: sessionmaker[Session]) -> None:
    book, escalation_id = _book(session_factory)
    closed = book.close(escalation_id, None, EscalationState.RESOLVED)
    again, created = book.open(closed.conversation_id, ASKED)
    assert created and again.id != escalation_id


def test_concurrent_opens_for_one_conversation_make_one_escalation(
    session_factory: sessionmaker[Session],
) -> None:
    conversation = ConversationStore(session_factory, lambda: NOW).create(Channel.WEB).conversation
    book = EscalationBook(session_factory, lambda: NOW)
    callers = 8
    together = threading.Barrier(callers)

    def open_one(_: int) -> tuple[int, bool]:
        together.wait()
        escalation, created = book.open(conversation.id, ASKED)
        return escalation.id, created

    with ThreadPoolExecutor(callers) as pool:
        results = list(pool.map(open_one, range(callers)))
    assert len({escalation_id for escalation_id, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(EscalationRow)) == 1
