"""Cancellation: allowed before anything ships, for the statuses the policy lists."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.orders.model import OrderStatus
from bot.orders.rules import cancellation
from bot.orders.rules.clauses import Clause
from bot.policy import load_policy
from tests.unit.factories import make_line, make_order, make_shipment, utc

POLICY = load_policy()


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PROCESSING])
def test_order_that_has_not_shipped_can_be_cancelled(status: OrderStatus) -> None:
    decision = cancellation.assess_cancellation(make_order(status=status), POLICY)
    assert decision.allowed
    assert decision.clause == Clause.CANCELLATION_ALLOWED
    assert decision.alternative == ""


def test_order_with_a_label_but_no_dispatch_can_still_be_cancelled() -> None:
    order = make_order(status=OrderStatus.PROCESSING, shipments=(make_shipment(shipped_at=None),))
    assert cancellation.assess_cancellation(order, POLICY).allowed


def test_shipped_order_cannot_be_cancelled_and_can_be_returned_once_it_arrives() -> None:
    order = make_order(status=OrderStatus.SHIPPED, shipments=(make_shipment(),))
    decision = cancellation.assess_cancellation(order, POLICY)
    assert not decision.allowed
    assert decision.clause == Clause.CANCELLATION_SHIPPED
    assert decision.reason == "this order has already left our warehouse"
    assert decision.alternative.startswith("Once it arrives you can return it within 30 days of delivery")
    assert "electronics: 14 days" in decision.alternative


def test_order_with_one_parcel_sent_cannot_be_cancelled_even_if_status_lags() -> None:
    order = make_order(
        status=OrderStatus.PROCESSING,
        lines=(make_line(id=1), make_line(id=2)),
        shipments=(make_shipment(line_ids=(1,)), make_shipment(id=2, line_ids=(2,), shipped_at=None)),
    )
    decision = cancellation.assess_cancellation(order, POLICY)
    assert not decision.allowed
    assert decision.reason == "part of this order has already left our warehouse"


def test_delivered_order_cannot_be_cancelled_but_can_be_returned() -> None:
    order = make_order(status=OrderStatus.DELIVERED, shipments=(make_shipment(delivered_at=utc(2026, 3, 9)),))
    decision = cancellation.assess_cancellation(order, POLICY)
    assert not decision.allowed
    assert decision.clause == Clause.CANCELLATION_SHIPPED
    assert decision.alternative.startswith("You can return it within 30 days")


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED])
def test_order_in_a_final_state_cannot_be_cancelled(status: OrderStatus) -> None:
    decision = cancellation.assess_cancellation(make_order(status=status), POLICY)
    assert not decision.allowed
    assert decision.clause == Clause.CANCELLATION_FINAL_STATE
    assert decision.reason.startswith("this order has already been")


def test_processing_order_cannot_be_cancelled_when_the_policy_stops_at_payment() -> None:
    policy = replace(POLICY, cancellable_statuses=("pending", "paid"))
    decision = cancellation.assess_cancellation(make_order(status=OrderStatus.PROCESSING), policy)
    assert not decision.allowed
    assert decision.clause == Clause.CANCELLATION_ALLOWED
