"""Cheaper calls from Rasa to the action server, with the same requests and the same answers.

Rasa 3.6 spends most of a call to the action server (``RemoteAction.run``) on two things that do not depend
on the call (docs/performance.md, "Cheaper action calls"):

- it checks the action server's answer with ``jsonschema.validate``, which first checks Rasa's response
  schema itself against the JSON Schema meta-schema: ~25 ms of CPU on every call, for a schema that never
  changes. ``_validate_action_result`` here builds the validator once and checks each answer with it: the
  same validator class, the same schema, the same error (``best_match``) with Rasa's hint appended;
- ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession``, so a new connection pool and a new TCP
  connection, for every request. ``request`` here sends the same request (method, URL, headers, token
  parameter, basic auth, TLS context, compression, timeout) through one session per event loop that keeps
  its connections alive (``KEEPALIVE_SECONDS``, well under the action server's 120 s, so the client drops
  an idle connection before the server would). ``close_sessions`` closes it when Rasa's server stops.

``credentials.yml`` names ``ActionCalls``, an ``EngineExtension`` (``engine_extension.py``): Rasa installs
the two replacements in its server when it reads its channels, and gives it ``close_sessions`` to run after
the server stops. The replaced names are Rasa 3.6 internals, pinned in requirements/rasa.lock.txt;
tests/e2e/test_action_calls.py fails if an upgrade renames them. This module runs in Rasa's environment: it
imports nothing of ``bot/``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from typing import Any

import aiohttp
from aiohttp.client_exceptions import ContentTypeError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

from integrations.rasa_engine.engine_extension import EngineExtension

log = logging.getLogger(__name__)

# An idle connection is closed by the client after this long; the action server (rasa-sdk's Sanic) keeps one
# open for 120 s, so the client never sends on a connection the server is closing.
KEEPALIVE_SECONDS = 15.0

_installed = False
_validator: Validator | None = None
_sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}


# -- the answer's check ------------------------------------------------------------------------------------


def response_validator() -> Validator:
    """The validator of Rasa's action-server response schema, built (and its schema checked) once."""
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result``, with the validator built once."""
    error = best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


# -- the HTTP session ---------------------------------------------------------------------------------------


def shared_session() -> aiohttp.ClientSession:
    """This event loop's session, created on first use (a session belongs to the loop it was made in)."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        for gone in [other for other in _sessions if other.is_closed()]:
            del _sessions[gone]
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        )
        _sessions[loop] = session
    return session


async def close_sessions() -> None:
    """Close this event loop's session and its connections (Rasa's server is stopping)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


def _ssl_context(cafile: str | None) -> ssl.SSLContext | None:
    if not cafile:
        return None
    try:
        return ssl.create_default_context(cafile=cafile)
    except FileNotFoundError as e:
        raise FileNotFoundException(
            f"Failed to find certificate file, '{os.path.abspath(cafile)}' does not exist."
        ) from e


async def request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any:
    """Rasa's ``EndpointConfig.request`` (the same request, the same answer and errors), sent through the
    loop's shared session instead of a new one. Rasa set the endpoint's headers and basic auth on its
    per-request session; here they go on the request."""
    headers: dict[str, Any] = {}
    if content_type:
        headers["Content-Type"] = content_type
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers)
    auth = None
    if self.basic_auth:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
    async with shared_session().request(
        method,
        concat_url(self.url, subpath),
        headers=headers,
        params=self.combine_parameters(kwargs),
        compress=compress,
        ssl=_ssl_context(self.cafile),
        auth=auth,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json()
        except ContentTypeError:
            return None


def install() -> None:
    """Replace the two steps, once per process."""
    global _installed
    if not _installed:
        RemoteAction._validate_action_result = _validate_action_result
        EndpointConfig.request = request
        _installed = True
        log.info("Shopdesk action calls: one validator, one keep-alive session per event loop")


class ActionCalls(EngineExtension, name="action_calls", install=install, after_server_stop=close_sessions):
    """Not a chat channel: makes Rasa's calls to the action server cheaper (see the module's docstring)."""
