"""Telegram fixtures: the real gateway with the bridge attached, talking to a local fake Bot API.

Rasa is the gateway tests' ``FakeRasa`` (``httpx.MockTransport``) except in ``test_order_status.py``,
which runs the real Rasa and action server (the session ``stack`` of tests/e2e).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.conversations.model import Author, Channel, Conversation, Status
from bot.desk.conversations.store import ConversationStore
from bot.settings import Settings
from integrations.gateway.app import create_app
from integrations.gateway.chat import ChatService
from integrations.telegram.config import TelegramSettings
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, serve
from tests.telegram.fake_telegram import FakeTelegram

CHAT_ID = 424242
WEBHOOK_SECRET = "test-secret-0123456789-abcdefghijklmnop"


class SaidIn(BaseModel):
    author: str
    text: str


# What an agent console would do, reachable from a synchronous test: ChatService runs on the server's loop.
driver = APIRouter(prefix="/test")


@driver.post("/conversations/{conversation_id}/status/{status}")
async def set_status(conversation_id: str, status: str, request: Request) -> dict[str, str]:
    chat: ChatService = request.app.state.chat
    conversation = await chat.set_status(conversation_id, Status(status))
    return {"status": conversation.status.value}


@driver.post("/conversations/{conversation_id}/say")
async def say(conversation_id: str, body: SaidIn, request: Request) -> dict[str, int]:
    chat: ChatService = request.app.state.chat
    message = await chat.say(conversation_id, Author(body.author), body.text)
    return {"id": message.id}


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def gateway_settings(sqlite_url: str) -> Settings:
    return Settings(database_url=sqlite_url, rasa_url=RASA_URL, action_server_url=ACTIONS_URL)


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    served = serve(fake.app)
    fake.url = next(served).url
    try:
        yield fake
    finally:
        next(served, None)  # runs serve()'s cleanup: the server stops


def polling_settings(fake: FakeTelegram, **extra: Any) -> TelegramSettings:
    values: dict[str, Any] = {
        "token": fake.token,
        "mode": "polling",
        "api_base_url": f"{fake.url}/bot",
        "api_file_base_url": f"{fake.url}/file/bot",
        "poll_timeout": 1,
        **extra,
    }
    return TelegramSettings(**values)


def webhook_settings(fake: FakeTelegram) -> TelegramSettings:
    return polling_settings(
        fake,
        mode="webhook",
        webhook_url="https://shop.example/telegram/webhook",
        webhook_secret=WEBHOOK_SECRET,
    )


def gateway_app(
    settings: Settings, telegram: TelegramSettings, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    app = create_app(settings, transport=transport)  # includes the Telegram router
    app.include_router(driver)
    app.state.telegram_settings = telegram
    return app


@pytest.fixture
def telegram_settings(fake_telegram: FakeTelegram) -> TelegramSettings:
    return polling_settings(fake_telegram)


@pytest.fixture
def gateway(
    gateway_settings: Settings, fake_rasa: FakeRasa, telegram_settings: TelegramSettings
) -> Iterator[ServedApp]:
    yield from serve(gateway_app(gateway_settings, telegram_settings, fake_rasa.transport))


@pytest.fixture
def client(gateway: ServedApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url, timeout=10) as http:
        yield http


@pytest.fixture
def store(gateway_settings: Settings) -> Iterator[ConversationStore]:
    engine = make_engine(gateway_settings.database_url)
    try:
        yield ConversationStore(make_session_factory(engine), system_clock)
    finally:
        engine.dispose()


def open_conversation(store: ConversationStore, chat_id: int = CHAT_ID) -> Conversation:
    conversation = store.find_open(Channel.TELEGRAM, str(chat_id))
    assert conversation is not None
    return conversation


Answer = Callable[[str], list[dict[str, Any]]]
