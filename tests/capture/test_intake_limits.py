"""Limits on what one file or request may hold (issue 12, point 2): frames and pixels
per file, PDF page size, request size; pages decoded one at a time, so a file's peak
memory is one page's. An over-limit file is an exception with the reason and the rest
of the batch goes on; an upload over the limit is a 413 and nothing is stored."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from capture.intake import ingest_files, scanner_files
from capture.models import CaptureException, Page
from capture.split import split_file
from omr.image_io import ImageLimits
from station.db import session_scope
from tests.capture.files import image_bytes, pdf_page_bytes

ROOT = Path(__file__).resolve().parents[2]
FRAME_MB = 2550 * 3300 / 2**20
"""One letter page at 300 dpi decoded to 8-bit gray, MB."""
PEAK_BOUND_MB = 100
"""The growth of the process's peak memory allowed while a file is split: a dozen copies
of one decoded letter page at 300 dpi (8 MB each), whatever the number of pages."""


def peak_memory(path: Path, store: Path) -> dict:
    """Split ``path`` in a process of its own (tests/capture/peak_memory.py)."""
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "tests.capture.peak_memory", str(path),
                           str(store)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def many_frame_tiff(frames: int) -> bytes:
    """A G4 TIFF of ``frames`` letter pages at 300 dpi, ~1.8 KB a page (one page
    image repeated, as a 512 KB file of 400 frames would be)."""
    page = Image.new("1", (2550, 3300), 1)
    draw = ImageDraw.Draw(page)
    for i in range(40):
        draw.rectangle((100 + i * 55, 200 + i * 70, 140 + i * 55, 230 + i * 70), fill=0)
    buffer = io.BytesIO()
    page.save(buffer, "TIFF", compression="group4", dpi=(300, 300), save_all=True,
              append_images=[page] * (frames - 1))
    return buffer.getvalue()


def test_a_many_frame_tiff_is_split_in_the_memory_of_one_frame(tmp_path):
    frames = 80  # held at once they would be 80 x 8 = 640 MB
    path = tmp_path / "batch.tif"
    path.write_bytes(many_frame_tiff(frames))
    found = peak_memory(path, tmp_path / "store")
    assert (found["pages"], found["problems"]) == (frames, [])
    growth = found["peak_mb"] - found["before_mb"]
    assert growth < PEAK_BOUND_MB, f"peak memory grew {growth:.0f} MB over {frames} frames"


def test_a_huge_pdf_page_is_refused_without_being_rendered(tmp_path):
    path = tmp_path / "poster.pdf"
    path.write_bytes(pdf_page_bytes(30, 30, 18_000))  # at 600 dpi: 324 Mpx, 1.3 GB
    assert path.stat().st_size < 2_000
    found = peak_memory(path, tmp_path / "store")
    assert found["pages"] == 1
    assert found["problems"] == ["PDF page 1 is 30.0 x 30.0 in, larger than a legal page "
                                 "(8.5 x 14 in): not rendered"]
    assert found["peak_mb"] - found["before_mb"] < PEAK_BOUND_MB


def test_letter_and_legal_pdf_pages_are_rendered_at_their_scan_resolution():
    for inches, size in (((8.5, 11), (1700, 2200)), ((8.5, 14), (1700, 2800))):
        [page] = split_file(pdf_page_bytes(*inches, 1700))
        assert page.problem is None
        with Image.open(io.BytesIO(page.data)) as im:
            assert im.size == size and round(im.info["dpi"][0]) == 200


@pytest.mark.parametrize(("limits", "reason"), [
    (ImageLimits(frames=2), "too many pages: the TIFF holds 3 frames, over the limit of 2 a file"),
    (ImageLimits(file_pixels=2_000_000),
     "image too large: 3 frames of 2,805,000 pixels in all, over 2,000,000 a file"),
    (ImageLimits(page_pixels=900_000),
     "image too large: frame 1 is 850 x 1100 pixels, over 900,000 a page"),
])
def test_a_file_over_a_limit_is_one_page_with_the_reason(limits, reason):
    data = image_bytes("TIFF", frames=3, mode="1", compression="group4")
    [page] = split_file(data, limits)
    assert (page.data, page.problem.code, page.problem.reason) == (data, "file", reason)


def test_pdf_pages_count_against_the_limits():
    [page] = split_file(pdf_page_bytes(8.5, 11, 1700), ImageLimits(file_pixels=1_000_000))
    assert page.problem.reason == ("image too large: the PDF's pages would be 3,740,000 "
                                   "pixels in all, over 1,000,000 a file")


def test_an_over_limit_file_is_an_exception_and_the_batch_goes_on(ctx, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "0001.png").write_bytes(image_bytes())
    tiny = Image.new("1", (10, 10), 1)
    buffer = io.BytesIO()
    tiny.save(buffer, "TIFF", compression="group4", save_all=True,
              append_images=[tiny] * 1_000)  # 1,001 frames: over the 1,000 a file
    (folder / "0002.tif").write_bytes(buffer.getvalue())
    (folder / "0003.pdf").write_bytes(pdf_page_bytes(30, 30, 18_000))
    (folder / "0004.png").write_bytes(image_bytes(size=(851, 1100)))
    total = ingest_files(scanner_files([folder]), "limits")
    assert (total.files, total.pages, total.new, total.problems) == (4, 4, 4, 2)
    with session_scope() as session:
        reasons = dict(session.execute(select(Page.source_name, CaptureException.reason).join(
            CaptureException, CaptureException.page_id == Page.id)
            .where(CaptureException.code == "file")).all())
        taken = set(session.scalars(select(Page.source_name)))
    assert reasons == {
        "0002.tif": "too many pages: the TIFF holds 1,001 frames, over the limit of 1,000 a file",
        "0003.pdf": "PDF page 1 is 30.0 x 30.0 in, larger than a legal page (8.5 x 14 in): "
                    "not rendered"}
    assert taken == {"0001.png", "0002.tif", "0003.pdf", "0004.png"}  # the others went on


def test_a_pdf_of_more_pages_than_the_limit_is_refused():
    source = pdfium.PdfDocument(pdf_page_bytes(8.5, 11, 1700))
    pdf = pdfium.PdfDocument.new()
    pdf.import_pages(source, [0, 0, 0])
    buffer = io.BytesIO()
    pdf.save(buffer)
    [page] = split_file(buffer.getvalue(), ImageLimits(frames=2))
    assert page.problem.reason == ("too many pages: the PDF holds 3 pages, over the limit "
                                   "of 2 a file")
    assert len(list(split_file(buffer.getvalue()))) == 3
