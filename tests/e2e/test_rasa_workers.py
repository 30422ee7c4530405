"""Two Rasa processes on one tracker store (what ``SHOPDESK_RASA_WORKERS=2`` runs as Sanic workers): one
conversation's turns are served one at a time whichever process gets them, different conversations at once.

Two ``rasa run`` on ports of their own stand for the two workers, so each turn is sent to the process the
test chooses (Sanic's workers share one socket and the kernel picks). They share the SQLite tracker
store and the conversation locks of ``endpoints.yml`` (``integrations/rasa_engine/sqlite_lock_store.py``).
The action server sits behind the stack's ``SlowProxy``: while it is held, a turn that reached its custom
action waits at the proxy, which counts it, so the test sees which turns are under way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.stack import Stack, new_sender, run_stack

# two models loading at once on two busy cores can take longer than the suite's 600 s a test
pytestmark = [pytest.mark.rasa, pytest.mark.timeout(1200)]

POLICY_QUESTION = "how long do refunds take?"  # answered by action_answer_policy, a custom action
TURN_TIMEOUT = 120.0
QUIET = 3.0  # seconds a turn that should wait gets to show up at the action server if it did not wait


@pytest.fixture(scope="module")
def two_rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from run_stack(tmp_path_factory, rasa_processes=2)


def say(rasa_url: str, sender: str, text: str) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=TURN_TIMEOUT
    )
    response.raise_for_status()
    replies: list[dict[str, Any]] = response.json()
    return replies


def turns(tracker: dict[str, Any]) -> list[list[str]]:
    """The conversation's events cut at each shopper message: the actions each turn ran, in order."""
    cut: list[list[str]] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            cut.append([])
        elif event["event"] == "action" and cut:
            cut[-1].append(event["name"])
    return cut


def test_one_conversation_runs_one_turn_at_a_time_across_processes_and_others_run_meanwhile(
    two_rasa: Stack,
) -> None:
    first, second = two_rasa.rasa_urls
    shopper, other_shopper = new_sender(), new_sender()
    proxy = two_rasa.proxy
    pending: list[Future[list[dict[str, Any]]]] = []
    with ThreadPoolExecutor(max_workers=3) as pool:
        proxy.hold()
        try:
            pending.append(pool.submit(say, first, shopper, POLICY_QUESTION))
            # the first turn is in its custom action, in the first process
            proxy.wait_for_held(1, TURN_TIMEOUT)
            # the same conversation's next turn, to the other process
            pending.append(pool.submit(say, second, shopper, POLICY_QUESTION))
            pending.append(pool.submit(say, second, other_shopper, POLICY_QUESTION))
            # Another conversation runs in the second process while the first process is mid-turn...
            proxy.wait_for_held(2, TURN_TIMEOUT)
            # ...while the shopper's second turn waits for the first to finish: it never reaches its action.
            time.sleep(QUIET)
            assert proxy.held == 2
            assert not pending[1].done()
        finally:
            proxy.release()
        replies = [future.result(timeout=TURN_TIMEOUT) for future in pending]
    assert all(replies), replies

    # Both turns of the shopper are in the tracker, whole and one after the other, seen from either process.
    for rasa_url in (first, second):
        response = httpx.get(
            f"{rasa_url}/conversations/{shopper}/tracker",
            params={"token": two_rasa.env["SHOPDESK_RASA_TOKEN"]},
            timeout=TURN_TIMEOUT,
        )
        response.raise_for_status()
        cut = turns(response.json())
        assert len(cut) == 2, cut
        for actions in cut:
            assert actions.count("action_answer_policy") == 1, cut
            assert actions[-1] == "action_listen", cut
