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

The queue is read a page at a time, newest first, by keyset (:func:`queue_page`:
the next page starts below the last id shown, so a page deep in a flood costs
what the first costs); several exceptions are resolved in one action by
:func:`resolve_many`, each audited on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from capture.batches import reassemble
from capture.exception_records import record_resolution
from capture.models import Batch, CaptureException, ExceptionState, Page, PageStatus
from station.errors import Conflict, DomainError, Invalid, NotFound

PAGE_ACTIONS = ("rescan", "reassign", "discard")
BATCH_ACTIONS = ("rescan", "accept")
FILE_ACTIONS = ("rescan", "discard")
"""For a file refused unread: feed the scan itself (rescan), or say why not (discard)."""


def actions_of(exc: CaptureException) -> tuple[str, ...]:
    """The resolutions an exception allows: a page's, a batch's or a refused file's."""
    if exc.page_id is not None:
        return PAGE_ACTIONS
    return BATCH_ACTIONS if exc.batch_id is not None else FILE_ACTIONS


STATES = ("open", "resolved")
QUEUE_PAGE = 100
"""Exceptions shown at a time; a request may ask for up to MAX_QUEUE_PAGE."""
MAX_QUEUE_PAGE = 500


@dataclass(frozen=True)
class QueueFilter:
    """Which exceptions to list: ``state``, and optionally one ``code`` and
    one batch (the batch's own exceptions and its pages')."""

    state: str = "open"
    code: str | None = None
    batch_id: int | None = None


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, newest first: ``rows`` of (exception, its page or
    None), the ``total`` matching the filter, the count of each code under the
    filter's state and batch, and ``next_before`` (the cursor of the next page,
    None on the last)."""

    rows: list[Row]
    total: int
    codes: dict[str, int]
    next_before: int | None


def queue_page(session: Session, where: QueueFilter, before: int | None = None,
               limit: int = QUEUE_PAGE) -> QueuePage:
    """The exceptions matching ``where`` with ids below ``before`` (keyset
    paging), at most ``limit`` of them."""
    if where.state not in STATES:
        raise Invalid("unknown state", f"state is one of {', '.join(STATES)}")
    base = (select(CaptureException, Page)
            .outerjoin(Page, Page.id == CaptureException.page_id)
            .where(CaptureException.state == where.state))
    if where.batch_id is not None:
        pages = select(Page.id).where(Page.batch_id == where.batch_id)
        base = base.where(or_(CaptureException.batch_id == where.batch_id,
                              CaptureException.page_id.in_(pages)))
    by_code = dict(session.execute(
        base.with_only_columns(CaptureException.code, func.count())
        .group_by(CaptureException.code)).all())
    if where.code is not None:
        base = base.where(CaptureException.code == where.code)
    listed = base.where(CaptureException.id < before) if before is not None else base
    rows = session.execute(listed.order_by(CaptureException.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    total = by_code.get(where.code, 0) if where.code is not None else sum(by_code.values())
    return QueuePage(rows[:limit], total, by_code, rows[limit - 1][0].id if more else None)


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


def resolve_many(session: Session, exception_ids: list[int], action: str, actor, *,
                 note: str = "", batch_id: int | None = None) -> list[CaptureException]:
    """One resolution applied to several exceptions (e.g. 8 pages fed before
    any header, reassigned to their batch), each audited; all or none: the
    first that does not fit raises its DomainError naming it, and the caller
    rolls back."""
    if not exception_ids:
        raise Invalid("nothing chosen", "choose one or more exceptions")
    done, chosen = [], list(dict.fromkeys(exception_ids))
    for exception_id in chosen:
        try:
            done.append(resolve(session, exception_id, action, actor, note=note,
                                batch_id=batch_id))
        except DomainError as exc:
            if len(chosen) == 1:
                raise
            raise type(exc)(exc.error, f"exception {exception_id}: {exc.detail}; "
                                       "none of the chosen was resolved") from None
    return done


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
