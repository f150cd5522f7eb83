"""The edit station's jobs (plain functions of ids, idempotent)."""

from __future__ import annotations

from edit_station.queue import take_batch
from station.db import session_scope


def queue_batch(batch_id: int) -> int:
    """Take an assembled batch's documents into edit (wired in ``app.py`` to
    capture's ``batch assembled`` announcement); returns the items waiting."""
    with session_scope() as session:
        return take_batch(session, batch_id)
