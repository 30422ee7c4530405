"""Engine and session factories, and migrations to head. Nothing here connects at import time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

# How long a SQLite writer waits for another one (in this process or another) before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
# The connection option a write transaction carries (set by ``WriteSession.begin``).
WRITE_TRANSACTION = "shopdesk_write_transaction"

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = PROJECT_ROOT / "bot" / "migrations"
# psycopg 3 (the `psycopg` package); a plain ``postgresql://`` URL means it.
POSTGRES_DRIVER = "postgresql+psycopg"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (SQLite file, or PostgreSQL via psycopg 3 when the URL names no driver).

    For SQLite: creates the folder of the database file, switches foreign keys on for every connection,
    and lets SQLAlchemy emit ``BEGIN`` itself (the sqlite3 driver's legacy mode would otherwise break
    SAVEPOINTs and transactional DDL; see the SQLAlchemy SQLite dialect notes). Several processes (the
    gateway, the action server, the command line) and many threads write the same file, so:

    - WAL journal: readers never block the writer and the writer never blocks readers;
      ``synchronous=NORMAL`` is durable across application crashes in WAL mode (a power loss may drop the
      last commits, never corrupt the file);
    - a busy timeout: a writer waits for the one holding the lock instead of failing;
    - write transactions (``WriteSession.begin``, i.e. ``session_factory.begin()`` or ``session.begin()``)
      start with ``BEGIN IMMEDIATE``, taking the write lock before their first read. A deferred transaction
      that reads and then writes cannot wait for the lock: when another writer got there first, SQLite
      answers "database is locked" at once, whatever the busy timeout, because waiting could deadlock (or,
      in WAL mode, its snapshot is already stale). Read-only sessions keep a plain ``BEGIN``.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":  # say so rather than rely on SQLAlchemy's default driver
            parsed = parsed.set(drivername=POSTGRES_DRIVER)
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **kwargs)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, **kwargs)

    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        Path(parsed.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # first: switching to WAL may wait
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; ":memory:" stays "memory"
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(WRITE_TRANSACTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


_STATEMENT_STARTED = "shopdesk_statement_started"


def observe_statements(engine: Engine, observe: Callable[[float], None]) -> None:
    """Call ``observe(seconds)`` after every statement the engine runs, from the driver's cursor execute to
    its result (SQLAlchemy's cursor events; SQLite's ``BEGIN IMMEDIATE``, and so its wait for the write lock,
    is one of them). The metrics modules pass a Prometheus histogram's ``observe``."""

    @event.listens_for(engine, "before_cursor_execute")
    def _started(conn: Any, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
        conn.info[_STATEMENT_STARTED] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _finished(conn: Any, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
        started = conn.info.pop(_STATEMENT_STARTED, None)
        if started is not None:
            observe(time.perf_counter() - started)


class WriteSession(Session):
    """A session whose explicit ``begin()`` opens a write transaction (``BEGIN IMMEDIATE`` on SQLite).

    The stores read with ``with factory() as session:`` (autobegin) and write with
    ``with factory.begin() as session:`` or ``session.begin()``; only the latter take SQLite's write lock
    up front, so concurrent writers queue on the busy timeout instead of failing (see ``make_engine``).
    """

    def begin(self, nested: bool = False) -> SessionTransaction:
        transaction = super().begin(nested)
        if not nested:
            self.connection(execution_options={WRITE_TRANSACTION: True})
        return transaction


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (the repository hands out dataclasses anyway), and
    whose ``begin()`` is a write transaction."""
    return sessionmaker(engine, class_=WriteSession, expire_on_commit=False)


def alembic_config(url: str) -> Any:
    """The Alembic configuration for this project, pointed at ``url``."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Run the Alembic migrations on ``url`` up to ``revision``."""
    from alembic import command

    log.info("migrating the %s database to %s", make_url(url).get_backend_name(), revision)
    command.upgrade(alembic_config(url), revision)
