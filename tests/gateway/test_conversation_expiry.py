"""A web conversation idle longer than ``conversation_idle_hours``: its token stops working (410 once, then
403; WebSocket close 4410) and the widget starts a new conversation without a failed message or a stale
history (headless Chromium). The gateway is real, Rasa the ``FakeRasa`` of conftest."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bot.db import make_engine, make_session_factory
from bot.desk.conversations.tables import ConversationRow
from tests.gateway.conftest import ServedApp, Shopper

TIMEOUT_MS = 20_000


def age_conversation(database_url: str, conversation_id: str, hours: float) -> None:
    """Move the conversation's last message ``hours`` into the past, as if the shopper had gone away."""
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        row = session.scalars(
            select(ConversationRow).where(ConversationRow.public_id == conversation_id)
        ).one()
        row.last_activity_at -= timedelta(hours=hours)
    engine.dispose()


def closing_code(gateway: ServedApp, shopper: Shopper) -> int | None:
    """The close code of the conversation's WebSocket opened with the shopper's token."""
    url = f"{gateway.ws_url}/api/conversations/{shopper.id}/ws?token={shopper.token}"
    with connect(url) as ws, pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=10)
    return closed.value.rcvd.code if closed.value.rcvd else None


def test_an_idle_conversation_answers_gone_once_then_its_token_opens_nothing(
    gateway: ServedApp, shopper: Shopper, sqlite_url: str
) -> None:
    assert shopper.send("hello").status_code == 200
    age_conversation(sqlite_url, shopper.id, hours=25)  # the default idle expiry is 24 hours
    gone = shopper.send("anyone?")
    assert gone.status_code == 410 and "start a new one" in gone.json()["detail"]
    assert shopper.history().status_code == 403
    assert closing_code(gateway, shopper) == 4403


def test_a_websocket_to_an_idle_conversation_closes_with_4410(
    gateway: ServedApp, shopper: Shopper, sqlite_url: str
) -> None:
    age_conversation(sqlite_url, shopper.id, hours=25)
    assert closing_code(gateway, shopper) == 4410


@pytest.mark.browser
def test_an_expired_conversation_is_replaced_by_a_new_one_cleanly(
    gateway: ServedApp, browser: Any, sqlite_url: str
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    page.goto(gateway.url + "/")
    page.get_by_role("button", name="Open the support chat").click()
    log = page.get_by_role("log", name="Conversation")
    box = page.get_by_role("textbox", name="Your message")

    def saved() -> dict[str, Any]:
        """What the widget keeps in the shop's localStorage (one entry per gateway)."""
        found = page.evaluate(
            "() => Object.keys(localStorage).filter(k => k.startsWith('shopdesk:'))"
            ".map(k => localStorage.getItem(k))"
        )
        states = [json.loads(s) for s in found]
        assert len(states) == 1
        state: dict[str, Any] = states[0]
        return state

    box.fill("hello")
    box.press("Enter")
    expect(log.locator(".sd-msg--bot").last).to_contain_text("You said: hello")
    first = saved()["id"]

    age_conversation(sqlite_url, first, hours=25)  # the default idle expiry is 24 hours
    box.fill("are you still there?")
    box.press("Enter")
    expect(log.locator(".sd-msg--bot").last).to_contain_text("You said: are you still there?")
    expect(page.locator(".sd-msg--failed")).to_have_count(0)
    second = saved()["id"]
    assert second and second != first

    age_conversation(sqlite_url, second, hours=25)
    page.reload()  # the saved token no longer opens anything: an empty panel, ready for a new chat
    log = page.get_by_role("log", name="Conversation")
    expect(page.locator(".sd-msg--failed")).to_have_count(0)
    expect(log.locator(".sd-msg[data-id]")).to_have_count(0)
    assert saved()["id"] is None
    context.close()
