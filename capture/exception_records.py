"""Exception records: opened once by intake, reading and sequencing, resolved
with an audit entry (by an operator through :mod:`capture.exceptions`, or by
the system, as a recount that now matches).

An exception's ``key`` is unique (``page:<id>:<code>``, ``batch:<id>:<code>``,
or ``file:<feed>:<digest>:<code>`` for a file refused unread, which has no
page): opening it again does nothing, and nothing deletes it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from capture.models import CaptureException, ExceptionState, utcnow
from station import audit
from station.upsert import insert_once


def open_exception(session: Session, code: str, reason: str, *, page_id: int | None = None,
                   batch_id: int | None = None, file: str | None = None) -> None:
    """Open the exception ``code`` on a page, a batch or a file refused unread (``file``:
    its feed and digest), unless it is open or was resolved already."""
    key = (f"page:{page_id}:{code}" if page_id is not None else
           f"batch:{batch_id}:{code}" if batch_id is not None else f"file:{file}:{code}")
    insert_once(session, CaptureException, ("key",), key=key, page_id=page_id,
                batch_id=batch_id, code=code, reason=reason[:500])


def close_exception(session: Session, key: str, resolution: str, note: str) -> None:
    """Resolve an open exception by ``key`` as the system (a recount that now matches)."""
    exc = session.scalars(select(CaptureException).where(
        CaptureException.key == key, CaptureException.state == ExceptionState.OPEN)).first()
    if exc is not None:
        record_resolution(session, exc, resolution, note, audit.SYSTEM)


def record_resolution(session: Session, exc: CaptureException, action: str, note: str, actor,
                      extra: dict | None = None) -> CaptureException:
    """Mark ``exc`` resolved by ``action`` and write the audit entry."""
    exc.state, exc.resolution, exc.note = ExceptionState.RESOLVED, action, note
    exc.resolved_at = utcnow()
    exc.resolved_by = actor if isinstance(actor, str) else actor.username
    audit.record(session, actor, f"capture.exception.{action}", f"capture_exception:{exc.id}",
                 {"state": "open", "code": exc.code},
                 {"state": "resolved", "resolution": action, "note": note, **(extra or {})})
    return exc
