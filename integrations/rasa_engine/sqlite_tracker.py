"""Rasa's SQLite tracker store with the journal settings our own SQLite database uses (``bot/db.py``).

Rasa opens its SQLite tracker store with SQLite's defaults: a rollback journal and ``synchronous=FULL``,
so saving a conversation after every message costs several fsyncs, about as long as the NLU pipeline
(docs/performance.md). ``credentials.yml`` names ``SQLiteJournal``, an ``EngineExtension``
(``engine_extension.py``): Rasa installs it in its server process when it reads its channels, before it
opens the tracker store. It sets, on every SQLite connection SQLAlchemy opens in the Rasa process:

- ``journal_mode=WAL``: one append and fsync per commit; readers never block the writer;
- ``synchronous=NORMAL``: durable across a crash of Rasa; a power loss may drop the last commits,
  never corrupt the file — the trade ``bot/db.py`` makes for the order system;
- ``busy_timeout`` 30 s, as ``bot/db.py``: with several Rasa workers on one file (``SANIC_WORKERS``), a
  save waits for another worker's commit instead of failing with ``database is locked`` after pysqlite's
  5 s. Rasa's save reads outside a transaction (pysqlite begins one at the first write), so a save never
  has to upgrade a read to a write, which SQLite would refuse at once; the conversation's ticket lock
  (``sqlite_lock_store.py``) keeps two saves of one conversation apart.

It also keeps the tracker store's connections open. Rasa's SQLAlchemy (1.4) gives a SQLite file engine a
``NullPool``: every load and every save of a conversation opened a new connection (and set the journal on
it), and closing it, the last connection to the file, made SQLite checkpoint the WAL into the database
(with an fsync) and delete it — most of a save's cost. ``tracker_engine_kwargs`` gives that engine a
``QueuePool``, as SQLAlchemy 2 does for SQLite files; the connections may then be handed between threads
(``check_same_thread=False``), one thread at a time, which is how a pool uses them.

A PostgreSQL tracker store is untouched. Runs in Rasa's environment: imports nothing of ``bot/``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import rasa.core.tracker_store
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import QueuePool

from integrations.rasa_engine.engine_extension import EngineExtension

BUSY_TIMEOUT_MS = 30_000
_installed = False
_rasa_engine_kwargs = rasa.core.tracker_store.create_engine_kwargs


def _tune(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _is_sqlite_file(url: str | URL) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def tracker_engine_kwargs(url: str | URL) -> dict[str, Any]:
    """Rasa's ``create_engine`` arguments for its SQL tracker store, with a pool that keeps SQLite file
    connections open."""
    kwargs: dict[str, Any] = _rasa_engine_kwargs(url)
    if _is_sqlite_file(url):
        connect_args = {**kwargs.get("connect_args", {}), "check_same_thread": False}
        kwargs.update(poolclass=QueuePool, connect_args=connect_args)
    return kwargs


def install() -> None:
    """Tune every SQLite connection of this process, and pool the tracker store's, once."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _tune)
        rasa.core.tracker_store.create_engine_kwargs = tracker_engine_kwargs
        _installed = True


class SQLiteJournal(EngineExtension, name="sqlite_journal", install=install):
    """Not a chat channel: tunes the SQLite tracker store's connections when Rasa loads it."""
