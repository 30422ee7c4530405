from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.language.order_numbers import OrderNumbers
from bot.ops.demo_data import DEMO_NOW, load_demo
from bot.orders.model import (
    NotAllowed,
    OrderNotFound,
    OrderStatus,
    RefundStatus,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
)
from bot.orders.repository import OrderRepository
from bot.orders.tables import ReturnRow

DEMO_NUMBERS = OrderNumbers.demo()


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory.begin() as session:
        load_demo(session, seed=7, now=DEMO_NOW)
    return session_factory


def test_an_order_is_found_however_the_number_is_typed(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        repo = OrderRepository(session, DEMO_NUMBERS)
        orders = [repo.get_order(n) for n in ("SD-10017", "sd10017", "10017")]
    assert all(o is not None and o.number == "SD-10017" for o in orders)
    order = orders[0]
    assert order is not None
    assert len(order.shipments) == 2 and {len(s.line_ids) for s in order.shipments} == {1}
    assert order.total == Decimal("159.00") and isinstance(order.total, Decimal)
    assert order.placed_at.tzinfo is not None and order.placed_at.utcoffset() == timedelta(0)
    assert all(e.occurred_at.tzinfo is not None for s in order.shipments for e in s.events)


def test_an_unknown_order_number_gives_none(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        assert OrderRepository(session, DEMO_NUMBERS).get_order("SD-99999") is None
        assert OrderRepository(session, DEMO_NUMBERS).get_order("not a number") is None


def test_orders_for_an_email_come_newest_first_whatever_the_case(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        orders = OrderRepository(session, DEMO_NUMBERS).orders_for_email("Chloe.Edwards@Example.com")
    assert [o.number for o in orders] == ["SD-10027", "SD-10026", "SD-10025"]
    with seeded() as session:
        assert (
            len(OrderRepository(session, DEMO_NUMBERS).orders_for_email("chloe.edwards@example.com", limit=2))
            == 2
        )


def test_a_customer_is_found_by_email(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        repo = OrderRepository(session, DEMO_NUMBERS)
        customer = repo.get_customer_by_email(" GRACE.HALL@example.com ")
        assert customer is not None and customer.postcode == "NG5 2BT"
        assert repo.get_customer_by_email("nobody@example.com") is None


def test_only_current_disruptions_are_active(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        repo = OrderRepository(session, DEMO_NUMBERS)
        active = repo.active_disruptions(DEMO_NOW)
        later = repo.active_disruptions(DEMO_NOW + timedelta(days=30))
        earlier = repo.active_disruptions(DEMO_NOW - timedelta(days=15))
    assert [d.title for d in active] == ["Storm Amy: Highlands and Islands deliveries delayed"]
    assert later == []
    assert [d.title for d in earlier] == ["Royal Mail industrial action"]


def test_adding_a_return_twice_with_the_same_key_creates_one_return(seeded: sessionmaker[Session]) -> None:
    now = DEMO_NOW
    with seeded.begin() as session:
        repo = OrderRepository(session, DEMO_NUMBERS)
        order = repo.get_order("SD-10010")
        assert order is not None
        lines = [ReturnLine(line_id=order.lines[0].id, quantity=1)]
        first = repo.add_return(
            "SD-10010", lines, ReturnReason.DOES_NOT_FIT, "Drop it at a post office", now, "k-1"
        )
    with seeded.begin() as session:
        again = OrderRepository(session, DEMO_NUMBERS).add_return(
            "sd10010", lines, ReturnReason.DOES_NOT_FIT, "Drop it at a post office", now, "k-1"
        )
    assert again == first
    assert first.rma_number.startswith("RMA-") and len(first.rma_number) == 10
    assert first.status is ReturnStatus.REQUESTED and first.created_at == now
    with seeded() as session:
        count = session.scalar(
            select(func.count()).select_from(ReturnRow).where(ReturnRow.idempotency_key == "k-1")
        )
        reloaded = OrderRepository(session, DEMO_NUMBERS).get_order("SD-10010")
    assert count == 1
    assert reloaded is not None and reloaded.returns == (first,)
    assert reloaded.returned_quantity(lines[0].line_id) == 1


def test_a_return_cannot_take_more_units_than_are_left(seeded: sessionmaker[Session]) -> None:
    with seeded.begin() as session:
        repo = OrderRepository(session, DEMO_NUMBERS)
        order = repo.get_order("SD-10020")  # the shirt has already been returned
        assert order is not None
        with pytest.raises(NotAllowed):
            repo.add_return(
                "SD-10020", [ReturnLine(order.lines[0].id, 1)], ReturnReason.CHANGED_MIND, "", DEMO_NOW, "k-2"
            )


def test_returns_for_an_unknown_order_are_refused(seeded: sessionmaker[Session]) -> None:
    with seeded() as session, pytest.raises(OrderNotFound):
        OrderRepository(session, DEMO_NUMBERS).add_return(
            "SD-99999", [ReturnLine(1, 1)], ReturnReason.OTHER, "", DEMO_NOW
        )


def test_cancelling_a_paid_order_records_a_pending_refund(seeded: sessionmaker[Session]) -> None:
    now = datetime(2026, 10, 15, 10, 30, tzinfo=UTC)
    with seeded.begin() as session:
        cancelled = OrderRepository(session, DEMO_NUMBERS).cancel_order("SD-10024", now)
    assert cancelled.status is OrderStatus.CANCELLED
    with seeded() as session:
        refunds = OrderRepository(session, DEMO_NUMBERS).refunds_for("SD-10024")
        again = OrderRepository(session, DEMO_NUMBERS).cancel_order("SD-10024", now)
    assert again.status is OrderStatus.CANCELLED
    assert [(r.amount, r.status) for r in refunds] == [(cancelled.total, RefundStatus.PENDING)]


def test_cancelling_an_unpaid_order_needs_no_refund(seeded: sessionmaker[Session]) -> None:
    with seeded.begin() as session:
        OrderRepository(session, DEMO_NUMBERS).cancel_order("SD-10023", DEMO_NOW)
    with seeded() as session:
        assert OrderRepository(session, DEMO_NUMBERS).refunds_for("SD-10023") == []


def test_a_shipped_order_is_not_cancelled(seeded: sessionmaker[Session]) -> None:
    with seeded.begin() as session, pytest.raises(NotAllowed):
        OrderRepository(session, DEMO_NUMBERS).cancel_order("SD-10001", DEMO_NOW)


def test_refunds_name_the_return_they_pay_for(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        refunds = OrderRepository(session, DEMO_NUMBERS).refunds_for("SD-10021")
    assert [(r.amount, r.status, r.rma_number) for r in refunds] == [
        (Decimal("64.05"), RefundStatus.PENDING, "RMA-100021")
    ]
