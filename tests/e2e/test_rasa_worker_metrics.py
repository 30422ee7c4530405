"""Rasa with two Sanic workers on one port (what ``SHOPDESK_RASA_WORKERS=2`` runs): every scrape of its
per-step metrics (``GET /webhooks/metrics/``) counts the turns both workers served, whichever answers it.

Each worker is a forked process with histograms of its own. Started as scripts/run.sh starts it
(``scripts/rasa_metrics_dir.sh``), Rasa runs in prometheus-client's multiprocess mode: the workers write
their samples to files in the metrics directory and a scrape sums them. The turns go out on connections of
their own, several conversations at once, so the kernel hands them to both workers; the test first checks
that both did serve turns (each worker's file in the directory), or a scrape of either would show them all
and prove nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.stack import Stack, new_sender, run_stack, texts

# two models loading at once on two busy cores can take minutes
pytestmark = [pytest.mark.rasa, pytest.mark.timeout(1200)]

TURNS = ("hello", "how long do refunds take?")  # a rule's response, then a custom action's answer
CONVERSATIONS_AT_ONCE = 4
MOST_ROUNDS = 6
SCRAPES = 5
TURN_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from run_stack(tmp_path_factory, rasa_workers=2)


def converse(rasa_url: str) -> int:
    """One conversation, each turn on a new connection (the kernel gives each to one worker); its turns."""
    me = new_sender()
    for text in TURNS:
        response = httpx.post(
            f"{rasa_url}/webhooks/rest/webhook", json={"sender": me, "message": text}, timeout=TURN_TIMEOUT
        )
        response.raise_for_status()
        assert texts(response.json()), text
    return len(TURNS)


def workers_that_counted(metrics_dir: Path, main_pid: int) -> set[int]:
    """The Rasa processes that recorded samples: prometheus-client names each process's file after its pid
    (``histogram_PID.db``); the main process, which serves nothing, wrote its empty one before forking."""
    pids = {int(m.group(1)) for f in metrics_dir.iterdir() if (m := re.fullmatch(r"\w+?_(\d+)\.db", f.name))}
    return pids - {main_pid}


def scraped_counts(rasa_url: str) -> dict[str, float]:
    """Each unlabelled histogram's count, and whether any process_* sample came, from one scrape on a new
    connection (so any worker may answer it)."""
    response = httpx.get(f"{rasa_url}/webhooks/metrics/", timeout=30)
    response.raise_for_status()
    return {
        s.name: s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
        if (s.name.endswith("_count") and not s.labels) or s.name.startswith("process_")
    }


def test_every_scrape_counts_the_turns_of_both_workers(two_workers: Stack) -> None:
    metrics_dir = two_workers.logs.parent / "rasa-metrics-0"
    sent = 0
    with ThreadPoolExecutor(max_workers=CONVERSATIONS_AT_ONCE) as pool:
        for _round in range(MOST_ROUNDS):
            at_once = [pool.submit(converse, two_workers.rasa_url) for _ in range(CONVERSATIONS_AT_ONCE)]
            sent += sum(c.result() for c in at_once)
            if len(workers_that_counted(metrics_dir, two_workers.rasa_pids[0])) == 2:
                break
    assert len(workers_that_counted(metrics_dir, two_workers.rasa_pids[0])) == 2, "one worker served all"

    for _scrape in range(SCRAPES):
        counts = scraped_counts(two_workers.rasa_url)
        assert counts.get("shopdesk_rasa_turn_seconds_count") == sent
        assert counts.get("shopdesk_rasa_nlu_seconds_count") == sent
        # per-process figures would be one worker's: prometheus-client leaves them out in this mode
        assert not [name for name in counts if name.startswith("process_")]
