"""Delay notices on Telegram, against the local fake Bot API and the real gateway over the seeded demo shop:
a shopper verified for a late order in a Telegram chat is told about the delay there without asking, once
(through a flood wait, a second pass and a restarted gateway), and a reply of STOP ends the notices."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.conversations.model import Author, Channel
from bot.desk.conversations.store import ConversationStore
from bot.desk.notices.model import NoticeChannel
from bot.desk.notices.store import NoticeBook
from bot.ops.demo_data import DEMO_NOW, load_demo
from bot.settings import Settings
from integrations.telegram.config import TelegramSettings
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, serve
from tests.notices_driver import notices_driver, verifying
from tests.telegram.conftest import CHAT_ID, gateway_app
from tests.telegram.fake_telegram import FakeTelegram


@pytest.fixture
def gateway_settings(sqlite_url: str) -> Settings:
    engine = make_engine(sqlite_url)
    with make_session_factory(engine).begin() as session:
        load_demo(session, seed=7, now=DEMO_NOW)
    engine.dispose()
    return Settings(
        database_url=sqlite_url,
        rasa_url=RASA_URL,
        action_server_url=ACTIONS_URL,
        now=DEMO_NOW.isoformat(),
        notices_every_minutes=0,  # the test runs each pass itself
    )


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa(answer=verifying)


def served(settings: Settings, telegram: TelegramSettings, rasa: FakeRasa) -> Iterator[ServedApp]:
    app = gateway_app(settings, telegram, rasa.transport)
    app.include_router(notices_driver)
    yield from serve(app)


@pytest.fixture
def gateway(
    gateway_settings: Settings, fake_rasa: FakeRasa, telegram_settings: TelegramSettings
) -> Iterator[ServedApp]:
    yield from served(gateway_settings, telegram_settings, fake_rasa)


def run_pass(gateway: ServedApp) -> dict[str, int]:
    response = httpx.post(f"{gateway.url}/test/notices/run", timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()
    return result


def notices_to(fake: FakeTelegram) -> list[str]:
    return [t for t in fake.sent_texts(CHAT_ID) if "before you have to ask" in t]


def test_a_late_order_is_told_on_telegram_once_through_a_flood_wait_and_a_restart(
    gateway: ServedApp,
    gateway_settings: Settings,
    fake_telegram: FakeTelegram,
    fake_rasa: FakeRasa,
    telegram_settings: TelegramSettings,
) -> None:
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "where is SD-10002?"))
    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(CHAT_ID), what="the answer")

    fake_telegram.fail_next_sends(1, retry_after=1)  # Telegram's flood control answers the first try
    assert run_pass(gateway)["telegram"] == 1
    (notice,) = notices_to(fake_telegram)
    assert notice.startswith("An update on your order SD-10002, before you have to ask: it is running late.")
    assert "Reply STOP" in notice
    assert fake_telegram.calls_of("sendMessage", ok=False)  # the 429 happened, and was waited out

    assert run_pass(gateway) == {"recorded": 0, "telegram": 0, "email": 0}
    gateway_restarted = served(gateway_settings, telegram_settings, fake_rasa)
    restarted = next(gateway_restarted)
    try:
        assert run_pass(restarted) == {"recorded": 0, "telegram": 0, "email": 0}
    finally:
        next(gateway_restarted, None)
    assert len(notices_to(fake_telegram)) == 1

    # the notice is in the chat's transcript too (the bridge did not send it a second time: see above)
    engine = make_engine(gateway_settings.database_url)
    try:
        store = ConversationStore(make_session_factory(engine), system_clock)
        conversation = store.find_open(Channel.TELEGRAM, str(CHAT_ID))
        assert conversation is not None
        kept = [m for m in store.history(conversation.id) if m.author is Author.SYSTEM]
    finally:
        engine.dispose()
    assert [m.text for m in kept] == [notice]


def test_stop_in_a_chat_that_got_a_notice_opts_out_without_asking_the_assistant(
    gateway: ServedApp, gateway_settings: Settings, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "where is SD-10002?"))
    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(CHAT_ID), what="the answer")
    assert run_pass(gateway)["telegram"] == 1
    asked = len(fake_rasa.calls)

    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "STOP"))
    fake_telegram.wait_for(
        lambda: any(t.startswith("Done: you will get no more") for t in fake_telegram.sent_texts(CHAT_ID)),
        what="the confirmation",
    )
    assert len(fake_rasa.calls) == asked  # the assistant never saw it
    engine = make_engine(gateway_settings.database_url)
    try:
        book = NoticeBook(make_session_factory(engine), system_clock)
        customer = book.notified_customer(NoticeChannel.TELEGRAM, str(CHAT_ID))
        assert customer is not None
        assert book.opted_out([customer]) == {customer: {NoticeChannel.TELEGRAM}}
    finally:
        engine.dispose()


def test_stop_in_a_chat_without_a_notice_goes_to_the_assistant(
    gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, "/stop"))  # Telegram's command form too
    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(CHAT_ID), what="the answer")
    assert fake_telegram.sent_texts(CHAT_ID) == ["You said: stop"]
