from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db import alembic_config, make_engine, upgrade
from bot.schema import metadata


def _diff_and_tables(url: str) -> tuple[list[Any], set[str], str | None]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
            return diff, set(inspect(conn).get_table_names()), context.get_current_revision()
    finally:
        engine.dispose()


def _head(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def test_a_fresh_sqlite_file_migrates_to_head_and_matches_the_orm(sqlite_url: str) -> None:
    diff, tables, revision = _diff_and_tables(sqlite_url)
    assert diff == []
    assert set(metadata.tables) <= tables
    assert revision == _head(sqlite_url)


def test_upgrading_twice_is_harmless(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    assert _diff_and_tables(sqlite_url)[0] == []


@pytest.mark.postgres
def test_a_fresh_postgres_database_migrates_to_head_and_matches_the_orm(postgres_url: str) -> None:
    upgrade(postgres_url)
    diff, tables, revision = _diff_and_tables(postgres_url)
    assert diff == []
    assert set(metadata.tables) <= tables
    assert revision == _head(postgres_url)
