"""Proactive notices for the analytics page: how many were sent in a period and how many shoppers opted out.

Counted from the delay notices' own tables (``bot/desk/notices/tables.py``): a notice counts on the day it
was sent (``sent_at``, status sent), an opt-out on the day the shopper asked (one per customer and channel).
``reader.build_report`` passes the answer through to the JSON, the CSV and the page.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.desk.analytics.figures import DateRange, NoticeFigures
from bot.desk.notices.model import NoticeStatus
from bot.desk.notices.tables import DelayNoticeRow, NoticeOptOutRow

NoticeSource = Callable[[Session, DateRange], NoticeFigures | None]


def notice_figures(session: Session, period: DateRange) -> NoticeFigures | None:
    """Notices sent and opt-outs in ``period`` (``period.start`` <= instant < ``period.end``)."""
    sent = session.scalar(
        select(func.count())
        .select_from(DelayNoticeRow)
        .where(DelayNoticeRow.status == NoticeStatus.SENT.value)
        .where(DelayNoticeRow.sent_at >= period.start, DelayNoticeRow.sent_at < period.end)
    )
    opted_out = session.scalar(
        select(func.count())
        .select_from(NoticeOptOutRow)
        .where(NoticeOptOutRow.created_at >= period.start, NoticeOptOutRow.created_at < period.end)
    )
    return NoticeFigures(sent=sent or 0, opted_out=opted_out or 0)
