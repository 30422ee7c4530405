"""The analytics figures on a seeded week of conversations, read from SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.desk.analytics.export import to_csv
from bot.desk.analytics.figures import DateRange, NoticeFigures
from bot.desk.analytics.reader import build_report
from bot.desk.notices.model import NoticeStatus
from bot.desk.notices.tables import DelayNoticeRow, NoticeOptOutRow
from bot.ops.demo_data import DEMO_NOW, load_demo
from bot.orders.tables import OrderRow
from tests.analytics_seed import (
    EXPECTED_CONVERSATIONS,
    EXPECTED_INTENTS,
    EXPECTED_PER_DAY,
    EXPECTED_REASONS,
    EXPECTED_UNANSWERED,
    PERIOD,
    seed_week,
)


def test_the_seeded_week_gives_exact_figures(session_factory: sessionmaker[Session]) -> None:
    seed_week(session_factory)
    with session_factory() as session:
        report = build_report(session, PERIOD)

    assert report.conversations == EXPECTED_CONVERSATIONS
    assert len(report.per_day) == 7 * 2  # every day, web and telegram
    busy = {(d.day, d.channel): d.conversations for d in report.per_day if d.conversations}
    assert busy == EXPECTED_PER_DAY
    assert (report.contained.count, report.contained.total, report.contained.rate) == (3, 6, 0.5)
    assert (report.handed_off.count, report.handed_off.rate) == (3, 0.5)
    assert [(r.name, r.count) for r in report.handoff_reasons] == EXPECTED_REASONS
    assert [(r.name, r.count) for r in report.top_intents] == EXPECTED_INTENTS
    [question] = report.unanswered
    assert (question.text, question.count, question.last_asked) == EXPECTED_UNANSWERED
    reply = report.first_reply
    assert (reply.escalations, reply.replied) == (3, 2)
    assert (reply.median_seconds, reply.p90_seconds, reply.mean_seconds) == (690.0, 1200.0, 690.0)
    assert [(b.name, b.count) for b in reply.buckets] == [
        ("under 1 min", 0),
        ("1–5 min", 1),
        ("5–15 min", 0),
        ("15–60 min", 1),
        ("over 1 h", 0),
    ]
    assert report.satisfaction.responses == 3
    assert report.satisfaction.average == pytest.approx(11 / 3)
    assert (report.satisfaction.after_a_person, report.satisfaction.assistant_only) == (2, 1)
    assert [(s.name, s.count) for s in report.satisfaction.scores] == [
        ("1", 0),
        ("2", 1),
        ("3", 0),
        ("4", 1),
        ("5", 1),
    ]
    assert report.notices == NoticeFigures(sent=0, opted_out=0)  # no notices in the seeded week


def test_a_narrower_range_counts_only_the_conversations_started_in_it(
    session_factory: sessionmaker[Session],
) -> None:
    seed_week(session_factory)
    with session_factory() as session:
        report = build_report(session, DateRange(PERIOD.first.replace(day=3), PERIOD.first.replace(day=3)))
    assert report.conversations == 2
    assert [(r.name, r.count) for r in report.handoff_reasons] == [("frustration", 1), ("sensitive", 1)]
    assert report.contained.count == 0
    assert report.unanswered == []
    assert report.first_reply.replied == 1


def test_the_csv_export_holds_every_figure_of_the_seeded_week(session_factory: sessionmaker[Session]) -> None:
    seed_week(session_factory)
    with session_factory() as session:
        rows = list(csv.DictReader(io.StringIO(to_csv(build_report(session, PERIOD)))))
    by_figure = {(r["figure"], r["day"], r["channel"], r["name"]): r["value"] for r in rows}
    assert by_figure[("conversations", "", "", "")] == "6"
    assert by_figure[("conversations_per_day", "2026-10-01", "web", "")] == "2"
    assert by_figure[("conversations_per_day", "2026-10-04", "telegram", "")] == "0"
    assert by_figure[("containment_rate", "", "", "")] == "0.5"
    assert by_figure[("handoff_reason", "", "", "sensitive")] == "1"
    assert by_figure[("intent", "", "", "ask_policy")] == "2"
    assert by_figure[("unanswered_question", "2026-10-02", "", "do you ship to Mars?")] == "2"
    assert by_figure[("first_agent_reply_median_seconds", "", "", "")] == "690"
    assert by_figure[("satisfaction_average", "", "", "")] == "3.6667"
    assert by_figure[("satisfaction_responses_assistant_only", "", "", "")] == "1"
    assert by_figure[("notices_sent", "", "", "")] == "0"


def test_notices_count_those_sent_in_the_range_and_the_opt_outs_asked_in_it(
    session_factory: sessionmaker[Session],
) -> None:
    def at(day: int) -> datetime:
        return datetime(2026, 10, day, 12, tzinfo=UTC)

    with session_factory() as session:
        load_demo(session, seed=7, now=DEMO_NOW)
        session.commit()
        orders = session.scalars(select(OrderRow).order_by(OrderRow.id).limit(5)).all()
        # sent in range twice, sent the day after the range, still pending, failed: only the first two count
        cases = [(at(2), NoticeStatus.SENT), (at(7), NoticeStatus.SENT), (at(8), NoticeStatus.SENT)]
        cases += [(None, NoticeStatus.PENDING), (None, NoticeStatus.FAILED)]
        for order, (sent_at, status) in zip(orders, cases, strict=True):
            session.add(
                DelayNoticeRow(
                    order_id=order.id,
                    customer_id=order.customer_id,
                    reason="late",
                    estimate=date(2026, 10, 20),
                    estimate_key="2026-10-20",
                    channel="email",
                    address="someone@example.com",
                    text="Your parcel is late.",
                    status=status.value,
                    attempts=1,
                    created_at=at(1),
                    sent_at=sent_at,
                )
            )
        session.add(NoticeOptOutRow(customer_id=orders[0].customer_id, channel="email", created_at=at(3)))
        session.add(NoticeOptOutRow(customer_id=orders[1].customer_id, channel="web", created_at=at(9)))
        session.commit()
        report = build_report(session, PERIOD)
    assert report.notices == NoticeFigures(sent=2, opted_out=1)
