""" "Now", injectable: ``SHOPDESK_NOW`` (ISO 8601) fixes it for demos, tests and evaluation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant; a value without an offset is taken as UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(instant: datetime) -> Clock:
    if instant.tzinfo is None:
        raise ValueError("a fixed clock needs a timezone-aware instant")
    frozen = instant.astimezone(UTC)
    return lambda: frozen


def clock_from(now: str | None) -> Clock:
    """The clock the settings ask for: fixed when ``now`` is set, the system clock otherwise."""
    return fixed_clock(parse_instant(now)) if now else system_clock
