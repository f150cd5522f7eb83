"""What the operator watches: each batch's progress, counted in the database.

Pages received, read, with an exception, and documents complete (every page
of the form present, no condition) or in edit, per batch; the count's state
(``ok``, ``mismatch``, or ``accepted`` by whom and why); and per feed, the
pages still waiting outside a batch (waiting for a header to be read, or fed
before any header). A season holds tens of thousands of batches: they are
searched (:class:`BatchSearch`) and paged newest first by keyset.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import PurePath
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from capture.models import TABLES, Batch, CaptureException, Document, DocumentCondition, Feed, Page

BATCH_PAGE = 50
"""Batches shown at a time; a request may ask for up to MAX_BATCH_PAGE."""
MAX_BATCH_PAGE = 500
WAITING = ("received", "read", "exception")
"""Page statuses still waiting for something (a read, a header, the operator);
discarded pages and pages sent for rescan are done with."""


@dataclass(frozen=True)
class BatchSearch:
    """Batches to list: each given value must match (``batch_code`` and
    ``school_code`` by prefix, ``date`` the day the batch was opened, UTC)."""

    batch_code: str | None = None
    school_code: str | None = None
    grade: str | None = None
    status: str | None = None
    date: date | None = None

    def where(self, query: Select) -> Select:
        if self.batch_code:
            query = query.where(Batch.batch_code.startswith(self.batch_code, autoescape=True))
        if self.school_code:
            query = query.where(Batch.school_code.startswith(self.school_code, autoescape=True))
        if self.grade:
            query = query.where(Batch.grade == self.grade)
        if self.status:
            query = query.where(Batch.status == self.status)
        if self.date:
            start = datetime.combine(self.date, time(), UTC)
            query = query.where(Batch.created_at >= start,
                                Batch.created_at < start + timedelta(days=1))
        return query


@dataclass(frozen=True)
class BatchPage:
    """One page of batches, newest first, with the ``total`` matching and the
    cursor of the next page (None on the last)."""

    rows: list[dict[str, Any]]
    total: int
    next_before: int | None


def search_batches(session: Session, search: BatchSearch, before: int | None = None,
                   limit: int = BATCH_PAGE) -> BatchPage:
    """The batches matching ``search`` with ids below ``before``, newest first."""
    total = session.scalar(search.where(select(func.count()).select_from(Batch)))
    query = search.where(select(Batch.id))
    if before is not None:
        query = query.where(Batch.id < before)
    ids = list(session.scalars(query.order_by(Batch.id.desc()).limit(limit + 1)))
    more = len(ids) > limit
    return BatchPage(batch_rows(session, ids[:limit]), total, ids[limit - 1] if more else None)


def batch_rows(session: Session, batch_ids: list[int]) -> list[dict[str, Any]]:
    """The batches ``batch_ids`` with their live counts, newest first."""
    batches = list(session.scalars(select(Batch).where(Batch.id.in_(batch_ids))
                                   .order_by(Batch.id.desc())))
    ids = [b.id for b in batches]
    pages = _page_counts(session, ids)
    documents = _document_counts(session, ids)
    exceptions = _open_exceptions(session, ids)
    conditions = _condition_counts(session, ids)
    accepted = _accepted_counts(session, ids)
    reused = _codes_reused(session, batches)
    return [{
        "id": b.id, "batch_code": b.batch_code, "district_code": b.district_code,
        "school_code": b.school_code, "grade": b.grade,
        "administration": b.administration, "declared_count": b.declared_count,
        "status": b.status, "documents_found": b.documents_found,
        "count_status": "accepted" if b.count_status == "mismatch" and b.id in accepted
        else b.count_status,
        "count_accepted": accepted.get(b.id),
        "code_reused_by": reused.get(b.id, []),
        "created_at": b.created_at.isoformat() if b.created_at else None,
        "pages": sum(c for (bid, _), c in pages.items() if bid == b.id),
        "pages_read": pages[(b.id, "read")], "pages_waiting": pages[(b.id, "received")],
        "pages_exception": pages[(b.id, "exception")],
        "documents_complete": documents[(b.id, "complete")],
        "documents_edit": documents[(b.id, "edit")],
        "conditions": conditions[b.id], "exceptions_open": exceptions[b.id],
    } for b in batches]


def _page_counts(session: Session, ids: list[int]) -> Counter:
    rows = session.execute(select(Page.batch_id, Page.status, func.count())
                           .where(Page.batch_id.in_(ids)).group_by(Page.batch_id, Page.status))
    return Counter({(bid, status): n for bid, status, n in rows})


def _document_counts(session: Session, ids: list[int]) -> Counter:
    """Documents per (batch, status) once assembled; while a batch is open, its
    documents with every page of the form read count as complete."""
    rows = session.execute(select(Document.batch_id, Document.status, func.count())
                           .where(Document.batch_id.in_(ids))
                           .group_by(Document.batch_id, Document.status))
    counts = Counter({(bid, status): n for bid, status, n in rows})
    assembling = (select(Document.batch_id).join(Page, Page.document_id == Document.id)
                  .where(Document.batch_id.in_(ids), Document.status == "assembling",
                         Page.status == "read")
                  .group_by(Document.id, Document.batch_id, Document.pages_expected)
                  .having(func.count(func.distinct(Page.page_number))
                          >= Document.pages_expected).subquery())
    for bid, n in session.execute(select(assembling.c.batch_id, func.count())
                                  .group_by(assembling.c.batch_id)):
        counts[(bid, "complete")] += n
    return counts


def _open_exceptions(session: Session, ids: list[int]) -> Counter:
    """Open exceptions per batch: the batch's own and its pages' (two indexed
    lookups rather than one join over every open exception)."""
    own = session.execute(select(CaptureException.batch_id, func.count())
                          .where(CaptureException.state == "open",
                                 CaptureException.batch_id.in_(ids))
                          .group_by(CaptureException.batch_id))
    pages = session.execute(select(Page.batch_id, func.count())
                            .join(CaptureException, CaptureException.page_id == Page.id)
                            .where(CaptureException.state == "open", Page.batch_id.in_(ids))
                            .group_by(Page.batch_id))
    return Counter(dict(own.all())) + Counter(dict(pages.all()))


def _condition_counts(session: Session, ids: list[int]) -> Counter:
    rows = session.execute(select(DocumentCondition.batch_id, func.count())
                           .where(DocumentCondition.batch_id.in_(ids))
                           .group_by(DocumentCondition.batch_id))
    return Counter(dict(rows.all()))


def _accepted_counts(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Who accepted each batch's count mismatch, why and when."""
    rows = session.execute(select(CaptureException).where(
        CaptureException.batch_id.in_(ids), CaptureException.code == "count_mismatch",
        CaptureException.resolution == "accept"))
    return {e.batch_id: {"by": e.resolved_by, "note": e.note,
                         "at": e.resolved_at.isoformat() if e.resolved_at else None}
            for e in rows.scalars()}


def _codes_reused(session: Session, batches: list[Batch]) -> dict[int, list[int]]:
    """For each batch, the other batches opened under its batch code."""
    codes = {b.batch_code for b in batches if b.batch_code}
    if not codes:
        return {}
    rows = session.execute(select(Batch.batch_code, Batch.id).where(Batch.batch_code.in_(codes))
                           .order_by(Batch.id)).all()
    return {b.id: [other for code, other in rows if code == b.batch_code and other != b.id]
            for b in batches if b.batch_code}


def feed_label(key: str, source: str, created_at: datetime | None) -> str:
    """A feed's name for a person: its source, who or what fed it, and when
    (``upload by maria, 2026-12-01 09:14``, ``hot folder scanner1, …``)."""
    when = f", {created_at:%Y-%m-%d %H:%M}" if created_at else ""
    kind, _, rest = key.partition(":")
    if kind == "upload":
        user = rest.rpartition(":")[0]
        return f"upload{f' by {user}' if user else ''}{when}"
    if kind == "watch":
        return f"hot folder {PurePath(rest).name}{when}"
    if kind == "ingest":
        first = rest.partition(":")[2]
        return f"ingest of {PurePath(first).name or 'files'}{when}"
    return f"{source} {key}{when}"


def feed_rows(session: Session) -> list[dict[str, Any]]:
    """Feeds with pages still waiting outside any batch (to be read or
    sequenced, or fed before any header), newest first."""
    rows = session.execute(select(Feed.id, Feed.key, Feed.source, Feed.created_at, Page.status,
                                  func.count())
                           .join(Page, and_(Page.feed_id == Feed.id, Page.batch_id.is_(None),
                                            Page.status.in_(WAITING)))
                           .group_by(Feed.id, Feed.key, Feed.source, Feed.created_at,
                                     Page.status)
                           .order_by(Feed.id.desc()))
    feeds: dict[int, dict[str, Any]] = {}
    for feed_id, key, source, created_at, status, n in rows:
        feed = feeds.setdefault(feed_id, {
            "id": feed_id, "key": key, "source": source,
            "name": feed_label(key, source, created_at),
            "created_at": created_at.isoformat() if created_at else None,
            "unassigned": 0, "waiting": 0})
        feed["unassigned"] += n
        feed["waiting"] += n if status == "received" else 0
    return list(feeds.values())


def row_counts(session: Session) -> dict[str, int]:
    """Rows in each capture table (feeding the same files twice must not change them)."""
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in TABLES}
