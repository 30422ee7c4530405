from dataclasses import replace
from datetime import date

from bot.orders import replies
from bot.orders.model import Shipment
from bot.orders.rules.shipping import DelayAssessment, DelayKind
from bot.policy import load_policy
from tests.unit.factories import make_order, make_shipment

POLICY = load_policy()


def test_a_delay_is_explained_in_sentences_with_its_estimate_next_step_and_source() -> None:
    shipment = make_shipment()
    order = make_order(shipments=(shipment,))
    assessment = DelayAssessment(
        shipment=shipment,
        kind=DelayKind.LATE,
        reasons=("it was promised for 10 March 2026 and has not arrived yet",),
        promised_date=date(2026, 3, 10),
        new_estimate=date(2026, 3, 12),
        wait_until=date(2026, 3, 20),
        next_step="Please wait until 20 March 2026.",
        needs_person=False,
        disruption=None,
        clause="shipping.late",
    )
    reply = replies.delivery_explanation(order, [assessment], POLICY, lambda clause: f"Policy for {clause}")
    assert reply.text == (
        f"Your order {order.number} is running late. It was promised for 10 March 2026 and has not arrived "
        "yet. Current estimate: 12 March 2026. Please wait until 20 March 2026. (Policy for shipping.late)"
    )
    assert not reply.needs_person


def test_order_status_names_every_parcel_of_a_split_order() -> None:
    first = make_shipment(id=1, line_ids=(1,), tracking_number="AAA1")
    second = make_shipment(id=2, line_ids=(2,), tracking_number="BBB2")
    order = make_order(shipments=(first, second))
    deliveries = [
        DelayAssessment(
            s, DelayKind.ON_TIME, (), s.promised_date, s.promised_date, None, "", False, None, "x"
        )
        for s in (first, second)
    ]
    text = replies.order_status(order, deliveries, POLICY).text
    assert "Parcel 1 of 2" in text and "Parcel 2 of 2" in text
    assert "AAA1" in text and "BBB2" in text


def _on_time(shipment: Shipment) -> DelayAssessment:
    return DelayAssessment(
        shipment,
        DelayKind.ON_TIME,
        (),
        shipment.promised_date,
        shipment.promised_date,
        None,
        "",
        False,
        None,
        "x",
    )


def test_a_parcel_without_a_tracking_link_reads_as_a_sentence() -> None:
    parcel = make_shipment(carrier="UPS", tracking_number="1Z999AA10123456784", tracking_url="")
    line = replies.shipment_line(_on_time(parcel), POLICY)
    assert line.startswith("UPS (standard), tracking number 1Z999AA10123456784. ")
    assert ":  " not in line and ": " not in line.split(". ")[0]


def test_a_configured_carrier_gets_its_public_tracking_page() -> None:
    policy = replace(POLICY, carrier_tracking_urls={"ups": "https://www.ups.com/track?tracknum={number}"})
    parcel = make_shipment(carrier="UPS", tracking_number="1Z999AA10123456784", tracking_url="")
    line = replies.shipment_line(_on_time(parcel), policy)
    assert "tracking number 1Z999AA10123456784: https://www.ups.com/track?tracknum=1Z999AA10123456784" in line


def test_a_us_shop_words_its_dates_the_american_way() -> None:
    policy = replace(POLICY, locale="en_US")
    line = replies.shipment_line(_on_time(make_shipment()), policy)
    assert "Shipped on March 3, 2026." in line and "Promised by March 10, 2026." in line
