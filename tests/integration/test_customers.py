"""``shopdesk customers export|erase EMAIL`` on SQLite and PostgreSQL: every store, and nobody else's data."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import system_clock
from bot.desk.conversations.model import Author, Channel
from bot.desk.conversations.store import ConversationStore
from bot.desk.escalations.model import NewEscalation
from bot.desk.escalations.store import EscalationBook
from bot.desk.handoff import Priority, Trigger
from bot.desk.notices.model import Notice, NoticeChannel, NoticeReason, NoticeStatus, Route
from bot.desk.notices.store import NoticeBook
from bot.desk.notices.tables import DelayNoticeRow, NoticeContactRow, NoticeOptOutRow
from bot.language.order_numbers import OrderNumbers
from bot.ops import customers
from bot.ops.demo_data import DEMO_NOW, SHOWCASE, generate
from bot.ops.order_io import import_data
from bot.orders.repository import OrderRepository
from bot.orders.rules.lockout import Subject, subject_key
from bot.orders.tables import CustomerRow, OrderLineRow, OrderRow, VerificationFailureRow
from tests.integration.test_retention import rasa_tracker_store

SECRET = b"test-secret"
JO = next(case for case in SHOWCASE if case.kind == "delivered_5_days_ago")
OTHER = next(case for case in SHOWCASE if case.kind == "processing")


def seeded(sessions: sessionmaker[Session], tmp_path: Path) -> tuple[str, str, str]:
    """The demo shop, a conversation for JO (escalated about their order), one quoting their email only,
    and one for somebody else; Rasa trackers for all three. Returns (escalated, quoting, other) ids."""
    with sessions.begin() as session:
        import_data(
            session, json.loads(json.dumps(generate(seed=7, now=DEMO_NOW).as_import())), OrderNumbers.demo()
        )
        session.add(
            VerificationFailureRow(
                subject="contact", subject_key=subject_key(SECRET, Subject.CONTACT, JO.email), at=DEMO_NOW
            )
        )
    store = ConversationStore(sessions, system_clock)
    escalated, quoting, other = (store.create(Channel.WEB).conversation.id for _ in range(3))
    store.add_message(escalated, Author.SHOPPER, f"where is {JO.number}?")
    EscalationBook(sessions, system_clock).open(
        escalated,
        NewEscalation(Trigger.ASKED, None, Priority.NORMAL, "asked", JO.number, None, [], [], []),
    )
    store.add_message(quoting, Author.SHOPPER, f"it's {JO.email.upper()}")
    store.add_message(other, Author.SHOPPER, f"where is {OTHER.number}?")
    rasa_tracker_store(tmp_path / "tracker.db", {escalated: DEMO_NOW, quoting: DEMO_NOW, other: DEMO_NOW})
    return escalated, quoting, other


def test_export_gathers_the_customer_from_every_store(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    escalated, quoting, _ = seeded(session_factory, tmp_path)
    data = customers.export_customer(
        session_factory, f"sqlite:///{tmp_path / 'tracker.db'}", JO.email, SECRET
    )

    assert data["customer"]["postcode"] == JO.postcode
    assert JO.number in [o["number"] for o in data["orders"]]
    assert {c["id"] for c in data["conversations"]} == {escalated, quoting}
    assert {e["sender_id"] for e in data["assistant_trackers"]} == {escalated, quoting}
    assert data["failed_verifications"] == 1
    json.dumps(data)  # JSON-ready


def test_erase_removes_the_customer_everywhere_and_leaves_others_alone(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    *_, other = seeded(session_factory, tmp_path)
    with session_factory() as session:
        lines_before = session.scalar(select(func.count()).select_from(OrderLineRow)) or 0

    erased = customers.erase_customer(
        session_factory, f"sqlite:///{tmp_path / 'tracker.db'}", JO.email, SECRET
    )

    assert erased.customer and erased.orders >= 1 and erased.conversations == 2
    assert erased.tracker_conversations == 2 and erased.verification_failures == 1
    with session_factory() as session:
        assert session.scalar(select(CustomerRow).where(CustomerRow.email == JO.email)) is None
        assert session.scalar(select(OrderRow).where(OrderRow.number == JO.number)) is None
        assert session.scalar(select(OrderRow).where(OrderRow.number == OTHER.number)) is not None
        assert (session.scalar(select(func.count()).select_from(OrderLineRow)) or 0) < lines_before
    remaining = ConversationStore(session_factory, system_clock).by_status()
    assert [c.id for c in remaining] == [other]
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert {row[0] for row in db.execute("SELECT sender_id FROM events")} == {other}
    again = customers.export_customer(
        session_factory, f"sqlite:///{tmp_path / 'tracker.db'}", JO.email, SECRET
    )
    assert again["customer"] is None and again["orders"] == [] and again["conversations"] == []


def test_the_cli_exports_and_erases(
    sqlite_url: str, sqlite_session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    seeded(sqlite_session_factory, tmp_path)
    env = {
        "SHOPDESK_DATABASE_URL": sqlite_url,
        "SHOPDESK_RASA_TRACKER_DB": str(tmp_path / "tracker.db"),
        "SHOPDESK_SECRET_KEY": SECRET.decode(),
        "PATH": "/usr/bin",
    }
    root = Path(__file__).resolve().parents[2]
    cli = [sys.executable, "-m", "bot.ops.cli", "customers"]
    exported = subprocess.run([*cli, "export", JO.email], env=env, capture_output=True, text=True, cwd=root)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["email"] == JO.email
    erased = subprocess.run(
        [*cli, "erase", JO.email, "--yes"], env=env, capture_output=True, text=True, cwd=root
    )
    assert erased.returncode == 0, erased.stderr
    assert "2 conversations" in erased.stdout


def test_the_delay_notices_and_the_chats_they_learnt_about_are_exported_and_erased(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    *_, other = seeded(session_factory, tmp_path)
    store = ConversationStore(session_factory, system_clock)
    chat = store.create(Channel.TELEGRAM, "4242").conversation.id  # JO verified here; no email quoted
    book = NoticeBook(session_factory, system_clock)
    assert book.record_contact(
        JO.number, proves_customer=True, channel=NoticeChannel.TELEGRAM, address="4242"
    )
    with session_factory() as session:
        order = OrderRepository(session).get_order(JO.number)
    assert order is not None
    notice = Notice(order.id, order.number, order.customer.id, NoticeReason.LATE, None, None, (), "Wait.")
    book.record(notice, Route(NoticeChannel.TELEGRAM, "4242"), NoticeStatus.PENDING, "It is late.")
    book.opt_out(order.customer.id, NoticeChannel.TELEGRAM)
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"

    data = customers.export_customer(session_factory, tracker, JO.email, SECRET)
    assert chat in {c["id"] for c in data["conversations"]}
    assert [(n["reason"], n["channel"], n["status"]) for n in data["delay_notices"]] == [
        ("late", "telegram", "opted_out")
    ]
    assert [o["channel"] for o in data["delay_notice_opt_outs"]] == ["telegram"]

    customers.erase_customer(session_factory, tracker, JO.email, SECRET)
    assert [c.id for c in store.by_status()] == [other]
    with session_factory() as session:
        for table in (DelayNoticeRow, NoticeContactRow, NoticeOptOutRow):
            assert session.scalar(select(func.count()).select_from(table)) == 0
