"""Writing mapped Shopify orders into the order system, newest version wins.

``apply`` writes one ``OrderRecord`` through the order import (``bot.ops.order_io``), in the caller's
transaction, unless the stored version is newer: Shopify's ``updatedAt`` of the version stored is kept in
``external_orders``, so a late webhook or a slow reconcile page never overwrites a newer state. What the
order system knows and Shopify does not (a return's instructions and idempotency key, written when the
assistant opened it) is carried over. ``remember_event`` records a webhook id so a second delivery changes
nothing. ``record_reconcile`` keeps when the last reconcile ran and how it ended, in the same table (one
row, topic ``shopdesk/reconcile``): ``shopdesk shopify status`` shows it and the gateway's schedule
(``schedule.py``) counts from it.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.language.order_numbers import OrderNumbers
from bot.ops.order_io import import_data
from bot.orders.tables import ExternalEventRow, ExternalOrderRow, OrderRow
from integrations.shopify.mapping import SOURCE, OrderRecord

log = logging.getLogger(__name__)

# The row that records the last reconcile: no webhook id looks like this (Shopify's are UUIDs).
RECONCILE_EVENT = "shopdesk:last-reconcile"
RECONCILE_TOPIC = "shopdesk/reconcile"


class Applied(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the same version again
    STALE = "stale"  # older than the stored version: ignored


def stored_version(session: Session, external_id: str) -> datetime | None:
    return session.scalar(
        select(ExternalOrderRow.source_updated_at).where(
            ExternalOrderRow.source == SOURCE, ExternalOrderRow.external_id == external_id
        )
    )


def external_id_of(session: Session, order_number: str) -> str | None:
    return session.scalar(
        select(ExternalOrderRow.external_id)
        .join(OrderRow, OrderRow.id == ExternalOrderRow.order_id)
        .where(ExternalOrderRow.source == SOURCE, OrderRow.number == order_number)
    )


def _keep_local_return_facts(session: Session, record: OrderRecord) -> None:
    row = session.scalars(
        select(OrderRow).options(selectinload(OrderRow.returns)).where(OrderRow.number == record.number)
    ).one_or_none()
    if row is None:
        return
    local = {r.rma_number: r for r in row.returns}
    for entry in record.order["returns"]:
        known = local.get(entry["rma_number"])
        if known is not None:
            entry["instructions"] = entry.get("instructions") or known.instructions
            entry["idempotency_key"] = known.idempotency_key


def apply(session: Session, record: OrderRecord, numbers: OrderNumbers, now: datetime) -> Applied:
    """Write the record unless a newer version is stored; the caller commits."""
    link = session.scalars(
        select(ExternalOrderRow).where(
            ExternalOrderRow.source == SOURCE, ExternalOrderRow.external_id == record.external_id
        )
    ).one_or_none()
    if link is not None and record.updated_at < link.source_updated_at:
        log.info("Shopify order %s: version older than the stored one, ignored", record.external_id)
        return Applied.STALE
    if link is not None and record.updated_at == link.source_updated_at:
        return Applied.UNCHANGED
    _keep_local_return_facts(session, record)
    import_data(session, {"customers": [record.customer], "orders": [record.order]}, numbers)
    order_id = session.scalar(select(OrderRow.id).where(OrderRow.number == record.number))
    assert order_id is not None
    if link is None:
        session.add(
            ExternalOrderRow(
                source=SOURCE,
                external_id=record.external_id,
                order_id=order_id,
                source_updated_at=record.updated_at,
                synced_at=now,
            )
        )
        session.flush()
        return Applied.CREATED
    link.source_updated_at, link.synced_at, link.order_id = record.updated_at, now, order_id
    session.flush()
    return Applied.UPDATED


def seen_event(session: Session, event_id: str) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(ExternalEventRow)
            .where(ExternalEventRow.source == SOURCE, ExternalEventRow.event_id == event_id)
        )
        or 0
    ) > 0


def remember_event(session: Session, event_id: str, topic: str, outcome: str, now: datetime) -> bool:
    """Record a processed webhook; ``False`` when another delivery of it got there first."""
    try:
        with session.begin_nested():
            session.add(
                ExternalEventRow(
                    source=SOURCE, event_id=event_id, topic=topic[:64], received_at=now, outcome=outcome
                )
            )
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class ReconcileRun:
    at: datetime  # when it finished
    outcome: str  # "ok", or "failed: <kind of error>"

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def _reconcile_row(session: Session) -> ExternalEventRow | None:
    return session.scalars(
        select(ExternalEventRow).where(
            ExternalEventRow.source == SOURCE, ExternalEventRow.event_id == RECONCILE_EVENT
        )
    ).one_or_none()


def last_reconcile(session: Session) -> ReconcileRun | None:
    row = _reconcile_row(session)
    return None if row is None else ReconcileRun(row.received_at, row.outcome)


def record_reconcile(session: Session, run: ReconcileRun) -> None:
    """Keep ``run`` as the last reconcile (the caller commits)."""
    outcome = run.outcome[:32]
    row = _reconcile_row(session)
    if row is None:
        if remember_event(session, RECONCILE_EVENT, RECONCILE_TOPIC, outcome, run.at):
            return
        row = _reconcile_row(session)  # another process recorded its run first: ours is the later one
        assert row is not None
    row.received_at, row.outcome = run.at, outcome
    session.flush()


def sync_status(session: Session) -> dict[str, object]:
    orders, newest, last_sync = session.execute(
        select(
            func.count(ExternalOrderRow.id),
            func.max(ExternalOrderRow.source_updated_at),
            func.max(ExternalOrderRow.synced_at),
        ).where(ExternalOrderRow.source == SOURCE)
    ).one()
    events = session.scalar(
        select(func.count())
        .select_from(ExternalEventRow)
        .where(ExternalEventRow.source == SOURCE, ExternalEventRow.topic != RECONCILE_TOPIC)
    )
    return {
        "orders": orders,
        "newest_version": newest,
        "last_synced_at": last_sync,
        "webhooks": events,
        "last_reconcile": last_reconcile(session),
    }
