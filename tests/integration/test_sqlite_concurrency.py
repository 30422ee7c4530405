"""Many chats writing one SQLite file at once, as the gateway and the action server do under load."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory, upgrade
from bot.desk.conversations.model import Author, Channel, NewMessage
from bot.desk.conversations.store import ConversationStore
from bot.desk.conversations.tables import ConversationRow

CHATS = 50
TURNS = 8


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[list[Engine]]:
    """Two engines on one migrated file: two processes' connection pools (the gateway, the actions)."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    upgrade(url)
    made = [make_engine(url, pool_size=CHATS, max_overflow=0) for _ in range(2)]
    yield made
    for engine in made:
        engine.dispose()


def chat(store: ConversationStore, start: threading.Barrier, number: int) -> tuple[str, list[str]]:
    """One shopper's conversation: each turn stores the shopper's message, reads the history back and
    stores two replies, the way the gateway does a turn."""
    conversation = store.create(Channel.WEB).conversation
    start.wait()
    sent = []
    for turn in range(TURNS):
        client_id = f"c-{number}-{turn}"
        added = store.add_message(
            conversation.id, Author.SHOPPER, f"turn {turn}", client_message_id=client_id
        )
        store.history(conversation.id, after=added.message.id - 1)
        store.add_messages(
            conversation.id,
            [NewMessage(Author.BOT, f"answer {turn}"), NewMessage(Author.BOT, f"anything else? {turn}")],
        )
        sent.append(client_id)
    return conversation.id, sent


def test_fifty_chats_writing_one_sqlite_file_at_once_lose_no_message_and_meet_no_lock(
    engines: list[Engine],
) -> None:
    stores = [ConversationStore(make_session_factory(engine), system_clock) for engine in engines]
    start = threading.Barrier(CHATS)
    with ThreadPoolExecutor(max_workers=CHATS) as pool:
        futures = [pool.submit(chat, stores[n % 2], start, n) for n in range(CHATS)]
        results = [future.result() for future in futures]  # re-raises "database is locked", if any

    for conversation_id, sent in results:
        history = stores[0].history(conversation_id)
        assert [m.client_message_id for m in history if m.author is Author.SHOPPER] == sent
        assert sum(1 for m in history if m.author is Author.BOT) == 2 * TURNS


def test_a_message_is_stored_while_another_process_keeps_a_read_transaction_open(
    engines: list[Engine],
) -> None:
    gateway, actions = (ConversationStore(make_session_factory(e), system_clock) for e in engines)
    conversation = gateway.create(Channel.WEB).conversation
    with make_session_factory(engines[1])() as reading:
        reading.execute(select(ConversationRow.id)).all()  # e.g. the action server reading an order
        added = gateway.add_message(conversation.id, Author.SHOPPER, "still there?")
        assert [m.id for m in actions.history(conversation.id)] == [added.message.id]
