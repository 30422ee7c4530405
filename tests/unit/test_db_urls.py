"""Which driver a database URL gets: no connection is made."""

from __future__ import annotations

from bot.db import make_engine


def test_a_plain_postgresql_url_uses_psycopg_3() -> None:
    engine = make_engine("postgresql://shop@db.invalid/shopdesk")
    assert engine.dialect.driver == "psycopg"


def test_a_postgresql_url_naming_its_driver_keeps_it() -> None:
    engine = make_engine("postgresql+psycopg://shop@db.invalid/shopdesk")
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
