"""Requests generated from the gateway's OpenAPI schema (hypothesis), on SQLite and PostgreSQL: whatever a
client sends to any documented operation, with or without valid credentials, the answer is never a server
error. The strategies here are hand-written around hostile strings (NUL, lone surrogates, markup, 5,000
characters) and tokens; ``test_schemathesis.py`` generates from the schema's own shapes with schemathesis."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.agents.store import AgentDirectory
from bot.settings import Settings
from integrations.gateway.app import create_app
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, serve

NASTY = ["", " ", "\x00", "\ud800", "😀", "<script>", "' OR 1=1 --", "{{7*7}}", "a" * 5000, "../../etc"]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=60))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@dataclass
class Api:
    http: httpx.Client = field(repr=False)
    schema: dict[str, Any] = field(repr=False)
    operations: list[tuple[str, str]]  # (method, path template)
    conversation_id: str
    shopper_token: str
    agent_token: str


@pytest.fixture
def gateway(database_url: str, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    engine = make_engine(database_url)
    AgentDirectory(make_session_factory(engine), system_clock).create("sam", "a long enough password", "Sam")
    engine.dispose()
    settings = Settings(database_url=database_url, rasa_url=RASA_URL, action_server_url=ACTIONS_URL)
    yield from serve(create_app(settings, transport=fake_rasa.transport))


@pytest.fixture
def api(gateway: ServedApp) -> Iterator[Api]:
    schema = gateway.app.openapi()
    operations = [
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method in ops
        if path.startswith("/api/")
    ]
    with httpx.Client(base_url=gateway.url, timeout=30) as http:
        started = http.post("/api/conversations").json()
        login = {"username": "sam", "password": "a long enough password"}
        agent_token = http.post("/api/agent/login", json=login).json()["token"]
        yield Api(http, schema, operations, started["id"], started["token"], agent_token)


def body_for(schema: dict[str, Any], ref: str | None) -> st.SearchStrategy[Any]:
    """A body shaped like the schema's (each property from ``text``/``json_value``), or anything at all."""
    if ref is None:
        return st.none() | json_value
    model = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    shaped = st.fixed_dictionaries(
        {},
        optional={
            name: text if spec.get("type") == "string" else json_value
            for name, spec in model["properties"].items()
        },
    )
    return st.one_of(shaped, json_value)


@st.composite
def requests(draw: st.DrawFn, api: Api) -> tuple[str, str, dict[str, str], Any]:
    method, template = draw(st.sampled_from(api.operations))
    operation = api.schema["paths"][template][method.lower()]
    path = template.replace(
        "{conversation_id}", draw(st.sampled_from([api.conversation_id, str(uuid.uuid4()), "x", "%00"]))
    ).replace("{escalation_id}", draw(st.sampled_from(["1", "0", "-1", "99999999999999999999", "x"])))
    token = draw(st.sampled_from([api.shopper_token, api.agent_token, "", "nope", "x" * 5000]))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    body = draw(body_for(api.schema, content.get("schema", {}).get("$ref")))
    return method, path, headers, body


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_generated_request_gets_a_server_error(api: Api, data: st.DataObject) -> None:
    method, path, headers, body = data.draw(requests(api))
    params = {"after": data.draw(st.sampled_from(["0", "-1", "x", "99999999999999999999"]))}
    content = json.dumps(body).encode()  # ASCII escapes: a lone surrogate travels as \\ud800
    response = api.http.request(
        method,
        path,
        params=params,
        content=content,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code < 500, (method, path, body, response.text)
    assert "Traceback" not in response.text
