"""Return eligibility rules, against the real policy file (and variations of it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from bot.orders.model import Order, OrderLine, OrderStatus, ReturnReason, ReturnStatus, TrackingCode
from bot.orders.rules import returns
from bot.orders.rules.clauses import Clause
from bot.policy import Policy, load_policy
from tests.unit.factories import (
    make_delivered_shipment,
    make_event,
    make_line,
    make_order,
    make_return,
    make_shipment,
    utc,
)

POLICY = load_policy()


def delivered_order(delivered_at: datetime, *lines: OrderLine, **overrides: object) -> Order:
    lines = lines or (make_line(),)
    shipment = make_delivered_shipment(delivered_at, line_ids=tuple(line.id for line in lines))
    values: dict[str, object] = {
        "status": OrderStatus.DELIVERED,
        "placed_at": delivered_at.replace(day=1) if delivered_at.day > 3 else delivered_at,
        "paid_at": None,
        "lines": lines,
        "shipments": (shipment,),
    }
    values.update(overrides)
    return make_order(**values)


def assess(
    order: Order, now: datetime, policy: Policy = POLICY, **kwargs: ReturnReason
) -> returns.LineEligibility:
    return returns.assess_line(order, order.lines[0], policy, now, **kwargs)


# --- the ordinary window -------------------------------------------------------------------------------


def test_item_delivered_30_days_ago_is_returnable_until_today() -> None:
    result = assess(delivered_order(utc(2026, 6, 1, 10)), utc(2026, 7, 1))
    assert result.eligible
    assert result.last_day == date(2026, 7, 1)
    assert result.window_starts == date(2026, 6, 1)
    assert result.clause == Clause.RETURNS_WINDOW
    assert result.reason == "returnable until 1 July 2026: 30 days from delivery"


def test_item_delivered_31_days_ago_is_not_returnable() -> None:
    result = assess(delivered_order(utc(2026, 6, 1, 10)), utc(2026, 7, 2))
    assert not result.eligible
    assert result.last_day == date(2026, 7, 1)
    assert result.clause == Clause.RETURNS_WINDOW
    assert result.reason.startswith("the return window closed on 1 July 2026")


def test_last_day_lasts_until_midnight_london_time_in_summer() -> None:
    order = delivered_order(utc(2026, 6, 1, 10))
    assert assess(order, utc(2026, 7, 1, 22, 59)).eligible  # 23:59 BST on 1 July
    assert not assess(order, utc(2026, 7, 1, 23, 1)).eligible  # 00:01 BST on 2 July


def test_item_delivered_at_2359_london_time_in_summer_counts_as_that_day() -> None:
    result = assess(delivered_order(utc(2026, 6, 1, 22, 59)), utc(2026, 6, 5))
    assert result.window_starts == date(2026, 6, 1)
    assert result.last_day == date(2026, 7, 1)


def test_item_delivered_at_0001_london_time_in_summer_counts_as_the_next_day() -> None:
    result = assess(delivered_order(utc(2026, 6, 1, 23, 1)), utc(2026, 6, 5))  # 00:01 BST on 2 June
    assert result.window_starts == date(2026, 6, 2)
    assert result.last_day == date(2026, 7, 2)


def test_item_delivered_at_2359_london_time_in_winter_counts_as_that_day() -> None:
    result = assess(delivered_order(utc(2026, 2, 1, 23, 59)), utc(2026, 2, 5))
    assert result.window_starts == date(2026, 2, 1)
    assert result.last_day == date(2026, 3, 3)


def test_item_delivered_at_0001_london_time_in_winter_counts_as_the_next_day() -> None:
    result = assess(delivered_order(utc(2026, 2, 2, 0, 1)), utc(2026, 2, 5))
    assert result.window_starts == date(2026, 2, 2)


def test_window_length_comes_from_the_policy() -> None:
    policy = replace(POLICY, default_return_window_days=45, category_windows={})
    result = assess(delivered_order(utc(2026, 6, 1, 10)), utc(2026, 7, 16), policy)
    assert result.eligible
    assert result.reason == "returnable until 16 July 2026: 45 days from delivery"


def test_category_not_in_the_policy_uses_the_default_window() -> None:
    order = delivered_order(utc(2026, 6, 1, 10), make_line(category="books"))
    result = assess(order, utc(2026, 6, 5))
    assert result.last_day == date(2026, 7, 1)
    assert result.clause == Clause.RETURNS_WINDOW


def test_delivery_scan_without_delivered_at_starts_the_window() -> None:
    shipment = make_shipment(
        shipped_at=utc(2026, 5, 29),
        events=(make_event(TrackingCode.DELIVERED, utc(2026, 6, 1, 10)),),
    )
    order = make_order(status=OrderStatus.DELIVERED, shipments=(shipment,))
    assert assess(order, utc(2026, 6, 5)).window_starts == date(2026, 6, 1)


# --- category windows ----------------------------------------------------------------------------------


def test_electronics_delivered_14_days_ago_are_returnable() -> None:
    order = delivered_order(utc(2026, 6, 1, 10), make_line(category="electronics", name="Headphones"))
    result = assess(order, utc(2026, 6, 15))
    assert result.eligible
    assert result.clause == Clause.RETURNS_CATEGORY_WINDOW
    assert result.reason == "returnable until 15 June 2026: 14 days from delivery for electronics"


def test_electronics_delivered_15_days_ago_are_not_returnable() -> None:
    order = delivered_order(utc(2026, 6, 1, 10), make_line(category="electronics"))
    result = assess(order, utc(2026, 6, 16))
    assert not result.eligible
    assert result.last_day == date(2026, 6, 15)
    assert result.clause == Clause.RETURNS_CATEGORY_WINDOW


def test_category_window_equal_to_the_default_is_cited_as_the_ordinary_window() -> None:
    order = delivered_order(utc(2026, 6, 1, 10), make_line(category="footwear"))
    assert assess(order, utc(2026, 6, 5)).clause == Clause.RETURNS_WINDOW


# --- exclusions and final sale -------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["gift_card", "hygiene", "personalised"])
def test_excluded_category_is_not_returnable_and_says_why_in_the_policys_words(category: str) -> None:
    order = delivered_order(utc(2026, 6, 1, 10), make_line(category=category))
    result = assess(order, utc(2026, 6, 3))
    assert not result.eligible
    assert result.clause == Clause.RETURNS_EXCLUDED
    assert result.reason == POLICY.excluded_categories[category]
    assert result.last_day is None


def test_final_sale_item_is_not_returnable() -> None:
    order = delivered_order(utc(2026, 6, 1, 10), make_line(final_sale=True))
    result = assess(order, utc(2026, 6, 3))
    assert not result.eligible
    assert result.clause == Clause.RETURNS_FINAL_SALE
    assert result.last_day is None
    assert "final sale" in result.reason


def test_final_sale_item_is_returnable_when_the_policy_allows_it() -> None:
    policy = replace(POLICY, final_sale_returnable=True)
    order = delivered_order(utc(2026, 6, 1, 10), make_line(final_sale=True))
    result = assess(order, utc(2026, 6, 3), policy)
    assert result.eligible
    assert result.clause == Clause.RETURNS_WINDOW


def test_mixed_order_has_returnable_and_non_returnable_lines() -> None:
    order = delivered_order(
        utc(2026, 6, 1, 10),
        make_line(id=1, category="apparel"),
        make_line(id=2, category="personalised"),
        make_line(id=3, category="electronics"),
        make_line(id=4, category="footwear", final_sale=True),
    )
    results = returns.assess_order(order, POLICY, utc(2026, 6, 21))
    assert [r.line.id for r in results] == [1, 2, 3, 4]
    assert [r.eligible for r in results] == [True, False, False, False]
    assert [r.clause for r in results] == [
        Clause.RETURNS_WINDOW,
        Clause.RETURNS_EXCLUDED,
        Clause.RETURNS_CATEGORY_WINDOW,
        Clause.RETURNS_FINAL_SALE,
    ]
    assert [r.line.id for r in returns.eligible_lines(results)] == [1]


# --- not delivered / no delivery scan ------------------------------------------------------------------


def test_without_a_delivery_scan_the_window_starts_transit_days_after_dispatch() -> None:
    shipment = make_shipment(shipped_at=utc(2026, 6, 1, 15), promised_date=date(2026, 6, 5))
    order = make_order(status=OrderStatus.SHIPPED, shipments=(shipment,))
    on_last_day = assess(order, utc(2026, 7, 6))
    assert on_last_day.eligible
    assert on_last_day.window_starts == date(2026, 6, 6)
    assert on_last_day.last_day == date(2026, 7, 6)
    assert "5 days after dispatch" in on_last_day.reason
    assert not assess(order, utc(2026, 7, 7)).eligible


@pytest.mark.parametrize(
    "latest",
    [
        TrackingCode.IN_TRANSIT,
        TrackingCode.OUT_FOR_DELIVERY,
        TrackingCode.EXCEPTION_WEATHER,
        TrackingCode.LOST,
    ],
)
def test_a_parcel_the_carrier_still_shows_travelling_is_not_returnable_yet(latest: TrackingCode) -> None:
    shipment = make_shipment(
        shipped_at=utc(2026, 6, 1, 15),
        events=(
            make_event(TrackingCode.PICKED_UP, utc(2026, 6, 1, 17)),
            make_event(latest, utc(2026, 6, 12, 9)),
        ),
    )
    order = make_order(status=OrderStatus.SHIPPED, shipments=(shipment,))
    result = assess(order, utc(2026, 6, 15))  # long past dispatch + transit days
    assert not result.eligible
    assert result.clause == Clause.RETURNS_NOT_DELIVERED


def test_dispatch_late_in_the_london_evening_counts_from_the_london_date() -> None:
    shipment = make_shipment(shipped_at=utc(2026, 6, 1, 23, 30))  # 00:30 BST on 2 June
    order = make_order(status=OrderStatus.SHIPPED, shipments=(shipment,))
    assert assess(order, utc(2026, 6, 10)).window_starts == date(2026, 6, 7)


def test_item_not_shipped_yet_cannot_be_returned_until_it_arrives() -> None:
    order = make_order(shipments=(make_shipment(shipped_at=None, promised_date=None),))
    result = assess(order, utc(2026, 3, 5))
    assert not result.eligible
    assert result.clause == Clause.RETURNS_NOT_DELIVERED
    assert result.last_day is None
    assert result.window_starts is None
    assert "once it arrives" in result.reason


def test_line_in_no_shipment_cannot_be_returned_yet() -> None:
    assert assess(make_order(), utc(2026, 3, 5)).clause == Clause.RETURNS_NOT_DELIVERED


def test_shipment_without_line_ids_carries_the_whole_order() -> None:
    shipment = make_delivered_shipment(utc(2026, 6, 1, 10), line_ids=())
    order = make_order(status=OrderStatus.DELIVERED, shipments=(shipment,))
    assert assess(order, utc(2026, 6, 5)).eligible


# --- earlier returns -----------------------------------------------------------------------------------


def test_partly_returned_line_can_return_the_remaining_units() -> None:
    order = delivered_order(
        utc(2026, 6, 1, 10), make_line(quantity=3), returns=(make_return(line_id=1, quantity=1),)
    )
    result = assess(order, utc(2026, 6, 5))
    assert result.eligible
    assert result.returnable_quantity == 2


def test_fully_returned_line_is_not_returnable_again() -> None:
    order = delivered_order(
        utc(2026, 6, 1, 10),
        make_line(quantity=2),
        status=OrderStatus.RETURNED,
        returns=(make_return(quantity=1), make_return(rma_number="RMA-1002", quantity=1)),
    )
    result = assess(order, utc(2026, 6, 5))
    assert not result.eligible
    assert result.returnable_quantity == 0
    assert result.clause == Clause.RETURNS_ALREADY_RETURNED
    assert result.last_day is None


def test_rejected_return_does_not_use_up_the_quantity() -> None:
    order = delivered_order(
        utc(2026, 6, 1, 10), returns=(make_return(quantity=1, status=ReturnStatus.REJECTED),)
    )
    result = assess(order, utc(2026, 6, 5))
    assert result.eligible
    assert result.returnable_quantity == 1


# --- holiday extension ---------------------------------------------------------------------------------


def holiday_order(placed_at: datetime, delivered_at: datetime, category: str = "apparel") -> Order:
    return delivered_order(delivered_at, make_line(category=category), placed_at=placed_at)


def test_order_placed_on_1_november_can_be_returned_until_31_january() -> None:
    order = holiday_order(utc(2026, 11, 1, 10), utc(2026, 11, 4, 10))
    result = assess(order, utc(2027, 1, 31))
    assert result.eligible
    assert result.last_day == date(2027, 1, 31)
    assert result.clause == Clause.RETURNS_HOLIDAY_EXTENSION
    assert result.reason == (
        "returnable until 31 January 2027: orders placed between 1 November and 24 December "
        "can be returned until 31 January"
    )
    assert not assess(order, utc(2027, 2, 1)).eligible


def test_order_placed_on_24_december_can_be_returned_until_31_january() -> None:
    order = holiday_order(utc(2026, 12, 24, 23, 30), utc(2026, 12, 29, 10))
    result = assess(order, utc(2027, 1, 30))
    assert result.eligible
    assert result.last_day == date(2027, 1, 31)
    assert result.clause == Clause.RETURNS_HOLIDAY_EXTENSION


def test_order_placed_on_25_december_gets_the_ordinary_window() -> None:
    order = holiday_order(utc(2026, 12, 25, 10), utc(2026, 12, 29, 10))
    result = assess(order, utc(2027, 1, 29))
    assert not result.eligible
    assert result.last_day == date(2027, 1, 28)
    assert result.clause == Clause.RETURNS_WINDOW


def test_order_placed_on_31_october_gets_the_ordinary_window() -> None:
    order = holiday_order(utc(2026, 10, 31, 10), utc(2026, 11, 3, 10))
    assert assess(order, utc(2026, 12, 5)).last_day == date(2026, 12, 3)


def test_holiday_extension_never_shortens_a_later_ordinary_window() -> None:
    order = holiday_order(utc(2026, 12, 24, 10), utc(2027, 1, 20, 10))
    result = assess(order, utc(2027, 2, 10))
    assert result.eligible
    assert result.last_day == date(2027, 2, 19)
    assert result.clause == Clause.RETURNS_WINDOW


def test_no_holiday_extension_when_the_policy_has_none() -> None:
    order = holiday_order(utc(2026, 11, 1, 10), utc(2026, 11, 4, 10))
    assert assess(order, utc(2027, 1, 5), replace(POLICY, holiday_extension=None)).last_day == date(
        2026, 12, 4
    )


def test_holiday_season_that_wraps_past_new_year() -> None:
    assert POLICY.holiday_extension is not None
    season = replace(POLICY.holiday_extension, placed_from=(12, 1), placed_to=(1, 5), return_by=(2, 28))
    assert returns.holiday_return_by(date(2026, 12, 10), season) == date(2027, 2, 28)
    assert returns.holiday_return_by(date(2027, 1, 5), season) == date(2027, 2, 28)
    assert returns.holiday_return_by(date(2027, 1, 6), season) is None


# --- damaged or wrong items ----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM])
def test_damaged_or_wrong_item_is_returnable_even_when_final_sale(reason: ReturnReason) -> None:
    order = delivered_order(utc(2026, 6, 1, 10), make_line(final_sale=True))
    result = assess(order, utc(2026, 7, 20), reason=reason)
    assert result.eligible
    assert result.clause == Clause.RETURNS_DAMAGED_OR_WRONG
    assert result.last_day == date(2026, 8, 30)


@pytest.mark.parametrize("category", ["gift_card", "hygiene", "personalised"])
def test_damaged_item_is_returnable_even_in_an_excluded_category(category: str) -> None:
    order = delivered_order(utc(2026, 6, 1, 10), make_line(category=category))
    assert assess(order, utc(2026, 6, 3), reason=ReturnReason.DAMAGED).eligible


def test_damaged_item_can_be_reported_on_day_90() -> None:
    order = delivered_order(utc(2026, 6, 1, 10))
    result = assess(order, utc(2026, 8, 30), reason=ReturnReason.DAMAGED)
    assert result.eligible
    assert "90 days from delivery" in result.reason


def test_damaged_item_cannot_be_reported_after_90_days() -> None:
    order = delivered_order(utc(2026, 6, 1, 10), make_line(final_sale=True))
    result = assess(order, utc(2026, 8, 31), reason=ReturnReason.DAMAGED)
    assert not result.eligible
    assert result.clause == Clause.RETURNS_DAMAGED_OR_WRONG
    assert result.last_day == date(2026, 8, 30)
    assert "closed on 30 August 2026" in result.reason


def test_damaged_item_already_returned_is_not_returnable_again() -> None:
    order = delivered_order(utc(2026, 6, 1, 10), returns=(make_return(),))
    assert (
        assess(order, utc(2026, 6, 5), reason=ReturnReason.DAMAGED).clause == Clause.RETURNS_ALREADY_RETURNED
    )


# --- cancelled orders and invariants -------------------------------------------------------------------


def test_cancelled_order_has_nothing_to_return() -> None:
    order = make_order(status=OrderStatus.CANCELLED)
    result = assess(order, utc(2026, 3, 5))
    assert not result.eligible
    assert result.clause == Clause.RETURNS_ORDER_CANCELLED


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        assess(delivered_order(utc(2026, 6, 1, 10)), datetime(2026, 6, 5))


def test_a_gift_card_still_on_its_way_is_refused_for_what_it_is_not_for_being_in_transit() -> None:
    line = make_line(category="gift_card", name="Gift Card £25")
    order = make_order(status=OrderStatus.SHIPPED, lines=(line,), shipments=(make_shipment(shipped_at=None),))
    result = assess(order, utc(2026, 3, 5))
    assert not result.eligible
    assert result.clause == Clause.RETURNS_EXCLUDED
    assert result.reason == POLICY.excluded_categories["gift_card"]
