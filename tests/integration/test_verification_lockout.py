"""Verification failures are counted in the database, so guessing cannot be reset by a new conversation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.db import make_engine, make_session_factory
from bot.ops.demo_data import DEMO_NOW, SHOWCASE, load_demo
from bot.orders.model import VerificationFailed
from bot.orders.rules.lockout import VerificationLimits
from bot.orders.services import ShopService
from bot.orders.tables import VerificationFailureRow
from bot.policy import load_policy

CASE = next(c for c in SHOWCASE if c.number == "SD-10001")
OTHER = next(c for c in SHOWCASE if c.number == "SD-10002")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(DEMO_NOW)


@pytest.fixture
def shop_db_url(database_url: str) -> str:
    """The demo shop on SQLite and on PostgreSQL in turn."""
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        load_demo(session, seed=7, now=DEMO_NOW)
    engine.dispose()
    return database_url


@pytest.fixture
def shop(shop_db_url: str, clock: Clock) -> Iterator[ShopService]:
    engine = make_engine(shop_db_url)
    yield ShopService(
        make_session_factory(engine), load_policy(), clock, secret=b"test", limits=VerificationLimits()
    )
    engine.dispose()


def fail(shop: ShopService, number: str, contact: str, client: str | None = None) -> str:
    with pytest.raises(VerificationFailed) as caught:
        shop.verify(number, contact, client=client)
    return str(caught.value)


def test_five_wrong_contacts_lock_the_order_even_for_its_real_owner(shop: ShopService) -> None:
    wrong = fail(shop, CASE.number, "someone@example.com")
    for n in range(4):
        fail(shop, CASE.number, f"guess{n}@example.com")
    locked = fail(shop, CASE.number, CASE.email)
    assert locked == wrong  # a locked order answers exactly like a wrong contact


def test_a_success_does_not_reset_the_failures(shop: ShopService) -> None:
    for n in range(4):
        fail(shop, CASE.number, f"guess{n}@example.com")
    assert shop.verify(CASE.number, CASE.email).number == CASE.number
    fail(shop, CASE.number, "guess5@example.com")
    fail(shop, CASE.number, CASE.email)


def test_one_email_tried_against_many_order_numbers_is_locked_out(shop: ShopService) -> None:
    for n in range(5):
        fail(shop, f"SD-{20000 + n}", OTHER.email)
    fail(shop, OTHER.number, OTHER.email)


def test_one_client_guessing_across_orders_and_contacts_is_locked_out(shop: ShopService) -> None:
    for n in range(10):
        fail(shop, f"SD-{30000 + n}", f"nobody{n}@example.com", client="web:203.0.113.9")
    fail(shop, CASE.number, CASE.email, client="web:203.0.113.9")
    assert shop.verify(CASE.number, CASE.email, client="web:198.51.100.1").number == CASE.number


def test_failures_older_than_the_window_no_longer_count(shop: ShopService, clock: Clock) -> None:
    for n in range(5):
        fail(shop, CASE.number, f"guess{n}@example.com")
    clock.now = DEMO_NOW + timedelta(hours=24, minutes=1)
    assert shop.verify(CASE.number, CASE.email).number == CASE.number


def test_the_failure_log_holds_no_order_number_email_or_address(shop: ShopService, shop_db_url: str) -> None:
    fail(shop, CASE.number, "someone@example.com", client="web:203.0.113.9")
    engine = make_engine(shop_db_url)
    with engine.connect() as connection:
        rows = connection.execute(select(VerificationFailureRow.subject, VerificationFailureRow.subject_key))
        stored = " ".join(f"{s} {k}" for s, k in rows)
        assert connection.execute(text("select count(*) from verification_failures")).scalar() == 3
    engine.dispose()
    for clear in (CASE.number, "someone", "203.0.113.9"):
        assert clear not in stored
