"""Capture's fixtures: an app context on a fresh database (SQLite and
PostgreSQL), and helpers to count rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from capture import models
from station.db import session_scope

TABLES = (models.Feed, models.Page, models.PageRead, models.Batch, models.Document,
          models.DocumentCondition, models.CaptureException)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """The app, inside its app context (intake and jobs use its settings)."""
    with app.app_context():
        yield app


def row_counts() -> dict[str, int]:
    """Rows in each capture table."""
    with session_scope() as session:
        return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
                for m in TABLES}
