"""The console's Available/Away toggle and team list in headless Chromium, against the real gateway (Rasa is
conftest's ``FakeRasa``; the demo shop in SQLite with agents sam and alex).

Sam logs in: the console shows Sam available and Alex offline, and a shopper asking for a person is queued
with a wait. Sam sets Away: the toggle and a note say so, the next shopper hears that nobody is available.
Alex opens a console in another browser: Sam's team list shows Alex available without a reload, and Alex's
shows Sam away. Sam closes the tab: Alex's list shows Sam offline. A screenshot goes to
docs/screenshots/console-presence.png when ``SHOPDESK_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.gateway.app import create_app
from tests.gateway.conftest import FakeRasa, ServedApp, serve, start
from tests.gateway.test_handoff import PASSWORD, answer, escalate, make_settings
from tests.gateway.test_handoff import shop_db as shop_db  # the demo shop with agents sam and alex

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "console-presence.png"
TIMEOUT_MS = 30_000


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa(answer=answer)


@pytest.fixture
def gateway(shop_db: str, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    yield from serve(create_app(make_settings(shop_db), transport=fake_rasa.transport))


def log_in(browser: Any, url: str, username: str, problems: list[str]) -> tuple[Any, Any]:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(url + "/console")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    return context, page


def test_an_agent_sets_away_and_back_and_the_team_list_shows_who_is_there(
    gateway: ServedApp, client: httpx.Client, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    problems: list[str] = []
    sam_context, sam = log_in(browser, gateway.url, "sam", problems)
    status = sam.get_by_role("group", name="Your status")
    available = status.get_by_role("button", name="Available")
    away = status.get_by_role("button", name="Away")
    expect(available).to_have_attribute("aria-pressed", "true")
    expect(away).to_have_attribute("aria-pressed", "false")
    team = sam.get_by_role("region", name="Team")
    expect(team.locator('[data-agent="sam"]')).to_have_text("Sam (you)Available")
    expect(team.locator('[data-agent="alex"]')).to_have_text("AlexOffline")
    assert "You're next" in escalate(start(client))[0]

    away.click()
    expect(away).to_have_attribute("aria-pressed", "true")
    expect(available).to_have_attribute("aria-pressed", "false")
    expect(sam.get_by_text("You're away: shoppers are not told to wait for you.")).to_be_visible()
    expect(team.locator('[data-agent="sam"]')).to_contain_text("Away")
    assert escalate(start(client))[0].startswith("Nobody from our team is available right now")

    alex_context, alex = log_in(browser, gateway.url, "alex", problems)
    expect(team.locator('[data-agent="alex"]')).to_contain_text("Available")  # live, no reload
    alex_team = alex.get_by_role("region", name="Team")
    expect(alex_team.locator('[data-agent="sam"]')).to_contain_text("Away")
    sam.screenshot(path=str(tmp_path / "console-presence.png"))
    if os.environ.get("SHOPDESK_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "console-presence.png", SCREENSHOT)

    available.click()
    expect(available).to_have_attribute("aria-pressed", "true")
    expect(sam.get_by_text("You're away")).to_be_hidden()
    expect(alex_team.locator('[data-agent="sam"]')).to_contain_text("Available")

    sam_context.close()  # the tab goes: the socket closes
    expect(alex_team.locator('[data-agent="sam"]')).to_contain_text("Offline")
    alex_context.close()
    assert problems == []
