"""The running assistant as a web shopper reaches it: the gateway's public chat API over HTTP.

``POST /api/conversations`` opens a conversation (its token is the only way back in), ``POST
/api/conversations/{id}/messages`` sends text or a pressed button's payload and answers with the turn's
replies. Every request has a bounded timeout; a 429 is waited out as ``Retry-After`` says, a bounded
number of times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.ops.replay.check import Answer, Button, Reply

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 60.0  # the gateway itself gives up on the assistant after SHOPDESK_RASA_TIMEOUT (30 s)
RATE_LIMIT_RETRIES = 3
LONGEST_WAIT = 60.0


class GatewayError(Exception):
    """The gateway could not be reached or refused a request; the message says which and why."""


@dataclass(frozen=True)
class Chat:
    id: str
    token: str


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else response.reason_phrase


def _answer(body: dict[str, Any]) -> Answer:
    return Answer(
        replies=tuple(
            Reply(
                author=str(r.get("author", "")),
                text=str(r.get("text", "")),
                buttons=tuple(Button(str(b["title"]), str(b["payload"])) for b in r.get("buttons") or ()),
            )
            for r in body.get("replies") or ()
        ),
        status=str(body.get("status", "")),
        assistant_available=bool(body.get("assistant_available", True)),
    )


class Gateway:
    """One gateway; ``client`` is for tests (an ``httpx.MockTransport``), ``sleep`` waits out a 429."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        timeout: float = DEFAULT_TIMEOUT,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self._http = client or httpx.Client(
            base_url=self.url, timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0))
        )
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TimeoutException:
                raise GatewayError(f"the gateway at {self.url} did not answer within the timeout") from None
            except httpx.HTTPError as exc:
                problem = exc.__class__.__name__
                raise GatewayError(f"cannot reach the gateway at {self.url} ({problem})") from None
            if response.status_code != 429 or attempt == RATE_LIMIT_RETRIES:
                return response
            try:
                wait = float(response.headers.get("Retry-After", "1"))
            except ValueError:
                wait = 1.0
            self._sleep(min(max(wait, 0.0), LONGEST_WAIT))
        raise AssertionError("unreachable")  # pragma: no cover

    def ready(self) -> None:
        """Raise ``GatewayError`` unless the gateway says the assistant, the action server and the database
        all answer (``/health/ready``)."""
        response = self._request("GET", "/health/ready")
        if response.status_code == 200:
            return
        try:
            components = response.json().get("components", {})
            down = [f"{name}: {c.get('detail')}" for name, c in components.items() if not c.get("ok")]
        except (ValueError, AttributeError):
            down = []
        reason = "; ".join(down) if down else f"HTTP {response.status_code}"
        raise GatewayError(f"the assistant at {self.url} is not ready ({reason})")

    def start(self) -> Chat:
        response = self._request("POST", "/api/conversations")
        if response.status_code != 201:
            refused = f"HTTP {response.status_code} {_detail(response)}"
            raise GatewayError(f"could not start a conversation: {refused}")
        body = response.json()
        return Chat(str(body["id"]), str(body["token"]))

    def send(self, chat: Chat, text: str, payload: str | None = None) -> Answer:
        """The shopper types ``text`` (or presses the button titled ``text`` carrying ``payload``)."""
        body: dict[str, str] = {"text": text}
        if payload is not None:
            body["payload"] = payload
        response = self._request(
            "POST",
            f"/api/conversations/{chat.id}/messages",
            json=body,
            headers={"Authorization": f"Bearer {chat.token}"},
        )
        if response.status_code != 200:
            raise GatewayError(f"the message was refused: HTTP {response.status_code} {_detail(response)}")
        return _answer(response.json())
