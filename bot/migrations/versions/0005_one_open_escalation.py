"""At most one open escalation per conversation, kept by the database: a partial unique index.

Two gateway replicas escalating the same conversation at once both find none open and both insert; the
index refuses the second insert and the store returns the first.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_escalations_one_open_per_conversation"
OPEN = "state IN ('queued', 'claimed', 'email')"


def upgrade() -> None:
    op.create_index(
        INDEX,
        "escalations",
        ["conversation_id"],
        unique=True,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="escalations")
