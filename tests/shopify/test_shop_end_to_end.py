"""A new shop on Shopify, end to end: ``shopdesk init`` for a shop with Shopify's ``#1001`` numbers, dollars
and UPS/FedEx, connected to the fake Shopify, backfilled with ``shopdesk shopify backfill``, then a shopper
asks through the real gateway, the real Rasa model and the real action server, and gets the truth: what
Shopify says about the parcel, and a cancellation Shopify really made.

The Rasa model is the project's (``SHOPDESK_TEST_MODEL``): the order-number regex it was trained with is
the demo's, and the shop's ``#1001`` is read by the action server's extraction, which follows the shop's
policy at run time (``bot.language.extraction``), so the new shape needs no retraining.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.gateway.app import create_app
from integrations.gateway.config import GatewaySettings
from tests.gateway.conftest import ServedApp, Shopper, serve, start
from tests.shopify.fake_admin import (
    API_SECRET,
    SHOP,
    TOKEN,
    FakeShopify,
    fulfillment_payload,
    send_webhook,
)
from tests.stack import ROOT, ActionServer, SlowProxy, Stack, _run_stack, free_port, rasa_or_skip

# Setting up a shop (init, backfill, index, a second Rasa) is several minutes on two busy cores.
pytestmark = [pytest.mark.rasa, pytest.mark.timeout(1200)]

NOW = datetime(2026, 10, 15, 14, 0, tzinfo=UTC)  # a Thursday, 10:00 in New York: support is open
CARRIERS = (
    "UPS=https://www.ups.com/track?tracknum={number},FedEx=https://www.fedex.com/fedextrack/?trknbr={number}"
)
INIT = [
    "init", "--name", "Maple & Co", "--timezone", "America/New_York", "--currency", "USD",
    "--locale", "en_US", "--order-number-prefix", "#", "--order-number-digits", "4-6",
    "--order-number-example", "#1001", "--support-email", "help@maple.example",
    "--support-days", "mon,tue,wed,thu,fri", "--support-open", "09:00", "--support-close", "17:00",
    "--carriers", CARRIERS,
]  # fmt: skip


def shopdesk(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, f"shopdesk {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def read_env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())
    return {key: value for key, value in (p for p in pairs if len(p) == 2) if not key.startswith("#")}


def seed(fake: FakeShopify) -> None:
    fake.add_order(1001, "ava.reed@example.com", placed=NOW - timedelta(days=4), zip_code="10001")
    fake.fulfil(
        "#1001",
        company="UPS",
        tracking="1Z999AA10123456784",
        shipped=NOW - timedelta(days=2),
        events=[("IN_TRANSIT", NOW - timedelta(days=1), "Secaucus")],
    )
    fake.add_order(
        1002,
        "sam.lee@example.com",
        placed=NOW - timedelta(days=1),
        zip_code="94110",
        lines=[("MUG-RED", "Stoneware mug - red", 2, "14.00", "Home")],
    )
    fake.add_order(1003, "kim.ng@example.com", placed=NOW - timedelta(days=6), zip_code="60601")
    fake.fulfil("#1003", company="FedEx", tracking="794612345678", shipped=NOW - timedelta(days=5))


@pytest.fixture(scope="module")
def fake_shopify() -> Iterator[FakeShopify]:
    fake = FakeShopify(currency="USD", now=NOW - timedelta(days=5))
    served = serve(fake.app)
    fake.url = next(served).url
    seed(fake)
    try:
        yield fake
    finally:
        next(served, None)


@pytest.fixture(scope="module")
def shop_stack(tmp_path_factory: pytest.TempPathFactory, fake_shopify: FakeShopify) -> Iterator[Stack]:
    rasa_bin, model = rasa_or_skip()
    work = tmp_path_factory.mktemp("maple")
    base = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    base = {k: v for k, v in base.items() if not k.startswith("SHOPDESK_") or k.startswith("SHOPDESK_TEST")}
    shopdesk(base, *INIT, "--dir", str(work / "shop"))
    actions_port, rasa_port = free_port(), free_port()
    proxy = SlowProxy(actions_port)
    env = {
        **base,
        **read_env_file(work / "shop" / ".env"),
        "SHOPDESK_DATABASE_URL": f"sqlite:///{work / 'shop.db'}",
        "SHOPDESK_NOW": NOW.isoformat(),
        "SHOPDESK_INDEX_DIR": str(work / "index"),
        "SHOPDESK_ACTION_ENDPOINT": f"http://127.0.0.1:{proxy.port}/webhook",
        "SHOPDESK_RASA_TRACKER_DB": str(work / "rasa-tracker.db"),
        "SHOPDESK_RASA_TOKEN": secrets.token_hex(16),
        "SHOPDESK_ACTION_SERVER_TOKEN": secrets.token_hex(16),
        "SHOPDESK_SHOPIFY_SHOP": SHOP,
        "SHOPDESK_SHOPIFY_ACCESS_TOKEN": TOKEN,
        "SHOPDESK_SHOPIFY_API_SECRET": API_SECRET,
        "SHOPDESK_SHOPIFY_GRAPHQL_URL": fake_shopify.graphql_url,
    }
    shopdesk(env, "db", "upgrade")
    backfilled = shopdesk(env, "shopify", "backfill")
    assert "3 created" in backfilled, backfilled
    assert "orders synced: 3" in shopdesk(env, "shopify", "status")
    shopdesk(env, "knowledge", "build")
    logs = work / "logs"
    logs.mkdir()
    actions = ActionServer(env, actions_port, logs / "actions.log")
    try:
        with (logs / "rasa.log").open("wb") as rasa_out:
            # a second Rasa beside the session's stack: loading the model can take minutes on busy cores
            yield from _run_stack(
                rasa_bin, model, env, logs, actions, rasa_port, rasa_out, proxy, rasa_start_timeout=600
            )
    finally:
        proxy.close()


@pytest.fixture(scope="module")
def gateway(shop_stack: Stack) -> Iterator[ServedApp]:
    env = shop_stack.env
    settings = GatewaySettings(
        database_url=env["SHOPDESK_DATABASE_URL"],
        rasa_url=shop_stack.rasa_url,
        rasa_token=env["SHOPDESK_RASA_TOKEN"],
        action_server_url=shop_stack.actions_url,
        now=env["SHOPDESK_NOW"],
        policy_file=Path(env["SHOPDESK_POLICY_FILE"]),
        shopify_shop=SHOP,
        shopify_access_token=TOKEN,
        shopify_api_secret=API_SECRET,
        shopify_graphql_url=env["SHOPDESK_SHOPIFY_GRAPHQL_URL"],
    )
    yield from serve(create_app(settings))


@pytest.fixture
def shopper(gateway: ServedApp) -> Iterator[Shopper]:
    with httpx.Client(base_url=gateway.url, timeout=60) as http:
        yield start(http)


def say(shopper: Shopper, text: str) -> str:
    response = shopper.send(text)
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()["replies"]
    return "\n".join(str(r.get("text", "")) for r in replies)


def test_a_shopper_of_a_shopify_shop_hears_where_the_parcel_is(shopper: Shopper) -> None:
    asked = say(shopper, "where is my order #1001?")
    assert "email" in asked.lower(), asked
    answer = say(shopper, "ava.reed@example.com")
    assert "#1001" in answer
    assert "1Z999AA10123456784" in answer
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in answer
    assert "is with the carrier" in answer


def test_a_cancellation_asked_in_the_chat_is_made_on_shopify(
    shopper: Shopper, fake_shopify: FakeShopify, shop_stack: Stack
) -> None:
    say(shopper, "please cancel my order #1002")
    question = say(shopper, "sam.lee@example.com")
    assert "Do you want me to cancel" in question, question
    assert fake_shopify.by_number("#1002")["cancelledAt"] is None
    done = say(shopper, "yes")
    assert "Order #1002 is now cancelled" in done, done
    assert fake_shopify.by_number("#1002")["cancelledAt"] is not None
    assert shop_stack.order("#1002").status.value == "cancelled"


def test_a_delivery_shopify_reports_by_webhook_is_what_the_shopper_hears_next(
    shopper: Shopper, fake_shopify: FakeShopify, gateway: ServedApp
) -> None:
    fulfillment = fake_shopify.deliver("#1003", NOW - timedelta(hours=3), "Chicago")
    delivery = send_webhook(
        f"{gateway.url}/shopify/webhooks",
        "fulfillments/update",
        fulfillment_payload(fake_shopify.by_number("#1003"), fulfillment),
    )
    assert delivery.json() == {"outcome": "updated"}
    say(shopper, "where is my order #1003")
    answer = say(shopper, "kim.ng@example.com")
    assert "Order #1003 (placed October 9, 2026) is delivered" in answer, answer
    assert "Delivered on October 15, 2026" in answer  # the day Shopify's carrier event gave
