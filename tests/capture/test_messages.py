"""Reasons a person can read (issue 12, point 3): what the file is and what is wrong
with it, never a Python object's repr."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from capture.split import split_file
from tests.capture.files import image_bytes, pdf_bytes


def g4_tiff(frames: int) -> bytes:
    return image_bytes("TIFF", frames=frames, mode="1", compression="group4")


HALF_A_PAGE = g4_tiff(1)[:100_000]


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (20, 20)).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "reason"), [
    (g4_tiff(2)[:3000], "truncated TIFF: 3,000 bytes, frame 1 incomplete"),
    (b"II*\x00", "truncated TIFF: 4 bytes, frame 1 incomplete"),
    (HALF_A_PAGE, "truncated TIFF: 100,000 bytes, frame 1 incomplete"),
    (b"Dear operator,\nthis is not a scan.\n", "not an image: starts with text (35 bytes)"),
    ("Grüße, kein Scan\n".encode(), "not an image: starts with text (19 bytes)"),
    (bytes(range(200)), "not an image: 200 bytes of unknown content (starting 00 01 02 03)"),
    (b"", "empty file"),
    (image_bytes("PNG")[:4000], "truncated PNG: 4,000 bytes, no IEND chunk"),
    (image_bytes("JPEG")[:4000], "truncated JPEG: 4,000 bytes, no end-of-image marker"),
    (b"%PDF-1.4 and then nothing", "not a readable PDF: 25 bytes"),
    (pdf_bytes(False), "PDF holds no scanned page image: scan the pages, do not print to PDF"),
])
def test_a_bad_file_says_what_it_is_and_what_is_wrong(data, reason):
    [page] = split_file(data)
    assert page.problem.code == "file"
    assert page.problem.reason.startswith(reason)
    assert "<" not in page.problem.reason and "0x" not in page.problem.reason


def test_an_image_of_another_format_names_it():
    [page] = split_file(gif())
    assert page.problem.reason.startswith("not an image: a GIF image (")
    assert page.problem.reason.endswith("bytes): scan to PNG, JPEG or TIFF")


def test_a_frame_cut_off_gives_the_pages_before_it_then_the_file_with_its_reason():
    data = image_bytes("TIFF", frames=3, mode="L", compression="tiff_lzw")
    cut = data[:len(data) * 3 // 4]
    pages = list(split_file(cut))
    assert [p.problem for p in pages[:-1]] == [None] * (len(pages) - 1)
    last = pages[-1]
    assert last.data == cut and last.problem.code == "file"
    assert last.problem.reason.startswith(f"truncated TIFF: {len(cut):,} bytes, frame ")


def test_text_is_told_from_binary_by_its_first_512_bytes():
    long_text = ("a" + "é" * 300).encode()  # the 512th byte is half an "é"
    for data, words in ((long_text, "starts with text"), (b"abc\xff", "unknown content"),
                        (b"\x00\x00\x00text", "unknown content")):
        [page] = split_file(data)
        assert words in page.problem.reason
