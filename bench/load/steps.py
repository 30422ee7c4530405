"""Per-step timings for bench/load: each service's Prometheus /metrics read before and after a run.

The services time their own steps (docs/performance.md lists the metrics): Rasa's NLU, policy prediction,
action server calls and tracker store (integrations/rasa_engine/timing.py), the action server's runs, SQL
statements and retrieval steps (actions/metrics.py), the gateway's Rasa turns and SQL statements
(integrations/gateway/metrics.py). The difference between two scrapes is what one run cost: for each
histogram its count per answered turn, mean, p50 and p95 (interpolated within buckets, as Prometheus'
``histogram_quantile`` does), and each process's CPU seconds per turn.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, tuple[tuple[str, str], ...]]  # sample name, sorted labels
Samples = dict[Key, float]


async def scrape(http: httpx.AsyncClient, urls: dict[str, str]) -> dict[str, Samples]:
    """Every sample of every service that answers (a service without metrics is left out)."""
    scraped: dict[str, Samples] = {}
    for service, url in urls.items():
        try:
            response = await http.get(url)
            response.raise_for_status()
        except httpx.HTTPError:
            continue
        samples: Samples = {}
        for family in text_string_to_metric_families(response.text):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        scraped[service] = samples
    return scraped


def delta(before: dict[str, Samples], after: dict[str, Samples]) -> dict[str, Samples]:
    return {
        service: {key: value - before.get(service, {}).get(key, 0.0) for key, value in samples.items()}
        for service, samples in after.items()
    }


@dataclass
class Step:
    name: str
    count: float
    total: float
    buckets: list[tuple[float, float]]  # (upper bound, cumulative count), ascending

    def quantile(self, q: float) -> float:
        if not self.count:
            return math.nan
        rank = q * self.count
        lower, below = 0.0, 0.0
        for bound, cumulative in self.buckets:
            if cumulative >= rank:
                if math.isinf(bound):
                    return lower
                inside = cumulative - below
                return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
            lower, below = bound, cumulative
        return lower


def steps(samples: Samples) -> list[Step]:
    """The histograms among one service's samples, one ``Step`` per label set."""
    buckets: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[float, float]]] = defaultdict(list)
    sums: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for (name, labels), value in samples.items():
        if name.endswith("_bucket"):
            le = dict(labels)["le"]
            rest = tuple((k, v) for k, v in labels if k != "le")
            buckets[(name.removesuffix("_bucket"), rest)].append((float(le), value))
        elif name.endswith("_sum"):
            sums[(name.removesuffix("_sum"), labels)] = value
    found = []
    for (base, labels), bounds in sorted(buckets.items()):
        bounds.sort()
        label = ",".join(v for _k, v in labels)
        name = base.removeprefix("shopdesk_") + (f"{{{label}}}" if label else "")
        found.append(Step(name, bounds[-1][1], sums.get((base, labels), 0.0), bounds))
    return found


def cpu_seconds(samples: Samples) -> float | None:
    """The process's CPU seconds (prometheus-client's process collector), when the service reports it."""
    return samples.get(("process_cpu_seconds_total", ()))


def _shown(step: Step, value: float) -> str:
    if step.name.endswith("_bytes"):
        return f"{value / 1024:.1f} KiB"
    return f"{value * 1000:.1f} ms"


def print_steps(cost: dict[str, Samples], turns: int, title: str) -> None:
    """Print what each service's steps cost over a run of ``turns`` answered turns."""
    if not cost or not turns:
        return
    print(f"  per-step timings ({title}; from each service's /metrics):")
    print(f"    {'service':<9}{'step':<58}{'n':>7}{'per turn':>9}{'mean':>11}{'p50':>11}{'p95':>11}")
    for service, samples in cost.items():
        for step in steps(samples):
            if not step.count:
                continue
            print(
                f"    {service:<9}{step.name:<58}{step.count:>7.0f}{step.count / turns:>9.2f}"
                f"{_shown(step, step.total / step.count):>11}{_shown(step, step.quantile(0.5)):>11}"
                f"{_shown(step, step.quantile(0.95)):>11}"
            )
    cpu = {s: cpu_seconds(samples) for s, samples in cost.items()}
    shown = [f"{s} {v / turns * 1000:.1f} ms" for s, v in cpu.items() if v is not None]
    if shown:
        print("    CPU per answered turn: " + ", ".join(shown))
