"""Agents' hours: Monday to Saturday, 09:00-18:00 London time, in the real policy."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from bot.desk.support_hours import agents_online, next_opening
from bot.policy import SupportHours, load_policy
from tests.unit.factories import utc

POLICY = load_policy()


def test_agents_are_online_on_a_weekday_morning_in_summer() -> None:
    assert agents_online(POLICY, utc(2026, 6, 1, 8, 0))  # Monday 09:00 BST


def test_agents_are_offline_a_minute_before_opening_in_summer() -> None:
    assert not agents_online(POLICY, utc(2026, 6, 1, 7, 59))  # Monday 08:59 BST


def test_agents_go_offline_at_closing_time() -> None:
    assert agents_online(POLICY, utc(2026, 1, 10, 17, 59))  # Saturday 17:59 GMT
    assert not agents_online(POLICY, utc(2026, 1, 10, 18, 0))


def test_agents_are_offline_on_sunday() -> None:
    assert not agents_online(POLICY, utc(2026, 6, 7, 12))


def test_next_opening_after_saturday_closing_is_monday_morning() -> None:
    assert next_opening(POLICY, utc(2026, 1, 10, 18, 30)) == utc(2026, 1, 12, 9, 0)


def test_next_opening_across_the_clocks_going_forward_is_in_london_time() -> None:
    # Saturday 28 March 2026 evening (GMT); the clocks go forward on Sunday; Monday 09:00 BST is 08:00 UTC.
    assert next_opening(POLICY, utc(2026, 3, 28, 19)) == utc(2026, 3, 30, 8, 0)


def test_next_opening_early_in_the_morning_is_the_same_day() -> None:
    assert next_opening(POLICY, utc(2026, 6, 2, 5)) == utc(2026, 6, 2, 8, 0)


def test_next_opening_while_agents_are_online_is_now() -> None:
    now = utc(2026, 6, 2, 10)
    assert next_opening(POLICY, now) == now


def test_hours_that_cross_midnight_belong_to_the_listed_day() -> None:
    policy = replace(POLICY, support_hours=SupportHours(days=("fri",), open=time(20, 0), close=time(2, 0)))
    assert agents_online(policy, utc(2026, 1, 9, 21))  # Friday 21:00
    assert agents_online(policy, utc(2026, 1, 10, 1))  # Saturday 01:00, Friday's shift
    assert not agents_online(policy, utc(2026, 1, 10, 21))  # Saturday 21:00
    assert next_opening(policy, utc(2026, 1, 10, 3)) == utc(2026, 1, 16, 20)
