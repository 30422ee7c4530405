"""The gateway's Prometheus metrics (prometheus-client), one registry per app so tests can build many."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

# A shopper feels anything over a second; the buckets resolve the range a turn should stay in.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0)
STEP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self, live_connections: Callable[[], float] = lambda: 0) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages = Counter(
            "shopdesk_gateway_messages", "Messages stored, by author.", ["author"], registry=r
        )
        self.rasa_latency = Histogram(
            "shopdesk_gateway_rasa_request_seconds",
            "Time for one Rasa turn (REST channel), as the gateway waits for it.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.db_statement = Histogram(
            "shopdesk_gateway_db_seconds",
            "One SQL statement (conversations, escalations), cursor execute to result.",
            buckets=STEP_BUCKETS,
            registry=r,
        )
        self.retention_purges = Counter(
            "shopdesk_gateway_retention_purges",
            "Retention purges run by this replica (one replica runs them: the desk jobs' leader).",
            registry=r,
        )
        self.rasa_errors = Counter("shopdesk_gateway_rasa_errors", "Rasa turns that failed.", registry=r)
        self.errors = Counter(
            "shopdesk_gateway_errors",
            "Requests that failed inside the gateway, by kind.",
            ["kind"],
            registry=r,
        )
        self.subscribers = Gauge(
            "shopdesk_gateway_live_subscribers", "Open live subscriptions (WebSockets).", registry=r
        )
        self.subscribers.set_function(live_connections)
        ProcessCollector(registry=r)  # process_cpu_seconds_total, process_resident_memory_bytes

    def error_count(self, kind: str) -> float:
        """How many failures of this kind were counted (0 before the first)."""
        return self.registry.get_sample_value("shopdesk_gateway_errors_total", {"kind": kind}) or 0.0
