"""Rasa's SQLite tracker store with the journal settings our own SQLite database uses (``bot/db.py``).

Rasa opens its SQLite tracker store with SQLite's defaults: a rollback journal and ``synchronous=FULL``,
so saving a conversation after every message costs several fsyncs, about as long as the NLU pipeline
(docs/performance.md). ``credentials.yml`` names ``SQLiteJournal`` as a channel, the extension point
through which Rasa loads our code into its server process, before it opens the tracker store; the
channel serves no route. It sets, on every SQLite connection SQLAlchemy opens in the Rasa process:

- ``journal_mode=WAL``: one append and fsync per commit; readers never block the writer;
- ``synchronous=NORMAL``: durable across a crash of Rasa; a power loss may drop the last commits,
  never corrupt the file — the trade ``bot/db.py`` makes for the order system;
- ``busy_timeout`` 30 s, as ``bot/db.py``: with several Rasa workers on one file (``SANIC_WORKERS``), a
  save waits for another worker's commit instead of failing with ``database is locked`` after pysqlite's
  5 s. Rasa's save reads outside a transaction (pysqlite begins one at the first write), so a save never
  has to upgrade a read to a write, which SQLite would refuse at once; the conversation's ticket lock
  (``sqlite_lock_store.py``) keeps two saves of one conversation apart.

A PostgreSQL tracker store is untouched. Runs in Rasa's environment: imports nothing of ``bot/``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 30_000
_installed = False


def _tune(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def install() -> None:
    """Tune every SQLite connection of this process, once."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _tune)
        _installed = True


class SQLiteJournal(InputChannel):  # type: ignore[misc]
    """Not a chat channel: tunes the SQLite tracker store's connections when Rasa loads it."""

    @classmethod
    def name(cls) -> str:
        return "sqlite_journal"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SQLiteJournal:
        install()
        return cls()

    def blueprint(self, on_new_message: Callable[..., Awaitable[Any]]) -> Blueprint:
        return Blueprint("shopdesk_sqlite_journal", __name__)
