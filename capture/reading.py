"""Reading pages: the queue jobs that turn received pages into their read records.

Intake enqueues one :func:`read_pages` job per group of pages it took together
(up to :data:`READ_TOGETHER`; a lone page is a group of one) on the station
queue (RQ with Redis, in process without). A job can run twice, or die midway,
without harm: each page's record is inserted once (unique per page) in the
same transaction as the page's new status, guarded by the old one, and a page
found read before only has its feed sequenced. A page that cannot be read, or
whose record cannot be kept, becomes an exception; it never fails the other
pages of its group. :func:`requeue_unread` re-enqueues pages whose job was
lost with its worker.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from capture.batches import advance
from capture.checks import record_problem
from capture.exception_records import open_exception
from capture.formset import form_templates, known_forms
from capture.models import Page, PageRead, PageStatus, utcnow
from omr import MarkRecord, read_file
from omr.decisions import REVIEW_FLAGS
from station.config import current_settings
from station.db import session_scope
from station.images import image_store
from station.queue import enqueue, job_id_for
from station.upsert import insert_once

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
"""A page unread this long after it was received has lost its job."""

_pages = Page.__table__
_MARK_READ = (update(_pages)
              .where(_pages.c.id == bindparam("page"), _pages.c.status == PageStatus.RECEIVED)
              .returning(_pages.c.feed_id))
"""A waiting page's new status and values from its record (Core, built once:
the read job's hottest statement)."""


READ_TOGETHER = 8
"""Pages of one read job at most: a fifth of a second of reading, kept in one
transaction (RQ's own cost of a job, a few milliseconds, is shared by eight)."""


def enqueue_reads(page_ids: Sequence[int], *, again: str = "") -> None:
    """Enqueue the reads of pages taken together, in scanner order, in groups
    of up to READ_TOGETHER (:func:`read_pages`). ``again`` makes the job ids
    new (pages whose job was lost: see :func:`requeue_unread`)."""
    queue = current_settings().queue_name
    for start in range(0, len(page_ids), READ_TOGETHER):
        group = list(page_ids[start:start + READ_TOGETHER])
        job_id = job_id_for(read_pages, (group,), queue) + again if again else None
        enqueue(read_pages, group, job_id=job_id)


def read_pages(page_ids: list[int]) -> list[str]:
    """The read job of a group of pages: read the stored images of those still
    waiting, then keep their records and sequence their feeds in one
    transaction; returns each page's outcome ("read", "exception", "already
    read" or that it does not exist).

    When the group's transaction fails, each page is kept in a transaction of
    its own, and a page whose record cannot be kept gets a reader exception
    instead: one bad page does not fail the others."""
    pages = _pages_of(page_ids)
    reads = {page_id: read_image(sha) for page_id, (sha, status, _feed) in pages.items()
             if status == PageStatus.RECEIVED}
    try:
        with session_scope() as session:
            outcomes = {page_id: keep_read(session, page_id, *read)
                        for page_id, read in reads.items()}
            _sequence(session, pages)
    except Exception:  # noqa: BLE001 - the pages are then kept one by one
        log.exception("the reads of pages %s could not be kept together; each alone", page_ids)
        outcomes = {page_id: _keep_alone(page_id, pages[page_id][0], read)
                    for page_id, read in reads.items()}
        with session_scope() as session:
            _sequence(session, pages)
    result = [outcomes.get(page_id) or ("already read" if page_id in pages
                                        else f"page {page_id} does not exist")
              for page_id in page_ids]
    log.debug("pages %s: %s", page_ids, result)
    return result


def _pages_of(page_ids: list[int]) -> dict[int, tuple[str, str, int]]:
    """The image hash, status and feed of each page that exists, by id."""
    with session_scope() as session:
        rows = session.execute(select(Page.id, Page.image_sha256, Page.status, Page.feed_id)
                               .where(Page.id.in_(page_ids)))
        return {page_id: (sha, status, feed) for page_id, sha, status, feed in rows}


def _sequence(session: Session, pages: dict[int, tuple[str, str, int]]) -> None:
    for feed_id in sorted({feed for _sha, _status, feed in pages.values()}):
        advance(session, feed_id)  # the same order in every worker: no deadlock


def _keep_alone(page_id: int, sha256: str, read: tuple[MarkRecord, float]) -> str | None:
    """:func:`keep_read` in a transaction of its own; a record that cannot be
    kept is replaced by the reader exception saying why. The database not
    answering (or a deadlock) is no fault of the page: it fails the job, which
    RQ retries."""
    try:
        with session_scope() as session:
            return keep_read(session, page_id, *read)
    except OperationalError:
        raise
    except Exception as exc:  # noqa: BLE001 - the page becomes an exception, the rest go on
        log.exception("the read of page %s could not be kept", page_id)
        with session_scope() as session:
            return keep_read(session, page_id, MarkRecord.refused(sha256, 0, exc), read[1])


def read_image(sha256: str) -> tuple[MarkRecord, float]:
    """The mark record of a stored image and the time the read took, ms."""
    start = time.perf_counter()
    try:
        record = read_file(image_store().path(sha256), known_forms(),
                           templates=form_templates())[0]
    except Exception as exc:  # noqa: BLE001 - a reader failure is the page's exception
        record = MarkRecord.refused(sha256, 0, exc)
    return dataclasses.replace(record, image=sha256), (time.perf_counter() - start) * 1000


def keep_read(session: Session, page_id: int, record: MarkRecord, read_ms: float
              ) -> str | None:
    """Keep a waiting page's record and new status, once; returns the page's
    new status, or None when the page is not waiting (read before, or discarded).

    The status changes only from "received" (a guarded update: of two runs at
    once, the second waits for the first's row lock and then finds the page
    read), and the record is unique per page."""
    problem = record_problem(record)
    status = PageStatus.EXCEPTION if problem else PageStatus.READ
    feed_id = session.scalar(_MARK_READ, {
        "page": page_id, "status": status, "form_id": record.form,
        "page_number": record.page, "lithocode": record.lithocode,
        "rotated": bool(record.registration and record.registration.rotated_180)})
    if feed_id is None:
        return None
    review = sum(any(f in REVIEW_FLAGS for f in key.flags)
                 for keys in record.fields.values() for key in keys.values())
    insert_once(session, PageRead, ("page_id",), page_id=page_id, status=record.status,
                reason=record.reason[:500], flags=list(record.flags), review_keys=review,
                record=record.to_json(), read_ms=read_ms)
    if problem:
        open_exception(session, problem.code, problem.reason, page_id=page_id)
    return status


def requeue_unread(session: Session, older_than: timedelta = STALE_AFTER,
                   feed_id: int | None = None) -> int:
    """Enqueue again the read of every page received more than ``older_than``
    ago and still unread (of one feed, or all); returns how many.

    A job lost with its worker stays "started" in RQ until RQ's maintenance
    finds it abandoned, and the queue's de-duplication would refuse it until
    then: these jobs go under a new job id. Safe, as the job is idempotent.
    """
    query = select(Page.id).where(Page.status == PageStatus.RECEIVED,
                                  Page.received_at <= utcnow() - older_than)
    if feed_id is not None:
        query = query.where(Page.feed_id == feed_id)
    pages = list(session.scalars(query.order_by(Page.feed_id, Page.seq)))
    enqueue_reads(pages, again=f"-again-{int(time.time())}")
    if pages:
        log.warning("%d unread pages enqueued again", len(pages))
    return len(pages)
