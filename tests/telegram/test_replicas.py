"""Telegram with two gateway replicas sharing one Redis: one replica polls (Telegram serves ``getUpdates``
to one poller only), each update is answered once, an agent's message posted on the other replica still
reaches the chat once, and when the polling replica stops the other takes polling over."""

from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager

import httpx

from bot.desk.conversations.store import ConversationStore
from bot.settings import Settings
from integrations.gateway.config import GatewaySettings
from tests.gateway.conftest import FakeRasa, ServedApp, serve
from tests.telegram.conftest import CHAT_ID, gateway_app, open_conversation, polling_settings
from tests.telegram.fake_telegram import FakeTelegram
from tests.telegram.test_bridge import settle


def test_one_replica_polls_and_the_other_takes_over_when_it_stops(
    gateway_settings: Settings,
    redis_url: str,
    redis_prefix: str,
    fake_telegram: FakeTelegram,
    fake_rasa: FakeRasa,
    store: ConversationStore,
) -> None:
    shared = GatewaySettings(
        **gateway_settings.model_dump(exclude={"redis_url", "redis_prefix"}),
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        leader_lock_ttl=1.0,
    )
    telegram = polling_settings(fake_telegram)

    def replica() -> AbstractContextManager[ServedApp]:
        return contextmanager(serve)(gateway_app(shared, telegram, fake_rasa.transport))

    with replica() as b:
        with replica() as a:
            apps = [a.app, b.app]
            fake_telegram.wait_for(lambda: any(app.state.telegram for app in apps), what="a poller")
            settle()
            assert [app.state.telegram is not None for app in apps].count(True) == 1

            fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "hello there"))
            fake_telegram.wait_for(lambda: fake_telegram.sent_texts(CHAT_ID), what="the reply")
            conversation = open_conversation(store)
            idle = next(served for served in (a, b) if served.app.state.telegram is None)
            said = httpx.post(
                f"{idle.url}/test/conversations/{conversation.id}/say",
                json={"author": "agent", "text": "Sam here."},
            )
            assert said.status_code == 200
            fake_telegram.wait_for(lambda: len(fake_telegram.sent_texts(CHAT_ID)) == 2, what="the agent")
            settle()
            assert fake_telegram.sent_texts(CHAT_ID) == ["You said: hello there", "Sam here."]
            polled_by_a = a.app.state.telegram is not None
        if polled_by_a:  # the poller stopped: B takes polling over
            fake_telegram.wait_for(lambda: b.app.state.telegram is not None, what="B polling")
        fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "still there?"))
        fake_telegram.wait_for(lambda: len(fake_telegram.sent_texts(CHAT_ID)) == 3, what="the reply")
        settle()
        assert fake_telegram.sent_texts(CHAT_ID)[2:] == ["You said: still there?"]
