"""Capture's tables: feeds, pages, their read records, batches, documents,
document conditions and exceptions.

"Written once" is made true by unique keys: a page is unique by its image's
content hash, a read record by its page, a batch by its header page, a document
by (batch, lithocode), an exception by its ``key``. Jobs insert with ON CONFLICT
DO NOTHING (:mod:`station.upsert`) and a re-run finds the row and returns.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from station.db import Base, one_of
from station.models import JsonDocument, utcnow

Stamp = DateTime(timezone=True)


class PageStatus(StrEnum):
    RECEIVED = "received"
    """Stored, waiting to be read."""
    READ = "read"
    EXCEPTION = "exception"
    """Refused on arrival or by the reader: an exception is open on it."""
    DISCARDED = "discarded"
    RESCAN = "rescan"
    """To be fed again (an operator's resolution); it left its document."""


class BatchStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class DocumentStatus(StrEnum):
    ASSEMBLING = "assembling"
    COMPLETE = "complete"
    EDIT = "edit"
    """It has conditions for the edit station."""
    EMPTY = "empty"
    """No page of its batch carries its lithocode any more."""


class ExceptionState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Feed(Base):
    """One stream of pages in scanner order: an ``ingest`` run (keyed by its
    paths), a hot folder (keyed by its directory) or a browser upload, made
    with its first page; ``fed_by`` is who fed it (a user name, ``cli:<login>``).

    ``sequenced`` is the last ``Page.seq`` whose batch is decided; ``ended``
    says that intake has taken every file, so its last batch can close.
    """

    __tablename__ = "feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)
    source: Mapped[str] = mapped_column(String(20))
    fed_by: Mapped[str | None] = mapped_column(String(80))
    sequenced: Mapped[int] = mapped_column(default=-1)
    ended: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Batch(Base):
    """A header sheet and the documents fed after it. Header values are text as
    read (``*`` for a multiple mark); ``declared_count`` is None when the
    header's count did not read as a number."""

    __tablename__ = "batch"
    __table_args__ = (one_of("status", BatchStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    header_page_id: Mapped[int] = mapped_column(
        ForeignKey("page.id", use_alter=True), unique=True)
    batch_code: Mapped[str | None] = mapped_column(String(40), index=True)
    district_code: Mapped[str] = mapped_column(String(20), default="")
    school_code: Mapped[str] = mapped_column(String(20), default="")
    grade: Mapped[str] = mapped_column(String(10), default="")
    administration: Mapped[str] = mapped_column(String(40), default="")
    declared_count: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(12), default=BatchStatus.OPEN)
    documents_found: Mapped[int | None]
    count_status: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(Stamp)


class Page(Base):
    """One page image, stored once by content hash, at ``seq`` in its feed.

    ``status``: a :class:`PageStatus`.
    ``form_id``, ``page_number`` and ``lithocode`` are copied from the read
    record for queries; ``rotated`` is a page fed upside down (read through
    its 180° registration, shown upright).
    """

    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("feed_id", "seq"),
                      Index("ix_page_feed_status", "feed_id", "status"),
                      one_of("status", PageStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    image_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feed.id"))
    seq: Mapped[int]
    source_name: Mapped[str] = mapped_column(String(500))
    source_frame: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default=PageStatus.RECEIVED)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    form_id: Mapped[str | None] = mapped_column(String(64))
    page_number: Mapped[int | None]
    lithocode: Mapped[str | None] = mapped_column(String(20), index=True)
    rotated: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class PageRead(Base):
    """The OMR mark record of a page (docs/omr.md, "The mark record"), once.

    ``record`` is the whole record as JSON (JSONB on PostgreSQL: levels and
    flags can be queried); ``review_keys`` counts keys carrying a review flag.
    """

    __tablename__ = "page_read"

    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(500), default="")
    flags: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    review_keys: Mapped[int] = mapped_column(default=0)
    record: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    read_ms: Mapped[float] = mapped_column(default=0.0)
    read_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Document(Base):
    """An answer document: the pages of one batch that carry one lithocode.
    ``status``: a :class:`DocumentStatus`."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("batch_id", "lithocode"), one_of("status", DocumentStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    lithocode: Mapped[str] = mapped_column(String(20), index=True)
    form_id: Mapped[str] = mapped_column(String(64))
    pages_expected: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default=DocumentStatus.ASSEMBLING)


class DocumentCondition(Base):
    """An edit condition found when a batch's documents were assembled, on a
    document, a page, or both (codes in :mod:`capture.assembly`)."""

    __tablename__ = "document_condition"
    __table_args__ = (Index("ix_document_condition_batch", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id"))
    code: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(500), default="")


class CaptureException(Base):
    """A page or batch that needs the operator: open until resolved by
    rescan, reassign (to a batch), discard (pages) or accept (batches)."""

    __tablename__ = "capture_exception"
    __table_args__ = (Index("ix_capture_exception_state", "state"),
                      one_of("state", ExceptionState))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(12), default=ExceptionState.OPEN)
    resolution: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(Stamp)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


TABLES: tuple[type[Base], ...] = (Feed, Page, PageRead, Batch, Document, DocumentCondition,
                                  CaptureException)
"""Every capture table."""
