"""``shopdesk shopify backfill|reconcile|status`` against the fake store, settings from the environment."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ops.cli import main
from tests.shopify.fake_admin import SHOP, TOKEN, FakeShopify

PLACED = datetime(2026, 10, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def connected(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, policy_file: Path, fake_shopify: FakeShopify
) -> None:
    for name, value in {
        "SHOPDESK_DATABASE_URL": sqlite_url,
        "SHOPDESK_POLICY_FILE": str(policy_file),
        "SHOPDESK_SHOPIFY_SHOP": SHOP,
        "SHOPDESK_SHOPIFY_ACCESS_TOKEN": TOKEN,
        "SHOPDESK_SHOPIFY_GRAPHQL_URL": fake_shopify.graphql_url,
    }.items():
        monkeypatch.setenv(name, value)


def test_backfill_reconcile_and_status_report_what_they_did(
    connected: None, fake_shopify: FakeShopify, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    fake_shopify.add_order(1002, "sam@example.com", placed=PLACED)
    assert main(["shopify", "backfill", "--page-size", "1"]) == 0
    assert "Shopify: 2 page(s): 2 created" in capsys.readouterr().out
    assert main(["shopify", "reconcile"]) == 0
    assert "2 unchanged" in capsys.readouterr().out
    assert main(["shopify", "status"]) == 0
    out = capsys.readouterr().out
    assert f"connected to Test shop ({SHOP}), currency USD" in out
    assert "orders synced: 2" in out
    # the reconcile is recorded: the gateway's schedule counts from it, and the status shows it
    assert re.search(r"last reconcile: \d{4}-\d\d-\d\dT[\d:.]+\+00:00 \(ok\); every 24 h in the gateway", out)


def test_the_status_says_when_no_reconcile_ran_and_that_cron_runs_it(
    connected: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPDESK_SHOPIFY_RECONCILE_HOURS", "0")
    assert main(["shopify", "status"]) == 0
    assert "last reconcile: never; not scheduled in the gateway" in capsys.readouterr().out


def test_without_a_connected_store_the_commands_say_what_to_set(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("SHOPDESK_SHOPIFY_SHOP", raising=False)
    assert main(["shopify", "backfill"]) != 0
    assert "SHOPDESK_SHOPIFY_SHOP" in capsys.readouterr().err
