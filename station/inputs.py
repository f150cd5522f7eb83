"""What a request brings, checked before it reaches the database: row ids within
the database's integer range, text within its column's length.

A value that does not fit is refused with a message naming the field and the
limit, the same on SQLite (which would store an over-long text) and PostgreSQL
(which would fail the statement).
"""

from __future__ import annotations

from typing import Any

from station.errors import ApiError, bad_input

ROW_ID_MAX = 2**31 - 1
"""The largest row id: ids are PostgreSQL ``integer`` columns."""
BIG_ROW_ID_MAX = 2**63 - 1
"""The largest id of a ``bigint`` column (the audit log's)."""


def row_id(value: Any, field: str, maximum: int = ROW_ID_MAX) -> int | None:
    """The row id given as ``field`` in a form, JSON body or query string, or None when
    not given; 422 for anything but a whole number from 0 to ``maximum``."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > maximum:
        raise bad_input({field: f"a number from 0 to {maximum:,}"})
    return int(text)


def fit_columns(model: type, **values: str | None) -> None:
    """Refuse (400, "too long") text longer than the ``String(n)`` column of ``model``
    it is meant for; ``values`` are by column name."""
    columns = model.__table__.columns
    too_long = {name: f"at most {columns[name].type.length:,} characters "
                      f"({len(text):,} given)"
                for name, text in values.items()
                if text is not None and columns[name].type.length is not None
                and len(text) > columns[name].type.length}
    if too_long:
        raise ApiError(400, "too long", too_long)
