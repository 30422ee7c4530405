"""The time by which a turn's result must exist for the shopper to get it in the turn's answer.

The gateway waits ``turn_timeout`` seconds for Rasa; past that it tells the shopper the assistant is slow,
and Rasa's answer, if it comes, is delivered later (stored and pushed like any message). An action that
changes something for the shopper (cancelling an order, starting a return) must not run once the shopper
has been told that: the gateway puts ``reply_by`` in the turn's metadata, and such an action refuses to act
after it. ``reply_by`` leaves a share of the wait (``ACTION_SHARE``) for the rest of the turn (Rasa's
prediction of the next step, the reply's trip back) and for clock skew between the machines.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

REPLY_BY = "reply_by"
ACTION_SHARE = 0.8


def reply_by(sent_at: datetime, turn_timeout: float) -> str:
    """The ``reply_by`` metadata value for a turn sent at ``sent_at`` (timezone-aware)."""
    return (sent_at + timedelta(seconds=turn_timeout * ACTION_SHARE)).isoformat()


def too_late_to_act(metadata: Mapping[str, Any] | None, now: datetime) -> bool:
    """Whether a turn's result would no longer reach the shopper with the turn's answer. A turn without
    a readable ``reply_by`` (e.g. sent straight to Rasa, as the tests and ``shopdesk chat`` do) has no
    deadline."""
    value = (metadata or {}).get(REPLY_BY)
    if not isinstance(value, str):
        return False
    try:
        deadline = datetime.fromisoformat(value)
    except ValueError:
        return False
    if deadline.tzinfo is None:
        return False
    return now > deadline
