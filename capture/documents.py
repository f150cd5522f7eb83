"""The door other areas read capture through: a batch's documents as read.

Downstream areas (the edit station, handscoring) never query capture's tables;
they call these functions and get frozen records:

- :func:`capture_document` — one document with its batch, lithocode, form, its
  pages in page order (each page's :class:`~omr.record.MarkRecord` and image
  sha) and the conditions assembly found on it;
- :func:`batch_documents` — every assembled document of a batch, and the
  batch's loose pages (read, but joined to no document: lithocode unread);
- :func:`batch_is_assembled` — whether a batch's read records are all in and
  its documents assembled (what the edit queue waits for); :func:`batch_ids`
  — every batch, oldest first;
- :func:`document_fingerprint` — a short value that changes when a document's
  pages change (a page rescanned, moved or added), to notice stale work;
- :func:`request_rescan` — send a document back to the operator: one
  ``edit_rescan`` exception per page in capture's exception queue;
- :func:`page_view` — a page image for a screen;
- :func:`key_lithocode` — a loose page's lithocode keyed from its printed
  digits: the page joins its document and the batch is assembled again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from capture.batches import reassemble
from capture.exception_records import open_exception
from capture.formset import known_forms
from capture.models import Batch, Document, DocumentCondition, Page, PageRead
from capture.renditions import rendition
from omr.record import MarkRecord
from sample_sheets.codes import lithocode_valid
from station import audit
from station.models import User

RESCAN_CODE = "edit_rescan"
"""The exception code of a page the edit station sent back for rescanning."""


class DocumentGone(LookupError):
    """The document (or page) asked for does not exist (any more)."""


@dataclass(frozen=True)
class BatchFacts:
    """What a batch's header said: the codes as read (``*`` for a multiple)."""

    id: int
    batch_code: str | None
    district_code: str
    school_code: str
    grade: str
    administration: str
    status: str
    created_at: str


@dataclass(frozen=True)
class ReadPage:
    """One read page: its number in the form, its stored image and mark record."""

    page_id: int
    page_number: int
    image_sha256: str
    rotated: bool
    record: MarkRecord


@dataclass(frozen=True)
class ConditionFacts:
    """A condition assembly found (codes in :mod:`capture.assembly`); ``page_id``
    when it is about one page."""

    code: str
    detail: str
    page_id: int | None


@dataclass(frozen=True)
class CaptureDocument:
    """A document as captured. ``status``: complete, edit (it has
    conditions) or empty (no read page left). ``pages`` in page-number order."""

    id: int
    batch: BatchFacts
    lithocode: str
    form_id: str
    status: str
    pages_expected: int
    pages: tuple[ReadPage, ...]
    conditions: tuple[ConditionFacts, ...]

    @property
    def fingerprint(self) -> str:
        return _fingerprint([(p.page_id, p.image_sha256) for p in self.pages])


@dataclass(frozen=True)
class LoosePage:
    """A read page of a batch that joined no document, with its conditions."""

    page: ReadPage
    form_id: str
    conditions: tuple[ConditionFacts, ...]


@dataclass(frozen=True)
class BatchContents:
    batch: BatchFacts
    documents: tuple[CaptureDocument, ...]
    loose_pages: tuple[LoosePage, ...]


def capture_document(session: Session, document_id: int) -> CaptureDocument:
    """The document ``document_id``; raises :class:`DocumentGone` when unknown."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise DocumentGone(f"document {document_id} does not exist")
    batch = _batch_facts(session.get(Batch, doc.batch_id))
    pages = _read_pages(session, Page.document_id == document_id)
    conditions = session.scalars(select(DocumentCondition).where(
        DocumentCondition.document_id == document_id).order_by(DocumentCondition.id)).all()
    return _document(doc, batch, pages, conditions)


def batch_documents(session: Session, batch_id: int) -> BatchContents:
    """Every document of batch ``batch_id`` (in lithocode order) and its loose
    pages; raises :class:`DocumentGone` when the batch is unknown."""
    row = session.get(Batch, batch_id)
    if row is None:
        raise DocumentGone(f"batch {batch_id} does not exist")
    batch = _batch_facts(row)
    pages = _read_pages(session, Page.batch_id == batch_id)
    conditions = session.scalars(select(DocumentCondition).where(
        DocumentCondition.batch_id == batch_id).order_by(DocumentCondition.id)).all()
    docs = session.scalars(select(Document).where(Document.batch_id == batch_id)
                           .order_by(Document.lithocode)).all()
    documents = tuple(_document(d, batch, [p for p in pages if p[0].document_id == d.id],
                                [c for c in conditions if c.document_id == d.id])
                      for d in docs)
    loose = tuple(LoosePage(_read_page(page, read), page.form_id, tuple(
        _condition(c) for c in conditions if c.page_id == page.id and c.document_id is None))
        for page, read in pages if page.document_id is None and page.lithocode is None
        and page.id != row.header_page_id)
    return BatchContents(batch, documents, loose)


def batch_is_assembled(session: Session, batch_id: int) -> bool:
    """True when batch ``batch_id`` is closed, none of its pages waits to be
    read and its documents are assembled."""
    batch = session.get(Batch, batch_id)
    if batch is None or batch.status != "closed" or batch.documents_found is None:
        return False
    waiting = session.scalar(select(Page.id).where(Page.batch_id == batch_id,
                                                   Page.status == "received").limit(1))
    return waiting is None


def batch_ids(session: Session) -> list[int]:
    """Every batch's id, oldest first."""
    return list(session.scalars(select(Batch.id).order_by(Batch.id)))


def document_fingerprint(session: Session, document_id: int) -> str | None:
    """:attr:`CaptureDocument.fingerprint` of the document now (one light
    query), or None when the document has no read page left."""
    rows = session.execute(select(Page.id, Page.image_sha256).where(
        Page.document_id == document_id, Page.status == "read").order_by(Page.id)).all()
    return _fingerprint([tuple(r) for r in rows]) if rows else None


def request_rescan(session: Session, document_id: int, reason: str, actor: User | str) -> int:
    """Send document ``document_id`` back to the operator: an ``edit_rescan``
    exception on each of its read pages (the operator rescans, reassigns or
    discards them); audited. Returns the pages sent. Safe to repeat."""
    doc = capture_document(session, document_id)
    reason = reason.strip() or "the edit station asks for a rescan"
    for page in doc.pages:
        open_exception(session, RESCAN_CODE, f"document {doc.lithocode}, page "
                       f"{page.page_number}: {reason}", page_id=page.page_id)
    audit.record(session, actor, "capture.document.rescan_requested", f"document:{document_id}",
                 None, {"pages": [p.page_id for p in doc.pages], "reason": reason})
    return len(doc.pages)


def key_lithocode(session: Session, page_id: int, lithocode: str, actor: User | str) -> int:
    """Give loose page ``page_id`` the lithocode keyed from its printed digits
    (check digit verified); it joins its batch's document, which is assembled
    again. Returns the batch id. Raises ValueError for a wrong lithocode,
    :class:`DocumentGone` for a page that is not loose any more."""
    page = session.get(Page, page_id, with_for_update=True)
    if page is None or page.status != "read" or page.lithocode is not None \
            or page.batch_id is None:
        raise DocumentGone(f"page {page_id} is no longer waiting for its lithocode")
    expected = _lithocode_digits(page)
    if not (lithocode.isdigit() and lithocode_valid(lithocode, expected)):
        raise ValueError(f"lithocode {lithocode!r} is not {expected} digits with a valid "
                         "check digit: key the eye-readable number again")
    page.lithocode = lithocode
    audit.record(session, actor, "capture.page.lithocode_keyed", f"page:{page_id}",
                 {"lithocode": None}, {"lithocode": lithocode})
    session.flush()
    reassemble(session, page.batch_id)
    return page.batch_id


def _lithocode_digits(page: Page) -> int:
    lithocode = known_forms()[page.form_id].page(page.page_number).lithocode
    return lithocode.digits if lithocode else 8


def _read_pages(session: Session, where) -> list[tuple[Page, PageRead]]:
    return list(session.execute(
        select(Page, PageRead).join(PageRead, PageRead.page_id == Page.id)
        .where(where, Page.status == "read").order_by(Page.page_number, Page.seq)).all())


def _read_page(page: Page, read: PageRead) -> ReadPage:
    return ReadPage(page.id, page.page_number, page.image_sha256, page.rotated,
                    MarkRecord.from_json(read.record))


def _condition(c: DocumentCondition) -> ConditionFacts:
    return ConditionFacts(c.code, c.detail, c.page_id)


def _document(doc: Document, batch: BatchFacts, pages, conditions) -> CaptureDocument:
    return CaptureDocument(doc.id, batch, doc.lithocode, doc.form_id, doc.status,
                           doc.pages_expected, tuple(_read_page(p, r) for p, r in pages),
                           tuple(_condition(c) for c in conditions))


def _batch_facts(batch: Batch) -> BatchFacts:
    return BatchFacts(batch.id, batch.batch_code, batch.district_code, batch.school_code,
                      batch.grade, batch.administration, batch.status,
                      batch.created_at.isoformat())


def _fingerprint(pages: list[tuple[int, str]]) -> str:
    text = ",".join(f"{page_id}:{sha}" for page_id, sha in sorted(pages))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def page_view(sha256: str, rotated: bool) -> bytes | None:
    """A stored page as a PNG for a screen (1000 px wide, upright), or None
    when the file is not an image that can be shown."""
    return rendition(sha256, "page", rotated)
