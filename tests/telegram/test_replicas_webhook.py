"""Telegram by webhook with two gateway replicas sharing one database (SQLite, then PostgreSQL) and one Redis
hub: both run a bridge, each hub follower hears every message, and still each message reaches the chat
once and in order, whichever replica handled the shopper's turn or stored the agent's answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from bot.desk.conversations.model import Author
from bot.desk.conversations.store import ConversationStore
from integrations.gateway.config import GatewaySettings
from integrations.gateway.metrics import Metrics
from integrations.telegram.config import TelegramSettings
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, serve
from tests.telegram.conftest import CHAT_ID, WEBHOOK_SECRET, gateway_app, open_conversation, webhook_settings
from tests.telegram.fake_telegram import FakeTelegram
from tests.telegram.test_bridge import settle

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SEND_ATTEMPTS = 2


@pytest.fixture
def gateway_settings(database_url: str, redis_url: str, redis_prefix: str) -> GatewaySettings:
    return GatewaySettings(
        database_url=database_url,
        rasa_url=RASA_URL,
        action_server_url=ACTIONS_URL,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
    )


@pytest.fixture
def replicas(
    gateway_settings: GatewaySettings, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> Iterator[tuple[ServedApp, ServedApp]]:
    telegram: TelegramSettings = webhook_settings(fake_telegram).model_copy(
        update={"send_attempts": SEND_ATTEMPTS}
    )
    replica = contextmanager(serve)
    with (
        replica(gateway_app(gateway_settings, telegram, fake_rasa.transport)) as a,
        replica(gateway_app(gateway_settings, telegram, fake_rasa.transport)) as b,
    ):
        assert a.app.state.telegram is not None and b.app.state.telegram is not None  # two followers
        yield a, b


def post_update(replica: ServedApp, update: dict[str, object]) -> None:
    response = httpx.post(
        f"{replica.url}/telegram/webhook", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}, timeout=10
    )
    assert response.status_code == 200


def agent_says(replica: ServedApp, conversation_id: str, text: str) -> None:
    said = httpx.post(
        f"{replica.url}/test/conversations/{conversation_id}/say",
        json={"author": Author.AGENT.value, "text": text},
        timeout=10,
    )
    assert said.status_code == 200


def errors(replicas: tuple[ServedApp, ServedApp], kind: str) -> float:
    counts = []
    for replica in replicas:
        metrics: Metrics = replica.app.state.metrics
        counts.append(metrics.error_count(kind))
    return sum(counts)


def test_each_reply_and_agent_message_reaches_the_chat_once_in_order_from_two_replicas(
    replicas: tuple[ServedApp, ServedApp],
    fake_telegram: FakeTelegram,
    fake_rasa: FakeRasa,
    store: ConversationStore,
) -> None:
    a, b = replicas
    fake_rasa.answer = lambda text: [
        {"text": f"First: {text}"},
        {"text": "Second."},
        {"text": "Third."},
    ]
    post_update(a, fake_telegram.user_message(CHAT_ID, "hello there"))
    fake_telegram.wait_for(lambda: len(fake_telegram.sent(CHAT_ID)) >= 3, what="the turn's replies")
    conversation = open_conversation(store)

    agent_says(b, conversation.id, "Sam here, from replica B.")
    fake_telegram.wait_for(lambda: len(fake_telegram.sent(CHAT_ID)) >= 4, what="B's agent message")
    agent_says(a, conversation.id, "And again, from replica A.")
    fake_telegram.wait_for(lambda: len(fake_telegram.sent(CHAT_ID)) >= 5, what="A's agent message")
    post_update(b, fake_telegram.user_message(CHAT_ID, "thanks"))
    fake_telegram.wait_for(lambda: len(fake_telegram.sent(CHAT_ID)) >= 8, what="the second turn's replies")
    settle()

    assert fake_telegram.sent_texts(CHAT_ID) == [
        "First: hello there",
        "Second.",
        "Third.",
        "Sam here, from replica B.",
        "And again, from replica A.",
        "First: thanks",
        "Second.",
        "Third.",
    ]
    assert errors(replicas, "telegram_send") == 0
    assert errors(replicas, "telegram_claim") == 0


def test_a_send_that_fails_for_good_is_counted_once_and_not_sent_by_the_other_replica(
    replicas: tuple[ServedApp, ServedApp],
    fake_telegram: FakeTelegram,
    fake_rasa: FakeRasa,
    store: ConversationStore,
) -> None:
    a, b = replicas
    post_update(a, fake_telegram.user_message(CHAT_ID, "hello there"))
    fake_telegram.wait_for(lambda: fake_telegram.sent(CHAT_ID), what="the reply")
    conversation = open_conversation(store)

    # Flood control refuses every attempt of one sender; two senders would each get one refusal and
    # then get through, twice.
    fake_telegram.fail_next_sends(SEND_ATTEMPTS, retry_after=1)
    agent_says(b, conversation.id, "This one does not get through.")
    fake_telegram.wait_for(lambda: errors(replicas, "telegram_send") >= 1, what="the failed send")
    agent_says(a, conversation.id, "This one does.")
    fake_telegram.wait_for(lambda: len(fake_telegram.sent(CHAT_ID)) >= 2, what="the next message")
    settle()

    assert fake_telegram.sent_texts(CHAT_ID) == ["You said: hello there", "This one does."]
    assert len(fake_telegram.calls_of("sendMessage", ok=False)) == SEND_ATTEMPTS
    assert errors(replicas, "telegram_send") == 1
