"""Rasa's REST channel, seen from the gateway: one shopper turn in, the assistant's replies out."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bot.desk.conversations.model import Button
from integrations.gateway.metrics import Metrics

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with something other than a list of replies."""


@dataclass(frozen=True)
class RasaReply:
    text: str
    buttons: tuple[Button, ...]
    custom: dict[str, Any] | None  # machine payload for the gateway, never shown to the shopper
    image: str | None


def _reply(item: dict[str, Any]) -> RasaReply:
    buttons = tuple(
        Button(str(b.get("title", "")), str(b.get("payload", "")))
        for b in item.get("buttons") or ()
        if isinstance(b, dict) and b.get("title")
    )
    custom = item.get("custom")
    image = item.get("image")
    return RasaReply(
        text=str(item.get("text") or ""),
        buttons=buttons,
        custom=custom if isinstance(custom, dict) else ({"value": custom} if custom is not None else None),
        image=str(image) if image else None,
    )


# The request never reached Rasa (nothing listened, or the connection was not made in time): sending it
# again cannot run a turn twice. Anything later (a reset, a timeout waiting for the answer) might have.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


class RasaClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        timeout: float,
        metrics: Metrics,
        token: str = "",
        late_reply_timeout: float = 0.0,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self.turn_timeout = timeout  # what the shopper waits; ``ChatService`` enforces it
        # how long ``send`` keeps the connection open for a turn's answer that comes later than that
        self._send_timeout = timeout + late_reply_timeout
        self._metrics = metrics
        # Rasa's HTTP API takes its auth token as a query parameter; the REST channel needs none.
        self._api_params = {"token": token} if token else {}

    async def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """One request to Rasa (through the proxy in production), sent again once if it never left: a
        proxy or replica restarting refuses the connection before anything was sent."""
        url = f"{self._base}{path}"
        options.setdefault("timeout", self._timeout)
        try:
            return await self._http.request(method, url, **options)
        except NOT_SENT:
            log.info("Rasa refused the connection; trying once more")
            return await self._http.request(method, url, **options)

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[RasaReply]:
        started = time.perf_counter()
        try:
            response = await self._request(
                "POST",
                "/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
                timeout=self._send_timeout,
            )
            response.raise_for_status()
            body = response.json()
            if not isinstance(body, list):
                raise ValueError("expected a list of replies")
        except (httpx.HTTPError, ValueError) as exc:
            self._metrics.rasa_errors.inc()
            log.warning("Rasa turn failed for conversation %s: %s", sender, type(exc).__name__)
            raise RasaUnavailable from exc
        finally:
            self._metrics.rasa_latency.observe(time.perf_counter() - started)
        return [_reply(item) for item in body if isinstance(item, dict)]

    async def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker (slots and events), for the escalation record."""
        try:
            response = await self._request("GET", f"/conversations/{sender}/tracker", params=self._api_params)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            self._metrics.rasa_errors.inc()
            raise RasaUnavailable from exc
        return body if isinstance(body, dict) else {}

    async def append_event(self, sender: str, event: dict[str, Any]) -> None:
        """Append an event to the conversation, e.g. ``{"event": "pause"}`` while a person has it."""
        try:
            response = await self._request(
                "POST", f"/conversations/{sender}/tracker/events", json=event, params=self._api_params
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            self._metrics.rasa_errors.inc()
            log.warning("could not append %s to conversation %s", event.get("event"), sender)
            raise RasaUnavailable from exc
