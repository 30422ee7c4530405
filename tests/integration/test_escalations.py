"""The escalation book's state changes hold when two actors race for the same escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.desk.agents.store import AgentDirectory
from bot.desk.conversations.model import Channel
from bot.desk.conversations.store import ConversationStore
from bot.desk.escalations.model import EscalationError, EscalationState, NewEscalation
from bot.desk.escalations.store import EscalationBook
from bot.desk.handoff import Priority, Trigger

NOW = datetime(2026, 10, 15, 10, 0, tzinfo=UTC)


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
