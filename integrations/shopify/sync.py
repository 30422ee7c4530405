"""Backfill and reconcile: every Shopify order (or those updated since a time) into the order system.

The Admin GraphQL ``orders`` connection is read page by page (``first`` + ``after`` cursor, sorted by
``UPDATED_AT``); each page is mapped and written in its own transaction, so an interrupted backfill keeps
what it wrote and a rerun continues safely (writes are idempotent, older versions are ignored). The
reconcile is the same walk limited to ``updated_at:>=`` the newest version stored minus a margin: it
catches what a lost webhook missed. The client handles Shopify's cost limits and retries.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.ops.order_io import ImportValidationError
from bot.policy import Policy
from integrations.shopify import queries, store
from integrations.shopify.client import ShopifyClient
from integrations.shopify.mapping import UnmappableOrder, order_record
from integrations.shopify.store import Applied

log = logging.getLogger(__name__)

PAGE_SIZE = 50
RECONCILE_MARGIN = timedelta(hours=1)


@dataclass
class SyncReport:
    pages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # orders that could not be written, and why

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items())) or "no orders"
        skipped = f"; {len(self.problems)} not written" if self.problems else ""
        return f"{self.pages} page(s): {counts}{skipped}"


def search_since(instant: datetime) -> str:
    """Shopify's search syntax for "updated at or after" (UTC, seconds)."""
    return f"updated_at:>='{instant.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


class ShopifySync:
    def __init__(
        self, client: ShopifyClient, sessions: sessionmaker[Session], policy: Policy, clock: Clock
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.policy = policy
        self.clock = clock

    def apply_node(self, node: dict[str, Any]) -> str:
        """Map and write one Shopify order in its own transaction; the outcome's name."""
        try:
            record = order_record(node, self.policy)
            with self.sessions.begin() as session:
                return store.apply(session, record, self.policy.order_numbers, self.clock()).value
        except UnmappableOrder as exc:
            log.warning("Shopify order not written: %s", exc)
            return "unmappable"

    def fetch_order(self, external_id: str) -> dict[str, Any] | None:
        node: dict[str, Any] | None = self.client.execute(queries.ORDER, {"id": external_id}).get("order")
        return node

    def refresh(self, external_id: str) -> str:
        """Fetch one order as Shopify has it now and write it (a webhook's work, and after a write)."""
        node = self.fetch_order(external_id)
        if node is None:
            return "gone"
        return self.apply_node(node)

    def backfill(self, since: datetime | None = None, page_size: int = PAGE_SIZE) -> SyncReport:
        report = SyncReport()
        after: str | None = None
        search = None if since is None else search_since(since)
        while True:
            data = self.client.execute(
                queries.ORDERS_PAGE, {"first": page_size, "after": after, "query": search}
            )
            page = data["orders"]
            report.pages += 1
            for node in page["nodes"]:
                try:
                    outcome = self.apply_node(node)
                except ImportValidationError as exc:
                    outcome = "invalid"
                    report.problems.append(f"{node.get('name')}: {'; '.join(exc.errors)}")
                if outcome == "unmappable":
                    report.problems.append(f"{node.get('name')}: not mappable (see the log)")
                report.outcomes[outcome] += 1
            info = page["pageInfo"]
            if not info["hasNextPage"]:
                break
            after = info["endCursor"]
        log.info("Shopify sync: %s", report)
        return report

    def reconcile(self) -> SyncReport:
        """Orders updated since the newest stored version (less ``RECONCILE_MARGIN``); all when none is."""
        with self.sessions() as session:
            newest = store.sync_status(session)["newest_version"]
        since = None if not isinstance(newest, datetime) else newest - RECONCILE_MARGIN
        return self.backfill(since)


__all__ = ["Applied", "ShopifySync", "SyncReport", "search_since"]
