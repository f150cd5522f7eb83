"""Rendered pages, measured on the image: every bubble's outline where the geometry
JSON says, registration marks and page-id cells found, the lithocode decodes;
renders deterministic and fast; the reader reads every blank page."""

from __future__ import annotations

import cv2
import numpy as np
import pypdfium2
import pytest
import zxingcpp

from sample_sheets.codes import decode_page_id, lithocode_for, lithocode_valid
from sample_sheets.drawing import page_drawing
from sample_sheets.geometry import form_geometry
from sample_sheets.render import _static, render_page, render_pdf
from tests.sample_sheets.form_docs import shipped

PAGES = [(f, p.number) for f, form in sorted(shipped().items()) for p in form.pages]
BUBBLE_PAGES = [(f, p.number) for f, form in sorted(shipped().items()) for p in form.pages
                if p.bubbles]
DARK = 200
"""A pixel darker than this is ink (bubble outlines print at 110)."""


def px(v_in: float, dpi: int) -> float:
    """Pixel coordinate (whole numbers at pixel centres) of a position in inches."""
    return v_in * dpi - 0.5


def ring_values(image: np.ndarray, centres: np.ndarray, axes: np.ndarray, angles: int = 48
                ) -> np.ndarray:
    """Gray values (bilinear) at ``angles`` points on each ellipse, shape (n, angles);
    centres (n, 2) and semi-axes (n, 2) in pixels."""
    t = np.linspace(0, 2 * np.pi, angles, endpoint=False)
    x = (centres[:, None, 0] + axes[:, None, 0] * np.cos(t)).astype(np.float32)
    y = (centres[:, None, 1] + axes[:, None, 1] * np.sin(t)).astype(np.float32)
    return cv2.remap(image, x, y, cv2.INTER_LINEAR, borderValue=255).astype(float)


def bubble_offsets(image: np.ndarray, bubbles: list[dict], dpi: int) -> tuple[np.ndarray, ...]:
    """For each bubble, searching centres within ±3 px of where the JSON puts it:
    the offset (px) where the ellipse of the bubble's size lies darkest on the
    image, the share of its points on ink there, and the share of ink on the
    ellipse of 0.72 its size at the stated centre (the interior)."""
    centres = np.array([(px(b["x_in"], dpi), px(b["y_in"], dpi)) for b in bubbles])
    axes = np.array([(b["w_in"] / 2 * dpi, b["h_in"] / 2 * dpi) for b in bubbles])
    steps = np.arange(-3, 3.01, 0.5)
    offsets = np.array([(dx, dy) for dx in steps for dy in steps])
    darkness = np.stack([(255 - ring_values(image, centres + o, axes)).mean(axis=1)
                         for o in offsets], axis=1)
    best = offsets[darkness.argmax(axis=1)]
    on_ink = (ring_values(image, centres + best, axes) < DARK).mean(axis=1)
    interior = (ring_values(image, centres, axes * 0.72) < DARK).mean(axis=1)
    return on_ink, best, interior


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize(("form_id", "page"), BUBBLE_PAGES)
def test_bubble_outlines_are_where_the_geometry_says(form_id, page, dpi):
    form = shipped()[form_id]
    bubbles = form_geometry(form)["pages"][page - 1]["bubbles"]
    image = render_page(form, page, dpi)
    ring, offset, interior = bubble_offsets(image, bubbles, dpi)
    assert ring.min() > 0.85, f"an outline is missing: {bubbles[int(ring.argmin())]}"
    worst = int(np.abs(offset).max(axis=1).argmax())
    assert np.abs(offset).max() <= 1.0, f"an outline is off: {bubbles[worst]}"
    assert interior.max() < 0.2, f"ink inside: {bubbles[int(interior.argmax())]}"


def find_squares(image: np.ndarray, side_px: float) -> list[tuple[float, float]]:
    """Centres (pixels) of solid black squares of about ``side_px``."""
    binary = (image < 128).astype(np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if abs(w - side_px) <= 1.5 and abs(h - side_px) <= 1.5 and cv2.contourArea(c) > 0.9 * w * h:
            m = cv2.moments(c)
            found.append((m["m10"] / m["m00"] - 0.5, m["m01"] / m["m00"] - 0.5))
    return found


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize(("form_id", "page"), PAGES)
def test_registration_marks_and_page_id_on_the_image(form_id, page, dpi):
    form = shipped()[form_id]
    geo = form_geometry(form)["pages"][page - 1]
    image = render_page(form, page, dpi)
    marks = find_squares(image, geo["registration"][0]["size_in"] * dpi)
    for m in geo["registration"]:
        expected = np.array([px(m["x_in"], dpi), px(m["y_in"], dpi)])
        assert min(np.hypot(*(np.array(f) - expected)) for f in marks) < 1.0
    strip = geo["page_id"]
    half = int(strip["cell_w_in"] * dpi / 4)
    bits = []
    for i in range(strip["cells"]):
        cx = round(px(strip["x_in"] + i * strip["pitch_in"], dpi))
        cy = round(px(strip["y_in"], dpi))
        mean = image[cy - half:cy + half + 1, cx - half:cx + half + 1].mean()
        assert mean < 20 or mean > 235, f"cell {i} is neither black nor paper"
        bits.append(int(mean < 128))
    assert bits == strip["bits"] and decode_page_id(bits) == (form.form_code, page)
    upside_down = cv2.rotate(image, cv2.ROTATE_180)
    assert upside_down[cy - half:cy + half + 1].min() > 235 or decode_page_id(
        [int(upside_down[cy, round(px(strip["x_in"] + i * strip["pitch_in"], dpi))] < 128)
         for i in range(strip["cells"])]) is None


@pytest.mark.parametrize("dpi", [150, 200, 300])
@pytest.mark.parametrize(("form_id", "page"), [p for p in PAGES
                                               if shipped()[p[0]].page(p[1]).lithocode])
def test_lithocode_decodes_with_a_valid_check_digit(form_id, page, dpi):
    form = shipped()[form_id]
    code = lithocode_for(4711 + page + dpi)
    image = render_page(form, page, dpi, code)
    litho = form.page(page).lithocode
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.ITF)
    assert [b.text for b in found] == [code] and lithocode_valid(found[0].text)
    x, y = found[0].position.top_left.x, found[0].position.top_left.y
    assert abs(x - litho.box.x_in * dpi) < 3 and abs(y - litho.box.y_in * dpi) < 3
    eye = litho.eye_readable
    digits = image[round(eye.y_in * dpi):round(eye.bottom_in * dpi),
                   round(eye.x_in * dpi):round(eye.right_in * dpi)]
    assert (digits < 128).mean() > 0.02, "no eye-readable digits"


def test_lithocode_must_be_valid():
    with pytest.raises(ValueError, match="check digit"):
        render_page(shipped()["answer_folder"], 1, 100, "12345678")


def test_batch_barcode_prints_and_decodes():
    form = shipped()["school_header"]
    image = render_page(form, 1, 300, barcodes={"batch_code": "B2013-00417"})
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    assert [b.text for b in found] == ["B2013-00417"]
    with pytest.raises(ValueError, match="no barcode"):
        render_page(form, 1, 100, barcodes={"nope": "1"})


def test_render_is_deterministic_and_copies_differ_only_in_the_lithocode():
    form = shipped()["answer_folder"]
    first = render_page(form, 1, 200, lithocode_for(1)).copy()
    _static.clear()
    again = render_page(form, 1, 200, lithocode_for(1))
    assert first.tobytes() == again.tobytes()
    other = render_page(form, 1, 200, lithocode_for(2))
    rows, _ = np.nonzero(first != other)
    litho = form.page(1).lithocode
    assert litho.box.y_in * 200 - 1 <= rows.min()
    assert rows.max() <= litho.eye_readable.bottom_in * 200 + 1


def test_copies_draw_the_printed_page_once(monkeypatch):
    """A deck of copies draws the form's static print once (the costly part, about a
    second at 300 dpi) and only each copy's codes after that; timing lives in bench/."""
    form = shipped()["answer_folder"]
    _static.clear()
    drawn = []
    monkeypatch.setattr("sample_sheets.render.page_drawing",
                        lambda *args: drawn.append(args) or page_drawing(*args))
    copies = [render_page(form, 1, 300, lithocode_for(serial)) for serial in range(10, 14)]
    assert len(drawn) == 1
    assert all(np.any(copy != copies[0]) for copy in copies[1:])
    render_page(form, 2, 300, lithocode_for(10))
    assert len(drawn) == 2


def test_pdf_is_deterministic_and_prints_one_lithocode_per_copy(tmp_path):
    form = shipped()["answer_folder"]
    codes = render_pdf(form, tmp_path / "a.pdf", lithocode=500, copies=2)
    render_pdf(form, tmp_path / "b.pdf", lithocode=500, copies=2)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert codes == [lithocode_for(500), lithocode_for(501)]
    pdf = pypdfium2.PdfDocument(tmp_path / "a.pdf")
    assert len(pdf) == 8
    read = []
    for i in (0, 3, 4, 7):
        image = np.asarray(pdf[i].render(scale=200 / 72, grayscale=True).to_pil().convert("L"))
        read.append(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.ITF)[0].text)
    assert read == [codes[0], codes[0], codes[1], codes[1]]


def test_pdf_and_raster_agree_on_bubble_positions(tmp_path):
    form = shipped()["eoc_answer_sheet"]
    render_pdf(form, tmp_path / "eoc.pdf")
    page = pypdfium2.PdfDocument(tmp_path / "eoc.pdf")[1]
    image = np.asarray(page.render(scale=200 / 72, grayscale=True).to_pil().convert("L"))
    bubbles = form_geometry(form)["pages"][1]["bubbles"]
    ring, offset, _ = bubble_offsets(image, bubbles, 200)
    assert ring.min() > 0.85 and np.abs(offset).max() <= 1.0


@pytest.mark.parametrize(("form_id", "page"), PAGES)
def test_the_reader_reads_every_blank_page(form_id, page):
    from omr.read import read_page

    form = shipped()[form_id]
    code = lithocode_for(90000 + page) if form.page(page).lithocode else None
    record = read_page(render_page(form, page, 300, code), shipped())
    assert (record.status, record.form, record.page) == ("ok", form_id, page), record.reason
    data = record.to_json()
    if code:
        assert data["barcodes"]["lithocode"]["text"] == code
