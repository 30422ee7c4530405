"""The shared base of every table: one metadata, naming convention and column types.

Money is ``Numeric(12, 2)``; every instant goes through ``UTCDateTime`` so that SQLite, which forgets the
offset, still hands back timezone-aware UTC values. Relationships are ``lazy=LAZY`` (``raise_on_sql``):
code that forgets to eager-load fails loudly in tests rather than issuing a query per row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Final

from sqlalchemy import (
    Date,
    DateTime,
    MetaData,
    Numeric,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MONEY = Numeric(12, 2)


LAZY: Final = "raise_on_sql"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every backend; naive datetimes are refused on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: store timezone-aware instants")
        value = value.astimezone(UTC)
        # SQLite has no offset column; store UTC wall time so string comparisons order correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), Decimal: MONEY, date: Date()}
