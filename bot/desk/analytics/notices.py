"""Proactive notices (sent, opted out) for the analytics page: the one hook where they come in.

Shopdesk's proactive notices keep their own tables, added separately. Until an installation has them,
``notice_figures`` answers None and the page says "not recorded". To wire them, make ``notice_figures``
count, over ``period`` (``period.start`` <= instant < ``period.end``), the notices sent and the shoppers
who opted out, e.g.::

    if not inspect(session.connection()).has_table("notices"):
        return None
    sent = session.scalar(select(func.count()).select_from(NoticeRow).where(...))

Nothing else changes: ``reader.build_report`` passes the answer through to the JSON, the CSV and the page.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.desk.analytics.figures import DateRange, NoticeFigures

NoticeSource = Callable[[Session, DateRange], NoticeFigures | None]


def notice_figures(session: Session, period: DateRange) -> NoticeFigures | None:
    """Notices sent and opt-outs in ``period``; None: this installation records no notices (yet)."""
    return None
