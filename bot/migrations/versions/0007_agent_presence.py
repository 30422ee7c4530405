"""Agent presence: each agent's chosen availability, and the consoles they have open on any replica.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(
            sa.Column("availability", sa.String(16), server_default=sa.text("'available'"), nullable=False)
        )
    op.create_table(
        "console_connections",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("session_token_hash", sa.String(64), nullable=False),
        sa.Column("connected_at", instant(), nullable=False),
        sa.Column("last_seen_at", instant(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_console_connections_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_connections")),
    )
    op.create_index(
        op.f("ix_console_connections_agent_id"), "console_connections", ["agent_id"], unique=False
    )
    op.create_index(
        op.f("ix_console_connections_last_seen_at"), "console_connections", ["last_seen_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_console_connections_last_seen_at"), table_name="console_connections")
    op.drop_index(op.f("ix_console_connections_agent_id"), table_name="console_connections")
    op.drop_table("console_connections")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("availability")
