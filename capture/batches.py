"""Batches from the scanner's order, and documents within them.

A feed's pages are sequenced in ``seq`` order once they are read: a header
sheet opens a batch, the pages after it belong to it until the next header;
a page before any header is an exception. Sequencing stops at the first page
not yet read (it may be a header), so pages read out of order wait for it.
A batch closes when the next header is sequenced or when its feed has ended
and every page is sequenced; closing assembles its documents and reconciles
its header count. Every step is idempotent; the feed row is locked while a
feed is sequenced and the batch row while a batch is assembled.
"""

from __future__ import annotations

import logging

from sqlalchemy import Row, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from capture.assembly import Condition, PageFacts, plan_batch
from capture.exception_records import close_exception, open_exception
from capture.formset import known_forms, page_counts
from capture.models import Batch, Document, DocumentCondition, Feed, Page, PageRead, utcnow
from capture.reconcile import count_mismatch, header_form_ids, read_header
from station.events import BATCH_ASSEMBLED, announce_after_commit
from station.upsert import insert_once

log = logging.getLogger(__name__)


def advance(session: Session, feed_id: int) -> None:
    """Sequence the feed's read pages into batches and close what is finished."""
    feed = session.execute(_LOCK_FEED, {"feed": feed_id}).one()
    rows, all_read = _ready_pages(session, feed)
    current, closed, previous = None, set(), None
    if rows and rows[0][0].seq == feed.sequenced:
        previous, status = rows.pop(0)
        current = previous.batch_id
        closed |= {current} if status == "closed" else set()
    if not rows and not feed.ended:
        return
    headers = header_form_ids(known_forms())
    closing: set[int] = set()
    for page, batch_status in rows:
        if page.form_id in headers and page.status == "read":
            if current:
                closing.add(current)
            current = open_batch(session, page)
        elif page.batch_id is None and current is not None:
            page.batch_id = current
        elif page.batch_id is None and page.status == "read":
            open_exception(session, "no_header", "page fed before any header sheet: reassign "
                                                 "it to its batch", page_id=page.id)
        elif batch_status == "closed":
            closed.add(page.batch_id)
        if page.batch_id and page.status == "read" and page.lithocode:
            _link_after(session, page, previous)
        previous = page
    if rows:
        session.execute(_SEQUENCED, {"feed": feed.id, "sequenced": rows[-1][0].seq})
    joined = {page.batch_id for page, _ in rows}
    closing |= closed & joined
    if feed.ended and current and all_read \
            and (rows or session.get(Batch, current).status == "open"):
        closing.add(current)
    for batch_id in sorted(closing):
        reassemble(session, batch_id)


_feeds = Feed.__table__
_LOCK_FEED = (select(_feeds.c.id, _feeds.c.sequenced, _feeds.c.ended)
              .where(_feeds.c.id == bindparam("feed")).with_for_update())
_SEQUENCED = (update(_feeds).where(_feeds.c.id == bindparam("feed"))
              .values(sequenced=bindparam("sequenced")))
"""The statements of every read job's sequencing, built once (Core; SQLAlchemy's
compiled cache serves every later call)."""

READY_CHUNKS = (4, 32)
"""Pages fetched at a time while looking for a feed's first unread page: a
few first (a lone worker usually finds it right after the page it read), then
larger chunks."""


def _ready_pages(session: Session, feed: Row) -> tuple[list[tuple[Page, str | None]], bool]:
    """The last sequenced page of ``feed`` (a row with its id and sequenced)
    and those after it up to the first not yet read, in order, each with its
    batch's status (None without a batch); and whether every page of the feed
    is read.

    Read in short chunks along the feed's (feed_id, seq) key, so that the cost
    does not grow with the pages still waiting behind the first unread one."""
    ready: list[tuple[Page, str | None]] = []
    start, size = feed.sequenced, READY_CHUNKS[0]
    while True:
        chunk = session.execute(
            select(Page, Batch.status).outerjoin(Batch, Batch.id == Page.batch_id)
            .where(Page.feed_id == feed.id, Page.seq >= start)
            .order_by(Page.seq).limit(size)).all()
        for page, status in chunk:
            if page.status == "received":
                return ready, False
            ready.append((page, status))
        if len(chunk) < size:
            return ready, True
        start, size = chunk[-1][0].seq + 1, READY_CHUNKS[1]


def open_batch(session: Session, header_page: Page) -> int:
    """The batch a header page opens (created once), with the header's values."""
    record = session.get(PageRead, header_page.id).record
    header = read_header(record)
    batch_id = insert_once(
        session, Batch, ("header_page_id",), header_page_id=header_page.id,
        batch_code=header.batch_code, district_code=header.district_code,
        school_code=header.school_code, grade=header.grade,
        administration=header.administration, declared_count=header.declared_count,
    ) or session.scalar(select(Batch.id).where(Batch.header_page_id == header_page.id))
    header_page.batch_id = batch_id
    log.info("batch %s opened by page %s", batch_id, header_page.id)
    return batch_id


def _link_after(session: Session, page: Page, previous: Page | None) -> None:
    """:func:`link_document`, taking the document of the page fed just before
    when it has the same batch and lithocode (the next page of one document)."""
    if previous is not None and previous.document_id is not None \
            and (previous.batch_id, previous.lithocode) == (page.batch_id, page.lithocode):
        page.document_id = previous.document_id
    else:
        link_document(session, page)


def link_document(session: Session, page: Page) -> None:
    """Put a read page into its batch's document for its lithocode (created once)."""
    known = select(Document.id).where(Document.batch_id == page.batch_id,
                                      Document.lithocode == page.lithocode)
    with session.no_autoflush:  # the page's changes go out in one UPDATE, later
        page.document_id = session.scalar(known)
        if page.document_id is None:
            form = known_forms()[page.form_id]
            page.document_id = insert_once(
                session, Document, ("batch_id", "lithocode"), batch_id=page.batch_id,
                lithocode=page.lithocode, form_id=form.id, pages_expected=len(form.pages),
            ) or session.scalar(known)


def reassemble(session: Session, batch_id: int) -> None:
    """Close the batch if open, then assemble it again if every page of it is
    read: documents, conditions and the header count. Safe to repeat."""
    batch = session.get(Batch, batch_id, with_for_update=True, populate_existing=True)
    if batch.status == "open":
        batch.status, batch.closed_at = "closed", utcnow()
    if session.scalar(select(func.count()).where(Page.batch_id == batch_id,
                                                 Page.status == "received")):
        return
    session.flush()
    found = _assemble(session, batch)
    _reconcile(session, batch, found)
    announce_after_commit(session, BATCH_ASSEMBLED, batch_id)
    log.info("batch %s assembled: %s documents", batch_id, found)


def _assemble(session: Session, batch: Batch) -> int:
    """Documents and conditions of a closed batch; returns the documents found."""
    headers = header_form_ids(known_forms())
    pages = [p for p in session.scalars(select(Page).where(Page.batch_id == batch.id,
                                                           Page.status == "read")
                                        .order_by(Page.feed_id, Page.seq))
             if p.form_id not in headers]
    plan = plan_batch([PageFacts(p.id, p.form_id, p.page_number, p.lithocode) for p in pages],
                      page_counts(known_forms()))
    docs = {d.lithocode: d for d in session.scalars(
        select(Document).where(Document.batch_id == batch.id))}
    for page in (p for p in pages if p.lithocode):
        if page.lithocode not in docs:
            link_document(session, page)
            docs[page.lithocode] = session.get(Document, page.document_id)
        page.document_id = docs[page.lithocode].id
    session.execute(delete(DocumentCondition).where(DocumentCondition.batch_id == batch.id))
    conditions = (plan.conditions + _duplicates_elsewhere(session, batch.id, set(plan.documents))
                  + _code_reused(session, batch))
    for c in conditions:
        doc = docs.get(c.lithocode)
        session.add(DocumentCondition(batch_id=batch.id, document_id=doc.id if doc else None,
                                      page_id=c.page_id, code=c.code, detail=c.detail))
    flagged = {c.lithocode for c in conditions}
    for litho, doc in docs.items():
        doc.status = ("empty" if litho not in plan.documents
                      else "edit" if litho in flagged else "complete")
    return plan.documents_found()


def _duplicates_elsewhere(session: Session, batch_id: int, lithocodes: set[str]
                          ) -> list[Condition]:
    """duplicate_lithocode conditions for lithocodes also found in other
    batches; the other batch's document gets the condition too."""
    if not lithocodes:
        return []
    rows = session.execute(select(Document.id, Document.lithocode, Document.batch_id).where(
        Document.lithocode.in_(lithocodes), Document.batch_id != batch_id)).all()
    for doc_id, _litho, other in rows:
        _mark_other(session, other, doc_id, "duplicate_lithocode",
                    f"lithocode also in batch {batch_id}")
    session.execute(update(Document).where(Document.id.in_([r[0] for r in rows]),
                                           Document.status != "empty").values(status="edit"))
    return [Condition("duplicate_lithocode", f"lithocode also in batch {other}", litho)
            for _doc_id, litho, other in rows]


def _code_reused(session: Session, batch: Batch) -> list[Condition]:
    """batch_code_reused conditions when other batches carry this batch's
    code; each of those gets the condition too."""
    if not batch.batch_code:
        return []
    others = list(session.scalars(select(Batch.id).where(
        Batch.batch_code == batch.batch_code, Batch.id != batch.id).order_by(Batch.id)))
    for other in others:
        _mark_other(session, other, None, "batch_code_reused",
                    f"batch code {batch.batch_code} is also used by batch {batch.id}")
    return [Condition("batch_code_reused",
                      f"batch code {batch.batch_code} is also used by batch {other}")
            for other in others]


def _mark_other(session: Session, batch_id: int, document_id: int | None, code: str,
                detail: str) -> None:
    """Add a condition found while assembling another batch, once."""
    known = select(DocumentCondition.id).where(DocumentCondition.batch_id == batch_id,
                                               DocumentCondition.document_id == document_id,
                                               DocumentCondition.code == code,
                                               DocumentCondition.detail == detail)
    if session.scalar(known) is None:
        session.add(DocumentCondition(batch_id=batch_id, document_id=document_id, code=code,
                                      detail=detail))


def _reconcile(session: Session, batch: Batch, found: int) -> None:
    batch.documents_found = found
    reason = count_mismatch(batch.declared_count, found)
    batch.count_status = "mismatch" if reason else "ok"
    if reason:
        open_exception(session, "count_mismatch", reason, batch_id=batch.id)
    else:
        close_exception(session, f"batch:{batch.id}:count_mismatch", "recounted",
                        f"{found} documents found, as declared")
