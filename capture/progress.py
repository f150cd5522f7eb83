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

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

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
    query = search.where(select(Batch))
    if before is not None:
        query = query.where(Batch.id < before)
    rows = _rows(session, query.order_by(Batch.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    return BatchPage(rows[:limit], total, rows[limit - 1]["id"] if more else None)


def batch_rows(session: Session, batch_ids: list[int]) -> list[dict[str, Any]]:
    """The batches ``batch_ids`` with their live counts, newest first."""
    return _rows(session, select(Batch).where(Batch.id.in_(batch_ids))
                 .order_by(Batch.id.desc()))


def batch_detail(session: Session, batch_id: int) -> dict[str, Any] | None:
    """A batch as its page shows it, or None when there is no such batch: the
    batch's row, its pages in scanner order, each with its position across the
    batch (1, 2, …) and its place in its document (``"2 of 4"``), its documents
    with the pages found, and its conditions."""
    rows = batch_rows(session, [batch_id])
    if not rows:
        return None
    pages = session.scalars(select(Page).where(Page.batch_id == batch_id)
                            .order_by(Page.feed_id, Page.seq)).all()
    documents = session.scalars(select(Document).where(Document.batch_id == batch_id)
                                .order_by(Document.lithocode)).all()
    conditions = session.scalars(select(DocumentCondition)
                                 .where(DocumentCondition.batch_id == batch_id)).all()
    found = Counter(p.document_id for p in pages if p.document_id and p.status == "read")
    expected = {d.id: d.pages_expected for d in documents}
    return {
        "batch": rows[0],
        "pages": [(p, n, f"{p.page_number} of {expected[p.document_id]}"
                   if p.document_id in expected and p.page_number else None)
                  for n, p in enumerate(pages, 1)],
        "documents": [{"id": d.id, "lithocode": d.lithocode, "form": d.form_id,
                       "pages_expected": d.pages_expected, "pages_found": found[d.id],
                       "status": d.status} for d in documents],
        "conditions": [{"document_id": c.document_id, "page_id": c.page_id, "code": c.code,
                        "detail": c.detail} for c in conditions],
    }


def _count(*where: Any) -> ScalarSelect:
    return select(func.count()).where(*where).scalar_subquery()


def _live_counts() -> dict[str, ColumnElement]:
    """A batch's live counts as columns correlated to the batch row, so that a
    page of batches and all their counts are one query, each count an index
    lookup."""
    in_batch = Page.batch_id == Batch.id
    read = aliased(Page)
    pages_read = (select(func.count(func.distinct(read.page_number)))
                  .where(read.document_id == Document.id, read.status == "read")
                  .scalar_subquery())
    other = aliased(Batch)
    return {
        "pages": _count(in_batch),
        "pages_read": _count(in_batch, Page.status == "read"),
        "pages_waiting": _count(in_batch, Page.status == "received"),
        "pages_exception": _count(in_batch, Page.status == "exception"),
        "documents_complete": _count(Document.batch_id == Batch.id, or_(
            Document.status == "complete",
            and_(Document.status == "assembling", pages_read >= Document.pages_expected))),
        "documents_edit": _count(Document.batch_id == Batch.id, Document.status == "edit"),
        "conditions": _count(DocumentCondition.batch_id == Batch.id),
        "exceptions_open": _count(CaptureException.batch_id == Batch.id,
                                  CaptureException.state == "open")
        + select(func.count()).select_from(CaptureException)
        .join(Page, Page.id == CaptureException.page_id)
        .where(in_batch, CaptureException.state == "open").scalar_subquery(),
        "codes_reused": _count(other.batch_code == Batch.batch_code, other.id != Batch.id),
    }


def _rows(session: Session, query: Select) -> list[dict[str, Any]]:
    """The batches of ``query`` (a select of Batch) as the operator sees them:
    header values, status, live counts, the count's state, and the other
    batches opened under the same batch code. While a batch is open, its
    documents with every page of the form read count as complete."""
    counts = _live_counts()
    found = session.execute(query.add_columns(*(c.label(n) for n, c in counts.items()))).all()
    accepted = _accepted_counts(session, [r.Batch.id for r in found
                                          if r.Batch.count_status == "mismatch"])
    reused = _codes_reused(session, [r.Batch for r in found if r.codes_reused])
    rows = []
    for r in found:
        b = r.Batch
        rows.append({
            "id": b.id, "batch_code": b.batch_code, "district_code": b.district_code,
            "school_code": b.school_code, "grade": b.grade,
            "administration": b.administration, "declared_count": b.declared_count,
            "status": b.status, "documents_found": b.documents_found,
            "count_status": "accepted" if b.id in accepted else b.count_status,
            "count_accepted": accepted.get(b.id), "code_reused_by": reused.get(b.id, []),
            "created_at": b.created_at.isoformat() if b.created_at else None,
            **{name: getattr(r, name) for name in counts if name != "codes_reused"}})
    return rows


def _accepted_counts(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Who accepted each batch's count mismatch, why and when."""
    if not ids:
        return {}
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


def feed_label(key: str, source: str, fed_by: str | None, created_at: datetime | None) -> str:
    """A feed's name for a person: its source, who fed it, and when (``upload
    by maria, 2026-12-01 09:14``, ``hot folder scanner1 by cli:ops, …``)."""
    when = f", {created_at:%Y-%m-%d %H:%M}" if created_at else ""
    who = f" by {fed_by}" if fed_by else ""
    kind, _, rest = key.partition(":")
    if kind == "upload":
        return f"upload{who}{when}"
    if kind == "watch":
        return f"hot folder {PurePath(rest).name}{who}{when}"
    if kind == "ingest":
        first = rest.partition(":")[2]
        return f"ingest of {PurePath(first).name or 'files'}{who}{when}"
    return f"{source} {key}{who}{when}"


def feed_rows(session: Session) -> list[dict[str, Any]]:
    """Feeds with pages still waiting outside any batch (to be read or
    sequenced, or fed before any header), newest first."""
    rows = session.execute(select(Feed.id, Feed.key, Feed.source, Feed.fed_by, Feed.created_at,
                                  Page.status, func.count())
                           .join(Page, and_(Page.feed_id == Feed.id, Page.batch_id.is_(None),
                                            Page.status.in_(WAITING)))
                           .group_by(Feed.id, Feed.key, Feed.source, Feed.fed_by,
                                     Feed.created_at, Page.status)
                           .order_by(Feed.id.desc()))
    feeds: dict[int, dict[str, Any]] = {}
    for feed_id, key, source, fed_by, created_at, status, n in rows:
        feed = feeds.setdefault(feed_id, {
            "id": feed_id, "key": key, "source": source, "fed_by": fed_by,
            "name": feed_label(key, source, fed_by, created_at),
            "created_at": created_at.isoformat() if created_at else None,
            "unassigned": 0, "waiting": 0})
        feed["unassigned"] += n
        feed["waiting"] += n if status == "received" else 0
    return list(feeds.values())


def row_counts(session: Session) -> dict[str, int]:
    """Rows in each capture table (feeding the same files twice must not change them)."""
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in TABLES}
