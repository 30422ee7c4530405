"""The Shopify Admin GraphQL API over httpx: one ``execute(query, variables)`` that respects Shopify's limits.

Shopify meters GraphQL by *cost*: each shop has a bucket of points (``maximumAvailable``) refilled at
``restoreRate`` points a second, and every response reports the bucket in
``extensions.cost.throttleStatus``. The client remembers the last report and, before a query, waits until
the bucket should hold the query's expected cost (the ``requestedQueryCost`` it last saw for that query).
When Shopify still answers ``THROTTLED`` (another app shares the bucket) it waits for the missing points
and tries again; an HTTP 429 is retried after its ``Retry-After``; a 5xx or a network error after an
exponential back-off. ``ShopifyError`` says what finally went wrong.

Credentials come from ``bot.settings.Settings`` (``SHOPDESK_SHOPIFY_*``); the access token travels in
``X-Shopify-Access-Token`` and is never logged.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.errors import ShopdeskError

log = logging.getLogger(__name__)

DEFAULT_API_VERSION = "2025-07"
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 0.5
MAX_WAIT_SECONDS = 30.0


class ShopifyError(ShopdeskError):
    """Shopify could not be reached, refused the credentials, or answered with errors after retries."""


class ShopifyUnavailable(ShopifyError):
    """Shopify did not answer usefully (network, 429 or 5xx) within the retries: nothing was done."""


@dataclass(frozen=True)
class ShopifyConnection:
    """Where the shop's Admin API is and how to authenticate; ``graphql_url`` overrides the address
    (a local fake in tests, a proxy)."""

    shop: str  # "my-shop.myshopify.com"
    access_token: str
    api_version: str = DEFAULT_API_VERSION
    graphql_url: str | None = None

    @property
    def url(self) -> str:
        return self.graphql_url or f"https://{self.shop}/admin/api/{self.api_version}/graphql.json"


@dataclass(frozen=True)
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float

    def seconds_until(self, cost: float) -> float:
        missing = min(cost, self.maximum_available) - self.currently_available
        return 0.0 if missing <= 0 or self.restore_rate <= 0 else missing / self.restore_rate


def _throttle_of(body: dict[str, Any]) -> tuple[ThrottleStatus | None, float | None]:
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus")
    throttle = (
        None
        if not status
        else ThrottleStatus(
            float(status["maximumAvailable"]),
            float(status["currentlyAvailable"]),
            float(status["restoreRate"]),
        )
    )
    requested = cost.get("requestedQueryCost")
    return throttle, None if requested is None else float(requested)


def _throttled(body: dict[str, Any]) -> bool:
    return any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in body.get("errors") or [])


def _retry_after(response: httpx.Response, attempt: int) -> float:
    header = response.headers.get("Retry-After", "")
    try:
        return float(min(max(float(header), 0.0), MAX_WAIT_SECONDS))
    except ValueError:
        return float(min(BACKOFF_SECONDS * 2.0**attempt, MAX_WAIT_SECONDS))


class ShopifyClient:
    """A synchronous client (the CLI, the action server's writes and the webhook route's worker thread
    all call it); ``sleep`` is injectable so a test can see the waits without assuming their length."""

    def __init__(
        self,
        connection: ShopifyConnection,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 20.0,
        max_attempts: int = MAX_ATTEMPTS,
        max_wait: float = MAX_WAIT_SECONDS,
    ) -> None:
        """``max_attempts``, ``max_wait``: smaller for a shopper waiting on a write than for a backfill."""
        self.connection = connection
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self._sleep = sleep
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={
                "X-Shopify-Access-Token": connection.access_token,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        self.throttle: ThrottleStatus | None = None
        self._costs: dict[str, float] = {}  # query digest -> the cost Shopify last asked for it

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, seconds: float, why: str) -> None:
        seconds = min(seconds, self.max_wait)
        if seconds > 0:
            log.info("Shopify: waiting %.2f s (%s)", seconds, why)
            self._sleep(seconds)

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of a GraphQL operation; raises ``ShopifyError`` for GraphQL errors (not user
        errors of a mutation, which are data) and ``ShopifyUnavailable`` when the retries run out."""
        key = hashlib.sha256(query.encode()).hexdigest()
        for attempt in range(self.max_attempts):
            if self.throttle is not None and key in self._costs:
                self._wait(self.throttle.seconds_until(self._costs[key]), "query cost above what is left")
            try:
                response = self._http.post(self.connection.url, json={"query": query, "variables": variables})
            except httpx.TransportError as exc:
                log.warning("Shopify: %s (attempt %d)", type(exc).__name__, attempt + 1)
                self._wait(BACKOFF_SECONDS * 2**attempt, "network error")
                continue
            if response.status_code == 429:
                self._wait(_retry_after(response, attempt), "HTTP 429")
                continue
            if response.status_code >= 500:
                log.warning("Shopify: HTTP %d (attempt %d)", response.status_code, attempt + 1)
                self._wait(BACKOFF_SECONDS * 2**attempt, f"HTTP {response.status_code}")
                continue
            if response.status_code in (401, 403):
                raise ShopifyError(
                    f"Shopify refused the access token (HTTP {response.status_code}): check "
                    "SHOPDESK_SHOPIFY_ACCESS_TOKEN and the app's scopes"
                )
            if response.status_code != 200:
                raise ShopifyError(f"Shopify answered HTTP {response.status_code}")
            body: dict[str, Any] = response.json()
            throttle, requested = _throttle_of(body)
            if throttle is not None:
                self.throttle = throttle
            if requested is not None:
                self._costs[key] = requested
            if _throttled(body):
                wait = throttle.seconds_until(requested or 1) if throttle else BACKOFF_SECONDS * 2**attempt
                self._wait(max(wait, 0.05), "GraphQL cost limit (THROTTLED)")
                continue
            if body.get("errors"):
                messages = "; ".join(str(e.get("message")) for e in body["errors"])
                raise ShopifyError(f"Shopify GraphQL errors: {messages}")
            data: dict[str, Any] = body.get("data") or {}
            return data
        raise ShopifyUnavailable(f"Shopify did not answer after {self.max_attempts} attempts")
