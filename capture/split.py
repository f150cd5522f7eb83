"""Scanner files into page files: one stored image per page, made one at a time.

A PNG, JPEG or single-page TIFF is its own page file, byte for byte. Each page
of a multi-page TIFF is written as a page file of its own (bitonal pages as
TIFF G4, others as PNG), and each page of a PDF is rendered at the resolution
of its scanned image, so that every page has its own content hash: feeding
the same file again gives the same page files. The writing is deterministic
for that reason (fixed encoder settings, no timestamps).

Pages are decoded and encoded one at a time (:func:`split_file` is a
generator), so a file's memory is one page's however many it holds; what a
file may hold (frames, pixels, PDF page size) is checked from its headers
before any page is made (``omr.image_io.ImageLimits``, :data:`LARGEST_PDF_PAGE_IN`).

A file that cannot be split (empty, not an image, truncated, over the limits,
a PDF with no scanned image) is one page file holding the file's bytes, with
the Problem that stops it: nothing received is dropped. A file whose page k
cannot be decoded gives its pages before k, then that page file.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from capture.checks import MAX_DPI, Problem, read_problem, resolution_problem
from omr.errors import ReadCode, ReadError
from omr.image_io import DEFAULT_LIMITS, ImageLimits, frames, probe

PDF_MAGIC = b"%PDF-"
LARGEST_PDF_PAGE_IN = (8.5, 14.0)
"""The largest PDF page rendered, inches (short side, long side): a legal page, with
a letter page inside it. A larger page is refused, not rendered: at a scan's dpi a
30 x 30 in page would be hundreds of megapixels."""
PAGE_SIZE_TOLERANCE = 1.03
"""A page up to 3 % over LARGEST_PDF_PAGE_IN still counts (a scanner's margins)."""


@dataclass(frozen=True)
class PageFile:
    """One page as it will be stored: ``data`` (an image file's bytes),
    ``frame`` (its index in the source file, 0-based) and the ``problem``
    found on arrival, if any."""

    data: bytes
    frame: int = 0
    problem: Problem | None = None


def split_file(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> Iterator[PageFile]:
    """The page files of one scanner file (image or PDF), in page order, each made
    when the one before has been taken."""
    frame = 0
    try:
        pages = _pdf_pages(data, limits) if data.startswith(PDF_MAGIC) else \
            _image_pages(data, limits)
        for page in pages:
            yield page
            frame = page.frame + 1
    except ReadError as exc:
        yield PageFile(data, frame, read_problem(exc.code, exc.reason))
    except Exception as exc:  # noqa: BLE001 - a decoder's own error on a corrupt file
        yield PageFile(data, frame, Problem("file", f"corrupt file: {len(data):,} bytes, "
                                                    f"{type(exc).__name__}: {exc}"))


def _image_pages(data: bytes, limits: ImageLimits) -> Iterator[PageFile]:
    info = probe(data, limits)
    problem = resolution_problem(info.dpi, info.width)
    if info.frames == 1 or problem:
        yield PageFile(data, 0, problem)
        return
    for index, page in enumerate(frames(data, info)):
        yield PageFile(_encode(page, info.dpi), index)


def _pdf_pages(data: bytes, limits: ImageLimits) -> Iterator[PageFile]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError(ReadCode.FILE,
                        f"not a readable PDF: {len(data):,} bytes ({exc})") from None
    try:
        for index, dpi in _pdf_scans(pdf, limits):
            yield _render(pdf, index, dpi)
    finally:
        pdf.close()


def _pdf_scans(pdf: pdfium.PdfDocument, limits: ImageLimits) -> list[tuple[int, float]]:
    """The pages that carry a scanned image, with the resolution each is rendered at;
    every page's size is checked against the limits before any page is rendered."""
    if len(pdf) > limits.frames:
        raise ReadError(ReadCode.FILE, f"too many pages: the PDF holds {len(pdf):,} pages, "
                                       f"over the limit of {limits.frames:,} a file")
    scans, pixels = [], 0
    for index in range(len(pdf)):
        page = pdf[index]
        try:
            dpi = _scan_dpi(page)
            inches = (page.get_width() / 72, page.get_height() / 72)
        finally:
            page.close()
        if dpi is None:
            continue
        pixels += _page_pixels(index, inches, dpi, limits)
        scans.append((index, dpi))
    if not scans:
        raise ReadError(ReadCode.FILE,
                        "PDF holds no scanned page image: scan the pages, do not print to PDF")
    if pixels > limits.file_pixels:
        raise ReadError(ReadCode.FILE, f"image too large: the PDF's pages would be {pixels:,} "
                                       f"pixels in all, over {limits.file_pixels:,} a file")
    return scans


def _page_pixels(index: int, inches: tuple[float, float], dpi: float,
                 limits: ImageLimits) -> int:
    """The pixels of a PDF page rendered at ``dpi``; ReadError for a page larger than
    LARGEST_PDF_PAGE_IN or over the page limit."""
    short, long = sorted(inches)
    largest = LARGEST_PDF_PAGE_IN
    if short > largest[0] * PAGE_SIZE_TOLERANCE or long > largest[1] * PAGE_SIZE_TOLERANCE:
        raise ReadError(ReadCode.FILE, f"PDF page {index + 1} is {inches[0]:.1f} x "
                                       f"{inches[1]:.1f} in, larger than a legal page "
                                       f"({largest[0]:g} x {largest[1]:g} in): not rendered")
    pixels = round(inches[0] * dpi) * round(inches[1] * dpi)
    if pixels > limits.page_pixels:
        raise ReadError(ReadCode.FILE, f"image too large: PDF page {index + 1} at {dpi:.0f} "
                                       f"dpi is {pixels:,} pixels, over {limits.page_pixels:,}")
    return pixels


def _render(pdf: pdfium.PdfDocument, index: int, dpi: float) -> PageFile:
    """A PDF page rendered in gray at ``dpi``."""
    page = pdf[index]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        gray = np.asarray(bitmap.to_pil().convert("L"))
    finally:
        page.close()
    return PageFile(_encode(gray, dpi), index, resolution_problem(dpi, gray.shape[1]))


def _scan_dpi(page: pdfium.PdfPage) -> float | None:
    """The resolution of the widest image on the page (at most MAX_DPI), or None if it
    has none."""
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
