"""Engine and session factories, and migrations to head. Nothing here connects at import time."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = PROJECT_ROOT / "bot" / "migrations"
# psycopg 3 (the `psycopg` package); a plain ``postgresql://`` URL means it.
POSTGRES_DRIVER = "postgresql+psycopg"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (SQLite file, or PostgreSQL via psycopg 3 when the URL names no driver).

    For SQLite: creates the folder of the database file, switches foreign keys on for every connection,
    and lets SQLAlchemy emit ``BEGIN`` itself (the sqlite3 driver's legacy mode would otherwise break
    SAVEPOINTs and transactional DDL; see the SQLAlchemy SQLite dialect notes).
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
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (the repository hands out dataclasses anyway)."""
    return sessionmaker(engine, expire_on_commit=False)


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
