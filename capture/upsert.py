"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_once(session: Session, model: type, conflict: tuple[str, ...], **values: Any
                ) -> Any | None:
    """Insert a row of ``model`` unless one with the same ``conflict`` columns
    (a unique key) exists; returns the new row's primary key (``model`` has a
    one-column key), or None when the row existed."""
    insert = _INSERTS[session.get_bind().dialect.name]
    [key] = model.__table__.primary_key.columns
    statement = (insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict)
                 .returning(key))
    return session.scalar(statement)
