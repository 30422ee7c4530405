"""Proactive delay notices: the outbox of notices (once per order, reason and estimate), the chats where
shoppers were verified, and opt-outs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 06:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delay_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "customer_id", sa.Integer(), sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("estimate", sa.Date(), nullable=True),
        sa.Column("estimate_key", sa.String(10), nullable=False),
        sa.Column(
            "disruption_id", sa.Integer(), sa.ForeignKey("disruptions.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("address", sa.String(320), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("order_id", "reason", "estimate_key", name="uq_delay_notices_once"),
    )
    op.create_index("ix_delay_notices_order_id", "delay_notices", ["order_id"])
    op.create_index("ix_delay_notices_customer_id", "delay_notices", ["customer_id"])
    op.create_index("ix_delay_notices_channel_status", "delay_notices", ["channel", "status"])
    op.create_index("ix_delay_notices_address", "delay_notices", ["channel", "address"])

    op.create_table(
        "notice_contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id", sa.Integer(), sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("proves_customer", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(128), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("order_id", "channel", "address", name="uq_notice_contacts_chat"),
    )
    op.create_index("ix_notice_contacts_order_id", "notice_contacts", ["order_id"])
    op.create_index("ix_notice_contacts_customer", "notice_contacts", ["customer_id", "seen_at"])

    op.create_table(
        "notice_opt_outs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id", sa.Integer(), sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("customer_id", "channel", name="uq_notice_opt_outs_customer_channel"),
    )


def downgrade() -> None:
    op.drop_table("notice_opt_outs")
    op.drop_table("notice_contacts")
    op.drop_table("delay_notices")
