"""Size and count limits that protect the gateway from large or numerous requests (rate limits, which
count requests over time, are ``ratelimit.py``).

- ``BodyLimit``: an ASGI middleware refusing a request body over ``max_bytes`` with 413, before any route
  parses it: at once when ``Content-Length`` says so, else as soon as the streamed body passes the limit.
  ``per_path`` gives an exact path a limit of its own (Shopify's webhooks, whose long orders outgrow the
  chat's 16 KiB); every other path keeps ``max_bytes``.
- ``SocketCaps``: how many WebSockets (the widget's and the console's) may wait for their first-frame token
  at once (per process), how many may be open on one conversation, and how many on one agent session.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.desk.agents.passwords import hash_token

TOO_LARGE = "The request is too large."


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, per_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(_route_path(scope), self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await JSONResponse({"detail": TOO_LARGE}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException met while reading the body: the client gets 413.
                    raise HTTPException(413, TOO_LARGE)
            return message

        await self.app(scope, limited, send)


def _route_path(scope: Scope) -> str:
    """The path the routes see: without the ``root_path`` a proxy mounts the gateway under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


class SocketCaps:
    def __init__(self, unauthenticated: int, per_conversation: int, per_agent_session: int) -> None:
        self.max_unauthenticated = unauthenticated
        self.max_per_conversation = per_conversation
        self.max_per_agent_session = per_agent_session
        self._unauthenticated = 0
        self._open: Counter[str] = Counter()

    @contextmanager
    def authenticating(self) -> Iterator[bool]:
        """A socket that has not shown a token yet; ``False`` when too many already wait."""
        if self._unauthenticated >= self.max_unauthenticated:
            yield False
            return
        self._unauthenticated += 1
        try:
            yield True
        finally:
            self._unauthenticated -= 1

    def open_on(self, conversation_id: str) -> AbstractContextManager[bool]:
        """A live socket on a conversation; ``False`` when the conversation has as many as allowed."""
        return self._counted(f"conversation:{conversation_id}", self.max_per_conversation)

    def open_for_agent(self, session_token: str) -> AbstractContextManager[bool]:
        """A console socket on an agent's session (one log-in); ``False`` when it has as many as allowed."""
        return self._counted(f"agent-session:{hash_token(session_token)}", self.max_per_agent_session)

    @contextmanager
    def _counted(self, key: str, limit: int) -> Iterator[bool]:
        if self._open[key] >= limit:
            yield False
            return
        self._open[key] += 1
        try:
            yield True
        finally:
            self._open[key] -= 1
            if not self._open[key]:
                del self._open[key]
