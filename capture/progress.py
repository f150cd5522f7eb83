"""What the operator watches: each batch's progress, counted in the database.

Pages received, read, with an exception, and documents complete (every page
of the form present), per batch; and per feed, the pages not yet in a batch
(waiting for a header to be read, or fed before any header).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from capture.models import TABLES, Batch, CaptureException, Document, Feed, Page


def batch_rows(session: Session, batch_ids: list[int] | None = None, limit: int = 200
               ) -> list[dict[str, Any]]:
    """The newest batches (or ``batch_ids``) with their live counts, newest first."""
    query = select(Batch).order_by(Batch.id.desc()).limit(limit)
    if batch_ids is not None:
        query = query.where(Batch.id.in_(batch_ids))
    batches = list(session.scalars(query))
    ids = [b.id for b in batches]
    pages = _page_counts(session, ids)
    complete = _complete_documents(session, ids)
    exceptions = _open_exceptions(session, ids)
    return [{
        "id": b.id, "batch_code": b.batch_code, "district_code": b.district_code,
        "school_code": b.school_code, "grade": b.grade,
        "administration": b.administration, "declared_count": b.declared_count,
        "status": b.status, "documents_found": b.documents_found,
        "count_status": b.count_status,
        "created_at": b.created_at.isoformat() if b.created_at else None,
        "pages": sum(c for (bid, _), c in pages.items() if bid == b.id),
        "pages_read": pages[(b.id, "read")], "pages_waiting": pages[(b.id, "received")],
        "pages_exception": pages[(b.id, "exception")],
        "documents_complete": complete[b.id], "exceptions_open": exceptions[b.id],
    } for b in batches]


def _page_counts(session: Session, ids: list[int]) -> Counter:
    rows = session.execute(select(Page.batch_id, Page.status, func.count())
                           .where(Page.batch_id.in_(ids)).group_by(Page.batch_id, Page.status))
    return Counter({(bid, status): n for bid, status, n in rows})


def _complete_documents(session: Session, ids: list[int]) -> Counter:
    complete = (select(Document.batch_id).join(Page, Page.document_id == Document.id)
                .where(Document.batch_id.in_(ids), Page.status == "read")
                .group_by(Document.id, Document.batch_id, Document.pages_expected)
                .having(func.count(func.distinct(Page.page_number)) >= Document.pages_expected)
                .subquery())
    rows = session.execute(select(complete.c.batch_id, func.count()).group_by(complete.c.batch_id))
    return Counter(dict(rows.all()))


def _open_exceptions(session: Session, ids: list[int]) -> Counter:
    batch_of = func.coalesce(CaptureException.batch_id, Page.batch_id)
    rows = session.execute(select(batch_of, func.count())
                           .outerjoin(Page, Page.id == CaptureException.page_id)
                           .where(CaptureException.state == "open", batch_of.in_(ids))
                           .group_by(batch_of))
    return Counter(dict(rows.all()))


def feed_rows(session: Session) -> list[dict[str, Any]]:
    """Feeds with pages not in any batch: waiting to be read or sequenced,
    or fed before any header."""
    rows = session.execute(select(Feed.id, Feed.key, Feed.source, Page.status, func.count())
                           .join(Page, Page.feed_id == Feed.id).where(Page.batch_id.is_(None))
                           .group_by(Feed.id, Feed.key, Feed.source, Page.status)
                           .order_by(Feed.id.desc()))
    feeds: dict[int, dict[str, Any]] = {}
    for feed_id, key, source, status, n in rows:
        feed = feeds.setdefault(feed_id, {"id": feed_id, "key": key, "source": source,
                                          "unassigned": 0, "waiting": 0})
        feed["unassigned"] += n
        feed["waiting"] += n if status == "received" else 0
    return list(feeds.values())


def row_counts(session: Session) -> dict[str, int]:
    """Rows in each capture table (feeding the same files twice must not change them)."""
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in TABLES}
