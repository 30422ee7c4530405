"""schemathesis against the gateway's OpenAPI schema, on SQLite and PostgreSQL: requests generated from the
schema the gateway serves (``/openapi.json``), valid ones and ones that break it (schemathesis's positive and
negative modes), sent over loopback to every documented operation with a shopper's, an agent's, a wrong or
no token, on a real conversation or a made-up one. None may get a server error.

``test_generated_requests.py`` does the same with hand-written strategies of hostile strings (NUL, lone
surrogates, markup, 5,000 characters) that the schema's own shapes rarely produce.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.agents.store import AgentDirectory
from bot.ops.demo_data import DEMO_NOW
from bot.settings import Settings
from integrations.gateway.app import create_app
from integrations.gateway.chat import PERSON_PAYLOAD
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, serve
from tests.gateway.test_handoff import Agent as ConsoleAgent
from tests.gateway.test_handoff import on_duty

PASSWORD = "a long enough password"


@dataclass
class Api:
    url: str
    cases: st.SearchStrategy[Case] = field(repr=False)
    tokens: list[str] = field(repr=False)  # a shopper's, an agent's, wrong ones


@pytest.fixture
def gateway(database_url: str, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    engine = make_engine(database_url)
    AgentDirectory(make_session_factory(engine), system_clock).create("sam", PASSWORD, "Sam")
    engine.dispose()
    settings = Settings(
        database_url=database_url, rasa_url=RASA_URL, action_server_url=ACTIONS_URL, now=DEMO_NOW.isoformat()
    )
    yield from serve(create_app(settings, transport=fake_rasa.transport))


@pytest.fixture
def api(gateway: ServedApp, fake_rasa: FakeRasa) -> Iterator[Api]:
    """The schema, and a conversation escalated to a person (the offer made while Rasa is down, taken) at
    the demo's "now", in support hours, queued for an agent whose console stays open during the run."""
    with httpx.Client(base_url=gateway.url, timeout=30) as http, ExitStack() as console:
        sam = ConsoleAgent(http, "sam", PASSWORD)
        console.enter_context(on_duty(gateway, sam))
        started = http.post("/api/conversations").json()
        shopper = {"Authorization": f"Bearer {started['token']}"}
        messages = f"/api/conversations/{started['id']}/messages"
        fake_rasa.down = True
        http.post(messages, json={"text": "hello"}, headers=shopper)
        fake_rasa.down = False
        person = {"text": "Talk to a person", "payload": PERSON_PAYLOAD}
        assert http.post(messages, json=person, headers=shopper).json()["status"] == "queued"
        (queued,) = sam.get("/queue").json()
        # Logging out would end the agent's session for the rest of the run (test_console_live.py covers it).
        schema = schemathesis.openapi.from_url(f"{gateway.url}/openapi.json").exclude(
            path="/api/agent/logout"
        )
        real_ids = {"conversation_id": started["id"], "escalation_id": queued["id"]}
        cases = st.one_of(
            schema.as_strategy(mode, path_parameters=ids)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            for ids in (real_ids, None)
        )
        yield Api(gateway.url, cases, [started["token"], sam.token, "nope", "x" * 5000, ""])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_schemathesis_finds_no_server_error(api: Api, data: st.DataObject) -> None:
    case = data.draw(api.cases)
    token = data.draw(st.sampled_from(api.tokens))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = case.call(base_url=api.url, headers=headers, timeout=30)
    assert response.status_code < 500, case.as_curl_command()
    assert "Traceback" not in response.text
