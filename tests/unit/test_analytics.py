"""The analytics figures as pure functions of hand-built records: no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.desk.analytics.export import rows
from bot.desk.analytics.figures import (
    ConversationRecord,
    DateRange,
    EscalationRecord,
    InvalidRange,
    MessageRecord,
    NoticeFigures,
    Records,
    first_reply_times,
    report,
    satisfaction,
    top_intents,
    unanswered_questions,
)

DAY = DateRange(date(2026, 10, 1), date(2026, 10, 1))


def at(hour: int, minute: int = 0, second: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 10, day, hour, minute, second, tzinfo=UTC)


def shopper(conversation: int, text: str, when: datetime, intent: str | None = None) -> MessageRecord:
    return MessageRecord(conversation, "shopper", when, text, intent=intent)


def test_a_range_is_whole_utc_days_with_both_ends_included() -> None:
    week = DateRange(date(2026, 10, 1), date(2026, 10, 7))
    assert week.days == 7
    assert week.contains(at(0, 0)) and week.contains(at(23, 59, 59, day=7))
    assert not week.contains(at(0, 0, day=8))
    assert DateRange.ending(date(2026, 10, 30), 30).first == date(2026, 10, 1)


def test_a_backwards_or_overlong_range_is_refused() -> None:
    with pytest.raises(InvalidRange):
        DateRange(date(2026, 10, 2), date(2026, 10, 1))
    with pytest.raises(InvalidRange):
        DateRange(date(2025, 1, 1), date(2026, 1, 2))


def test_a_conversation_nobody_wrote_in_does_not_count() -> None:
    records = Records(
        [ConversationRecord(1, "web", at(9)), ConversationRecord(2, "web", at(10))],
        [shopper(1, "hi", at(9))],
        [],
    )
    result = report(records, DAY)
    assert result.conversations == 1
    assert [(d.channel, d.conversations) for d in result.per_day] == [("telegram", 0), ("web", 1)]
    assert result.contained.rate == 1.0 and result.handed_off.rate == 0.0


def test_with_no_conversations_the_rates_are_unknown_rather_than_zero() -> None:
    result = report(Records([], [], []), DAY)
    assert result.contained.rate is None and result.handed_off.rate is None
    assert result.first_reply.median_seconds is None and result.satisfaction.average is None


def test_a_conversation_escalated_twice_is_handed_off_once_with_both_reasons() -> None:
    records = Records(
        [ConversationRecord(1, "web", at(9)), ConversationRecord(2, "telegram", at(9))],
        [shopper(1, "a person", at(9)), shopper(2, "thanks", at(9))],
        [EscalationRecord(1, "asked", at(9, 1)), EscalationRecord(1, "misunderstood", at(10))],
    )
    result = report(records, DAY)
    assert (result.handed_off.count, result.contained.count) == (1, 1)
    assert [(r.name, r.count) for r in result.handoff_reasons] == [("asked", 1), ("misunderstood", 1)]


def test_top_intents_are_the_most_frequent_shopper_intents_ties_by_name() -> None:
    messages = [
        shopper(1, "a", at(9), "order_status"),
        shopper(1, "b", at(9), "ask_policy"),
        shopper(1, "c", at(9), "order_status"),
        shopper(1, "d", at(9)),  # before intents were recorded
        MessageRecord(1, "bot", at(9), intent="order_status"),  # only shoppers' messages count
    ]
    assert [(r.name, r.count) for r in top_intents(messages)] == [("order_status", 2), ("ask_policy", 1)]
    assert len(top_intents([shopper(1, "x", at(9), f"intent_{n}") for n in range(15)], limit=10)) == 10


def test_an_unanswered_question_is_the_shoppers_message_before_the_answer_that_found_nothing() -> None:
    messages = [
        shopper(1, "hello", at(9)),
        shopper(1, "Can I pay with   goats?", at(9, 1)),
        MessageRecord(1, "bot", at(9, 1), unanswered=True),
        shopper(2, "can i pay with goats", at(11)),
        MessageRecord(2, "bot", at(11), unanswered=True),
        MessageRecord(2, "bot", at(11), unanswered=True),  # one question, counted once
        shopper(3, "do you price match? mail me at jo@example.com", at(10)),
        MessageRecord(3, "bot", at(10), unanswered=True),
        shopper(4, "what are your hours?", at(12)),  # answered: no marker
        MessageRecord(4, "bot", at(12)),
    ]
    found = unanswered_questions(messages)
    assert [(q.text, q.count, q.last_asked) for q in found] == [
        ("Can I pay with   goats?", 2, at(11)),
        ("do you price match? mail me at [email]", 1, at(10)),
    ]


def test_time_to_first_agent_reply_skips_notes_and_earlier_messages() -> None:
    escalations = [
        EscalationRecord(1, "asked", at(9)),
        EscalationRecord(2, "asked", at(9)),
        EscalationRecord(3, "asked", at(9)),  # never answered
    ]
    messages = [
        MessageRecord(1, "agent", at(8)),  # before the escalation: an earlier one's
        MessageRecord(1, "agent", at(9, 0, 30), internal=True),  # a note
        MessageRecord(1, "agent", at(9, 2)),
        MessageRecord(1, "agent", at(9, 3)),
        MessageRecord(2, "agent", at(10, 30)),
    ]
    times = first_reply_times(escalations, messages)
    assert (times.escalations, times.replied) == (3, 2)
    assert (times.median_seconds, times.p90_seconds, times.mean_seconds) == (2760.0, 5400.0, 2760.0)
    assert {b.name: b.count for b in times.buckets if b.count} == {"1–5 min": 1, "over 1 h": 1}


def test_satisfaction_lists_every_score_and_averages_the_answers() -> None:
    answers = [EscalationRecord(n, "asked", at(9), score) for n, score in enumerate([5, 4, 4, None, 1])]
    result = satisfaction(answers)
    assert result.responses == 4 and result.average == 3.5
    assert [(s.name, s.count) for s in result.scores] == [("1", 1), ("2", 0), ("3", 0), ("4", 2), ("5", 1)]


def test_satisfaction_counts_ratings_of_a_persons_help_and_of_the_assistant_alone() -> None:
    result = satisfaction(
        [EscalationRecord(1, "asked", at(9), 2)],
        [ConversationRecord(2, "web", at(9), 5), ConversationRecord(3, "web", at(9))],
    )
    assert (result.responses, result.after_a_person, result.assistant_only, result.average) == (2, 1, 1, 3.5)


def test_the_csv_defuses_a_question_a_spreadsheet_would_run_as_a_formula() -> None:
    records = Records(
        [ConversationRecord(1, "web", at(9))],
        [shopper(1, '=HYPERLINK("http://x")', at(9)), MessageRecord(1, "bot", at(9), unanswered=True)],
        [],
    )
    exported = rows(report(records, DAY, NoticeFigures(sent=4, opted_out=1)))
    assert ("unanswered_question", "2026-10-01", "", '\'=HYPERLINK("http://x")', "1") in exported
    assert ("notices_sent", "", "", "", "4") in exported and ("notice_opt_outs", "", "", "", "1") in exported


def test_each_day_of_the_range_appears_for_every_channel() -> None:
    week = DateRange(date(2026, 10, 1), date(2026, 10, 3))
    records = Records([ConversationRecord(1, "web", at(9, day=2))], [shopper(1, "hi", at(9, day=2))], [])
    result = report(records, week)
    assert [(d.day.day, d.channel, d.conversations) for d in result.per_day] == [
        (1, "telegram", 0),
        (1, "web", 0),
        (2, "telegram", 0),
        (2, "web", 1),
        (3, "telegram", 0),
        (3, "web", 0),
    ]
    assert result.per_day[0].day + timedelta(days=2) == date(2026, 10, 3)
