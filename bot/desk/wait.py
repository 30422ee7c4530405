"""The expected wait a queued shopper is told, from the agents actually available and the queue ahead.

Pure functions. The handling time is **measured** when there is enough history: the median of how long
agents took from claiming a conversation to handing it back or resolving it, over the escalations closed in
the last ``handoff.measure_handling_days`` days, once there are at least ``handoff.measure_handling_from``
of them. With fewer, the shop's own figure ``handoff.average_handling_minutes`` (``knowledge/policy.yml``)
is used. The median, not the mean: one conversation left open over lunch should not double every promise.

The wait: each available agent takes the next waiting shopper when they finish one, so a shopper with
``ahead`` shoppers before them is served in round ``ahead // agents + 1``, and each round takes one handling
time. Nobody available means no estimate at all (``None``): the shopper is told so, never a number.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class HandlingTime:
    minutes: float
    measured: bool  # False: the policy's figure, for want of enough closed escalations
    samples: int  # how many claim-to-close durations the figure rests on (0 when it is the policy's)


def handling_time(durations: Sequence[timedelta], policy_minutes: float, needed: int) -> HandlingTime:
    """The median claim-to-close time of ``durations`` when there are at least ``needed`` (and ``needed`` is
    at least 1), else ``policy_minutes``."""
    usable = [d for d in durations if d >= timedelta(0)]
    if needed < 1 or len(usable) < needed:
        return HandlingTime(float(policy_minutes), measured=False, samples=0)
    median = statistics.median(d.total_seconds() for d in usable) / 60
    return HandlingTime(median, measured=True, samples=len(usable))


def expected_wait_minutes(available_agents: int, ahead: int, handling_minutes: float) -> int | None:
    """Whole minutes until an agent is expected to join (at least 1), or None when nobody is available."""
    if available_agents <= 0:
        return None
    rounds = max(0, ahead) // available_agents + 1
    return max(1, math.ceil(rounds * handling_minutes))
