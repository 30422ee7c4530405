"""A few Prometheus metrics in the text exposition format, without a client library."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Callable

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{v}"' for k, v in labels)
    return "{" + inner + "}"


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self._values: dict[tuple[tuple[str, str], ...], float] = defaultdict(float)
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        with self._lock:
            self._values[tuple(sorted(labels.items()))] += amount

    def value(self, **labels: str) -> float:
        return self._values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            items = sorted(self._values.items()) or [((), 0.0)]
        lines += [f"{self.name}{_labels(k)} {v:g}" for k, v in items]
        return lines


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.name, self.help, self.buckets = name, help_text, buckets
        self._counts = [0] * (len(buckets) + 1)
        self._sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        with self._lock:
            self._counts[bisect.bisect_left(self.buckets, value)] += 1
            self._sum += value

    @property
    def count(self) -> int:
        return sum(self._counts)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            cumulative = 0
            for bound, count in zip(self.buckets, self._counts, strict=False):
                cumulative += count
                lines.append(f'{self.name}_bucket{{le="{bound:g}"}} {cumulative}')
            total = sum(self._counts)
            lines.append(f'{self.name}_bucket{{le="+Inf"}} {total}')
            lines.append(f"{self.name}_sum {self._sum:.6f}")
            lines.append(f"{self.name}_count {total}")
        return lines


class Gauge:
    def __init__(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self.name, self.help, self._read = name, help_text, read

    def render(self) -> list[str]:
        return [
            f"# HELP {self.name} {self.help}",
            f"# TYPE {self.name} gauge",
            f"{self.name} {self._read():g}",
        ]


class Metrics:
    def __init__(self, live_connections: Callable[[], float] = lambda: 0) -> None:
        self.messages = Counter("shopdesk_gateway_messages_total", "Messages stored, by author.")
        self.rasa_latency = Histogram("shopdesk_gateway_rasa_request_seconds", "Time for one Rasa turn.")
        self.rasa_errors = Counter("shopdesk_gateway_rasa_errors_total", "Rasa turns that failed.")
        self.errors = Counter("shopdesk_gateway_errors_total", "Requests that failed inside the gateway.")
        self.subscribers = Gauge(
            "shopdesk_gateway_live_subscribers", "Open live subscriptions (WebSockets).", live_connections
        )

    def render(self) -> str:
        parts: list[Counter | Histogram | Gauge] = [
            self.messages,
            self.rasa_latency,
            self.rasa_errors,
            self.errors,
            self.subscribers,
        ]
        return "\n".join(line for metric in parts for line in metric.render()) + "\n"
