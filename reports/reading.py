"""The reports' read-only session: other areas' tables are read, never written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from station.db import get_engine


class ReportsWrite(RuntimeError):
    """A report tried to write: a bug, never a user's mistake."""


def _refuse(session: Session, _context, _instances) -> None:
    raise ReportsWrite("reports read other areas' tables and never write them")


@contextmanager
def read_only(url: str | None = None) -> Iterator[Session]:
    """A session whose flush raises :class:`ReportsWrite`; rolled back and closed after."""
    session = Session(get_engine(url), autoflush=False)
    event.listen(session, "before_flush", _refuse)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
