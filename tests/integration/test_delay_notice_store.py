"""Delay notices in the database (SQLite and PostgreSQL): one pass of detection over the demo shop records
each due notice once, however many passes, processes or replicas run; claims never hand a notice to two
senders; an opt-out stops what is pending and what comes next."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, fixed_clock
from bot.db import make_engine, make_session_factory
from bot.desk.conversations.model import Channel, Status
from bot.desk.conversations.store import ConversationStore
from bot.desk.notices.detection import detect
from bot.desk.notices.model import NoticeChannel, NoticeStatus
from bot.desk.notices.rules import notices_due
from bot.desk.notices.store import NoticeBook
from bot.ops import retention
from bot.ops.demo_data import DEMO_NOW, load_demo
from bot.orders.model import Disruption
from bot.orders.repository import OrderRepository
from bot.policy import load_policy

POLICY = load_policy()
CLOCK = fixed_clock(DEMO_NOW)
CHAT = "424242"


@pytest.fixture
def seeded(database_url: str) -> Iterator[tuple[str, sessionmaker[Session]]]:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        load_demo(session, seed=7, now=DEMO_NOW)
    try:
        yield database_url, factory
    finally:
        engine.dispose()


def run_pass(sessions: sessionmaker[Session], clock: Clock = CLOCK, *, email: bool = False) -> int:
    return detect(sessions, NoticeBook(sessions, clock), POLICY, clock, email_enabled=email).recorded


def by_order(book: NoticeBook) -> dict[str, list[tuple[str, str | None, str]]]:
    found: dict[str, list[tuple[str, str | None, str]]] = {}
    for number, reason, channel, status in book.statuses():
        found.setdefault(number, []).append((reason, channel, status))
    return found


def test_a_pass_records_the_demo_shops_delays_and_a_second_pass_records_nothing(
    seeded: tuple[str, sessionmaker[Session]],
) -> None:
    _, sessions = seeded
    assert run_pass(sessions) > 0
    book = NoticeBook(sessions, CLOCK)
    notices = by_order(book)
    assert notices["SD-10002"] == [("late", None, "unreachable")]  # never chatted, no email configured
    assert notices["SD-10022"] == [("disruption", None, "unreachable")]  # the Highlands storm
    assert "SD-10001" not in notices  # on time
    assert run_pass(sessions) == 0
    assert by_order(book) == notices


def test_a_restarted_process_neither_repeats_nor_skips_a_notice(
    seeded: tuple[str, sessionmaker[Session]],
) -> None:
    url, sessions = seeded
    NoticeBook(sessions, CLOCK).record_contact(
        "SD-10002", proves_customer=True, channel=NoticeChannel.TELEGRAM, address=CHAT
    )
    run_pass(sessions)
    # a sender claims the notice, then its process dies before it could say how sending went
    (claimed,) = NoticeBook(sessions, CLOCK).claim(NoticeChannel.TELEGRAM)
    assert claimed.order_number == "SD-10002" and claimed.address == CHAT
    assert "running late" in claimed.text

    fresh_engine = make_engine(url)  # a new process: nothing in memory from the first one
    try:
        fresh = make_session_factory(fresh_engine)
        assert run_pass(fresh) == 0  # not recorded again
        assert NoticeBook(fresh, CLOCK).claim(NoticeChannel.TELEGRAM) == []  # not handed out twice meanwhile
        later = fixed_clock(DEMO_NOW + timedelta(minutes=11))
        (again,) = NoticeBook(fresh, later).claim(NoticeChannel.TELEGRAM)  # nor forgotten
        assert again.id == claimed.id
        NoticeBook(fresh, later).mark_sent(again.id)
        assert NoticeBook(fresh, later).claim(NoticeChannel.TELEGRAM) == []
        assert run_pass(fresh, later) == 0
        assert by_order(NoticeBook(fresh, later))["SD-10002"] == [("late", "telegram", "sent")]
    finally:
        fresh_engine.dispose()


def test_two_senders_never_claim_the_same_notice(seeded: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = seeded
    book = NoticeBook(sessions, CLOCK)
    for number in ("SD-10002", "SD-10022"):
        book.record_contact(number, proves_customer=True, channel=NoticeChannel.TELEGRAM, address=CHAT)
    run_pass(sessions)
    first = book.claim(NoticeChannel.TELEGRAM, limit=1)
    second = book.claim(NoticeChannel.TELEGRAM, limit=5)
    assert len(first) == 1 and first[0].id not in {n.id for n in second}
    assert book.claim(NoticeChannel.TELEGRAM) == []


def test_a_notice_goes_to_the_latest_chat_and_else_to_email_when_the_shop_sends_email(
    seeded: tuple[str, sessionmaker[Session]],
) -> None:
    _, sessions = seeded
    NoticeBook(sessions, CLOCK).record_contact(
        "SD-10002", proves_customer=False, channel=NoticeChannel.TELEGRAM, address=CHAT
    )
    NoticeBook(sessions, fixed_clock(DEMO_NOW + timedelta(seconds=1))).record_contact(
        "SD-10002", proves_customer=False, channel=NoticeChannel.TELEGRAM, address="777"
    )
    run_pass(sessions, email=True)
    book = NoticeBook(sessions, CLOCK)
    (telegram,) = book.claim(NoticeChannel.TELEGRAM)
    assert (telegram.order_number, telegram.address) == ("SD-10002", "777")
    emails = {n.order_number: n.address for n in book.claim(NoticeChannel.EMAIL, limit=100)}
    assert emails["SD-10022"] == "ava.macdonald@example.com"
    assert "SD-10002" not in emails


def test_opting_out_drops_pending_notices_and_future_ones_on_that_channel(
    seeded: tuple[str, sessionmaker[Session]],
) -> None:
    _, sessions = seeded
    book = NoticeBook(sessions, CLOCK)
    book.record_contact("SD-10002", proves_customer=True, channel=NoticeChannel.TELEGRAM, address=CHAT)
    run_pass(sessions)
    with sessions() as session:
        customer_id = OrderRepository(session).get_order("SD-10002").customer.id  # type: ignore[union-attr]
    book.opt_out(customer_id, NoticeChannel.TELEGRAM)
    book.opt_out(customer_id, NoticeChannel.TELEGRAM)  # twice is harmless
    assert book.claim(NoticeChannel.TELEGRAM) == []
    assert by_order(book)["SD-10002"] == [("late", "telegram", "opted_out")]
    # a disruption gives the same order a new estimate: news, but the shopper said stop
    with sessions.begin() as session:
        order = OrderRepository(session).get_order("SD-10002")
        assert order is not None
        OrderRepository(session).add_disruption(
            Disruption(
                id=0,
                title="Depot closure",
                carrier=order.shipments[0].carrier,
                countries=(order.shipping_address.country,),
                postcode_prefixes=(),
                starts_at=DEMO_NOW - timedelta(hours=1),
                ends_at=None,
                extra_days=5,
                explanation="A depot closure is holding parcels for a few days.",
            )
        )
    run_pass(sessions)
    assert ("disruption", "telegram", "opted_out") in by_order(book)["SD-10002"]


def test_the_chat_that_received_a_notice_names_its_customer(
    seeded: tuple[str, sessionmaker[Session]],
) -> None:
    _, sessions = seeded
    book = NoticeBook(sessions, CLOCK)
    book.record_contact("SD-10002", proves_customer=True, channel=NoticeChannel.TELEGRAM, address=CHAT)
    run_pass(sessions)
    assert book.notified_customer(NoticeChannel.TELEGRAM, CHAT) is None  # nothing sent yet
    (notice,) = book.claim(NoticeChannel.TELEGRAM)
    book.mark_sent(notice.id)
    assert book.notified_customer(NoticeChannel.TELEGRAM, CHAT) == notice.customer_id
    assert book.notified_customer(NoticeChannel.TELEGRAM, "999") is None
    assert book.opt_out_of_notice(notice.id) is True
    assert book.opt_out_of_notice(10**9) is False
    assert book.opted_out([notice.customer_id]) == {notice.customer_id: {NoticeChannel.TELEGRAM}}
    assert NoticeStatus.SENT.value in {s for _, _, _, s in book.statuses()}


def test_the_retention_purge_deletes_old_notices_and_chats(seeded: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = seeded
    NoticeBook(sessions, CLOCK).record_contact(
        "SD-10002", proves_customer=True, channel=NoticeChannel.TELEGRAM, address=CHAT
    )
    run_pass(sessions)
    with sessions() as session:
        customer_id = OrderRepository(session).get_order("SD-10002").customer.id  # type: ignore[union-attr]
    assert NoticeBook(sessions, CLOCK).contacts([customer_id])
    assert retention.purge(sessions, None, DEMO_NOW + timedelta(days=10), keep_days=30).delay_notices == 0
    purged = retention.purge(sessions, None, DEMO_NOW + timedelta(days=31), keep_days=30)
    assert purged.delay_notices > 0
    assert NoticeBook(sessions, CLOCK).statuses() == []
    assert NoticeBook(sessions, CLOCK).contacts([customer_id]) == []


def test_a_web_notice_whose_chat_closed_before_it_was_opened_goes_by_email_instead(
    seeded: tuple[str, sessionmaker[Session]],
) -> None:
    _, sessions = seeded
    store = ConversationStore(sessions, CLOCK)
    chat = store.create(Channel.WEB).conversation.id
    NoticeBook(sessions, CLOCK).record_contact(
        "SD-10002", proves_customer=True, channel=NoticeChannel.WEB, address=chat
    )
    run_pass(sessions, email=True)
    assert ("late", "web", "pending") in by_order(NoticeBook(sessions, CLOCK))["SD-10002"]
    store.set_status(chat, Status.CLOSED)  # the shopper never came back to that chat

    run_pass(sessions, email=True)
    book = NoticeBook(sessions, CLOCK)
    assert by_order(book)["SD-10002"] == [("late", "email", "pending")]
    assert {n.order_number for n in book.claim(NoticeChannel.EMAIL, limit=100)} >= {"SD-10002"}
    assert run_pass(sessions) == 0  # without email: nothing left to reroute


def test_a_notice_recorded_by_another_replica_first_is_not_recorded_again(
    seeded: tuple[str, sessionmaker[Session]],
) -> None:
    _, sessions = seeded
    with sessions() as session:
        repo = OrderRepository(session)
        orders = repo.orders_on_the_way(0, 1000)
        disruptions = repo.active_disruptions(DEMO_NOW)
    due = notices_due(orders, disruptions, set(), POLICY, DEMO_NOW)  # both replicas saw the same
    first, second = NoticeBook(sessions, CLOCK), NoticeBook(sessions, CLOCK)
    assert all(first.record(n, None, NoticeStatus.UNREACHABLE, "x") is not None for n in due)
    assert all(second.record(n, None, NoticeStatus.UNREACHABLE, "x") is None for n in due)
    assert len(first.statuses()) == len(due)
