"""Building the connector from the settings: the client, the sync, the webhook processor, the writes."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ShopdeskError
from bot.settings import Settings
from integrations.shopify.client import ShopifyClient, ShopifyConnection
from integrations.shopify.sync import ShopifySync
from integrations.shopify.webhooks import WebhookProcessor
from integrations.shopify.writes import ShopifyOrders


class NotConnected(ShopdeskError):
    """No shop is configured (SHOPDESK_SHOPIFY_SHOP and SHOPDESK_SHOPIFY_ACCESS_TOKEN)."""


def connection(settings: Settings) -> ShopifyConnection:
    if not settings.shopify_connected:
        raise NotConnected("set SHOPDESK_SHOPIFY_SHOP and SHOPDESK_SHOPIFY_ACCESS_TOKEN (docs/shopify.md)")
    return ShopifyConnection(
        shop=settings.shopify_shop,
        access_token=settings.shopify_access_token,
        api_version=settings.shopify_api_version,
        graphql_url=settings.shopify_graphql_url,
    )


# A shopper waits on the assistant's writes (and the action server's loop with them): fewer, shorter tries.
WRITE_ATTEMPTS, WRITE_MAX_WAIT = 3, 5.0


def shopify_sync(
    settings: Settings, sessions: sessionmaker[Session], *, for_writes: bool = False
) -> ShopifySync:
    client = (
        ShopifyClient(connection(settings), max_attempts=WRITE_ATTEMPTS, max_wait=WRITE_MAX_WAIT)
        if for_writes
        else ShopifyClient(connection(settings))
    )
    return ShopifySync(client, sessions, settings.policy, settings.clock)


def webhook_processor(settings: Settings, sessions: sessionmaker[Session]) -> WebhookProcessor:
    return WebhookProcessor(shopify_sync(settings, sessions), settings.clock)


def remote_orders(settings: Settings, sessions: sessionmaker[Session]) -> ShopifyOrders | None:
    """The writes port when a shop is connected, else ``None`` (changes stay in the database here)."""
    if not settings.shopify_connected:
        return None
    return ShopifyOrders(shopify_sync(settings, sessions, for_writes=True))
