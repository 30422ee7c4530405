"""Only the gateway talks to Rasa's HTTP API, and only Rasa runs actions: both want their token."""

from __future__ import annotations

import httpx
import pytest

from tests.stack import Stack

pytestmark = pytest.mark.rasa


def test_rasa_http_api_refuses_a_request_without_its_token(stack: Stack) -> None:
    for path in ("/status", "/conversations/someone-else/tracker"):
        assert httpx.get(f"{stack.rasa_url}{path}", timeout=10).status_code == 401
    wrong = httpx.get(f"{stack.rasa_url}/status", params={"token": "guess"}, timeout=10)
    assert wrong.status_code == 401
    assert stack.tracker("someone-else")["sender_id"] == "someone-else"  # the right token reads it


def test_the_model_cannot_be_replaced_without_the_token(stack: Stack) -> None:
    response = httpx.put(f"{stack.rasa_url}/model", json={"model_file": "/tmp/evil.tar.gz"}, timeout=10)
    assert response.status_code == 401


def test_the_action_server_runs_no_action_without_rasas_token(stack: Stack) -> None:
    call = {
        "next_action": "action_order_status",
        "sender_id": "x",
        "tracker": {"sender_id": "x", "slots": {}, "latest_message": {}, "events": []},
        "domain": {},
        "version": "3.6.21",
    }
    refused = httpx.post(f"{stack.actions_url}/webhook", json=call, timeout=10)
    forged = httpx.post(f"{stack.actions_url}/webhook", params={"token": "guess"}, json=call, timeout=10)
    assert refused.status_code == 401 and forged.status_code == 401
    assert httpx.get(f"{stack.actions_url}/health", timeout=10).status_code == 200
