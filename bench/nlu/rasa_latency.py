"""Parse latency of two Rasa models side by side, interleaved, so machine load hits both alike.

Runs *inside the Rasa venv*, with the repository root on PYTHONPATH (our pipeline components):

    PYTHONPATH=. <rasa-venv>/bin/python bench/nlu/rasa_latency.py BEFORE.tar.gz AFTER.tar.gz [--rounds 3]

Both models are loaded in one process; every text of the noisy shopper set (bench/nlu/noisy.yml) is
parsed by one model and then the other (which one goes first alternates), ``--rounds`` times, after a
warm-up pass. Prints p50/p95/p99 in milliseconds per model and the ratio of the p95s. On a shared
machine absolute times drift with the load; the interleaving keeps the comparison fair.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

import yaml


def texts() -> list[str]:
    with open(Path(__file__).with_name("noisy.yml"), encoding="utf-8") as f:
        messages = yaml.safe_load(f)["messages"]
    return [str(t) for lines in messages.values() for t in lines]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(paths: list[str], rounds: int) -> dict[str, list[float]]:
    from rasa.core.agent import Agent

    agents = [Agent.load(p) for p in paths]
    items = texts()
    for agent in agents:  # warm-up
        for text in items[:50]:
            await agent.parse_message(text)
    times: dict[str, list[float]] = {p: [] for p in paths}
    for r in range(rounds):
        for i, text in enumerate(items):
            order = list(zip(paths, agents, strict=True))
            if (i + r) % 2:
                order.reverse()
            for path, agent in order:
                started = time.perf_counter()
                await agent.parse_message(text)
                times[path].append(1000 * (time.perf_counter() - started))
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    times = asyncio.run(measure([args.before, args.after], args.rounds))
    p95 = {}
    for label, path in (("before", args.before), ("after", args.after)):
        t = times[path]
        p95[label] = percentile(t, 0.95)
        print(
            f"{label:7} p50 {statistics.median(t):6.2f} ms  p95 {p95[label]:6.2f} ms  "
            f"p99 {percentile(t, 0.99):6.2f} ms  ({len(t)} parses, {Path(path).name})"
        )
    print(f"p95 after / before: {p95['after'] / p95['before']:.2f}")


if __name__ == "__main__":
    main()
