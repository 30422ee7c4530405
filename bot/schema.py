"""Every table of the app database on one metadata: orders, conversations, escalations, agents.

Alembic's env and the schema tests import this, so a table module can't be forgotten.
"""

from bot.desk.agents import tables as agent_tables
from bot.desk.conversations import tables as conversation_tables
from bot.desk.escalations import tables as escalation_tables
from bot.desk.notices import tables as notice_tables
from bot.orders import tables as order_tables
from bot.tables import Base

metadata = Base.metadata

__all__ = [
    "agent_tables",
    "conversation_tables",
    "escalation_tables",
    "metadata",
    "notice_tables",
    "order_tables",
]
