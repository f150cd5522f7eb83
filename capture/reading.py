"""Reading pages: the queue jobs that turn a received page into its read record.

:func:`read_page` is the job, one per page, enqueued by intake on the station
queue (RQ with Redis, in process without). It can run twice, or die midway,
without harm: the read record is inserted once (unique per page) in the same
transaction as the page's new status, and a run that finds the page read
only sequences its feed. A worker takes waiting read jobs several at a time
(:func:`read_pages`, one transaction for all). :func:`requeue_unread`
re-enqueues pages whose job was lost with its worker.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from capture.batches import advance
from capture.checks import record_problem
from capture.exceptions import open_exception
from capture.formset import form_templates, known_forms
from capture.models import Page, PageRead, utcnow
from capture.upsert import insert_once
from omr import MarkRecord, read_file
from omr.decisions import REVIEW_FLAGS
from station.config import current_settings
from station.db import session_scope
from station.images import image_store
from station.queue import enqueue, job_id_for, runs_together

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
"""A page unread this long after it was received has lost its job."""

_pages = Page.__table__
_MARK_READ = (update(_pages)
              .where(_pages.c.id == bindparam("page"), _pages.c.status == "received")
              .returning(_pages.c.feed_id))
"""A waiting page's new status and values from its record (Core, built once:
the read job's hottest statement)."""


READ_TOGETHER = 8
"""Waiting read jobs a worker takes at a time (:func:`read_pages`): a fifth of
a second of reading, kept in one transaction."""


def read_pages(pages: list[tuple[int, str]]) -> list[str]:
    """Read the stored images of several pages (``(page_id, sha256)``, in queue
    order), then keep their records and sequence their feeds in one
    transaction; returns each page's outcome. A worker killed midway leaves
    every page waiting, and a page found read before only has its feed
    sequenced."""
    reads = [(page_id, *read_image(sha256)) for page_id, sha256 in pages]
    outcomes, feeds = [], set()
    with session_scope() as session:
        for page_id, record, read_ms in reads:
            feed_id = save_read(session, page_id, record, read_ms)
            outcome = "read" if feed_id is not None else "already read"
            if feed_id is None:
                feed_id = session.scalar(select(Page.feed_id).where(Page.id == page_id))
            outcomes.append(outcome if feed_id is not None else f"page {page_id} does not exist")
            feeds |= {feed_id} - {None}
        for feed_id in sorted(feeds):  # the same order in every worker: no deadlock
            advance(session, feed_id)
    for (page_id, _), outcome in zip(pages, outcomes, strict=True):
        log.debug("page %s %s", page_id, outcome)
    return outcomes


@runs_together(read_pages, up_to=READ_TOGETHER)
def read_page(page_id: int, sha256: str) -> str:
    """The read job of one page (see :func:`read_pages`); a worker runs several
    waiting ones together."""
    return read_pages([(page_id, sha256)])[0]


def read_image(sha256: str) -> tuple[MarkRecord, float]:
    """The mark record of a stored image and the time the read took, ms."""
    start = time.perf_counter()
    try:
        record = read_file(image_store().path(sha256), known_forms(),
                           templates=form_templates())[0]
    except Exception as exc:  # noqa: BLE001 - a reader failure is the page's exception
        record = MarkRecord.refused(sha256, 0, exc)
    return dataclasses.replace(record, image=sha256), (time.perf_counter() - start) * 1000


def save_read(session: Session, page_id: int, record: MarkRecord, read_ms: float
              ) -> int | None:
    """Keep a waiting page's record and new status, once; returns the page's
    feed, or None when the page is not waiting (read before, or discarded).

    The status changes only from "received" (a guarded update: of two runs at
    once, the second waits for the first's row lock and then finds the page
    read), and the record is unique per page."""
    problem = record_problem(record)
    feed_id = session.scalar(_MARK_READ, {
        "page": page_id, "status": "exception" if problem else "read", "form_id": record.form,
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
    return feed_id


def requeue_unread(session: Session, older_than: timedelta = STALE_AFTER,
                   feed_id: int | None = None) -> int:
    """Enqueue again the read of every page received more than ``older_than``
    ago and still unread (of one feed, or all); returns how many.

    A job lost with its worker stays "started" in RQ until RQ's maintenance
    finds it abandoned, and the queue's de-duplication would refuse it until
    then: these jobs go under a new job id. Safe, as the job is idempotent.
    """
    query = select(Page.id, Page.image_sha256).where(Page.status == "received",
                                                     Page.received_at <= utcnow() - older_than)
    if feed_id is not None:
        query = query.where(Page.feed_id == feed_id)
    pages = session.execute(query.order_by(Page.id)).all()
    queue, stamp = current_settings().queue_name, int(time.time())
    for page in pages:
        enqueue(read_page, *page,
                job_id=f"{job_id_for(read_page, tuple(page), queue)}-again-{stamp}")
    if pages:
        log.warning("%d unread pages enqueued again", len(pages))
    return len(pages)
