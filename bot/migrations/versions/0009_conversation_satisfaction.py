"""A conversation the assistant finished alone can be rated too: its 1-5 answer to the survey offered when
the shopper says thanks or goodbye, once per conversation (escalations keep their own rating).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 05:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("satisfaction", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("rated_at")
        batch.drop_column("satisfaction")
