"""Webhook signatures: Shopify's base64 HMAC-SHA256 of the raw body, with the app's secret."""

from __future__ import annotations

from integrations.shopify.webhooks import order_id_of, verify
from tests.shopify.fake_admin import API_SECRET, sign

BODY = b'{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508"}'


def test_a_body_signed_with_the_secret_is_accepted() -> None:
    assert verify(BODY, sign(BODY), API_SECRET)


def test_a_changed_body_a_wrong_secret_or_no_signature_is_refused() -> None:
    assert not verify(BODY + b" ", sign(BODY), API_SECRET)
    assert not verify(BODY, sign(BODY, "another-secret"), API_SECRET)
    assert not verify(BODY, None, API_SECRET)
    assert not verify(BODY, "", API_SECRET)
    assert not verify(BODY, sign(BODY), "")  # no secret configured: nothing verifies


def test_each_topic_names_its_order_where_shopify_puts_it() -> None:
    assert order_id_of("orders/updated", {"admin_graphql_api_id": "gid://shopify/Order/1"}) == (
        "gid://shopify/Order/1"
    )
    assert order_id_of("fulfillments/update", {"order_id": 2}) == "gid://shopify/Order/2"
    assert order_id_of("refunds/create", {"order_id": 3}) == "gid://shopify/Order/3"
    assert order_id_of("returns/request", {"order": {"admin_graphql_api_id": "gid://shopify/Order/4"}}) == (
        "gid://shopify/Order/4"
    )
