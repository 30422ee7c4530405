"""Webhook mode: Telegram posts updates to the gateway, which refuses any request without the secret."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.settings import Settings
from integrations.telegram.config import TelegramSettings
from tests.gateway.conftest import FakeRasa, ServedApp, serve
from tests.telegram.conftest import CHAT_ID, WEBHOOK_SECRET, gateway_app, webhook_settings
from tests.telegram.fake_telegram import FakeTelegram

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def telegram_settings(fake_telegram: FakeTelegram) -> TelegramSettings:
    return webhook_settings(fake_telegram)


@pytest.fixture
def webhook_gateway(
    gateway_settings: Settings, fake_rasa: FakeRasa, telegram_settings: TelegramSettings
) -> Iterator[ServedApp]:
    yield from serve(gateway_app(gateway_settings, telegram_settings, fake_rasa.transport))


def test_the_webhook_is_registered_with_its_secret_and_nothing_polls(
    webhook_gateway: ServedApp, fake_telegram: FakeTelegram
) -> None:
    assert fake_telegram.webhook == {
        "url": "https://shop.example/telegram/webhook",
        "secret_token": WEBHOOK_SECRET,
    }
    assert fake_telegram.calls_of("getUpdates") == []


def test_a_webhook_call_without_the_secret_is_refused_and_one_with_it_is_answered(
    webhook_gateway: ServedApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    with httpx.Client(base_url=webhook_gateway.url, timeout=10) as http:
        forged = fake_telegram.user_message(CHAT_ID, "let me in")
        assert http.post("/telegram/webhook", json=forged).status_code == 403
        wrong = {SECRET_HEADER: "not-the-secret"}
        assert http.post("/telegram/webhook", json=forged, headers=wrong).status_code == 403
        assert fake_rasa.calls == []

        genuine = fake_telegram.user_message(CHAT_ID, "hello from Telegram")
        accepted = http.post("/telegram/webhook", json=genuine, headers={SECRET_HEADER: WEBHOOK_SECRET})
        assert accepted.status_code == 200

        garbage = http.post("/telegram/webhook", content=b"[1]", headers={SECRET_HEADER: WEBHOOK_SECRET})
        assert garbage.status_code == 400

    fake_telegram.wait_for(lambda: fake_telegram.sent(CHAT_ID), what="the reply")
    assert fake_telegram.sent_texts(CHAT_ID) == ["You said: hello from Telegram"]
    assert [c["message"] for c in fake_rasa.calls] == ["hello from Telegram"]
