"""Keeping conversations no longer than the shop says: ``SHOPDESK_RETENTION_DAYS`` (730, the two years the
privacy document promises).

``purge`` deletes every conversation whose last activity is older than that, with its messages and
escalations; Rasa's tracker events of any conversation whose latest event is that old (the tracker store
named by ``SHOPDESK_RASA_TRACKER_DB``, the SQLite file ``endpoints.yml`` points Rasa at); and failed
verification records that old. The gateway runs it once a day (``retention_check_every``), on one replica
only (the leader of its desk jobs, ``integrations/gateway/app.py``); operators can run ``shopdesk retention
purge``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, bindparam, delete, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine
from bot.desk.conversations.tables import ConversationRow, MessageRow
from bot.desk.escalations.tables import EscalationRow
from bot.desk.notices.tables import DelayNoticeRow, NoticeContactRow
from bot.orders.tables import VerificationFailureRow

log = logging.getLogger(__name__)

CHUNK = 500  # ids per DELETE ... IN (...), well under every database's parameter limit


@dataclass(frozen=True)
class Purged:
    conversations: int
    escalations: int
    tracker_conversations: int
    verification_failures: int
    delay_notices: int = 0


def cutoff(now: datetime, keep_days: int) -> datetime:
    """The oldest instant still kept."""
    return now - timedelta(days=keep_days)


def _deleted(result: object) -> int:
    """A DELETE's row count (``CursorResult.rowcount``, which the typed ``Result`` does not declare)."""
    count = getattr(result, "rowcount", 0)
    return count if isinstance(count, int) else 0


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def purge_conversations(sessions: sessionmaker[Session], before: datetime) -> tuple[int, int]:
    """Delete conversations last active before ``before``, their messages and escalations: the counts of
    conversations and escalations deleted."""
    with sessions.begin() as session:
        ids = list(
            session.scalars(select(ConversationRow.id).where(ConversationRow.last_activity_at < before))
        )
        return len(ids), delete_conversations(session, ids)


def delete_conversations(session: Session, ids: Sequence[int]) -> int:
    """Delete these conversations (row ids) with their messages and escalations; the escalations' count."""
    escalations = 0
    for chunk in _chunks(ids):
        escalations += _deleted(
            session.execute(delete(EscalationRow).where(EscalationRow.conversation_id.in_(chunk)))
        )
        session.execute(delete(MessageRow).where(MessageRow.conversation_id.in_(chunk)))
        session.execute(delete(ConversationRow).where(ConversationRow.id.in_(chunk)))
    return escalations


def purge_verification_failures(sessions: sessionmaker[Session], before: datetime) -> int:
    with sessions.begin() as session:
        return _deleted(
            session.execute(delete(VerificationFailureRow).where(VerificationFailureRow.at < before))
        )


def purge_delay_notices(sessions: sessionmaker[Session], before: datetime) -> int:
    """Delay notices recorded, and chats last seen, before the cutoff (``bot/desk/notices``)."""
    with sessions.begin() as session:
        session.execute(delete(NoticeContactRow).where(NoticeContactRow.seen_at < before))
        return _deleted(session.execute(delete(DelayNoticeRow).where(DelayNoticeRow.created_at < before)))


def tracker_store_url(tracker_db: Path | None) -> str | None:
    return f"sqlite:///{tracker_db}" if tracker_db is not None else None


def purge_trackers(url: str, before: datetime) -> int:
    """Delete the Rasa tracker events of every conversation whose latest event is older than ``before``
    (Rasa's SQL tracker store: table ``events``, ``timestamp`` in Unix seconds). The number of
    conversations purged; 0 when the store has no events table yet."""
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        stale = text(
            "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :before"
        ).bindparams(before=before.timestamp())
        with engine.begin() as connection:
            senders = list(connection.scalars(stale))
            delete_tracker_events(connection, senders)
        return len(senders)
    finally:
        engine.dispose()


def delete_tracker_events(connection: Connection, senders: Sequence[str]) -> None:
    """Delete every tracker event of these conversations (Rasa's ``sender_id``)."""
    remove = text("DELETE FROM events WHERE sender_id IN :senders").bindparams(
        bindparam("senders", expanding=True)
    )
    for i in range(0, len(senders), CHUNK):
        connection.execute(remove, {"senders": list(senders[i : i + CHUNK])})


def purge(sessions: sessionmaker[Session], tracker_url: str | None, now: datetime, keep_days: int) -> Purged:
    before = cutoff(now, keep_days)
    conversations, escalations = purge_conversations(sessions, before)
    trackers = purge_trackers(tracker_url, before) if tracker_url else 0
    failures = purge_verification_failures(sessions, before)
    notices = purge_delay_notices(sessions, before)
    purged = Purged(conversations, escalations, trackers, failures, notices)
    log.info(
        "retention purge (older than %d days): %d conversations, %d escalations, %d Rasa trackers, "
        "%d verification records, %d delay notices",
        keep_days,
        purged.conversations,
        purged.escalations,
        purged.tracker_conversations,
        purged.verification_failures,
        purged.delay_notices,
    )
    return purged
