"""Who counts as available, and the wait a queued shopper is told: pure rules, times passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.desk.agents.presence import (
    AgentPresence,
    Availability,
    ConsoleSeen,
    Presence,
    available_count,
    presence_of,
)
from bot.desk.wait import expected_wait_minutes, handling_time

NOW = datetime(2026, 10, 15, 10, 0, tzinfo=UTC)
STALE = timedelta(seconds=45)


def agent(
    *consoles: ConsoleSeen, availability: Availability = Availability.AVAILABLE, disabled: bool = False
) -> AgentPresence:
    return AgentPresence(1, "sam", "Sam", availability, disabled, consoles)


def heard(seconds_ago: float, session_open: bool = True) -> ConsoleSeen:
    return ConsoleSeen(NOW - timedelta(seconds=seconds_ago), session_open)


def test_an_agent_with_a_console_heard_from_recently_and_no_away_is_available() -> None:
    assert presence_of(agent(heard(5)), NOW, STALE) is Presence.AVAILABLE


def test_an_agent_without_any_console_is_offline_even_if_they_chose_available() -> None:
    assert presence_of(agent(), NOW, STALE) is Presence.OFFLINE


def test_a_console_not_heard_from_within_the_stale_limit_does_not_count() -> None:
    assert presence_of(agent(heard(45)), NOW, STALE) is Presence.AVAILABLE
    assert presence_of(agent(heard(46)), NOW, STALE) is Presence.OFFLINE
    assert presence_of(agent(heard(300), heard(10)), NOW, STALE) is Presence.AVAILABLE  # another tab


def test_a_console_whose_log_in_session_ended_does_not_count() -> None:
    assert presence_of(agent(heard(1, session_open=False)), NOW, STALE) is Presence.OFFLINE


def test_an_agent_who_set_away_is_away_while_connected_and_offline_when_not() -> None:
    assert presence_of(agent(heard(1), availability=Availability.AWAY), NOW, STALE) is Presence.AWAY
    assert presence_of(agent(availability=Availability.AWAY), NOW, STALE) is Presence.OFFLINE


def test_a_disabled_agent_is_offline() -> None:
    assert presence_of(agent(heard(1), disabled=True), NOW, STALE) is Presence.OFFLINE


def test_only_available_agents_are_counted() -> None:
    team = [
        agent(heard(1)),
        agent(heard(1), availability=Availability.AWAY),
        agent(heard(120)),
        agent(heard(2), heard(3)),  # two consoles, one agent
    ]
    assert available_count(team, NOW, STALE) == 2


@pytest.mark.parametrize(
    ("agents", "ahead", "minutes"),
    [
        (1, 0, 4),  # next in line: one handling time
        (1, 1, 8),  # the case, with an agent actually there
        (2, 1, 4),  # two agents: the second shopper is taken in the first round
        (2, 2, 8),
        (3, 7, 12),
    ],
)
def test_the_wait_is_rounds_of_handling_time_shared_among_available_agents(
    agents: int, ahead: int, minutes: int
) -> None:
    assert expected_wait_minutes(agents, ahead, 4) == minutes


def test_nobody_available_gives_no_wait_at_all() -> None:
    assert expected_wait_minutes(0, 0, 4) is None
    assert expected_wait_minutes(0, 5, 4) is None


def test_a_short_handling_time_still_promises_at_least_a_minute() -> None:
    assert expected_wait_minutes(3, 0, 0.2) == 1
    assert expected_wait_minutes(1, 0, 2.5) == 3  # rounded up, never down


def test_the_handling_time_is_the_policys_figure_until_enough_escalations_were_measured() -> None:
    four = [timedelta(minutes=m) for m in (2, 3, 3, 30)]
    assert handling_time(four, 4, needed=5).minutes == 4
    assert not handling_time(four, 4, needed=5).measured


def test_with_enough_history_the_handling_time_is_the_measured_median() -> None:
    five = [timedelta(minutes=m) for m in (2, 3, 3, 6, 90)]  # one left open over lunch
    measured = handling_time(five, 4, needed=5)
    assert (measured.minutes, measured.measured, measured.samples) == (3, True, 5)


def test_measuring_can_be_switched_off() -> None:
    assert not handling_time([timedelta(minutes=1)] * 10, 4, needed=0).measured
