"""The deck generator: truth agrees with the images, coverage covers, the same
seed gives the same bytes, effects do what the truth says.

Runs on a hand-built one-page form drawn with OpenCV, so that it tests the
generator alone (the shipped forms and their renderer are tested in
test_deck_forms.py)."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image

from sample_sheets.codes import encode_page_id
from sample_sheets.deck import generate_deck, write_deck
from sample_sheets.marks import FULL_MARK_DARKNESS, STENCIL_FILL, STYLES
from sample_sheets.model import (
    Area,
    Box,
    Field,
    Form,
    Layout,
    Lithocode,
    Option,
    Page,
    PageIdStrip,
    RegistrationMark,
    expand_layout,
)

BW, BH = 0.2, 0.14
LETTERS = tuple(Option(chr(ord("A") + i)) for i in range(26))
DIGITS = tuple(Option(str(i)) for i in range(10))


def _field(name, kind, keys, options, layout, **kw) -> Field:
    return Field(name, kind, 1, keys=keys, options=options, layout=layout,
                 bubbles=expand_layout(name, 1, keys, options, layout, BW, BH), **kw)


def make_form() -> Form:
    cols = tuple(str(i) for i in range(1, 9))
    last = _field("last_name", "grid", cols, LETTERS, Layout(0.8, 1.6, "vertical", 0.22, 0.26),
                  write_in=tuple(Box(0.8 + 0.26 * i - 0.12, 1.15, 0.24, 0.3) for i in range(8)))
    ssid = _field("ssid", "grid", tuple(str(i) for i in range(1, 11)), DIGITS,
                  Layout(3.3, 1.6, "vertical", 0.22, 0.26))
    gender = _field("gender", "codes", ("1",), (Option("F"), Option("M")),
                    Layout(3.3, 4.2, "horizontal", 0.3, 0.3))
    items = _field("items", "choice", tuple(str(i) for i in range(1, 31)),
                   tuple(Option(c) for c in "ABCD"),
                   Layout(3.5, 4.9, "horizontal", 0.28, 0.26, per_block=10, block_pitch_in=1.5))
    flags = _field("flags", "codes", ("iep", "lep"), (Option("Y"),),
                   Layout(6.5, 1.6, "horizontal", 0.3, 0.3), selection="multiple")
    label = Field("label", "label", 1, areas=(Area(1, Box(5.9, 2.6, 2.3, 1.2)),))
    essay = Field("essay", "response", 1, areas=(Area(1, Box(0.6, 7.4, 2.7, 2.1), lines=6),))
    corners = [(0.4, 0.4), (8.1, 0.4), (0.4, 10.6), (8.1, 10.6)]
    page = Page(1, 8.5, 11.0, tuple(RegistrationMark(x, y, 0.2) for x, y in corners),
                PageIdStrip(1.0, 0.4, 0.2, 0.12, 0.12),
                (last, ssid, gender, items, flags, label, essay),
                Lithocode(Box(5.0, 9.9, 2.6, 0.4), Box(5.0, 10.35, 2.6, 0.15)))
    return Form("deck_test", "Deck test form", 9, (page,))


def _px(v: float, dpi: int) -> int:
    return int(round(v * dpi))


def render(form: Form, page_number: int, dpi: int = 300, lithocode: str | None = None
           ) -> np.ndarray:
    """The blank page: registration marks, id strip, bubbles with letters, boxes, barcode."""
    page = form.page(page_number)
    img = np.full((_px(page.height_in, dpi), _px(page.width_in, dpi)), 255, np.uint8)
    for m in page.registration:
        h = m.size_in / 2
        cv2.rectangle(img, (_px(m.x_in - h, dpi), _px(m.y_in - h, dpi)),
                      (_px(m.x_in + h, dpi) - 1, _px(m.y_in + h, dpi) - 1), 0, -1)
    s = page.page_id
    for (x, y), bit in zip(s.centres(), encode_page_id(form.form_code, page_number), strict=True):
        if bit:
            cv2.rectangle(img, (_px(x - s.cell_w_in / 2, dpi), _px(y - s.cell_h_in / 2, dpi)),
                          (_px(x + s.cell_w_in / 2, dpi), _px(y + s.cell_h_in / 2, dpi)), 0, -1)
    for b in page.bubbles:
        centre = (_px(b.x_in, dpi), _px(b.y_in, dpi))
        cv2.ellipse(img, centre, (_px(b.w_in / 2, dpi), _px(b.h_in / 2, dpi)), 0, 0, 360, 110, 2,
                    cv2.LINE_AA)
        cv2.putText(img, b.option, (centre[0] - 6, centre[1] + 6), cv2.FONT_HERSHEY_SIMPLEX,
                    0.45, 150, 1, cv2.LINE_AA)
    for fld in page.fields:
        for box in fld.write_in + tuple(a.box for a in fld.areas):
            cv2.rectangle(img, (_px(box.x_in, dpi), _px(box.y_in, dpi)),
                          (_px(box.right_in, dpi), _px(box.bottom_in, dpi)), 120, 1)
    if lithocode and page.lithocode:
        code = zxingcpp.create_barcode(lithocode, zxingcpp.BarcodeFormat.ITF)
        bars = np.asarray(code.to_image(scale=1, add_quiet_zones=False))[0]
        box = page.lithocode.box
        strip = np.repeat(np.repeat(bars, 6)[None, :], _px(box.h_in, dpi), axis=0)
        img[_px(box.y_in, dpi):_px(box.y_in, dpi) + strip.shape[0],
            _px(box.x_in, dpi):_px(box.x_in, dpi) + strip.shape[1]] = strip
    return img


FORM = make_form()


def deck_of(count=3, seed=4, **kw):
    return generate_deck(FORM, count, seed=seed, renderer=render, **kw)


def levels_on(image: np.ndarray, transform: list, bubbles) -> np.ndarray:
    """Each bubble's level as the reader's scale defines it: mean gray over the
    ellipse at STENCIL_FILL of its size (off the printed ink of the blank form)
    against the page's paper (median) and black (registration marks)."""
    m = np.asarray(transform)
    blank = render(FORM, 1)
    paper = float(np.median(image[::8, ::8]))
    mark = FORM.page(1).registration[0]
    cx, cy = m @ [mark.x_in, mark.y_in, 1]
    black = float(np.median(image[int(cy) - 10:int(cy) + 10, int(cx) - 10:int(cx) + 10]))
    step = np.arange(-0.5, 0.5001, 0.02)
    gx, gy = np.meshgrid(step, step)
    inside = gx ** 2 + gy ** 2 <= 0.25
    out = []
    for b in bubbles:
        pts = np.column_stack([b.x_in + gx[inside] * b.w_in * STENCIL_FILL,
                               b.y_in + gy[inside] * b.h_in * STENCIL_FILL])
        clear = cv2.erode(blank, np.ones((5, 5), np.uint8))[
            np.rint(pts[:, 1] * 300).astype(int), np.rint(pts[:, 0] * 300).astype(int)] > 192
        px = np.rint(pts[clear] @ m[:, :2].T + m[:, 2]).astype(int)
        gray = image[px[:, 1], px[:, 0]].mean()
        out.append(15 * (paper - gray) / (FULL_MARK_DARKNESS * (paper - black)))
    return np.array(out)


CLASS_BANDS = {"blank": (-1, 1.5), "erased": (1.5, 4.5), "light": (4.5, 8.5), "mark": (8.5, 99)}


@pytest.mark.parametrize("effects", ["none", "typical"])
def test_every_bubble_measures_in_its_truth_class(effects):
    for doc in deck_of(count=4, effects=effects).documents():
        page = doc.pages[0]
        if page.truth["effects"]["rotated_180"]:
            continue
        bubbles = FORM.page(1).bubbles
        measured = levels_on(page.image, page.truth["transform"], bubbles)
        for b, level in zip(bubbles, measured, strict=True):
            entry = page.truth["fields"][b.field][b.key]["bubbles"].get(b.option)
            cls = entry["class"] if entry else "blank"
            low, high = CLASS_BANDS[cls]
            slack = 0.0 if effects == "none" else 0.6
            assert low - slack <= level < high + slack, (b, entry, level)


def test_truth_values_follow_the_bubbles():
    for doc in deck_of(count=5, effects="none").documents():
        for fld in doc.pages[0].truth["fields"].values():
            for key in fld.values():
                marked = sorted(o for o, e in key["bubbles"].items()
                                if e["class"] in ("mark", "light"))
                if key["value"] == "*":
                    assert len(marked) == 2
                elif key["changed"]:
                    assert marked == [key["changed"]["to"]] == [key["value"]]
                    assert key["bubbles"][key["changed"]["from"]]["class"] == "erased"
                else:
                    assert "".join(marked) == "".join(sorted(key["value"]))


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    a = [p.data() for d in deck_of(count=2, image_format="jpg").documents() for p in d.pages]
    b = [p.data() for d in deck_of(count=2, image_format="jpg").documents() for p in d.pages]
    c = [p.data() for d in deck_of(count=2, seed=5, image_format="jpg").documents()
         for p in d.pages]
    assert a == b and a != c
    t1 = write_deck(deck_of(count=1), tmp_path / "one").read_bytes()
    t2 = write_deck(deck_of(count=1), tmp_path / "two").read_bytes()
    assert t1 == t2
    assert ((tmp_path / "one" / "D0001_01.png").read_bytes()
            == (tmp_path / "two" / "D0001_01.png").read_bytes())


def test_coverage_marks_every_position_blanks_doubles_and_styles():
    deck = deck_of(count=1, coverage=True, effects="none")
    assert deck.count == 28  # 26 letters + a blank + a double
    seen, values, styles = set(), {}, set()
    for doc in deck.documents():
        for name, fld in doc.pages[0].truth["fields"].items():
            for key, entry in fld.items():
                values.setdefault((name, key), set()).add(entry["value"])
                for option, bubble in entry["bubbles"].items():
                    styles.add(bubble["style"])
                    if bubble["class"] in ("mark", "light"):
                        seen.add((name, key, option))
    for b in FORM.page(1).bubbles:
        assert (b.field, b.key, b.option) in seen
    for fld in FORM.fields.values():
        for key in fld.keys:
            assert "" in values[(fld.name, key)]
            if fld.selection == "single" and len(fld.options) > 1:
                assert "*" in values[(fld.name, key)]
    assert styles == set(STYLES) - {"blank"}


def _registration_skew(image: np.ndarray, transform: list) -> float:
    """Skew (degrees, clockwise positive) from the two top registration marks' centroids."""
    m = np.asarray(transform)
    centres = []
    for mark in FORM.page(1).registration[:2]:
        cx, cy = m @ [mark.x_in, mark.y_in, 1]
        x0, y0 = max(int(cx) - 60, 0), max(int(cy) - 60, 0)
        win = image[y0:y0 + 120, x0:x0 + 120]
        ys, xs = np.nonzero(win < (int(win.max()) + int(win.min())) / 2)
        centres.append((xs.mean() + x0, ys.mean() + y0))
    (x1, y1), (x2, y2) = centres
    return float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))


def test_effects_are_applied_as_recorded():
    deck = deck_of(count=6, effects="harsh")
    turned = 0
    for doc in deck.documents():
        for page in doc.pages:
            fx = page.truth["effects"]
            if page.truth["blank_page"]:
                continue
            skew = _registration_skew(page.image, page.truth["transform"])
            expected = fx["skew_deg"] + (180.0 if fx["rotated_180"] else 0.0)
            assert abs((skew - expected + 180) % 360 - 180) < 0.2
            turned += fx["rotated_180"]
            if fx["bitonal_threshold"] is not None:
                assert set(np.unique(page.image)) <= {0, 255}
                assert page.truth["file"].endswith(".tif")
    assert abs(_registration_skew(
        next(deck_of(count=1, effects="none").documents()).pages[0].image,
        [[300, 0, 0], [0, 300, 0]])) < 0.05


def test_upside_down_page_is_turned():
    deck = deck_of(count=40, effects="harsh")
    page = next(p for d in deck.documents() for p in d.pages
                if p.truth["effects"]["rotated_180"] and not p.truth["blank_page"])
    m = np.asarray(page.truth["transform"])
    x, y = m @ [1.0, 0.4, 1]  # the strip's start cell (always black) lands near the bottom right
    assert y > page.image.shape[0] * 0.9 and x > page.image.shape[1] * 0.8
    assert page.image[int(y) - 5:int(y) + 5, int(x) - 5:int(x) + 5].mean() < 128


def test_label_barcode_decodes_and_labelled_students_may_skip_demographics():
    docs = [d for d in deck_of(count=12, effects="typical").documents() if d.truth["label"]]
    assert docs
    for doc in docs:
        page = doc.pages[0]
        m = np.asarray(page.truth["transform"])
        corners = np.array([[5.8, 2.5, 1], [8.3, 3.9, 1]]) @ m.T
        x0, x1 = sorted(corners[:, 0].astype(int))
        y0, y1 = sorted(corners[:, 1].astype(int))
        found = zxingcpp.read_barcodes(page.image[y0:y1, x0:x1],
                                       formats=zxingcpp.BarcodeFormat.Code128)
        assert [b.text for b in found] == [doc.truth["label"]["ssid"]]
        if doc.truth["demographics_blank"]:
            assert all(k["value"] == "" for k in page.truth["fields"]["last_name"].values())


def test_write_ins_print_the_gridded_letters_and_responses_are_written():
    doc = next(deck_of(count=1, effects="none").documents())
    truth = doc.pages[0].truth
    grid = truth["fields"]["last_name"]
    for entry in grid.values():
        if len(entry["value"]) == 1:
            assert entry["printed"] == entry["value"]
    name = doc.truth["student"]["last_name"]
    if len(name) <= 8:
        assert "".join(grid[str(i + 1)].get("printed", "") for i in range(len(name))) == name
    essay = doc.pages[0].image[_px(7.4, 300):_px(9.5, 300), _px(0.6, 300):_px(3.3, 300)]
    assert (essay < 160).mean() > 0.01  # pencil writing on the lines
    assert truth["responses"]["essay"]["typed"] is False


def test_write_deck_files_and_tiff_g4(tmp_path):
    path = write_deck(deck_of(count=2, effects="typical", image_format="tif"), tmp_path)
    truth = json.loads(path.read_text())
    assert truth["form"] == "deck_test" and len(truth["documents"]) == 2
    for doc in truth["documents"]:
        for page in doc["pages"]:
            with Image.open(io.BytesIO((tmp_path / page["file"]).read_bytes())) as im:
                assert im.info["compression"] == "group4" and im.mode == "1"
                assert round(im.info["dpi"][0]) == 300
