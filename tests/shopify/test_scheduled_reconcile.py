"""The gateway reconciles a connected store by itself (``integrations/shopify/schedule.py``): an order
changed on Shopify with no webhook reaches the order system, a failed run is logged without personal data
and tried again, the run is recorded where ``shopdesk shopify status`` shows it, and with two replicas on
one Redis one alone runs it. Against the fake Admin API, over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.orders.model import OrderStatus
from bot.orders.repository import OrderRepository
from integrations.gateway.app import create_app
from integrations.gateway.config import GatewaySettings
from integrations.gateway.replicas import Leadership
from integrations.shopify import store
from integrations.shopify.schedule import RETRY_AFTER_FAILURE, seconds_until_due
from integrations.shopify.store import ReconcileRun
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, serve
from tests.shopify.fake_admin import API_SECRET, SHOP, TOKEN, FakeShopify

PLACED = datetime(2026, 10, 10, 15, 0, tzinfo=UTC)
EVERY_SECOND = 1 / 3600  # SHOPDESK_SHOPIFY_RECONCILE_HOURS for a reconcile every second
LEAD_TTL = 1.0
T0 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


# -- when the next run is due (no I/O) -------------------------------------------------------------------


def test_with_no_reconcile_recorded_one_is_due_at_once() -> None:
    assert seconds_until_due(None, T0, DAY) == 0


def test_after_a_good_run_the_next_is_due_one_interval_later() -> None:
    last = ReconcileRun(T0, "ok")
    assert seconds_until_due(last, T0 + timedelta(hours=23), DAY) == 3600
    assert seconds_until_due(last, T0 + timedelta(hours=25), DAY) == 0  # overdue (the gateway was down)


def test_after_a_failed_run_it_is_tried_again_sooner() -> None:
    last = ReconcileRun(T0, "failed: ShopifyUnavailable")
    assert seconds_until_due(last, T0, DAY) == RETRY_AFTER_FAILURE.total_seconds()
    assert seconds_until_due(last, T0, timedelta(minutes=10)) == 600  # never later than the interval


def test_a_run_recorded_in_the_future_waits_no_longer_than_the_interval() -> None:
    assert seconds_until_due(ReconcileRun(T0 + DAY, "ok"), T0, DAY) == DAY.total_seconds()


# -- in the gateway ----------------------------------------------------------------------------------------


def settings_for(database_url: str, policy_file: Path, fake: FakeShopify, **extra: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "rasa_url": RASA_URL,
        "action_server_url": ACTIONS_URL,
        "policy_file": policy_file,
        "shopify_shop": SHOP,
        "shopify_access_token": TOKEN,
        "shopify_api_secret": API_SECRET,
        "shopify_graphql_url": fake.graphql_url,
        "shopify_reconcile_hours": EVERY_SECOND,
        **extra,
    }
    return GatewaySettings(**values)


@pytest.fixture
def gateway(database_url: str, policy_file: Path, fake_shopify: FakeShopify) -> Iterator[ServedApp]:
    settings = settings_for(database_url, policy_file, fake_shopify)
    yield from serve(create_app(settings, transport=FakeRasa().transport))


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def status_of(sessions: sessionmaker[Session], number: str) -> OrderStatus | None:
    with sessions() as session:
        order = OrderRepository(session).get_order(number)
    return None if order is None else order.status


def last_run(sessions: sessionmaker[Session]) -> ReconcileRun | None:
    with sessions() as session:
        return store.last_reconcile(session)


def test_an_order_changed_on_shopify_without_a_webhook_reaches_the_order_system_by_itself(
    fake_shopify: FakeShopify, session_factory: sessionmaker[Session], gateway: ServedApp
) -> None:
    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    wait_for(lambda: status_of(session_factory, "#1001") is OrderStatus.PAID)  # the first run: a backfill

    order = fake_shopify.by_number("#1001")  # cancelled in the Shopify admin; its webhook is lost
    order["cancelledAt"] = order["updatedAt"] = fake_shopify.tick()
    wait_for(lambda: status_of(session_factory, "#1001") is OrderStatus.CANCELLED)

    run = last_run(session_factory)
    assert run is not None and run.ok
    # a reconcile, not a backfill each time: with orders stored, only those updated since are asked for
    last_search = fake_shopify.operations("ShopdeskOrders")[-1].variables["query"]
    assert last_search is not None and last_search.startswith("updated_at:>=")


def test_a_failed_reconcile_is_logged_without_personal_data_recorded_and_tried_again(
    fake_shopify: FakeShopify,
    sqlite_url: str,
    policy_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.db import make_engine, make_session_factory

    fake_shopify.add_order(1001, "ava@example.com", placed=PLACED)
    fake_shopify.fail_next(6, retry_after="0")  # every attempt of the first run: HTTP 429
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    caplog.set_level(logging.INFO)
    try:
        with contextmanager(serve)(
            create_app(settings_for(sqlite_url, policy_file, fake_shopify), transport=FakeRasa().transport)
        ):
            wait_for(lambda: status_of(sessions, "#1001") is OrderStatus.PAID)
    finally:
        engine.dispose()
    assert [seen.status for seen in fake_shopify.operations("ShopdeskOrders")][:7] == [429] * 6 + [200]
    failures = [r.getMessage() for r in caplog.records if "Shopify reconcile failed" in r.getMessage()]
    assert failures == [
        "Shopify reconcile failed (ShopifyUnavailable: Shopify did not answer after 6 "
        "attempts); it will be tried again"
    ]
    assert not any("ava@example.com" in r.getMessage() for r in caplog.records)


def test_with_two_replicas_on_one_redis_one_alone_runs_the_reconcile(
    fake_shopify: FakeShopify, sqlite_url: str, policy_file: Path, redis_url: str, redis_prefix: str
) -> None:
    settings = settings_for(
        sqlite_url,
        policy_file,
        fake_shopify,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        leader_lock_ttl=LEAD_TTL,
    )
    with ExitStack() as stack:
        replicas = [
            stack.enter_context(contextmanager(serve)(create_app(settings, transport=FakeRasa().transport)))
            for _ in range(2)
        ]
        leads: list[Leadership] = [r.app.state.shopify_reconcile_leadership for r in replicas]
        wait_for(lambda: any(lead.is_leader for lead in leads))
        for _ in range(3):  # across several renewals of the lead, never two
            assert [lead.is_leader for lead in leads].count(True) == 1
            time.sleep(LEAD_TTL)


def test_the_reconcile_can_be_left_to_cron(
    fake_shopify: FakeShopify, sqlite_url: str, policy_file: Path
) -> None:
    settings = settings_for(sqlite_url, policy_file, fake_shopify, shopify_reconcile_hours=0)
    with contextmanager(serve)(create_app(settings, transport=FakeRasa().transport)) as gateway:
        assert gateway.app.state.shopify_reconcile_leadership is None
    assert fake_shopify.operations() == []
