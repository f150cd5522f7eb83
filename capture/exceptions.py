"""The exception queue: pages and batches that need the operator.

An exception is opened once (its ``key`` is unique: ``page:<id>:<code>``,
``batch:<id>:<code>``, or ``file:<feed>:<digest>:<code>`` for a file refused
unread, which has no page) and stays until an operator resolves it; nothing
deletes it. Resolutions, each audited:

=========  ======================================================================
rescan     the page (or the batch's missing documents) will be fed again; the
           page leaves its document
reassign   the page belongs to another batch (e.g. pages fed before any header)
discard    the page is not wanted (a reason is required)
accept     a batch's count mismatch is accepted as found (a reason is required)
=========  ======================================================================
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from capture.models import Batch, CaptureException, Page, utcnow
from capture.upsert import insert_once
from station import audit
from station.errors import ApiError

PAGE_ACTIONS = ("rescan", "reassign", "discard")
BATCH_ACTIONS = ("rescan", "accept")
FILE_ACTIONS = ("rescan", "discard")
"""For a file refused unread: feed the scan itself (rescan), or say why not (discard)."""


def actions_of(exc: CaptureException) -> tuple[str, ...]:
    """The resolutions an exception allows: a page's, a batch's or a refused file's."""
    if exc.page_id is not None:
        return PAGE_ACTIONS
    return BATCH_ACTIONS if exc.batch_id is not None else FILE_ACTIONS


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
        CaptureException.key == key, CaptureException.state == "open")).first()
    if exc is not None:
        _resolve(session, exc, resolution, note, audit.SYSTEM)


def resolve(session: Session, exception_id: int, action: str, actor, *, note: str = "",
            batch_id: int | None = None) -> CaptureException:
    """An operator's resolution of an exception; raises ApiError for a request
    that does not fit the exception (unknown action, missing reason or batch)."""
    exc = session.get(CaptureException, exception_id, with_for_update=True)
    if exc is None:
        raise ApiError(404, "no such exception", f"exception {exception_id} does not exist")
    if exc.state != "open":
        raise ApiError(409, "already resolved", f"exception {exception_id} was resolved "
                                                f"({exc.resolution})")
    allowed = actions_of(exc)
    if action not in allowed:
        raise ApiError(400, "unknown action", f"use one of {', '.join(allowed)}")
    if action in ("discard", "accept") and not note.strip():
        raise ApiError(400, "reason required", f"say why you {action}")
    if exc.page_id is not None:
        _apply_to_page(session, session.get(Page, exc.page_id), action, batch_id)
    return _resolve(session, exc, action, note.strip(), actor,
                    {"batch_id": batch_id} if action == "reassign" else {})


def _apply_to_page(session: Session, page: Page, action: str, batch_id: int | None) -> None:
    from capture.batches import reassemble

    before = page.batch_id
    if action == "reassign":
        if batch_id is None or session.get(Batch, batch_id) is None:
            raise ApiError(400, "batch required", "name an existing batch to reassign to")
        page.batch_id, page.document_id = batch_id, None
    else:
        page.status, page.document_id = "discarded" if action == "discard" else "rescan", None
    session.flush()
    for affected in {before, page.batch_id} - {None}:
        reassemble(session, affected)


def _resolve(session: Session, exc: CaptureException, action: str, note: str, actor,
             extra: dict | None = None) -> CaptureException:
    exc.state, exc.resolution, exc.note, exc.resolved_at = "resolved", action, note, utcnow()
    exc.resolved_by = actor if isinstance(actor, str) else actor.username
    audit.record(session, actor, f"capture.exception.{action}", f"capture_exception:{exc.id}",
                 {"state": "open", "code": exc.code},
                 {"state": "resolved", "resolution": action, "note": note, **(extra or {})})
    return exc
