"""Delivery claims in the database (SQLite and PostgreSQL): each message is claimed once, by the first to
ask, however many gateway replicas ask at once; a turn's claim stops at the first reply claimed elsewhere;
claims go with their conversation."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.desk.conversations.deliveries import DeliveryClaims
from bot.desk.conversations.model import Author, Channel, Message, NewMessage
from bot.desk.conversations.store import ConversationStore
from bot.desk.conversations.tables import ConversationRow, MessageDeliveryRow
from bot.ops import retention

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def replies(sessions: sessionmaker[Session], count: int) -> list[Message]:
    store = ConversationStore(sessions, lambda: NOW)
    conversation = store.create(Channel.TELEGRAM, "424242").conversation
    new = [NewMessage(Author.BOT, f"reply {n}") for n in range(count)]
    return [added.message for added in store.add_messages(conversation.id, new)]


def test_a_message_is_claimed_by_the_first_to_ask_and_by_nobody_after(
    session_factory: sessionmaker[Session],
) -> None:
    (message,) = replies(session_factory, 1)
    first = DeliveryClaims(session_factory, lambda: NOW)
    second = DeliveryClaims(session_factory, lambda: NOW)

    assert first.claim(message.id) is True
    assert second.claim(message.id) is False
    assert first.claim(message.id) is False
    assert first.claimed([message.id]) == {message.id}


def test_a_turns_claim_stops_at_the_first_reply_claimed_elsewhere_and_keeps_the_ones_before(
    session_factory: sessionmaker[Session],
) -> None:
    one, two, three = replies(session_factory, 3)
    turn = DeliveryClaims(session_factory, lambda: NOW)
    follower = DeliveryClaims(session_factory, lambda: NOW)
    assert follower.claim(two.id)

    assert turn.claim_in_order([one.id, two.id, three.id]) == [one.id]
    assert turn.claimed([one.id, two.id, three.id]) == {one.id, two.id}
    assert follower.claim(three.id)  # the rest is the followers'


def test_replicas_claiming_the_same_replies_at_once_claim_each_exactly_once(
    session_factory: sessionmaker[Session],
) -> None:
    messages = replies(session_factory, 5)
    ids = [m.id for m in messages]
    callers = 6
    together = threading.Barrier(callers)

    def claim(caller: int) -> list[int]:
        claims = DeliveryClaims(session_factory, lambda: NOW)
        together.wait()
        if caller % 2:  # a turn, all its replies in order
            return claims.claim_in_order(ids)
        return [i for i in ids if claims.claim(i)]  # a hub follower, one message at a time

    with ThreadPoolExecutor(callers) as pool:
        results = list(pool.map(claim, range(callers)))
    claimed = sorted(i for result in results for i in result)
    assert claimed == ids
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(MessageDeliveryRow)) == len(ids)


def test_claims_are_deleted_with_their_conversation(session_factory: sessionmaker[Session]) -> None:
    (message,) = replies(session_factory, 1)
    assert DeliveryClaims(session_factory, lambda: NOW).claim(message.id)

    with session_factory.begin() as session:
        (conversation_id,) = session.scalars(select(ConversationRow.id))
        retention.delete_conversations(session, [conversation_id])

    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(MessageDeliveryRow)) == 0
