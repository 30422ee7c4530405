"""``shopdesk shopify backfill|reconcile|status``: the operator's commands for a connected Shopify store.

    shopdesk shopify backfill [--since ISO] [--page-size N]   every order (or those updated since)
    shopdesk shopify reconcile                                 orders updated since the last sync
    shopdesk shopify status                                    the shop, what has been synced

The gateway runs the reconcile by itself every ``SHOPDESK_SHOPIFY_RECONCILE_HOURS`` (``schedule.py``); a
reconcile made here is recorded as its last run too (``status`` shows it).

Registered by ``bot/ops/cli.py``. Settings (``SHOPDESK_SHOPIFY_*``) come from ``bot.settings``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import parse_instant, system_clock
from bot.db import make_engine, make_session_factory
from bot.settings import Settings
from integrations.shopify import queries, store
from integrations.shopify.connect import shopify_sync
from integrations.shopify.schedule import record
from integrations.shopify.store import ReconcileRun
from integrations.shopify.sync import PAGE_SIZE, ShopifySync, SyncReport


@contextmanager
def _connected() -> Iterator[tuple[Settings, sessionmaker[Session], ShopifySync]]:
    """The settings, the order system's sessions and the store's sync, for one command; all closed after."""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        sessions = make_session_factory(engine)
        sync = shopify_sync(settings, sessions)
        with sync.client:
            yield settings, sessions, sync
    finally:
        engine.dispose()


def _report(report: SyncReport) -> int:
    print(f"Shopify: {report}")
    for problem in report.problems:
        print(f"  not written: {problem}")
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    since = parse_instant(args.since) if args.since else None
    with _connected() as (_, _, sync):
        return _report(sync.backfill(since, page_size=args.page_size))


def cmd_reconcile(args: argparse.Namespace) -> int:
    with _connected() as (_, sessions, sync):
        report = sync.reconcile()
        # the gateway's scheduled reconcile counts from this run too (integrations/shopify/schedule.py)
        record(sessions, ReconcileRun(system_clock(), "ok"))
    return _report(report)


def cmd_status(args: argparse.Namespace) -> int:
    with _connected() as (settings, sessions, sync):
        shop = sync.client.execute(queries.SHOP)["shop"]
        print(f"connected to {shop['name']} ({shop['myshopifyDomain']}), currency {shop['currencyCode']}")
        if shop["currencyCode"] != settings.policy.currency:
            print(f"  warning: the policy's currency is {settings.policy.currency}")
        with sessions() as session:
            synced = store.sync_status(session)
        print(
            f"orders synced: {synced['orders']}, newest Shopify version: {synced['newest_version'] or '-'}, "
            f"last sync: {synced['last_synced_at'] or '-'}, webhooks processed: {synced['webhooks']}"
        )
        last = synced["last_reconcile"]
        every = settings.shopify_reconcile_hours
        schedule = f"every {every:g} h in the gateway" if every > 0 else "not scheduled in the gateway"
        ran = "never" if not isinstance(last, ReconcileRun) else f"{last.at.isoformat()} ({last.outcome})"
        print(f"last reconcile: {ran}; {schedule}")
        return 0


def register(sub: Any) -> None:
    shopify = sub.add_parser("shopify", help="a connected Shopify store: backfill, reconcile, status")
    commands = shopify.add_subparsers(dest="shopify_command", required=True)
    backfill = commands.add_parser("backfill", help="read every order (or those updated since --since)")
    backfill.add_argument("--since", help="ISO 8601 instant: only orders updated at or after it")
    backfill.add_argument("--page-size", type=int, default=PAGE_SIZE, help=f"orders per page ({PAGE_SIZE})")
    backfill.set_defaults(func=cmd_backfill)
    reconcile = commands.add_parser("reconcile", help="orders updated since the last sync (also scheduled)")
    reconcile.set_defaults(func=cmd_reconcile)
    commands.add_parser("status", help="the shop and what has been synced").set_defaults(func=cmd_status)
