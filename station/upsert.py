"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike: the way every area
writes a row once (its unique key says which), safe under retries and concurrent jobs."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_once(session: Session, model: type, conflict: tuple[str, ...], **values: Any
                ) -> Any | None:
    """Insert a row of ``model`` unless one with the same ``conflict`` columns
    (a unique key) exists; returns the new row's primary key (``model`` has a
    one-column key), or None when the row existed."""
    statement = _statement(session.get_bind().dialect.name, model.__table__, conflict)
    return session.scalar(statement, values)


@cache
def _statement(dialect: str, table: Table, conflict: tuple[str, ...]) -> Insert:
    """The INSERT of ``table``, its values given as parameters: built once, so
    that SQLAlchemy's compiled cache serves every later call."""
    [key] = table.primary_key.columns
    return _INSERTS[dialect](table).on_conflict_do_nothing(index_elements=conflict).returning(key)
