"""Every table of the app database on one metadata: the order system, conversations, escalations.

Alembic's env and the schema tests import this, so a table module can't be forgotten.
"""

from bot import conversation_orm, escalation_orm, orm

metadata = orm.Base.metadata

__all__ = ["conversation_orm", "escalation_orm", "metadata", "orm"]
