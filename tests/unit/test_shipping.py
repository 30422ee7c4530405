"""Delay assessment, against the real policy file (stalled after 4 days, lost after 10 days late).

The default shipment left on Tuesday 3 March 2026 by standard delivery, promised for Tuesday 10 March.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from bot.orders.model import Disruption, Order, OrderStatus, Shipment, TrackingCode
from bot.orders.rules import shipping
from bot.orders.rules.clauses import Clause
from bot.orders.rules.shipping import DelayKind, add_business_days
from bot.policy import load_policy
from tests.unit.factories import (
    make_address,
    make_disruption,
    make_event,
    make_line,
    make_order,
    make_shipment,
    utc,
)

POLICY = load_policy()


def in_transit(*events: tuple[TrackingCode, datetime], **overrides: object) -> Shipment:
    scans = tuple(make_event(code, at) for code, at in events) or (
        make_event(TrackingCode.PICKED_UP, utc(2026, 3, 3, 16)),
        make_event(TrackingCode.IN_TRANSIT, utc(2026, 3, 5, 9)),
    )
    return make_shipment(events=scans, **overrides)


def assess(
    shipment: Shipment,
    now: datetime,
    disruptions: tuple[Disruption, ...] = (),
    order: Order | None = None,
) -> shipping.DelayAssessment:
    order = order or make_order(status=OrderStatus.SHIPPED, shipments=(shipment,))
    return shipping.assess_shipment(order, shipment, disruptions, POLICY, now)


# --- business days -------------------------------------------------------------------------------------


def test_one_business_day_after_friday_is_monday() -> None:
    assert add_business_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_five_business_days_after_tuesday_is_the_next_tuesday() -> None:
    assert add_business_days(date(2026, 3, 3), 5) == date(2026, 3, 10)


def test_business_days_from_a_weekend_start_on_monday() -> None:
    assert add_business_days(date(2026, 3, 7), 1) == date(2026, 3, 9)
    assert add_business_days(date(2026, 3, 7), 0) == date(2026, 3, 7)


def test_negative_business_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(date(2026, 3, 7), -1)


# --- each kind of delay --------------------------------------------------------------------------------


def test_parcel_moving_before_its_promised_date_is_on_time() -> None:
    result = assess(in_transit(), utc(2026, 3, 6))
    assert result.kind is DelayKind.ON_TIME
    assert result.clause == Clause.SHIPPING_ON_TIME
    assert result.new_estimate == date(2026, 3, 10)
    assert result.wait_until is None
    assert not result.needs_person
    assert result.reasons == ("latest carrier update: in transit at Leeds depot on 5 March 2026",)
    assert "should arrive by 10 March 2026" in result.next_step
    assert "https://track.example/RM123456789GB" in result.next_step


def test_parcel_on_its_promised_date_is_still_on_time() -> None:
    shipment = in_transit((TrackingCode.OUT_FOR_DELIVERY, utc(2026, 3, 10, 7)))
    assert assess(shipment, utc(2026, 3, 10, 23, 59)).kind is DelayKind.ON_TIME


def test_promised_date_is_worked_out_from_the_method_when_missing() -> None:
    result = assess(in_transit(promised_date=None, service_level="express"), utc(2026, 3, 4))
    assert result.promised_date == date(2026, 3, 5)


def test_parcel_past_its_promised_date_is_late() -> None:
    shipment = in_transit((TrackingCode.IN_TRANSIT, utc(2026, 3, 9)))
    result = assess(shipment, utc(2026, 3, 11))
    assert result.kind is DelayKind.LATE
    assert result.clause == Clause.SHIPPING_LATE
    assert result.wait_until == date(2026, 3, 20)
    assert not result.needs_person
    assert result.reasons[0] == "it was promised for 10 March 2026 and has not arrived yet"
    assert result.next_step == (
        "Please wait until 20 March 2026; if it has not arrived by then we will reship or refund it, "
        "whichever you prefer."
    )


def test_late_parcel_keeps_a_later_carrier_estimate() -> None:
    shipment = in_transit((TrackingCode.IN_TRANSIT, utc(2026, 3, 9)), estimated_date=date(2026, 3, 13))
    assert assess(shipment, utc(2026, 3, 11)).new_estimate == date(2026, 3, 13)


def test_parcel_10_days_late_is_not_lost_yet() -> None:
    shipment = in_transit((TrackingCode.IN_TRANSIT, utc(2026, 3, 18)))
    assert assess(shipment, utc(2026, 3, 20)).kind is DelayKind.LATE


def test_parcel_11_days_late_is_treated_as_lost() -> None:
    shipment = in_transit((TrackingCode.IN_TRANSIT, utc(2026, 3, 18)))
    result = assess(shipment, utc(2026, 3, 21))
    assert result.kind is DelayKind.LOST
    assert result.clause == Clause.SHIPPING_LOST
    assert result.needs_person
    assert "11 days past the promised date of 10 March 2026" in result.reasons[0]
    assert "after 10 days late" in result.reasons[0]
    assert "reship it or refund it" in result.next_step


def test_parcel_the_carrier_reports_lost_is_lost_at_once() -> None:
    shipment = in_transit((TrackingCode.IN_TRANSIT, utc(2026, 3, 4)), (TrackingCode.LOST, utc(2026, 3, 5)))
    result = assess(shipment, utc(2026, 3, 6))
    assert result.kind is DelayKind.LOST
    assert result.needs_person


def test_without_reship_or_refund_a_lost_parcel_goes_to_a_person() -> None:
    shipment = in_transit((TrackingCode.LOST, utc(2026, 3, 5)))
    order = make_order(status=OrderStatus.SHIPPED, shipments=(shipment,))
    policy = replace(POLICY, reship_or_refund=False)
    result = shipping.assess_shipment(order, shipment, (), policy, utc(2026, 3, 6))
    assert "reship" not in result.next_step
    assert result.needs_person


def test_parcel_returned_to_sender_needs_a_person() -> None:
    shipment = in_transit((TrackingCode.RETURNED_TO_SENDER, utc(2026, 3, 6)))
    result = assess(shipment, utc(2026, 3, 7))
    assert result.kind is DelayKind.RETURNED_TO_SENDER
    assert result.clause == Clause.SHIPPING_EXCEPTION
    assert result.needs_person


def test_weather_exception_asks_the_shopper_to_wait() -> None:
    shipment = make_shipment(
        events=(
            make_event(TrackingCode.IN_TRANSIT, utc(2026, 3, 4)),
            make_event(TrackingCode.EXCEPTION_WEATHER, utc(2026, 3, 5, 8), "Leeds", "Severe weather"),
        )
    )
    result = assess(shipment, utc(2026, 3, 6))
    assert result.kind is DelayKind.EXCEPTION
    assert result.clause == Clause.SHIPPING_EXCEPTION
    assert not result.needs_person
    assert result.reasons == (
        'latest carrier update: delayed by weather at Leeds on 5 March 2026 ("Severe weather")',
    )
    assert result.wait_until == date(2026, 3, 20)


@pytest.mark.parametrize("code", [TrackingCode.EXCEPTION_ADDRESS, TrackingCode.EXCEPTION_DAMAGED])
def test_address_or_damage_exception_needs_a_person(code: TrackingCode) -> None:
    result = assess(in_transit((code, utc(2026, 3, 5))), utc(2026, 3, 6))
    assert result.kind is DelayKind.EXCEPTION
    assert result.needs_person
    assert result.wait_until is None


def test_recent_customs_hold_asks_the_shopper_to_wait_and_names_who_pays_duties() -> None:
    result = assess(in_transit((TrackingCode.CUSTOMS_HOLD, utc(2026, 3, 5))), utc(2026, 3, 8))
    assert result.kind is DelayKind.EXCEPTION
    assert not result.needs_person
    assert "paid by the customer" in result.next_step


def test_customs_hold_without_movement_for_the_stalled_threshold_needs_a_person() -> None:
    result = assess(in_transit((TrackingCode.CUSTOMS_HOLD, utc(2026, 3, 5))), utc(2026, 3, 9))
    assert result.needs_person
    assert "held at customs for 4 days" in result.next_step


def test_parcel_without_a_scan_for_4_days_is_stalled() -> None:
    shipment = in_transit((TrackingCode.IN_TRANSIT, utc(2026, 3, 4, 23, 30)))  # 4 March in London (GMT)
    result = assess(shipment, utc(2026, 3, 8, 0, 5))
    assert result.kind is DelayKind.STALLED
    assert result.clause == Clause.SHIPPING_STALLED
    assert result.reasons[0] == "there has been no carrier update for 4 days"
    assert result.wait_until == date(2026, 3, 20)


def test_parcel_without_a_scan_for_3_days_is_not_stalled() -> None:
    shipment = in_transit((TrackingCode.IN_TRANSIT, utc(2026, 3, 4, 23, 30)))
    assert assess(shipment, utc(2026, 3, 7, 23, 55)).kind is DelayKind.ON_TIME


def test_dispatched_parcel_with_no_scan_at_all_stalls_from_dispatch() -> None:
    assert assess(make_shipment(), utc(2026, 3, 7)).kind is DelayKind.STALLED


def test_delivered_parcel_is_delivered_whatever_else_happened() -> None:
    shipment = in_transit(
        (TrackingCode.EXCEPTION_WEATHER, utc(2026, 3, 5)),
        (TrackingCode.DELIVERED, utc(2026, 3, 25, 23, 30)),
    )
    result = assess(shipment, utc(2026, 4, 20))
    assert result.kind is DelayKind.DELIVERED
    assert result.clause == Clause.SHIPPING_DELIVERED
    assert result.reasons[0] == "the carrier recorded it as delivered on 25 March 2026"
    assert not result.needs_person


def test_delivered_at_without_a_scan_still_counts_as_delivered() -> None:
    result = assess(make_shipment(delivered_at=utc(2026, 3, 9)), utc(2026, 3, 10))
    assert result.kind is DelayKind.DELIVERED


def test_shipment_with_only_a_label_is_not_shipped() -> None:
    shipment = make_shipment(
        shipped_at=None,
        promised_date=None,
        events=(make_event(TrackingCode.LABEL_CREATED, utc(2026, 3, 2, 15)),),
    )
    result = assess(shipment, utc(2026, 3, 3, 9))
    assert result.kind is DelayKind.NOT_SHIPPED
    assert result.clause == Clause.SHIPPING_NOT_SHIPPED
    assert result.shipment is shipment


# --- disruptions ---------------------------------------------------------------------------------------


def test_active_disruption_for_the_carrier_and_postcode_moves_the_estimate() -> None:
    disruption = make_disruption()
    result = assess(in_transit(), utc(2026, 3, 6), (disruption,))
    assert result.kind is DelayKind.DISRUPTED
    assert result.clause == Clause.SHIPPING_DISRUPTION
    assert result.disruption == disruption
    assert result.new_estimate == date(2026, 3, 13)
    assert result.wait_until == date(2026, 3, 23)
    assert disruption.explanation in result.reasons
    assert not result.needs_person


def test_disruption_for_another_postcode_area_is_ignored() -> None:
    result = assess(in_transit(), utc(2026, 3, 6), (make_disruption(postcode_prefixes=("M", "BD")),))
    assert result.kind is DelayKind.ON_TIME
    assert result.disruption is None


def test_disruption_matches_postcode_prefix_regardless_of_spacing_and_case() -> None:
    order = make_order(status=OrderStatus.SHIPPED, shipping_address=make_address(postcode="ls14ap"))
    shipment = in_transit()
    disruption = make_disruption(postcode_prefixes=("LS1 ",))
    assert assess(shipment, utc(2026, 3, 6), (disruption,), order).kind is DelayKind.DISRUPTED


def test_disruption_for_another_carrier_is_ignored() -> None:
    result = assess(in_transit(), utc(2026, 3, 6), (make_disruption(carrier="DPD"),))
    assert result.kind is DelayKind.ON_TIME


def test_disruption_for_every_carrier_applies() -> None:
    result = assess(in_transit(), utc(2026, 3, 6), (make_disruption(carrier=None),))
    assert result.kind is DelayKind.DISRUPTED


def test_ended_disruption_is_ignored() -> None:
    result = assess(in_transit(), utc(2026, 3, 6), (make_disruption(ends_at=utc(2026, 3, 6, 0)),))
    assert result.kind is DelayKind.ON_TIME


def test_disruption_that_has_not_started_is_ignored() -> None:
    result = assess(in_transit(), utc(2026, 3, 6), (make_disruption(starts_at=utc(2026, 3, 7)),))
    assert result.kind is DelayKind.ON_TIME


def test_the_largest_of_several_disruptions_applies() -> None:
    notices = (make_disruption(id=1, extra_days=2), make_disruption(id=2, extra_days=5))
    result = assess(in_transit(), utc(2026, 3, 6), notices)
    assert result.disruption is not None and result.disruption.id == 2
    assert result.new_estimate == date(2026, 3, 15)


def test_disrupted_parcel_is_not_called_lost_before_its_wait_until_date() -> None:
    shipment = in_transit((TrackingCode.IN_TRANSIT, utc(2026, 3, 21)))
    assert assess(shipment, utc(2026, 3, 23), (make_disruption(),)).kind is DelayKind.DISRUPTED
    lost = assess(shipment, utc(2026, 3, 24), (make_disruption(),))
    assert lost.kind is DelayKind.LOST
    assert "allowing 3 extra days for Snow in Yorkshire" in lost.reasons[0]


def test_exception_outranks_a_disruption_but_keeps_it_as_a_reason() -> None:
    shipment = in_transit((TrackingCode.EXCEPTION_WEATHER, utc(2026, 3, 5)))
    disruption = make_disruption()
    result = assess(shipment, utc(2026, 3, 6), (disruption,))
    assert result.kind is DelayKind.EXCEPTION
    assert result.disruption == disruption
    assert disruption.explanation in result.reasons
    assert result.wait_until == date(2026, 3, 23)


# --- whole orders --------------------------------------------------------------------------------------


def test_unshipped_order_paid_on_monday_should_arrive_the_tuesday_after() -> None:
    results = shipping.assess_order(make_order(), (), POLICY, utc(2026, 3, 2, 15))
    assert len(results) == 1
    (result,) = results
    assert result.kind is DelayKind.NOT_SHIPPED
    assert result.shipment is None
    assert result.promised_date == date(2026, 3, 10)
    assert result.new_estimate == date(2026, 3, 10)
    assert "leave our warehouse by 3 March 2026" in result.reasons[0]
    assert "Standard delivery takes up to 5 business days" in result.reasons[1]


def test_unshipped_order_paid_on_friday_ships_on_monday() -> None:
    order = make_order(placed_at=utc(2026, 3, 6, 10), paid_at=utc(2026, 3, 6, 10))
    (result,) = shipping.assess_order(order, (), POLICY, utc(2026, 3, 7))
    assert result.promised_date == date(2026, 3, 16)


def test_unshipped_international_order_uses_the_international_method() -> None:
    order = make_order(shipping_address=make_address(country="FR", postcode="75001"))
    (result,) = shipping.assess_order(order, (), POLICY, utc(2026, 3, 2, 15))
    assert result.promised_date == add_business_days(date(2026, 3, 3), 14)


def test_unpaid_order_waits_for_payment() -> None:
    order = make_order(status=OrderStatus.PENDING, paid_at=None)
    (result,) = shipping.assess_order(order, (), POLICY, utc(2026, 3, 2, 15))
    assert result.kind is DelayKind.NOT_SHIPPED
    assert "payment" in result.reasons[0]


def test_order_overdue_for_dispatch_says_so() -> None:
    (result,) = shipping.assess_order(make_order(), (), POLICY, utc(2026, 3, 5))
    assert "was due to leave our warehouse by 3 March 2026" in result.reasons[0]
    assert result.new_estimate == date(2026, 3, 12)


def test_partly_shipped_order_has_one_entry_per_shipment_and_one_for_the_rest() -> None:
    order = make_order(
        status=OrderStatus.PARTIALLY_SHIPPED,
        lines=(make_line(id=1), make_line(id=2, sku="MUG", category="home")),
        shipments=(in_transit(line_ids=(1,)),),
    )
    results = shipping.assess_order(order, (), POLICY, utc(2026, 3, 6))
    assert [r.kind for r in results] == [DelayKind.ON_TIME, DelayKind.NOT_SHIPPED]


def test_fully_shipped_order_has_no_not_shipped_entry() -> None:
    order = make_order(status=OrderStatus.SHIPPED, shipments=(in_transit(line_ids=()),))
    assert [r.kind for r in shipping.assess_order(order, (), POLICY, utc(2026, 3, 6))] == [DelayKind.ON_TIME]


def test_cancelled_order_has_nothing_on_the_way() -> None:
    assert shipping.assess_order(make_order(status=OrderStatus.CANCELLED), (), POLICY, utc(2026, 3, 6)) == []


def test_every_delay_kind_is_covered_by_a_clause() -> None:
    assert {k.value for k in DelayKind} == {
        "not_shipped",
        "on_time",
        "late",
        "stalled",
        "exception",
        "lost",
        "disrupted",
        "delivered",
        "returned_to_sender",
    }
