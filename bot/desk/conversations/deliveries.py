"""Who sends a message to its outside channel: the first to claim it, once, across every gateway replica.

With several gateway replicas (``SHOPDESK_REDIS_URL``) each runs a Telegram bridge whose hub follower hears
every message of every conversation, and the replica that handled a shopper's turn delivers that turn's
replies itself. The database is what they all share and what outlives a process (the hub keeps nothing),
so a claim is a row keyed by the message id: the insert of the first claimant wins, any other fails on the
primary key, whether it comes a millisecond or a day later (a follower catching up from the database).

A claim is taken just before the send. A process that dies between the two leaves a claimed message
unsent to the chat (it stays in the transcript and the agent console); a send that fails after the
sender's retries is logged and counted by the sender. Neither is handed to another replica: a message a
replica may have sent is never sent again.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk.conversations.tables import MessageDeliveryRow


class DeliveryClaims:
    """Claims of stored messages (by id) for delivery; each call is one short transaction."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = session_factory
        self._clock = clock

    def claim(self, message_id: int) -> bool:
        """True when the caller is the first to claim the message: it is the caller's to send."""
        return self.claim_in_order([message_id]) == [message_id]

    def claim_in_order(self, message_ids: Sequence[int]) -> list[int]:
        """Claim messages in the order given, stopping at the first that someone else has claimed; returns
        the ids claimed here (a prefix of ``message_ids``).

        Stopping keeps a burst of messages (a turn's replies) in order on the chat: once another replica
        has started on them, the rest are left to it rather than sent side by side with its sends. The
        claims are committed together, so another claimant sees all of them or none."""
        claimed: list[int] = []
        now = self._clock()
        with self._sessions.begin() as session:
            for message_id in message_ids:
                try:
                    with session.begin_nested():  # a savepoint: a conflict undoes this claim only
                        session.add(MessageDeliveryRow(message_id=message_id, claimed_at=now))
                except IntegrityError:  # claimed by someone else (or the message is gone)
                    break
                claimed.append(message_id)
        return claimed

    def claimed(self, message_ids: Sequence[int]) -> set[int]:
        """Which of these messages someone has claimed (for tests and tools)."""
        if not message_ids:
            return set()
        with self._sessions() as session:
            query = select(MessageDeliveryRow.message_id).where(
                MessageDeliveryRow.message_id.in_(list(message_ids))
            )
            return set(session.scalars(query))
