"""The GraphQL client's retries on what goes wrong between us and Shopify (httpx.MockTransport: the
failures are scripted; the cost limits and 429 against the served fake are in test_sync.py)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from integrations.shopify.client import ShopifyClient, ShopifyConnection, ShopifyError

SHOP_QUERY = "query ShopdeskShop { shop { name } }"
OK = {
    "data": {"shop": {"name": "Maple"}},
    "extensions": {
        "cost": {
            "requestedQueryCost": 1,
            "actualQueryCost": 1,
            "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 999, "restoreRate": 50},
        }
    },
}


def client_answering(
    *answers: Callable[[httpx.Request], httpx.Response],
) -> tuple[ShopifyClient, list[float]]:
    script = iter(answers)
    waits: list[float] = []
    transport = httpx.MockTransport(lambda request: next(script)(request))
    connection = ShopifyConnection(shop="maple.myshopify.com", access_token="shpat_x")
    return ShopifyClient(connection, transport=transport, sleep=waits.append), waits


def ok(request: httpx.Request) -> httpx.Response:
    assert request.headers["X-Shopify-Access-Token"] == "shpat_x"
    assert request.url == "https://maple.myshopify.com/admin/api/2025-07/graphql.json"
    assert json.loads(request.content)["query"] == SHOP_QUERY
    return httpx.Response(200, json=OK)


def bad_gateway(request: httpx.Request) -> httpx.Response:
    return httpx.Response(502, text="Bad Gateway")


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def test_a_server_error_and_a_network_error_are_retried_with_growing_waits() -> None:
    client, waits = client_answering(bad_gateway, refused, ok)
    with client:
        assert client.execute(SHOP_QUERY) == {"shop": {"name": "Maple"}}
    assert waits == [0.5, 1.0]


def test_a_refused_token_is_an_error_at_once_that_names_the_setting() -> None:
    client, waits = client_answering(lambda request: httpx.Response(401, json={"errors": "Invalid API key"}))
    with client, pytest.raises(ShopifyError, match="SHOPDESK_SHOPIFY_ACCESS_TOKEN"):
        client.execute(SHOP_QUERY)
    assert waits == []


def test_graphql_errors_other_than_throttling_are_not_retried() -> None:
    answer = {"errors": [{"message": "Field 'nope' doesn't exist on type 'Shop'"}]}
    client, waits = client_answering(lambda request: httpx.Response(200, json=answer))
    with client, pytest.raises(ShopifyError, match="doesn't exist"):
        client.execute(SHOP_QUERY)
    assert waits == []
