"""The reconcile on a schedule: the gateway runs ``ShopifySync.reconcile`` every
``SHOPDESK_SHOPIFY_RECONCILE_HOURS`` (on the one replica that leads ``shopify-reconcile``,
``routes/shopify.py``), so an order whose webhook was lost still reaches the order system.

When the next run is due is counted from the last one recorded in the database (``store.last_reconcile``,
also written by ``shopdesk shopify reconcile``), not from the gateway's start: a restart, a deploy or the
lead moving to another replica neither repeats a run nor skips one. A run that failed (Shopify down beyond
the client's retries, the database away) is logged without personal data, recorded as failed and tried
again after ``RETRY_AFTER_FAILURE`` (or the interval, when shorter). The walk itself is synchronous
(httpx, SQLAlchemy) and runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.clock import Clock, system_clock
from integrations.shopify import store
from integrations.shopify.client import ShopifyError
from integrations.shopify.store import ReconcileRun
from integrations.shopify.sync import ShopifySync

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = timedelta(hours=1)
# The schedule looks at the recorded run at least this often, so a run made meanwhile by
# `shopdesk shopify reconcile` (or a corrected clock) moves the next one.
RECHECK = timedelta(hours=1)


def seconds_until_due(last: ReconcileRun | None, now: datetime, every: timedelta) -> float:
    """How long until the next reconcile: at once when none is recorded; ``every`` after a run that went
    well, sooner after one that failed. Never longer than ``every``, even if the clock went back."""
    if last is None:
        return 0.0
    wait = every if last.ok else min(every, RETRY_AFTER_FAILURE)
    return min(max(0.0, (last.at + wait - now).total_seconds()), every.total_seconds())


def read_last(sessions: sessionmaker[Session]) -> ReconcileRun | None:
    with sessions() as session:
        return store.last_reconcile(session)


def record(sessions: sessionmaker[Session], run: ReconcileRun) -> None:
    with sessions.begin() as session:
        store.record_reconcile(session, run)


def reconcile_and_record(sync: ShopifySync, clock: Clock = system_clock) -> ReconcileRun:
    """One reconcile, its end recorded (ok or failed); a failure to record it is raised."""
    try:
        report = sync.reconcile()
    except ShopifyError as exc:  # its message says what Shopify answered; no order data in it
        log.warning("Shopify reconcile failed (%s: %s); it will be tried again", type(exc).__name__, exc)
        run = ReconcileRun(clock(), f"failed: {type(exc).__name__}")
    except Exception as exc:
        # the type only: a database error's text can quote the values it was writing
        log.error("Shopify reconcile failed (%s); it will be tried again", type(exc).__name__)
        run = ReconcileRun(clock(), f"failed: {type(exc).__name__}")
    else:
        if report.problems:
            log.warning(
                "Shopify reconcile: %d order(s) not written (see `shopdesk shopify reconcile`)",
                len(report.problems),
            )
        run = ReconcileRun(clock(), "ok")
    record(sync.sessions, run)
    return run


async def reconcile_every(sync: ShopifySync, every: timedelta, clock: Clock = system_clock) -> None:
    """Until cancelled: wait until a reconcile is due, run it in a worker thread, record it."""
    while True:
        try:
            wait = seconds_until_due(await run_in_threadpool(read_last, sync.sessions), clock(), every)
            if wait <= 0:
                await run_in_threadpool(reconcile_and_record, sync, clock)
                continue
        except Exception as exc:  # the database is away: look again later
            log.error("the Shopify reconcile schedule failed (%s); it will try again", type(exc).__name__)
            wait = min(every, RETRY_AFTER_FAILURE).total_seconds()
        await asyncio.sleep(min(wait, RECHECK.total_seconds()))
