"""A Telegram user tracks an order through the real assistant: Rasa (trained model) + action server.

The user writes "where is my order SD-10001?", gives the email when asked, and receives the true tracking
number, read here from the shop's database. Only Telegram itself is faked (the local Bot API server).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.settings import Settings
from integrations.telegram.config import TelegramSettings
from tests.gateway.conftest import ServedApp, serve
from tests.stack import Stack
from tests.telegram.conftest import CHAT_ID, gateway_app
from tests.telegram.fake_telegram import FakeTelegram

pytestmark = pytest.mark.rasa

ORDER, EMAIL = "SD-10001", "olivia.bennett@example.com"
TURN_TIMEOUT = 90.0


@pytest.fixture
def gateway_on_stack(
    stack: Stack,
    telegram_settings: TelegramSettings,
) -> Iterator[ServedApp]:
    settings = Settings(
        database_url=stack.database_url,
        rasa_url=stack.rasa_url,
        rasa_token=stack.env["SHOPDESK_RASA_TOKEN"],
        action_server_url=stack.actions_url,
    )
    yield from serve(gateway_app(settings, telegram_settings))


def test_a_telegram_user_gets_the_true_tracking_number_after_verifying_the_email(
    gateway_on_stack: ServedApp,
    stack: Stack,
    fake_telegram: FakeTelegram,
) -> None:
    expected = stack.order(ORDER).shipments[0].tracking_number

    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, f"where is my order {ORDER}?"))
    asked = fake_telegram.wait_for(
        lambda: [t for t in fake_telegram.sent_texts(CHAT_ID) if "email" in t.lower()],
        timeout=TURN_TIMEOUT,
        what="the question for the email",
    )
    assert asked

    fake_telegram.inject(fake_telegram.user_message(CHAT_ID, EMAIL))
    answer = fake_telegram.wait_for(
        lambda: [t for t in fake_telegram.sent_texts(CHAT_ID) if expected in t],
        timeout=TURN_TIMEOUT,
        what="the tracking number",
    )
    assert "is with the carrier" in answer[0]
    texts = fake_telegram.sent_texts(CHAT_ID)
    assert len(texts) == len(set(texts))  # nothing delivered twice
