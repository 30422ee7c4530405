"""When human agents are online, from ``policy.support_hours`` in the shop's time zone.

Hours may cross midnight (``close`` earlier than ``open``): the evening belongs to the listed day and the
small hours to the day after. Bank holidays are not in the policy and are not known here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.policy import WEEKDAYS, Policy


def _weekday(d: datetime) -> str:
    return WEEKDAYS[d.weekday()]


def agents_online(policy: Policy, now: datetime) -> bool:
    hours = policy.support_hours
    local = now.astimezone(policy.timezone)
    clock = local.time().replace(tzinfo=None)
    if hours.open < hours.close:
        return _weekday(local) in hours.days and hours.open <= clock < hours.close
    yesterday = local - timedelta(days=1)
    return (_weekday(local) in hours.days and clock >= hours.open) or (
        _weekday(yesterday) in hours.days and clock < hours.close
    )


def next_opening(policy: Policy, now: datetime) -> datetime:
    """The next time agents come online, in UTC; ``now`` itself (in UTC) when they are online already."""
    if agents_online(policy, now):
        return now.astimezone(UTC)
    hours = policy.support_hours
    if not hours.days:
        raise ValueError("the policy lists no support days")
    today = now.astimezone(policy.timezone).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in hours.days:
            continue
        opening = datetime.combine(day, hours.open, tzinfo=policy.timezone)
        if opening > now:
            return opening.astimezone(UTC)
    raise AssertionError("unreachable: a listed weekday occurs within eight days")
