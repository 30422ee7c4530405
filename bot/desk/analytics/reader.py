"""Loads the analytics records for a date range from the database, and builds the report.

Only the conversations started in the range are read, with their messages (author, time, and for shoppers
the text and the NLU's reading; for the assistant whether the documents answered) and their escalations.
One query each; a range is at most ``MAX_DAYS`` long.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.desk.analytics.figures import (
    ConversationRecord,
    DateRange,
    EscalationRecord,
    MessageRecord,
    Records,
    Report,
    report,
)
from bot.desk.analytics.notices import NoticeSource, notice_figures
from bot.desk.conversations.model import Author
from bot.desk.conversations.tables import ConversationRow, MessageRow
from bot.desk.escalations.tables import EscalationRow
from bot.payload import AssistantPayload, NluReading


def _message(conversation: int, author: str, at: Any, text: str, internal: bool, data: Any) -> MessageRecord:
    if author == Author.SHOPPER:
        reading = NluReading.from_data(data)
        return MessageRecord(
            conversation, author, at, text, internal, intent=reading.intent if reading else None
        )
    if author == Author.BOT and isinstance(data, dict):
        said = AssistantPayload.from_custom(data.get("custom"))
        return MessageRecord(
            conversation, author, at, internal=internal, unanswered=bool(said and said.says_unanswered)
        )
    return MessageRecord(conversation, author, at, internal=internal)


def load_records(session: Session, period: DateRange) -> Records:
    """The conversations started in ``period``, their messages in stored order, and their escalations."""
    started = (ConversationRow.created_at >= period.start) & (ConversationRow.created_at < period.end)
    in_range = select(ConversationRow.id).where(started).scalar_subquery()
    conversations = [
        ConversationRecord(key, channel, created_at, rating)
        for key, channel, created_at, rating in session.execute(
            select(
                ConversationRow.id,
                ConversationRow.channel,
                ConversationRow.created_at,
                ConversationRow.satisfaction,
            )
            .where(started)
            .order_by(ConversationRow.id)
        )
    ]
    messages = [
        _message(*row)
        for row in session.execute(
            select(
                MessageRow.conversation_id,
                MessageRow.author,
                MessageRow.created_at,
                MessageRow.text,
                MessageRow.internal,
                MessageRow.data,
            )
            .where(MessageRow.conversation_id.in_(in_range))
            .order_by(MessageRow.id)
        )
    ]
    escalations = [
        EscalationRecord(conversation, trigger, created_at, satisfaction)
        for conversation, trigger, created_at, satisfaction in session.execute(
            select(
                EscalationRow.conversation_id,
                EscalationRow.trigger,
                EscalationRow.created_at,
                EscalationRow.satisfaction,
            )
            .where(EscalationRow.conversation_id.in_(in_range))
            .order_by(EscalationRow.id)
        )
    ]
    return Records(conversations, messages, escalations)


def build_report(session: Session, period: DateRange, notices: NoticeSource = notice_figures) -> Report:
    return report(load_records(session, period), period, notices(session, period))
