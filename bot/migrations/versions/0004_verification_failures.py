"""Failed order verifications, counted per order, contact and client (keyed hashes, never clear text).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("subject_key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_failures")),
    )
    op.create_index(
        "ix_verification_failures_subject", "verification_failures", ["subject", "subject_key", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_verification_failures_subject", table_name="verification_failures")
    op.drop_table("verification_failures")
