"""Delay notices through the real gateway over the seeded demo shop (the demo's clock), with the fake Rasa
of the gateway tests: web notices wait for the widget to open and arrive once; email notices reach a local
SMTP server (aiosmtpd) with a working unsubscribe link; STOP in the web chat opts out; an operator's
disruption, recorded through the authenticated API, reaches the delay rules and the notices at once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.clock import fixed_clock, system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.agents.store import AgentDirectory
from bot.desk.notices.store import NoticeBook
from bot.language.wording import Msg, say
from bot.ops.demo_data import DEMO_NOW, load_demo
from bot.orders.repository import OrderRepository
from bot.orders.rules.shipping import DelayKind
from bot.orders.services import ShopService
from bot.settings import Settings
from integrations.gateway.app import create_app
from tests.gateway.conftest import (
    ACTIONS_URL,
    RASA_URL,
    FakeRasa,
    ServedApp,
    Shopper,
    serve,
    start,
)
from tests.notices_driver import notices_driver, verifying
from tests.smtp_server import REFUSED, Inbox

PASSWORD = "correct horse battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa(answer=verifying)


@pytest.fixture
def gateway_settings(sqlite_url: str, inbox: tuple[Inbox, int]) -> Settings:
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        load_demo(session, seed=7, now=DEMO_NOW)
    AgentDirectory(sessions, system_clock).create("sam", PASSWORD)
    engine.dispose()
    return Settings(
        database_url=sqlite_url,
        rasa_url=RASA_URL,
        action_server_url=ACTIONS_URL,
        now=DEMO_NOW.isoformat(),
        notices_every_minutes=0,  # the test runs each pass itself
        smtp_host="127.0.0.1",
        smtp_port=inbox[1],
        smtp_security="none",
        smtp_from="Demo Shop <support@shop.example>",
        public_url="https://shop.example/support",
    )


@pytest.fixture
def gateway(gateway_settings: Settings, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    app = create_app(gateway_settings, transport=fake_rasa.transport)
    app.include_router(notices_driver)
    yield from serve(app)


def run_pass(client: httpx.Client) -> dict[str, int]:
    response = client.post("/test/notices/run", timeout=60)
    assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()
    return result


def notices_in(shopper: Shopper) -> list[str]:
    response = shopper.history()
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["messages"] if "before you have to ask" in m["text"]]


def agent_token(client: httpx.Client) -> dict[str, str]:
    response = client.post("/api/agent/login", json={"username": "sam", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_a_web_notice_waits_for_the_widget_to_open_and_arrives_once(
    client: httpx.Client, fake_rasa: FakeRasa
) -> None:
    shopper = start(client)
    assert shopper.send("where is SD-10002?").status_code == 200
    run_pass(client)
    (notice,) = notices_in(shopper)  # the widget opens: the history brings it
    assert notice.startswith("An update on your order SD-10002, before you have to ask: it is running late.")
    assert "Reply STOP" in notice
    run_pass(client)
    assert notices_in(shopper) == [notice]  # opened again, after another pass: still once

    asked = len(fake_rasa.calls)
    turn = shopper.send("stop notices").json()
    assert [r["text"] for r in turn["replies"]] == [say(Msg.NOTICE_STOPPED)]
    assert turn["replies"][0]["text"].startswith("Done: you will get no more delivery updates here.")
    assert len(fake_rasa.calls) == asked


def test_an_email_notice_reaches_the_smtp_server_and_its_link_unsubscribes(
    client: httpx.Client, inbox: tuple[Inbox, int], gateway_settings: Settings
) -> None:
    messages, _ = inbox
    result = run_pass(client)
    assert result["email"] >= 2
    (mail,) = messages.to("ava.macdonald@example.com")  # SD-10022, the Highlands storm; she never chatted
    assert mail["Subject"] == "An update on your order SD-10022"
    assert mail["From"] == "Demo Shop <support@shop.example>"
    body = mail.get_content()
    assert "it is delayed by a disruption" in body
    assert "Our new estimate:" in body
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://shop.example/support/notices/stop?n=")
    assert f"To stop these emails, open {link}" in body
    assert messages.refused == [REFUSED]  # refused for good: marked failed, not tried again

    path = link.removeprefix("https://shop.example/support")
    page = client.get(path)
    assert page.status_code == 200 and '<form method="post"' in page.text
    forged = client.post(path[:-4] + "0000")
    assert forged.status_code == 404
    assert client.post(path).status_code == 200

    before = len(messages.messages)
    assert run_pass(client)["email"] == 0  # nothing repeated
    assert len(messages.messages) == before
    engine = make_engine(gateway_settings.database_url)
    try:
        book = NoticeBook(make_session_factory(engine), system_clock)
        statuses = {(n, c, s) for n, _, c, s in book.statuses()}
    finally:
        engine.dispose()
    assert ("SD-10022", "email", "sent") in statuses
    assert ("SD-10002", "email", "failed") in statuses


def test_disruptions_need_an_agent_and_are_checked(client: httpx.Client) -> None:
    body = {
        "title": "Strike",
        "carrier": "DPD",
        "countries": ["GB"],
        "extra_days": 2,
        "explanation": "A strike.",
    }
    assert client.get("/api/agent/disruptions").status_code == 401
    assert client.post("/api/agent/disruptions", json=body).status_code == 401
    headers = agent_token(client)
    for bad in (
        {**body, "extra_days": -1},
        {**body, "countries": ["GBR"]},
        {**body, "explanation": "  "},
        {**body, "ends_at": "2026-10-01T00:00:00Z", "starts_at": "2026-10-02T00:00:00Z"},
        {**body, "starts_at": "2026-10-02T00:00:00"},  # no timezone
        {**body, "surprise": 1},
    ):
        assert client.post("/api/agent/disruptions", json=bad, headers=headers).status_code == 422, bad
    assert client.post("/api/agent/disruptions/999/close", headers=headers).status_code == 404


def test_a_recorded_disruption_changes_delay_answers_at_once_and_notifies_affected_shoppers(
    client: httpx.Client, gateway_settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    messages, _ = inbox
    run_pass(client)  # what was already due is sent first
    sent_before = len(messages.messages)
    engine = make_engine(gateway_settings.database_url)
    sessions = make_session_factory(engine)
    shop = ShopService(sessions, gateway_settings.policy, fixed_clock(DEMO_NOW), secret=b"k")
    try:
        with sessions() as session:
            order = OrderRepository(session).get_order("SD-10001")
        assert order is not None
        assert shop.status(order).deliveries[0].kind is DelayKind.ON_TIME
        shipment = order.shipments[0]
        headers = agent_token(client)
        created = client.post(
            "/api/agent/disruptions",
            json={
                "title": "Depot fire",
                "carrier": shipment.carrier,
                "countries": [order.shipping_address.country.lower()],
                "postcode_prefixes": [order.shipping_address.postcode[:2]],
                "extra_days": 4,
                "explanation": "A fire at the regional depot is holding parcels for a few days.",
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert created.json()["active"] is True
        assert shop.status(order).deliveries[0].kind is DelayKind.DISRUPTED  # the assistant's next answer

        run_pass(client)
        new = messages.messages[sent_before:]
        told = [m for m in new if m["To"] == order.customer.email]
        assert len(told) == 1 and "A fire at the regional depot" in told[0].get_content()

        listed = client.get("/api/agent/disruptions", headers=headers).json()
        assert listed[0]["title"] == "Depot fire"
        closed = client.post(f"/api/agent/disruptions/{created.json()['id']}/close", headers=headers)
        assert closed.status_code == 200 and closed.json()["active"] is False
        assert shop.status(order).deliveries[0].kind is DelayKind.ON_TIME
    finally:
        engine.dispose()


@pytest.mark.browser
def test_an_agent_records_and_closes_a_disruption_on_the_console_page(
    gateway: ServedApp, client: httpx.Client, browser: Any, inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    """In Chromium: log in on /console, open Disruptions, record one for SD-10001's area; it is listed as
    active, its shopper is emailed on the next pass, and closing it ends it."""
    from playwright.sync_api import expect

    messages, _ = inbox
    run_pass(client)
    expect.set_options(timeout=30_000)
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    expected = ("401", "422")  # signed out at first; the refused form
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not any(code in m.text for code in expected)
            else None
        ),
    )

    page.goto(gateway.url + "/console/disruptions")
    expect(page.get_by_role("alert").filter(has_text="You are not logged in")).to_be_visible()

    page.goto(gateway.url + "/console")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Disruptions").click()
    expect(page.get_by_role("heading", name="Delivery disruptions")).to_be_visible()

    page.get_by_label("Title").fill("Depot fire")
    page.get_by_label("Carrier").fill("Royal Mail")
    page.get_by_label("Countries").fill("GB")
    page.get_by_label("Extra days").fill("61")
    page.get_by_label("Explanation for shoppers").fill(
        "A fire at the depot is holding parcels for a few days."
    )
    page.get_by_role("button", name="Record disruption").click()
    expect(page.locator("#form-error")).to_contain_text("extra days")  # the API's check, shown in words

    page.get_by_label("Extra days").fill("4")
    page.get_by_role("button", name="Record disruption").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded “Depot fire”")
    row = page.locator("#list-body tr").filter(has_text="Depot fire")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("Royal Mail · GB")
    page.screenshot(path=str(tmp_path / "disruptions.png"), full_page=True)
    if os.environ.get("SHOPDESK_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "disruptions.png", SCREENSHOTS / "disruptions.png")

    before = len(messages.messages)
    run_pass(client)
    told = [m.get_content() for m in messages.messages[before:]]
    assert told and all("A fire at the depot" in body for body in told)

    row.get_by_role("button", name="Close Depot fire").click()
    expect(row).to_contain_text("Ended")
    assert problems == []
    context.close()
