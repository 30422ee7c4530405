"""Escalations as plain values: states, the record of why and what was said, and queue order.

States: ``queued`` (waiting for an agent) -> ``claimed`` (an agent has it) -> ``handed_back`` (the
assistant has it again) or ``resolved``. ``email`` is a queued escalation nobody claimed in time, or one
raised outside support hours: the team follows up by email.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.desk.handoff import Priority, Trigger
from bot.errors import ShopdeskError


class EscalationState(enum.StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    EMAIL = "email"
    HANDED_BACK = "handed_back"
    RESOLVED = "resolved"


OPEN_STATES = (EscalationState.QUEUED, EscalationState.CLAIMED, EscalationState.EMAIL)


class EscalationError(ShopdeskError):
    pass


class EscalationNotFound(EscalationError):
    pass


class AlreadyClaimed(EscalationError):
    pass


@dataclass(frozen=True)
class Escalation:
    id: int
    conversation_id: str  # the conversation's public id
    state: EscalationState
    trigger: Trigger
    topic: str | None
    priority: Priority
    summary: str
    verified_order: str | None
    customer_email: str | None
    intents: list[str]
    entities: list[dict[str, Any]]
    facts: list[dict[str, Any]]
    created_at: datetime
    claimed_at: datetime | None
    claimed_by: int | None
    closed_at: datetime | None
    satisfaction: int | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class NewEscalation:
    trigger: Trigger
    topic: str | None
    priority: Priority
    summary: str
    verified_order: str | None
    customer_email: str | None
    intents: list[str]
    entities: list[dict[str, Any]]
    facts: list[dict[str, Any]]


def queue_order(escalations: list[Escalation]) -> list[Escalation]:
    """Waiting ones first, most urgent first, then longest waiting; claimed and email ones after."""
    rank = {EscalationState.QUEUED: 0, EscalationState.CLAIMED: 1, EscalationState.EMAIL: 2}
    return sorted(escalations, key=lambda e: (rank.get(e.state, 3), -e.priority, e.created_at, e.id))
