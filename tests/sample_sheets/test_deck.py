"""The deck generator on the shipped forms, printed by the real renderer: truth
agrees with the images, coverage covers, the same seed gives the same bytes,
effects do what the truth says, labels decode, write-ins and responses land
where they belong, the header sheet declares its batch, and `scanscore deck`
writes a deck. Small decks at 150–200 dpi keep the file fast."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from sample_sheets.cli import deck as deck_command
from sample_sheets.deck import generate_deck, header_document, write_deck
from sample_sheets.deck.effects import LEVELS as EFFECT_LEVELS
from sample_sheets.deck.effects import ScanEffects, apply_effects
from sample_sheets.deck.marks import FULL_MARK_DARKNESS, STENCIL_FILL, STYLES
from sample_sheets.loader import load_forms
from sample_sheets.render import render_page

FORMS = load_forms()
DPI = 150


def deck_of(form_id, count=2, seed=4, dpi=DPI, **kw):
    return generate_deck(FORMS[form_id], count, seed=seed, dpi=dpi, **kw)


@lru_cache(maxsize=8)
def _blank(form_id: str, page: int, dpi: int) -> np.ndarray:
    return cv2.erode(render_page(FORMS[form_id], page, dpi), np.ones((5, 5), np.uint8))


def levels_on(form_id: str, page, dpi: int) -> list[tuple]:
    """Each bubble's level as the reader's scale defines it: mean gray over the
    ellipse at STENCIL_FILL of its size (off the printed ink of the blank form)
    against the page's paper (median) and black (a registration mark)."""
    image, m = page.image, np.asarray(page.truth["transform"])
    form_page = FORMS[form_id].page(page.truth["page"])
    blank = _blank(form_id, form_page.number, dpi)
    paper = float(np.median(image[::8, ::8]))
    mark = form_page.registration[0]
    cx, cy = m @ [mark.x_in, mark.y_in, 1]
    r = int(0.05 * dpi)
    black = float(np.median(image[int(cy) - r:int(cy) + r, int(cx) - r:int(cx) + r]))
    step = np.arange(-0.5, 0.5001, 0.02)
    gx, gy = np.meshgrid(step, step)
    inside = gx ** 2 + gy ** 2 <= 0.25
    out = []
    for b in form_page.bubbles:
        pts = np.column_stack([b.x_in + gx[inside] * b.w_in * STENCIL_FILL,
                               b.y_in + gy[inside] * b.h_in * STENCIL_FILL])
        clear = blank[np.rint(pts[:, 1] * dpi).astype(int),
                      np.rint(pts[:, 0] * dpi).astype(int)] > 192
        px = np.rint(pts[clear] @ m[:, :2].T + m[:, 2]).astype(int)
        gray = image[px[:, 1], px[:, 0]].mean()
        out.append((b, 15 * (paper - gray) / (FULL_MARK_DARKNESS * (paper - black))))
    return out


CLASS_BANDS = {"blank": (-1, 1.5), "erased": (1.5, 4.5), "light": (4.5, 8.5), "mark": (8.5, 99)}


@pytest.mark.parametrize(("form_id", "effects"), [("eoc_answer_sheet", "none"),
                                                  ("answer_folder", "typical"),
                                                  ("rating_sheet", "typical")])
def test_every_bubble_measures_in_its_truth_class(form_id, effects):
    checked = 0
    for doc in deck_of(form_id, count=1, seed=5, dpi=200, effects=effects).documents():
        for page in doc.pages:
            fx = page.truth["effects"]
            if page.truth["blank_page"] or fx["rotated_180"] or fx["bitonal_threshold"]:
                continue
            for b, level in levels_on(form_id, page, 200):
                entry = page.truth["fields"][b.field][b.key]["bubbles"].get(b.option)
                low, high = CLASS_BANDS[entry["class"] if entry else "blank"]
                slack = 0.0 if effects == "none" else 0.7
                assert low - slack <= level < high + slack, (b, entry, level)
                checked += 1
    assert checked > 150


def test_truth_values_follow_the_bubbles_on_every_form():
    for form_id in FORMS:
        for doc in deck_of(form_id, count=1, dpi=100, effects="none").documents():
            for page in doc.pages:
                for fld in page.truth["fields"].values():
                    for key in fld.values():
                        marked = sorted(o for o, e in key["bubbles"].items()
                                        if e["class"] in ("mark", "light"))
                        if key["value"] == "*":
                            assert len(marked) == 2
                        elif key["changed"]:
                            assert marked == [key["changed"]["to"]] == [key["value"]]
                            assert key["bubbles"][key["changed"]["from"]]["class"] == "erased"
                        elif len(marked) == 1:
                            assert marked[0] == key["value"] or key["value"] == marked[0] * len(
                                key["value"])
                        else:
                            assert "".join(marked) == "".join(sorted(key["value"]))


def _text(fields: dict, name: str) -> str:
    return "".join(v["value"] for v in fields[name].values())


def test_the_students_demographics_land_in_the_forms_fields():
    for form_id in ("answer_folder", "writing_document", "demographic_intake",
                    "eoc_answer_sheet"):
        for doc in deck_of(form_id, count=3, dpi=100, effects="none", seed=8).documents():
            fields = {k: v for p in doc.pages for k, v in p.truth["fields"].items()}
            s = doc.truth["student"]
            if doc.truth["demographics_blank"] or any(
                    v["value"] == "*" for f in ("ssid", "last_name", "grade", "gender")
                    for v in fields[f].values()):
                continue
            assert _text(fields, "ssid") == s["ssid"]
            assert _text(fields, "last_name") == s["last_name"]
            assert _text(fields, "grade") == str(s["grade"])
            assert _text(fields, "gender") == s["gender"]
            if "birth_month" in fields:
                year, month, day = s["birth_date"].split("-")
                assert (_text(fields, "birth_month"), _text(fields, "birth_day"),
                        _text(fields, "birth_year")) == (month, day, year[2:])


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    def pages(seed):
        return [p.data() for d in deck_of("eoc_answer_sheet", seed=seed,
                                          image_format="jpg").documents() for p in d.pages]
    a, b, c = pages(4), pages(4), pages(5)
    assert a == b and a != c
    t1 = write_deck(deck_of("rating_sheet", count=1), tmp_path / "one").read_bytes()
    t2 = write_deck(deck_of("rating_sheet", count=1), tmp_path / "two").read_bytes()
    assert t1 == t2
    assert ((tmp_path / "one" / "D0001_01.png").read_bytes()
            == (tmp_path / "two" / "D0001_01.png").read_bytes())


def deck_digest(seed: int = 3) -> str:
    """One hash over the pages and truth of a one-document deck of every form at
    every effect level (100 dpi, PNG)."""
    digest = hashlib.sha256()
    for form_id in sorted(FORMS):
        for effects in EFFECT_LEVELS:
            for doc in deck_of(form_id, count=1, seed=seed, dpi=100, effects=effects).documents():
                digest.update(json.dumps(doc.truth, sort_keys=True).encode())
                for page in doc.pages:
                    digest.update(page.data())
    return digest.hexdigest()


def test_every_form_at_every_effect_level_is_the_same_in_another_process():
    """Same seed, same bytes, also across processes (another hash seed for str)."""
    code = "from tests.sample_sheets.test_deck import deck_digest; print(deck_digest())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": "12345"},
                           cwd=Path(__file__).resolve().parents[2]).stdout.strip()
    assert other == deck_digest()
    assert deck_digest(seed=4) != other


@pytest.mark.parametrize("form_id", ["rating_sheet", "school_header"])
def test_coverage_marks_every_position_blanks_doubles_and_styles(form_id):
    form = FORMS[form_id]
    deck = deck_of(form_id, count=1, dpi=100, coverage=True, effects="none")
    assert deck.count == max(len(f.options) for f in form.fields.values()) + 2
    seen, values, styles = set(), {}, set()
    for doc in deck.documents():
        for page in doc.pages:
            for name, fld in page.truth["fields"].items():
                for key, entry in fld.items():
                    values.setdefault((name, key), set()).add(entry["value"])
                    for option, bubble in entry["bubbles"].items():
                        styles.add(bubble["style"])
                        if bubble["class"] in ("mark", "light"):
                            seen.add((name, key, option))
    for page in form.pages:
        for b in page.bubbles:
            assert (b.field, b.key, b.option) in seen
    for fld in form.fields.values():
        for key in fld.keys:
            assert "" in values[(fld.name, key)]
            if fld.selection == "single" and len(fld.options) > 1:
                assert "*" in values[(fld.name, key)]
    assert styles == set(STYLES) - {"blank"}


def _registration_skew(form_id: str, page) -> float:
    """Skew (degrees, clockwise positive) from the two top registration marks' centroids."""
    m = np.asarray(page.truth["transform"])
    image, dpi = page.image, 150
    centres = []
    for mark in FORMS[form_id].page(page.truth["page"]).registration[:2]:
        cx, cy = m @ [mark.x_in, mark.y_in, 1]
        r = int(0.2 * dpi)
        x0, y0 = max(int(cx) - r, 0), max(int(cy) - r, 0)
        win = image[y0:y0 + 2 * r, x0:x0 + 2 * r]
        ys, xs = np.nonzero(win < (int(win.max()) + int(win.min())) / 2)
        centres.append((xs.mean() + x0, ys.mean() + y0))
    (x1, y1), (x2, y2) = centres
    return float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))


def test_effects_are_applied_as_recorded_and_upside_down_pages_turned():
    turned = 0
    for doc in deck_of("eoc_answer_sheet", count=8, seed=3, effects="harsh").documents():
        for page in doc.pages:
            fx = page.truth["effects"]
            if page.truth["blank_page"]:
                assert page.truth["page"] is None
                continue
            skew = _registration_skew("eoc_answer_sheet", page)
            expected = fx["skew_deg"] + (180.0 if fx["rotated_180"] else 0.0)
            assert abs((skew - expected + 180) % 360 - 180) < 0.25
            if fx["rotated_180"]:
                turned += 1
                m = np.asarray(page.truth["transform"])
                x, y = m @ [1.0, 0.4, 1]   # the page-id strip's start cell, always black
                assert y > page.image.shape[0] * 0.9 and x > page.image.shape[1] * 0.8
                assert page.image[int(y) - 3:int(y) + 3, int(x) - 3:int(x) + 3].mean() < 128
            if fx["bitonal_threshold"] is not None:
                assert set(np.unique(page.image)) <= {0, 255}
                assert page.truth["file"].endswith(".tif")
    assert turned
    clean = next(deck_of("eoc_answer_sheet", count=1, effects="none").documents()).pages[0]
    assert abs(_registration_skew("eoc_answer_sheet", clean)) < 0.05


def _crop_in(page, box, pad_in=0.1):
    m = np.asarray(page.truth["transform"])
    corners = np.array([[box.x_in - pad_in, box.y_in - pad_in, 1],
                        [box.right_in + pad_in, box.bottom_in + pad_in, 1]]) @ m.T
    x0, x1 = sorted(corners[:, 0].astype(int))
    y0, y1 = sorted(corners[:, 1].astype(int))
    return page.image[max(y0, 0):y1, max(x0, 0):x1]


def test_labels_decode_on_the_label_area_and_labelled_students_may_skip_demographics():
    form = FORMS["demographic_intake"]
    area = form.fields["pre_id_label"].areas[0]
    docs = [d for d in deck_of("demographic_intake", count=10, seed=2, dpi=200,
                               effects="typical").documents() if d.truth["label"]]
    assert docs
    for doc in docs:
        page = doc.pages[[p.truth["page"] for p in doc.pages].index(area.page)]
        assert page.truth["label"]["ssid"] == doc.truth["label"]["ssid"]
        found = zxingcpp.read_barcodes(_crop_in(page, area.box),
                                       formats=zxingcpp.BarcodeFormat.Code128)
        assert [b.text for b in found] == [doc.truth["label"]["ssid"]]
        if doc.truth["demographics_blank"]:
            assert all(k["value"] == "" for k in page.truth["fields"]["last_name"].values())


def test_write_ins_are_printed_in_their_boxes_and_responses_on_the_lines():
    form = FORMS["writing_document"]
    doc = next(deck_of("writing_document", count=1, seed=1, effects="none").documents())
    first = doc.pages[0]
    grid = first.truth["fields"]["last_name"]
    name = doc.truth["student"]["last_name"]
    assert "".join(grid[str(i + 1)].get("printed", "") for i in range(len(name))) == name
    fld = form.fields["last_name"]
    for key, box in zip(fld.keys, fld.write_in, strict=True):
        inside = _crop_in(first, box, pad_in=-0.03)
        blank = _crop_in(type(first)(render_page(form, 1, DPI), first.truth, DPI), box, -0.03)
        written = (inside.astype(int) < blank.astype(int) - 60).mean()
        assert (written > 0.03) == ("printed" in grid[key]), (key, written)
    response = form.fields["response"]
    lines = sum(p.truth["responses"]["response"]["lines"] for p in doc.pages[1:])
    assert 0.2 * 89 - 1 <= lines <= 89
    for area, page in zip(response.areas, doc.pages[1:], strict=True):
        used = page.truth["responses"]["response"]["lines"]
        assert page.truth["responses"]["response"]["typed"] is False
        ink = render_page(form, area.page, DPI) - page.image.astype(int) > 60
        rows = ink[:, int(area.box.x_in * DPI):int(area.box.right_in * DPI)].sum(axis=1)
        pitch = area.box.h_in / (area.lines + 1)
        for i in range(area.lines):
            rule = area.box.y_in + (i + 1) * pitch
            band = rows[int((rule - 0.75 * pitch) * DPI):int((rule + 0.1 * pitch) * DPI)]
            assert (band.sum() > 20) == (i < used), (area.page, i, used)


def test_header_sheet_declares_its_batch():
    form = FORMS["school_header"]
    doc = header_document(form, school="40517", grade="7", count=23, batch_code="B2013-00417",
                          seed=3, effects="typical", dpi=200)
    header = doc.truth["header"]
    assert header == {"batch_code": "B2013-00417", "district_code": "0101",
                      "school_code": "040517", "grade": "7", "administration": "SP",
                      "document_count": 23}
    fields = doc.pages[0].truth["fields"]
    assert _text(fields, "document_count") == "023" and doc.truth["lithocode"] is None
    box = form.page(1).barcodes[0].box
    found = zxingcpp.read_barcodes(_crop_in(doc.pages[0], box, 0.15),
                                   formats=zxingcpp.BarcodeFormat.Code128)
    assert [b.text for b in found] == ["B2013-00417"]
    with pytest.raises(ValueError, match="document_count"):
        header_document(form, school="1", grade="7", count=1000)
    for d in deck_of("school_header", count=3, effects="none").documents():
        assert 1 <= d.truth["header"]["document_count"] <= 40 and d.truth["student"] is None


def test_write_deck_files_and_tiff_g4(tmp_path):
    path = write_deck(deck_of("rating_sheet", count=2, effects="typical", image_format="tif"),
                      tmp_path)
    truth = json.loads(path.read_text())
    assert truth["form"] == "rating_sheet" and len(truth["documents"]) == 2
    for doc in truth["documents"]:
        for page in doc["pages"]:
            with Image.open(io.BytesIO((tmp_path / page["file"]).read_bytes())) as im:
                assert im.info["compression"] == "group4" and im.mode == "1"
                assert round(im.info["dpi"][0]) == DPI


def test_deck_command_writes_pages_and_truth(tmp_path):
    result = CliRunner().invoke(deck_command, [
        "eoc_answer_sheet", "--count", "2", "--out", str(tmp_path / "d"), "--seed", "3",
        "--effects", "none", "--format", "jpg", "--dpi", "100"])
    assert result.exit_code == 0, result.output
    assert "wrote 2 documents (4 pages) of eoc_answer_sheet" in result.output
    truth = json.loads((tmp_path / "d" / "truth.json").read_text())
    assert (truth["seed"], truth["dpi"], truth["format"]) == (3, 100, "jpg")
    assert sorted(p.name for p in (tmp_path / "d").glob("*.jpg")) == [
        "D0001_01.jpg", "D0001_02.jpg", "D0002_01.jpg", "D0002_02.jpg"]
    bad = CliRunner().invoke(deck_command, ["no_such_form", "--count", "1", "--out",
                                            str(tmp_path / "x")])
    assert bad.exit_code != 0 and "no_such_form" in bad.output


def test_worst_scans_clip_corner_marks_never_bubbles_and_shade_the_page():
    clipped = 0
    for doc in deck_of("answer_folder", count=6, seed=21, dpi=100, effects="worst").documents():
        for page in doc.pages:
            fx = page.truth["effects"]
            if page.truth["page"] is None:
                continue
            m, (rows, cols) = np.asarray(page.truth["transform"]), page.image.shape
            form_page = FORMS["answer_folder"].page(page.truth["page"])
            bubbles = form_page.bubble_array[:, :2] @ m[:, :2].T + m[:, 2]
            assert ((bubbles >= 0) & (bubbles < (cols, rows))).all()
            marks = np.array([m @ [k.x_in, k.y_in, 1] for k in form_page.registration])
            clipped += not ((marks >= 5) & (marks < (cols - 5, rows - 5))).all()
            gradient = fx["illumination"][0]
            assert gradient == 0 if fx["bitonal_threshold"] else 0.05 <= gradient <= 0.15
    assert clipped


def test_uneven_light_darkens_the_paper_by_its_share_of_paper_minus_black():
    sheet = np.full((1100, 850), 255, np.uint8)
    sheet[500:600, 400:450] = 0
    fx = ScanEffects(paper=240, black=20, illumination=(0.15, 0.0, 0.0))   # darker to the right
    scan = apply_effects(sheet, fx, 100, np.random.default_rng(0))
    assert abs(int(scan[550, 0]) - 240) <= 1
    assert abs(int(scan[550, -1]) - (240 - 0.15 * 220)) <= 1.5
    assert scan[550, 420] == 20                                               # black stays black
