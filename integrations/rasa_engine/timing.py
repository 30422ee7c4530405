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

Several Sanic workers (``SANIC_WORKERS`` > 1) are forked processes, each with its own histograms, and any
of them may answer a scrape. ``scripts/rasa_metrics_dir.sh`` then starts Rasa in prometheus-client's
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, a directory emptied on every start): each worker writes
its samples to files there, and a scrape returns the histograms summed over every worker of this server
since it started. prometheus-client's process collector does not work in that mode, so the scrape then has
no ``process_*`` (read CPU and memory per process from ``/proc``). With one worker it serves the process's
own registry, ``process_*`` included.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
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


def _multiprocess_dir() -> str | None:
    """The directory of prometheus-client's multiprocess mode, when Rasa runs in it (the module's doc)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")  # scripts/rasa_metrics_dir.sh sets it, or clears it


def scraped_registry() -> CollectorRegistry:
    """What a scrape reads: every worker's samples, summed, in multiprocess mode (a registry of its own for
    each scrape, as prometheus-client prescribes); else this process's default registry."""
    if _multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


async def mark_worker_dead() -> None:
    """A worker that stops tells prometheus-client (``mark_process_dead``), which deletes the files of the
    worker's live gauges (``multiprocess_mode="live..."``; none here yet, so that a gauge added later is
    right). Its histograms stay in the sum, as a counter's must: the turns it served happened."""
    if _multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class StepTimings(EngineExtension, name="metrics", install=install, after_server_stop=mark_worker_dead):
    """Not a chat channel: installs the timers and serves them (``GET /webhooks/metrics/``)."""

    def blueprint(self, on_new_message: Callable[..., Awaitable[Any]]) -> Blueprint:
        metrics = super().blueprint(on_new_message)

        @metrics.route("/", methods=["GET"])  # type: ignore[untyped-decorator]
        async def exposition(_request: Request) -> response.HTTPResponse:
            return response.raw(generate_latest(scraped_registry()), content_type=CONTENT_TYPE_LATEST)

        return metrics
