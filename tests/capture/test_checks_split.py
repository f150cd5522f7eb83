"""Arrival checks on files, without a database: every bad file becomes one
page file with its problem, and splitting is deterministic."""

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from capture.checks import (
    PROBLEM_OF_READ_CODE,
    Problem,
    read_problem,
    record_problem,
    resolution_problem,
)
from capture.split import split_file
from omr.errors import ReadCode
from omr.read import read_page
from sample_sheets.loader import load_forms
from tests.capture.files import image_bytes, pdf_bytes


def test_a_single_page_image_is_stored_byte_for_byte():
    data = image_bytes("JPEG", dpi=(200, 200))
    [page] = split_file(data)
    assert page.data == data and page.problem is None


def test_a_multipage_tiff_splits_into_deterministic_pages():
    data = image_bytes("TIFF", dpi=(200, 200), frames=3, mode="1", compression="group4")
    first, again = list(split_file(data)), list(split_file(data))
    assert [p.frame for p in first] == [0, 1, 2]
    assert [p.data for p in first] == [p.data for p in again]
    assert len({p.data for p in first}) == 3
    assert all(p.problem is None for p in first)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty file"),
    (b"this is a text file, not a scan\n", "not an image: starts with text (32 bytes)"),
    (image_bytes("TIFF", frames=2, mode="1", compression="group4")[:3000],
     "truncated TIFF: 3,000 bytes, frame 1 incomplete"),
    (pdf_bytes(False), "PDF holds no scanned page image"),
])
def test_bad_files_are_one_page_with_their_reason(data, words):
    [page] = split_file(data)
    assert page.data == data and page.problem.code == "file" and words in page.problem.reason


def test_a_decompression_bomb_is_refused_from_its_header():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")
    [page] = split_file(buffer.getvalue())
    assert "too large" in page.problem.reason


def test_72_dpi_is_a_resolution_problem():
    [page] = split_file(image_bytes(size=(612, 792), dpi=(72, 72)))
    assert page.problem.code == "resolution" and "72 dpi" in page.problem.reason
    assert resolution_problem(None, 2550) is None  # 300 dpi letter, from the width
    assert resolution_problem(None, 612).code == "resolution"


def test_a_pdf_page_is_rendered_at_its_scan_resolution():
    [page] = split_file(pdf_bytes(True))
    assert page.problem is None
    with Image.open(io.BytesIO(page.data)) as im:
        assert im.size == (1700, 2200) and round(im.info["dpi"][0]) == 200


def test_every_reader_code_has_an_operator_code():
    assert set(PROBLEM_OF_READ_CODE) == set(ReadCode)
    # the reason's wording plays no part: only the code decides
    assert read_problem(ReadCode.BLANK, "registration marks not found").code == "blank"
    assert read_problem(ReadCode.MARKS_NOT_FOUND, "blank page").code == "registration"
    assert read_problem(None, "kept before codes").code == "reader"


def test_refused_pages_carry_the_readers_code():
    blank = np.full((2200, 1700), 235, np.uint8)
    ok, png = cv2.imencode(".png", blank)
    [page] = split_file(png.tobytes())
    assert page.problem is None
    record = read_page(blank, load_forms())
    assert (record.status, record.code) == ("exception", ReadCode.BLANK)
    assert record_problem(record) == Problem("blank", "blank page")
    [text] = split_file(b"Dear operator, this is not a scan.\n")
    assert text.problem.code == "file"
