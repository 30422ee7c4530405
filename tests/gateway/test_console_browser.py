"""The agent console in headless Chromium against the real stack: Rasa + action server + seeded demo shop.

A shopper on the demo shop verifies order SD-10001 in the widget and asks for a person. Sam, already logged
in on /console, sees the conversation arrive in the queue, claims it, reads the summary and the order card,
replies, and adds an internal note the shopper never sees. The shopper gets the reply; Sam hands back; the
assistant answers the next question about SD-10001 without asking for the order again. Screenshots go to
docs/screenshots/console.png and the test's tmp dir.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.ops.demo_data import SHOWCASE
from tests.gateway.conftest import ServedApp
from tests.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "console.png"
CASE = next(case for case in SHOWCASE if case.number == "SD-10001")
PASSWORD = "correct horse battery"
TIMEOUT_MS = 60_000


def test_an_agent_takes_over_a_verified_conversation_in_the_console_and_hands_it_back(
    gateway_on_stack: ServedApp,
    stack: Stack,
    browser: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    stack.agent("sam", PASSWORD, "Sam")
    shipment = stack.order(CASE.number).shipments[0]
    expect.set_options(timeout=TIMEOUT_MS)
    problems: list[str] = []

    # --- Sam logs in first, so the conversation has to arrive in the queue live -------------------------
    agent_context = browser.new_context(viewport={"width": 1440, "height": 960}, locale="en-GB")
    agent_context.set_default_timeout(TIMEOUT_MS)
    console = agent_context.new_page()
    console.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "401" not in m.text else None
    )
    console.on("pageerror", lambda e: problems.append(str(e)))
    console.goto(gateway_on_stack.url + "/console")
    console.get_by_label("Username").fill("sam")
    console.get_by_label("Password").fill("not the password")
    console.get_by_role("button", name="Log in").click()
    expect(console.get_by_role("alert")).to_have_text("Wrong username or password.")
    console.get_by_label("Password").fill(PASSWORD)
    console.get_by_label("Password").press("Enter")
    expect(console.get_by_role("status").filter(has_text="Live")).to_be_visible()
    expect(console.locator("#me-name")).to_have_text("Sam")

    # --- the shopper verifies SD-10001 in the widget and asks for a person --------------------------------
    shop_context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    shop_context.set_default_timeout(TIMEOUT_MS)
    shop = shop_context.new_page()
    shop.goto(gateway_on_stack.url + "/")
    shop.get_by_role("button", name="Open the support chat").click()
    log = shop.get_by_role("log", name="Conversation")
    box = shop.get_by_role("textbox", name="Your message")
    box.fill(f"where is my order {CASE.number}?")
    box.press("Enter")
    expect(log.locator(".sd-msg--bot").last).to_contain_text(re.compile("email", re.IGNORECASE))
    box.fill(CASE.email)
    box.press("Enter")
    expect(log.locator(".sd-msg--bot").filter(has_text=shipment.tracking_number)).to_be_visible()
    box.fill("I want to talk to a person")
    box.press("Enter")
    expect(log.locator(".sd-msg--system").last).to_contain_text("expected wait")
    expect(shop.locator(".sd-status")).to_have_text("Waiting for a person to join…")
    conversation_id = shop.evaluate(
        "() => JSON.parse(localStorage.getItem('shopdesk:' + location.origin)).id"
    )

    # --- the console: live queue, summary, order card ---------------------------------------------
    item = console.locator(f'.queue-item[data-conversation-id="{conversation_id}"]')
    expect(item).to_be_visible()  # no reload: the WebSocket brought it
    expect(item).to_contain_text("Normal")
    expect(item).to_contain_text("Asked for a person")
    expect(item).to_contain_text(CASE.number)
    expect(item).to_contain_text("Waiting")
    clock = item.locator(".qi-clock")
    expect(clock).not_to_have_text(clock.inner_text())  # the waiting time ticks up
    item.focus()
    item.press("Enter")  # keyboard operable
    expect(console.locator("#conversation-title")).to_be_focused()
    summary = console.get_by_role("region", name="Summary")
    expect(summary).to_contain_text(re.compile(rf"Verified order\s*{CASE.number} for Olivia Bennett"))
    transcript = console.get_by_role("log", name="Transcript")
    expect(transcript.locator(".msg--shopper").first).to_contain_text(CASE.number)
    expect(transcript.locator(".msg--bot").filter(has_text=shipment.tracking_number)).to_be_visible()

    console.get_by_role("button", name="Claim", exact=True).click()
    expect(item).to_contain_text("Claimed by you")
    expect(console.get_by_role("button", name="Hand back to assistant")).to_be_visible()
    card = console.locator("#order-card")
    expect(card.get_by_role("heading", name=CASE.number)).to_be_visible()
    expect(card).to_contain_text(CASE.email)
    tracking = card.get_by_role("link", name=shipment.tracking_number)
    expect(tracking).to_have_attribute("href", shipment.tracking_url)
    expect(tracking).to_have_attribute("rel", "noopener noreferrer")
    expect(log.locator(".sd-msg--system").last).to_contain_text("Sam from our team has joined the chat.")

    reply = console.get_by_label("Reply to the shopper")
    expect(reply).to_be_focused()
    console.get_by_label("Insert a canned reply").select_option(label="Anything else")
    expect(reply).to_have_value("Is there anything else I can help you with today?")
    reply.fill("Hi, I'm Sam")
    reply.press("Enter")
    expect(transcript.locator(".msg--agent").last).to_have_text(re.compile(r"Hi, I'm Sam$"))
    expect(reply).to_have_value("")
    expect(log.locator(".sd-msg--agent").last).to_contain_text("Hi, I'm Sam")  # the shopper's widget

    reply.fill("Checked Royal Mail: on time.")
    console.get_by_role("button", name="Add internal note").click()
    note = transcript.locator(".msg--note").last
    expect(note).to_contain_text("Internal note — the shopper never sees this")
    expect(note).to_contain_text("Checked Royal Mail: on time.")

    box.fill("Thanks Sam, that's great")
    box.press("Enter")
    expect(transcript.locator(".msg--shopper").last).to_have_text(  # live, through the WebSocket
        re.compile(r"Thanks Sam, that's great$")
    )
    console.locator("#reply").fill("")
    transcript.evaluate("t => { t.scrollTop = t.scrollHeight; }")
    console.screenshot(path=str(tmp_path / "console.png"))
    if os.environ.get("SHOPDESK_UPDATE_SCREENSHOTS") == "1":  # refresh the one in docs/ on purpose only
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "console.png", SCREENSHOT)
    assert "Checked Royal Mail" not in " ".join(log.locator(".sd-msg").all_inner_texts())

    # --- hand back: the assistant still knows the verified order ------------------------------------------
    console.get_by_role("button", name="Hand back to assistant").click()
    expect(console.locator("#composer-locked")).to_contain_text("Handed back to the assistant")
    expect(console.locator(f'.queue-item[data-conversation-id="{conversation_id}"]')).to_have_count(0)
    expect(log.locator(".sd-msg--system").last).to_contain_text("You're back with the assistant.")
    expect(shop.locator(".sd-status")).to_have_text("Assistant · replies instantly")

    bot_answers = log.locator(".sd-msg--bot")
    before = bot_answers.count()
    box.fill("when will it arrive?")
    box.press("Enter")
    expect(log.locator(".sd-msg--shopper[data-id]").last).to_have_text(re.compile(r"when will it arrive\?$"))
    expect(log.locator(".sd-msg--pending")).to_have_count(0)  # the turn's replies came with its answer
    expect(bot_answers).not_to_have_count(before)
    answer = " ".join(bot_answers.all_inner_texts()[before:])
    assert shipment.tracking_number in answer
    assert "order number" not in answer.lower()
    assert problems == []

    shop_context.close()
    agent_context.close()
