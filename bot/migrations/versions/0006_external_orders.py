"""Orders kept in step with a commerce platform (Shopify): their ids there, the version stored, and the
notifications (webhooks) already processed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 06:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "external_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_external_orders_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_orders")),
        sa.UniqueConstraint("source", "external_id", name="uq_external_orders_source_id"),
        sa.UniqueConstraint("order_id", name=op.f("uq_external_orders_order_id")),
    )
    op.create_table(
        "external_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_events")),
        sa.UniqueConstraint("source", "event_id", name="uq_external_events_source_event"),
    )
    op.create_index(op.f("ix_external_events_received_at"), "external_events", ["received_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_external_events_received_at"), table_name="external_events")
    op.drop_table("external_events")
    op.drop_table("external_orders")
