"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_once(session: Session, model: type, conflict: tuple[str, ...], **values: Any) -> bool:
    """Insert a row of ``model`` unless one with the same ``conflict`` columns
    (a unique key) exists; True when this call inserted it (told by RETURNING:
    psycopg does not report the row count of such an insert)."""
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = (insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict)
                 .returning(*model.__table__.primary_key.columns))
    return session.execute(statement).first() is not None
