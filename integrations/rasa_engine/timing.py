"""Per-step timings inside the Rasa server, as Prometheus histograms at ``GET /webhooks/metrics/``.

Rasa 3.6 (open source) measures nothing itself. ``credentials.yml`` names ``StepTimings``, an
``EngineExtension`` (``engine_extension.py``; a channel is the one way Rasa loads our code into its server
process and mounts our routes). When Rasa creates the channel it wraps five methods of its message
processor and remote action with a timer, and the channel serves their histograms:

    shopdesk_rasa_turn_seconds            one message, from the parsed text to the last reply (lock held)
    shopdesk_rasa_nlu_seconds             the NLU pipeline on one message (MessageProcessor.parse_message)
    shopdesk_rasa_policy_seconds          one next-action prediction by the policy ensemble
    shopdesk_rasa_action_call_seconds     one call to the action server, by action (RemoteAction.run:
                                          serialising the tracker, HTTP, reading the events back)
    shopdesk_rasa_tracker_store_seconds   loading (op="retrieve") or saving (op="save") a conversation

A timer is a ``perf_counter`` pair and a histogram update (~2 µs per step). The wrapped names are Rasa
3.6's internals (pinned in requirements/rasa.lock.txt); the end-to-end test that reads this endpoint fails
if an upgrade renames them. This module runs in Rasa's environment: it imports nothing of ``bot/``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from sanic import Blueprint, response
from sanic.request import Request

from integrations.rasa_engine.engine_extension import EngineExtension

log = logging.getLogger(__name__)

STEP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 10.0)

TURN = Histogram("shopdesk_rasa_turn_seconds", "Rasa handling one message (lock held).", buckets=STEP_BUCKETS)
NLU = Histogram("shopdesk_rasa_nlu_seconds", "The NLU pipeline on one message.", buckets=STEP_BUCKETS)
POLICY = Histogram(
    "shopdesk_rasa_policy_seconds", "One next-action prediction by the policies.", buckets=STEP_BUCKETS
)
ACTION_CALL = Histogram(
    "shopdesk_rasa_action_call_seconds",
    "One call to the action server (tracker serialised, HTTP, events read), by action.",
    ["action"],
    buckets=STEP_BUCKETS,
)
TRACKER_STORE = Histogram(
    "shopdesk_rasa_tracker_store_seconds",
    "Loading or saving one conversation in the tracker store.",
    ["op"],
    buckets=STEP_BUCKETS,
)

_installed = False


def _timed_async(method: Callable[..., Awaitable[Any]], observe: Callable[[Any, float], None]) -> Any:
    @functools.wraps(method)
    async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await method(self, *args, **kwargs)
        finally:
            observe(self, time.perf_counter() - started)

    return timed


def _timed_sync(method: Callable[..., Any], observe: Callable[[Any, float], None]) -> Any:
    @functools.wraps(method)
    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            observe(self, time.perf_counter() - started)

    return timed


def install() -> None:
    """Wrap Rasa's steps with timers, once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    mp = MessageProcessor
    mp.handle_message = _timed_async(mp.handle_message, lambda _s, t: TURN.observe(t))
    mp.parse_message = _timed_async(mp.parse_message, lambda _s, t: NLU.observe(t))
    mp._predict_next_with_tracker = _timed_sync(
        mp._predict_next_with_tracker, lambda _s, t: POLICY.observe(t)
    )
    mp.get_tracker = _timed_async(
        mp.get_tracker, lambda _s, t: TRACKER_STORE.labels(op="retrieve").observe(t)
    )
    mp.save_tracker = _timed_async(mp.save_tracker, lambda _s, t: TRACKER_STORE.labels(op="save").observe(t))
    RemoteAction.run = _timed_async(
        RemoteAction.run, lambda action, t: ACTION_CALL.labels(action=action.name()).observe(t)
    )
    log.info("Shopdesk step timings installed; served at /webhooks/metrics/")


class StepTimings(EngineExtension, name="metrics", install=install):
    """Not a chat channel: installs the timers and serves them (``GET /webhooks/metrics/``)."""

    def blueprint(self, on_new_message: Callable[..., Awaitable[Any]]) -> Blueprint:
        metrics = super().blueprint(on_new_message)

        @metrics.route("/", methods=["GET"])  # type: ignore[untyped-decorator]
        async def exposition(_request: Request) -> response.HTTPResponse:
            return response.raw(generate_latest(), content_type=CONTENT_TYPE_LATEST)

        return metrics
