"""Rasa's calls to the action server (integrations/rasa_engine/action_calls.py): one kept-alive connection
for many calls, and the answers checked against Rasa's schema by a validator whose schema is checked once."""

from __future__ import annotations

import pytest

from bot.ops.demo_data import SHOWCASE
from tests.e2e.rasa_env import run_in_rasa_env
from tests.e2e.test_step_timings import counts
from tests.stack import Stack, new_sender, texts

pytestmark = pytest.mark.rasa

# Runs in Rasa's environment: three valid answers and an invalid one, through RemoteAction with our
# validator installed; reports how often the response schema itself was checked and the rejection.
VALIDATION_SCRIPT = """
import json
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from integrations.rasa_engine import action_calls

schema_checks = 0
cls = validator_for(RemoteAction.action_response_format_spec())
check_schema = cls.check_schema

def counted(_cls, schema, *args, **kwargs):
    global schema_checks
    schema_checks += 1
    return check_schema(schema, *args, **kwargs)

cls.check_schema = classmethod(counted)
action_calls.install()
action = RemoteAction("action_answer_policy", None)
answer = {
    "events": [{"event": "slot", "name": "order_number", "value": "SD-10001"}],
    "responses": [{"text": "hi"}],
}
valid = [action._validate_action_result(answer) for _ in range(3)]
try:
    action._validate_action_result({"events": "not a list of events"})
    rejected = None
except ValidationError as error:
    rejected = error.message
print(json.dumps({"valid": valid, "schema_checks": schema_checks, "rejected": rejected}))
"""


def test_answers_are_checked_against_rasas_schema_which_is_itself_checked_once() -> None:
    report = run_in_rasa_env(VALIDATION_SCRIPT)
    assert report["valid"] == [True, True, True]
    assert report["schema_checks"] <= 1
    assert report["rejected"] is not None
    assert "Failed to validate Action server response" in report["rejected"]


def test_rasa_calls_the_action_server_over_one_kept_alive_connection(stack: Stack) -> None:
    case = next(c for c in SHOWCASE if c.kind == "in_transit_on_time")
    metrics = f"{stack.rasa_url}/webhooks/metrics/"
    calls_before, connections_before = counts(metrics), stack.proxy.connections

    me = new_sender()
    stack.say(me, f"where is my order {case.number}?")
    assert case.number in texts(stack.say(me, case.email))
    assert "refund" in texts(stack.say(me, "how long do refunds take?")).lower()

    calls = sum(
        value - calls_before.get(key, 0.0)
        for key, value in counts(metrics).items()
        if key[0] == "shopdesk_rasa_action_call_seconds"
    )
    assert calls >= 3
    assert stack.proxy.connections - connections_before <= 1
