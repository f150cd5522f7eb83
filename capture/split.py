"""Scanner files into page files: one stored image per page.

A PNG, JPEG or single-page TIFF is its own page file, byte for byte. Each page
of a multi-page TIFF is written as a page file of its own (bitonal pages as
TIFF G4, others as PNG), and each page of a PDF is rendered at the resolution
of its scanned image, so that every page has its own content hash: feeding
the same file again gives the same page files. The writing is deterministic
for that reason (fixed encoder settings, no timestamps).

A file that cannot be split (empty, not an image, truncated, too large, a PDF
with no scanned image) is one page file holding the file's bytes, with the
Problem that stops it: nothing received is dropped.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from capture.checks import MAX_DPI, Problem, header_dpi, read_problem, resolution_problem
from omr.errors import ReadCode, ReadError
from omr.image_io import decode, probe

PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class PageFile:
    """One page as it will be stored: ``data`` (an image file's bytes),
    ``frame`` (its index in the source file, 0-based) and the ``problem``
    found on arrival, if any."""

    data: bytes
    frame: int = 0
    problem: Problem | None = None


def split_file(data: bytes) -> list[PageFile]:
    """The page files of one scanner file (image or PDF), in page order."""
    try:
        if data.startswith(PDF_MAGIC):
            return _pdf_pages(data)
        return _image_pages(data)
    except ReadError as exc:
        return [PageFile(data, 0, read_problem(exc.code, exc.reason))]
    except Exception as exc:  # noqa: BLE001 - a decoder's own error on a corrupt file
        reason = f"file could not be read (truncated or corrupt): {exc}"
        return [PageFile(data, 0, Problem("file", reason))]


def _image_pages(data: bytes) -> list[PageFile]:
    info = probe(data)
    dpi = header_dpi(data)
    problem = resolution_problem(dpi, info.width)
    if info.frames == 1 or problem:
        return [PageFile(data, 0, problem)]
    return [PageFile(_encode(page, dpi), i) for i, page in enumerate(decode(data).pages)]


def _pdf_pages(data: bytes) -> list[PageFile]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError(ReadCode.FILE, f"PDF could not be opened: {exc}") from None
    try:
        pages = list(_render_pdf(pdf))
    finally:
        pdf.close()
    if not pages:
        raise ReadError(ReadCode.FILE,
                        "PDF holds no scanned page image: scan the pages, do not print to PDF")
    return pages


def _render_pdf(pdf: pdfium.PdfDocument) -> Iterator[PageFile]:
    """Every PDF page that carries a scanned image, rendered in gray at the
    image's own resolution (at most MAX_DPI)."""
    for index in range(len(pdf)):
        page = pdf[index]
        try:
            dpi = _scan_dpi(page)
            if dpi is None:
                continue
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            gray = np.asarray(bitmap.to_pil().convert("L"))
        finally:
            page.close()
        yield PageFile(_encode(gray, dpi), index, resolution_problem(dpi, gray.shape[1]))


def _scan_dpi(page: pdfium.PdfPage) -> float | None:
    """The resolution of the widest image on the page, or None if it has none."""
    images = page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE])
    widths = [obj.get_px_size()[0] for obj in images]
    if not widths:
        return None
    return float(min(round(max(widths) / (page.get_width() / 72)), MAX_DPI))


def _encode(gray: np.ndarray, dpi: float | None) -> bytes:
    """A page (uint8 gray, (rows, columns)) as a file: TIFF G4 when it holds
    only black and white, else PNG; ``dpi`` written into the header."""
    buffer = io.BytesIO()
    image = Image.fromarray(gray)
    extra = {"dpi": (dpi, dpi)} if dpi else {}
    if ((gray == 0) | (gray == 255)).all():
        image.convert("1").save(buffer, "TIFF", compression="group4", **extra)
    else:
        image.save(buffer, "PNG", compress_level=1, **extra)
    return buffer.getvalue()
