"""Which delay notices are due and where they go (bot/desk/notices/rules.py), against the real policy
file (stalled after 4 days without a scan, lost after 10 days late); no clock, no database."""

from __future__ import annotations

from datetime import date, timedelta

from bot.desk.notices import text
from bot.desk.notices.model import Contact, NoticeChannel, NoticeKey, NoticeReason, NoticeStatus, Route
from bot.desk.notices.rules import asks_to_stop, choose_route, notices_due
from bot.orders.model import OrderStatus, TrackingCode
from bot.policy import load_policy
from tests.unit.factories import make_disruption, make_event, make_order, make_shipment, utc

POLICY = load_policy()
SHIPPED = utc(2026, 3, 3, 15)  # the factory's dispatch; promised for 10 March


def shipped_order(number: str = "SD-10023", order_id: int = 1, **shipment: object):  # type: ignore[no-untyped-def]
    events = shipment.pop("events", (make_event(TrackingCode.IN_TRANSIT, utc(2026, 3, 9, 8)),))
    return make_order(
        id=order_id,
        number=number,
        status=OrderStatus.SHIPPED,
        shipments=(make_shipment(events=events, **shipment),),
    )


def test_an_order_past_its_promised_date_is_due_a_late_notice_with_the_rules_facts() -> None:
    order = shipped_order(estimated_date=date(2026, 3, 13))
    (notice,) = notices_due([order], [], set(), POLICY, utc(2026, 3, 11))
    assert notice.reason is NoticeReason.LATE
    assert notice.order_number == "SD-10023"
    assert notice.new_estimate == date(2026, 3, 13)  # the carrier's estimate, from the order system
    assert notice.wait_until == date(2026, 3, 20)  # promised + 10 days
    assert any("promised for" in fact for fact in notice.facts)
    assert "20 March 2026" in notice.next_step


def test_an_order_on_time_needs_no_notice() -> None:
    assert notices_due([shipped_order()], [], set(), POLICY, utc(2026, 3, 9, 18)) == []


def test_a_notice_already_recorded_is_not_due_again() -> None:
    order = shipped_order(estimated_date=date(2026, 3, 13))
    first = notices_due([order], [], set(), POLICY, utc(2026, 3, 11))
    again = notices_due([order], [], {n.key for n in first}, POLICY, utc(2026, 3, 12))
    assert first and again == []


def test_a_new_estimate_for_the_same_delay_is_news() -> None:
    sent = {NoticeKey("SD-10023", NoticeReason.LATE, date(2026, 3, 13))}
    later = shipped_order(estimated_date=date(2026, 3, 16))
    (notice,) = notices_due([later], [], sent, POLICY, utc(2026, 3, 12))
    assert notice.new_estimate == date(2026, 3, 16)


def test_a_parcel_without_a_scan_for_four_days_is_stalled() -> None:
    order = shipped_order(events=(make_event(TrackingCode.IN_TRANSIT, utc(2026, 3, 4, 8)),))
    (notice,) = notices_due([order], [], set(), POLICY, utc(2026, 3, 8))
    assert notice.reason is NoticeReason.STALLED
    assert any("no carrier update for 4 days" in fact for fact in notice.facts)


def test_a_parcel_held_at_customs_is_due_a_customs_notice() -> None:
    held = make_event(TrackingCode.CUSTOMS_HOLD, utc(2026, 3, 6, 9), location="Dublin customs")
    (notice,) = notices_due([shipped_order(events=(held,))], [], set(), POLICY, utc(2026, 3, 7))
    assert notice.reason is NoticeReason.CUSTOMS
    assert "Import duties" in notice.next_step


def test_other_carrier_exceptions_are_not_delay_notices() -> None:
    damaged = make_event(TrackingCode.EXCEPTION_DAMAGED, utc(2026, 3, 6, 9))
    assert notices_due([shipped_order(events=(damaged,))], [], set(), POLICY, utc(2026, 3, 7)) == []


def test_a_disruption_covering_the_parcel_is_due_a_notice_with_its_explanation_and_new_date() -> None:
    snow = make_disruption(id=7, starts_at=utc(2026, 3, 8, 0))
    (notice,) = notices_due([shipped_order()], [snow], set(), POLICY, utc(2026, 3, 9, 18))
    assert notice.reason is NoticeReason.DISRUPTION
    assert notice.disruption_id == 7
    assert notice.new_estimate == date(2026, 3, 13)  # promised 10 March + 3 extra days
    assert snow.explanation in notice.facts


def test_a_disruption_elsewhere_changes_nothing() -> None:
    snow = make_disruption(postcode_prefixes=("AB",))
    assert notices_due([shipped_order()], [snow], set(), POLICY, utc(2026, 3, 9, 18)) == []


def test_delivered_cancelled_and_lost_orders_are_not_noticed() -> None:
    delivered = shipped_order(delivered_at=utc(2026, 3, 9, 10))
    lost = shipped_order(number="SD-10024", order_id=2)  # 11+ days past promised: lost, a person's job
    assert notices_due([delivered, lost], [], set(), POLICY, utc(2026, 3, 21)) == []


def test_several_orders_each_get_their_notice_in_number_order() -> None:
    b = shipped_order("SD-10030", 2)
    a = shipped_order("SD-10029", 1)
    due = notices_due([b, a], [], set(), POLICY, utc(2026, 3, 11))
    assert [n.order_number for n in due] == ["SD-10029", "SD-10030"]


# -- where it goes -------------------------------------------------------------------------------------


def contact(
    channel: NoticeChannel, address: str, days_ago: int, *, order_id: int | None = 1, customer: bool = True
) -> Contact:
    return Contact(channel, address, order_id, 1, customer, utc(2026, 3, 11) - timedelta(days=days_ago))


def test_the_notice_goes_to_the_chat_the_shopper_used_last() -> None:
    contacts = [contact(NoticeChannel.TELEGRAM, "4242", 5), contact(NoticeChannel.WEB, "conv-1", 1)]
    assert choose_route(1, 1, "alex@example.com", contacts, set(), True) == (
        Route(NoticeChannel.WEB, "conv-1"),
        NoticeStatus.PENDING,
    )


def test_a_postcode_verified_chat_hears_only_about_its_own_order() -> None:
    other_order = [contact(NoticeChannel.TELEGRAM, "4242", 1, order_id=9, customer=False)]
    assert choose_route(1, 1, "alex@example.com", other_order, set(), True) == (
        Route(NoticeChannel.EMAIL, "alex@example.com"),
        NoticeStatus.PENDING,
    )
    same_order = [contact(NoticeChannel.TELEGRAM, "4242", 1, order_id=1, customer=False)]
    assert choose_route(1, 1, "alex@example.com", same_order, set(), True)[0] == Route(
        NoticeChannel.TELEGRAM, "4242"
    )


def test_without_a_chat_or_email_sending_the_notice_is_unreachable() -> None:
    assert choose_route(1, 1, "alex@example.com", [], set(), False) == (None, NoticeStatus.UNREACHABLE)


def test_a_shopper_who_opted_out_of_the_channel_gets_nothing() -> None:
    contacts = [contact(NoticeChannel.TELEGRAM, "4242", 1)]
    _, status = choose_route(1, 1, "alex@example.com", contacts, {NoticeChannel.TELEGRAM}, True)
    assert status is NoticeStatus.OPTED_OUT


def test_stop_words_opt_out_and_other_words_do_not() -> None:
    assert all(asks_to_stop(t) for t in ("STOP", "stop notices", " Unsubscribe. ", "Stop!", "/stop"))
    assert not any(asks_to_stop(t) for t in ("stop my order", "where is my order", "don't stop"))


def test_the_notice_reads_reason_facts_estimate_next_step_and_how_to_stop() -> None:
    (notice,) = notices_due(
        [shipped_order(estimated_date=date(2026, 3, 13))], [], set(), POLICY, utc(2026, 3, 11)
    )
    words = text.chat_text(text.body(notice, POLICY.locale))
    assert words.startswith("An update on your order SD-10023, before you have to ask: it is running late.")
    assert "It was promised for 10 March 2026 and has not arrived yet." in words
    assert "Our new estimate: 13 March 2026." in words
    assert "Please wait until 20 March 2026" in words
    assert words.endswith("Reply STOP if you would rather not get these updates.")
