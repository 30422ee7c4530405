"""Shared fixtures: real SQLite files and, when the servers are there, real PostgreSQL databases and a real
Redis (keys under a prefix of their own per test)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory, upgrade
from bot.ops.demo_data import DEMO_NOW, load_demo
from tests.smtp_server import Inbox, serve_inbox
from tests.stack import Stack, run_stack, unavailable

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file migrated to head."""
    url = f"sqlite:///{tmp_path / 'db' / 'shopdesk.db'}"
    upgrade(url)
    return url


def _server_engine(url: str) -> Engine:
    return make_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@pytest.fixture
def postgres_server_url() -> str:
    """The PostgreSQL server's admin URL, or a skip (a failure with SHOPDESK_REQUIRE_SERVICES=1)."""
    url = os.environ.get("SHOPDESK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    engine = _server_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        reason = f"PostgreSQL unreachable at {make_url(url).render_as_string(hide_password=True)}: {exc}"
        unavailable(reason)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, uniquely named, empty database (not migrated); dropped afterwards."""
    name = f"shopdesk_test_{uuid.uuid4().hex[:12]}"
    admin = _server_engine(postgres_server_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_url() -> str:
    """The Redis server's URL, or a skip (a failure with SHOPDESK_REQUIRE_SERVICES=1)."""
    url = os.environ.get("SHOPDESK_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = f"Redis unreachable at {url}: {exc}"
        unavailable(reason)
    finally:
        client.close()
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own (pub/sub channels ignore database numbers); its keys are deleted
    afterwards."""
    prefix = f"shopdesk-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: SQLite and PostgreSQL in turn."""
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_url")
        return url
    url = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


@pytest.fixture
def session_factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_session_factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file seeded once per run; ``demo_session`` works on a copy of it."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            load_demo(session, seed=7, now=DEMO_NOW)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def demo_session(demo_template: Path, tmp_path: Path) -> Iterator[Session]:
    """A session on a private SQLite copy seeded with ``generate(seed=7, now=DEMO_NOW)``."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real Rasa server + action server over a seeded demo shop, once per test run."""
    yield from run_stack(tmp_path_factory)


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server (aiosmtpd) and its port: what the shop's mail server would have received."""
    yield from serve_inbox()
