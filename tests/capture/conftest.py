"""Capture's fixtures: an app context on a fresh database (SQLite and
PostgreSQL), and a helper to count rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from capture import progress
from station.db import session_scope


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """The app, inside its app context (intake and jobs use its settings)."""
    with app.app_context():
        yield app


def row_counts() -> dict[str, int]:
    """Rows in each capture table."""
    with session_scope() as session:
        return progress.row_counts(session)
