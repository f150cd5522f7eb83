"""The exception queue: the operator's resolutions of pages, batches and files
refused unread that need them (the records themselves, opened once and never
deleted, are :mod:`capture.exception_records`). Resolutions, each audited:

=========  ======================================================================
rescan     the page (or the batch's missing documents) will be fed again; the
           page leaves its document
reassign   the page belongs to another batch (e.g. pages fed before any header)
discard    the page is not wanted (a reason is required)
accept     a batch's count mismatch is accepted as found (a reason is required)
=========  ======================================================================
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from capture.batches import reassemble
from capture.exception_records import record_resolution
from capture.models import Batch, CaptureException, ExceptionState, Page, PageStatus
from station.errors import Conflict, Invalid, NotFound

PAGE_ACTIONS = ("rescan", "reassign", "discard")
BATCH_ACTIONS = ("rescan", "accept")
FILE_ACTIONS = ("rescan", "discard")
"""For a file refused unread: feed the scan itself (rescan), or say why not (discard)."""


def actions_of(exc: CaptureException) -> tuple[str, ...]:
    """The resolutions an exception allows: a page's, a batch's or a refused file's."""
    if exc.page_id is not None:
        return PAGE_ACTIONS
    return BATCH_ACTIONS if exc.batch_id is not None else FILE_ACTIONS


def resolve(session: Session, exception_id: int, action: str, actor, *, note: str = "",
            batch_id: int | None = None) -> CaptureException:
    """An operator's resolution of an exception; raises NotFound, Conflict (resolved
    already) or Invalid (unknown action, missing reason or batch)."""
    exc = session.get(CaptureException, exception_id, with_for_update=True)
    if exc is None:
        raise NotFound("no such exception", f"exception {exception_id} does not exist")
    if exc.state != ExceptionState.OPEN:
        raise Conflict("already resolved", f"exception {exception_id} was resolved "
                                           f"({exc.resolution})")
    allowed = actions_of(exc)
    if action not in allowed:
        raise Invalid("unknown action", f"use one of {', '.join(allowed)}")
    if action in ("discard", "accept") and not note.strip():
        raise Invalid("reason required", f"say why you {action}")
    if exc.page_id is not None:
        _apply_to_page(session, session.get(Page, exc.page_id), action, batch_id)
    return record_resolution(session, exc, action, note.strip(), actor,
                             {"batch_id": batch_id} if action == "reassign" else {})


def _apply_to_page(session: Session, page: Page, action: str, batch_id: int | None) -> None:
    before = page.batch_id
    if action == "reassign":
        if batch_id is None or session.get(Batch, batch_id) is None:
            raise Invalid("batch required", "name an existing batch to reassign to")
        page.batch_id, page.document_id = batch_id, None
    else:
        page.status = PageStatus.DISCARDED if action == "discard" else PageStatus.RESCAN
        page.document_id = None
    session.flush()
    for affected in {before, page.batch_id} - {None}:
        reassemble(session, affected)
