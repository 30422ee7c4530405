"""Escalations: a conversation waiting for, or with, a person — and the record of why and what was said.

States: ``queued`` (waiting for an agent) -> ``claimed`` (an agent has it) -> ``handed_back`` (the
assistant has it again) or ``resolved``. ``email`` is a queued escalation nobody claimed in time, or one
raised outside support hours: the team follows up by email. Only one escalation per conversation is open
(queued, claimed or email) at a time; asking again returns the open one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk.conversations.tables import ConversationRow
from bot.desk.escalations.model import (
    OPEN_STATES,
    AlreadyClaimed,
    Escalation,
    EscalationError,
    EscalationNotFound,
    EscalationState,
    NewEscalation,
    queue_order,
)
from bot.desk.escalations.tables import EscalationRow
from bot.desk.handoff import Priority, Trigger


def _escalation(row: EscalationRow, conversation_public_id: str) -> Escalation:
    return Escalation(
        id=row.id,
        conversation_id=conversation_public_id,
        state=EscalationState(row.state),
        trigger=Trigger(row.trigger),
        topic=row.topic,
        priority=Priority(row.priority),
        summary=row.summary,
        verified_order=row.verified_order,
        customer_email=row.customer_email,
        intents=list(row.intents or []),
        entities=list(row.entities or []),
        facts=list(row.facts or []),
        created_at=row.created_at,
        claimed_at=row.claimed_at,
        claimed_by=row.claimed_by,
        closed_at=row.closed_at,
        satisfaction=row.satisfaction,
    )


class EscalationBook:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def _rows(self, session: Session, *where: Any) -> list[Escalation]:
        query = select(EscalationRow, ConversationRow.public_id).join(
            ConversationRow, ConversationRow.id == EscalationRow.conversation_id
        )
        return [_escalation(row, public_id) for row, public_id in session.execute(query.where(*where))]

    def open(self, conversation_id: str, new: NewEscalation) -> tuple[Escalation, bool]:
        """The conversation's open escalation, creating it from ``new`` when there is none.

        Returns (escalation, created). Two callers at once (two gateway replicas) may both find none; the
        database's unique index lets one insert, and the other gets the escalation that one made."""
        try:
            return self._open(conversation_id, new)
        except IntegrityError:
            opened = self.open_for(conversation_id)
            if opened is None:  # closed again in the meantime: not the race this guards against
                raise
            return opened, False

    def _open(self, conversation_id: str, new: NewEscalation) -> tuple[Escalation, bool]:
        with self._sessions.begin() as session:
            conversation = session.scalar(
                select(ConversationRow).where(ConversationRow.public_id == conversation_id)
            )
            if conversation is None:
                raise EscalationNotFound(conversation_id)
            existing = self._rows(
                session,
                EscalationRow.conversation_id == conversation.id,
                EscalationRow.state.in_([s.value for s in OPEN_STATES]),
            )
            if existing:
                return existing[0], False
            row = EscalationRow(
                conversation_id=conversation.id,
                state=EscalationState.QUEUED.value,
                trigger=new.trigger.value,
                topic=new.topic,
                priority=int(new.priority),
                summary=new.summary,
                verified_order=new.verified_order,
                customer_email=new.customer_email,
                intents=new.intents,
                entities=new.entities,
                facts=new.facts,
                created_at=self._clock(),
                claimed_at=None,
                claimed_by=None,
                closed_at=None,
                satisfaction=None,
            )
            session.add(row)
            session.flush()
            return _escalation(row, conversation_id), True

    def get(self, escalation_id: int) -> Escalation:
        with self._sessions() as session:
            found = self._rows(session, EscalationRow.id == escalation_id)
        if not found:
            raise EscalationNotFound(str(escalation_id))
        return found[0]

    def open_for(self, conversation_id: str) -> Escalation | None:
        with self._sessions() as session:
            found = self._rows(
                session,
                ConversationRow.public_id == conversation_id,
                EscalationRow.state.in_([s.value for s in OPEN_STATES]),
            )
        return found[0] if found else None

    def latest_for(self, conversation_id: str) -> Escalation | None:
        with self._sessions() as session:
            found = self._rows(session, ConversationRow.public_id == conversation_id)
        return max(found, key=lambda e: e.id) if found else None

    def queue(self) -> list[Escalation]:
        with self._sessions() as session:
            found = self._rows(session, EscalationRow.state.in_([s.value for s in OPEN_STATES]))
        return queue_order(found)

    def position(self, escalation_id: int) -> int:
        """1 for the next to be claimed; 0 when it is not waiting."""
        waiting = [e for e in self.queue() if e.state is EscalationState.QUEUED]
        for place, escalation in enumerate(waiting, start=1):
            if escalation.id == escalation_id:
                return place
        return 0

    def _update(self, escalation_id: int, **changes: Any) -> Escalation:
        with self._sessions.begin() as session:
            row = session.get(EscalationRow, escalation_id, with_for_update=True)
            if row is None:
                raise EscalationNotFound(str(escalation_id))
            check = changes.pop("_check", None)
            if check is not None:
                check(row)
            for key, value in changes.items():
                setattr(row, key, value)
            conversation = session.get(ConversationRow, row.conversation_id)
            assert conversation is not None
            return _escalation(row, conversation.public_id)

    def claim(self, escalation_id: int, agent_id: int) -> Escalation:
        def check(row: EscalationRow) -> None:
            if row.state == EscalationState.CLAIMED and row.claimed_by != agent_id:
                raise AlreadyClaimed("another agent has claimed this conversation")
            if row.state not in (s.value for s in OPEN_STATES):
                raise EscalationError("this escalation is closed")

        return self._update(
            escalation_id,
            _check=check,
            state=EscalationState.CLAIMED.value,
            claimed_by=agent_id,
            claimed_at=self._clock(),
        )

    def close(self, escalation_id: int, agent_id: int | None, state: EscalationState) -> Escalation:
        """Hand back or resolve; only the claiming agent may, once it is claimed."""

        def check(row: EscalationRow) -> None:
            if row.state not in (s.value for s in OPEN_STATES):
                raise EscalationError("this escalation is already closed")
            if row.claimed_by is not None and agent_id is not None and row.claimed_by != agent_id:
                raise AlreadyClaimed("another agent has this conversation")

        return self._update(escalation_id, _check=check, state=state.value, closed_at=self._clock())

    def to_email(self, escalation_id: int, email: str | None = None) -> Escalation:
        """Nobody can take it now: the team replies by email. Only a queued escalation can go; one an agent
        claimed meanwhile (or another gateway process already moved) raises ``EscalationError``."""

        def check(row: EscalationRow) -> None:
            if row.state != EscalationState.QUEUED.value:
                raise EscalationError(f"this escalation is no longer waiting ({row.state})")

        changes: dict[str, Any] = {"state": EscalationState.EMAIL.value}
        if email:
            changes["customer_email"] = email
        return self._update(escalation_id, _check=check, **changes)

    def set_email(self, escalation_id: int, email: str) -> Escalation:
        return self._update(escalation_id, customer_email=email)

    def unclaimed_since(self, before: datetime) -> list[Escalation]:
        return [e for e in self.queue() if e.state is EscalationState.QUEUED and e.created_at <= before]

    def handling_durations(self, closed_since: datetime) -> list[timedelta]:
        """How long agents had each conversation, claim to hand-back or resolve, for the escalations
        closed since ``closed_since`` (``bot.desk.wait`` turns them into the expected wait's figure)."""
        closed = (EscalationState.HANDED_BACK.value, EscalationState.RESOLVED.value)
        with self._sessions() as session:
            rows = session.execute(
                select(EscalationRow.claimed_at, EscalationRow.closed_at).where(
                    EscalationRow.state.in_(closed),
                    EscalationRow.claimed_at.is_not(None),
                    EscalationRow.closed_at >= closed_since,
                )
            )
            return [closed_at - claimed_at for claimed_at, closed_at in rows if claimed_at and closed_at]

    def record_satisfaction(self, escalation_id: int, score: int) -> Escalation:
        if not 1 <= score <= 5:
            raise EscalationError("a satisfaction score is 1 to 5")
        return self._update(escalation_id, satisfaction=score)
