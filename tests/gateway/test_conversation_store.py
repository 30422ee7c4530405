"""The conversation store on SQLite and PostgreSQL: tokens, idempotent sends, cursors, status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import system_clock
from bot.db import make_engine
from bot.desk.conversations import tables as conversation_orm
from bot.desk.conversations.model import (
    AlreadyRated,
    Author,
    Button,
    Channel,
    ConversationClosed,
    ConversationExpired,
    ConversationNotFound,
    InvalidToken,
    NewMessage,
    Status,
)
from bot.desk.conversations.store import ConversationStore
from bot.tables import Base


@pytest.fixture
def store(session_factory: sessionmaker[Session]) -> Iterator[ConversationStore]:
    yield ConversationStore(session_factory, system_clock)


def test_migration_0002_creates_the_conversation_tables_as_the_orm_declares_them(database_url: str) -> None:
    assert conversation_orm.ConversationRow.__table__ is Base.metadata.tables["conversations"]
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diff == []
    assert {"conversations", "messages"} <= tables


def test_a_web_conversation_gets_a_token_that_only_opens_it(store: ConversationStore) -> None:
    mine = store.create(Channel.WEB)
    theirs = store.create(Channel.WEB)
    assert mine.token and theirs.token and mine.token != theirs.token

    assert store.authenticate(mine.conversation.id, mine.token) == mine.conversation
    with pytest.raises(InvalidToken):
        store.authenticate(mine.conversation.id, theirs.token)
    with pytest.raises(InvalidToken):
        store.authenticate(mine.conversation.id, None)
    with pytest.raises(ConversationNotFound):
        store.authenticate("00000000-0000-4000-8000-000000000000", mine.token)


def test_the_token_is_stored_only_as_its_hash(
    store: ConversationStore, session_factory: sessionmaker[Session]
) -> None:
    started = store.create(Channel.WEB)
    with session_factory() as session:
        row = session.query(conversation_orm.ConversationRow).one()
    assert started.token is not None
    assert started.token not in (row.token_hash or "") and len(row.token_hash or "") == 64


def test_a_telegram_conversation_has_no_token_and_is_found_by_chat_id(store: ConversationStore) -> None:
    started = store.create(Channel.TELEGRAM, "chat-42")
    assert started.token is None
    assert store.find_open(Channel.TELEGRAM, "chat-42") == started.conversation
    store.set_status(started.conversation.id, Status.CLOSED)
    assert store.find_open(Channel.TELEGRAM, "chat-42") is None


def test_a_repeated_client_message_id_returns_the_first_message(store: ConversationStore) -> None:
    cid = store.create(Channel.WEB).conversation.id
    first = store.add_message(cid, Author.SHOPPER, "hi", client_message_id="abc")
    again = store.add_message(cid, Author.SHOPPER, "hi", client_message_id="abc")
    other = store.create(Channel.WEB).conversation.id
    elsewhere = store.add_message(other, Author.SHOPPER, "hi", client_message_id="abc")

    assert first.created and not again.created and elsewhere.created
    assert again.message == first.message
    assert len(store.history(cid)) == 1


def test_message_ids_grow_and_history_pages_from_a_cursor(store: ConversationStore) -> None:
    cid = store.create(Channel.WEB).conversation.id
    added = store.add_messages(
        cid,
        [
            NewMessage(Author.SHOPPER, "one"),
            NewMessage(Author.BOT, "two", buttons=[Button("Yes", "/affirm")]),
            NewMessage(Author.AGENT, "note", internal=True),
            NewMessage(Author.AGENT, "three"),
        ],
    )
    ids = [a.message.id for a in added]
    assert ids == sorted(ids)

    assert [m.text for m in store.history(cid)] == ["one", "two", "three"]
    assert [m.text for m in store.history(cid, after=ids[0])] == ["two", "three"]
    assert [m.text for m in store.history(cid, include_internal=True)] == ["one", "two", "note", "three"]
    assert store.history(cid)[1].buttons == (Button("Yes", "/affirm"),)
    assert store.replies_to(added[0].message) == [added[1].message]


def test_a_closed_conversation_stays_closed(store: ConversationStore) -> None:
    cid = store.create(Channel.WEB).conversation.id
    assert store.set_status(cid, Status.QUEUED).status is Status.QUEUED
    assert [c.id for c in store.by_status([Status.QUEUED])] == [cid]
    store.set_status(cid, Status.CLOSED)

    with pytest.raises(ConversationClosed):
        store.set_status(cid, Status.BOT)
    with pytest.raises(ConversationClosed):
        store.add_message(cid, Author.SHOPPER, "hello?")


def test_a_token_idle_longer_than_the_expiry_closes_the_conversation_and_stops_working(
    session_factory: sessionmaker[Session],
) -> None:
    now = [datetime(2026, 10, 15, 9, tzinfo=UTC)]
    store = ConversationStore(session_factory, lambda: now[0], idle_expiry=timedelta(hours=24))
    started = store.create(Channel.WEB)
    cid = started.conversation.id
    now[0] += timedelta(hours=23)
    store.add_message(cid, Author.SHOPPER, "still here")  # a message keeps it alive
    now[0] += timedelta(hours=23)
    assert store.authenticate(cid, started.token).status is Status.BOT

    now[0] += timedelta(hours=1)
    with pytest.raises(ConversationExpired):
        store.authenticate(cid, started.token)
    assert store.get(cid).status is Status.CLOSED
    with pytest.raises(InvalidToken):  # the token is forgotten, not just refused
        store.authenticate(cid, started.token)


def test_a_conversation_is_rated_once_and_the_first_rating_stays(store: ConversationStore) -> None:
    conversation = store.create(Channel.WEB).conversation
    assert store.rate(conversation.id, 4).satisfaction == 4
    with pytest.raises(AlreadyRated):
        store.rate(conversation.id, 1)
    with pytest.raises(ValueError):
        store.rate(store.create(Channel.WEB).conversation.id, 6)
    assert store.get(conversation.id).satisfaction == 4


def test_annotating_a_message_merges_machine_data_and_changes_nothing_shown(store: ConversationStore) -> None:
    conversation = store.create(Channel.WEB).conversation
    other = store.create(Channel.WEB).conversation
    message = store.add_message(conversation.id, Author.SHOPPER, "hi", data={"payload": "/greet"}).message
    store.annotate(conversation.id, message.id, {"nlu": {"intent": "greet", "confidence": 0.9}})
    [stored] = store.history(conversation.id)
    assert (stored.text, stored.data) == (
        "hi",
        {"payload": "/greet", "nlu": {"intent": "greet", "confidence": 0.9}},
    )
    with pytest.raises(ConversationNotFound):  # a message of another conversation is not this one's
        store.annotate(other.id, message.id, {"nlu": {}})


def test_replies_are_stored_with_the_annotation_of_the_message_they_answer_in_one_transaction(
    store: ConversationStore,
) -> None:
    conversation = store.create(Channel.WEB).conversation
    other = store.create(Channel.WEB).conversation
    asked = store.add_message(conversation.id, Author.SHOPPER, "where is my order?", client_message_id="c-1")
    reading = {"nlu": {"intent": "order_status", "confidence": 0.9}}
    replies = store.add_messages(
        conversation.id,
        [NewMessage(Author.BOT, "Which order?"), NewMessage(Author.BOT, "And the email?")],
        annotations={asked.message.id: reading},
    )
    assert [r.message.text for r in replies] == ["Which order?", "And the email?"]
    assert replies[0].message.id < replies[1].message.id
    assert [(m.text, m.data) for m in store.history(conversation.id)] == [
        ("where is my order?", reading),
        ("Which order?", None),
        ("And the email?", None),
    ]
    with pytest.raises(ConversationNotFound):  # another conversation's message: nothing is stored
        store.add_messages(other.id, [NewMessage(Author.BOT, "stray")], annotations={asked.message.id: {}})
    assert store.history(other.id) == []
