"""The test-deck generator: filled-in, scanned-looking answer documents with
their ground truth.

``generate_deck`` plans each document (a mock student, a lithocode, an
intended response and a marking style for every key of every bubble field),
draws it on the rendered form (pencil marks, hand-printed letters, written
responses, a pre-ID label) and scans it (:mod:`sample_sheets.effects`).
``write_deck`` writes the images and ``truth.json`` (schema in docs/decks.md).

Determinism: document ``i`` of a deck draws everything from its own
``numpy.random.Generator`` seeded with ``(seed, i)`` and the deck's plan from
``(seed,)``; nothing reads the clock or a global random state, and the image
encoders run with fixed parameters, so the same arguments give the same bytes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sample_sheets import effects as fx_mod
from sample_sheets.codes import lithocode_for
from sample_sheets.handwriting import printed_letter, written_lines
from sample_sheets.labels import stick_label
from sample_sheets.marks import (
    STENCIL_FILL,
    composite,
    draw_mark,
    level_class,
    patch_frame,
)
from sample_sheets.model import BUBBLE_KINDS, Area, Field, Form, Page
from sample_sheets.responses import KeyPlan, Mix, coverage_plan, plan_key
from sample_sheets.students import Student, gridded, is_demographic, mock_student, random_response

Renderer = Callable[..., np.ndarray]
"""``render(form, page_number, dpi=…, lithocode=…)`` → uint8 gray page, 255 paper."""
FORMATS = ("png", "jpg", "tif")
LABEL_RATE = 0.3
"""Share of documents with a pre-ID label (forms with a label area)."""
LABELLED_BLANK_RATE = 0.5
"""Share of labelled students who leave their demographic grids blank."""
BLANK_PAGE_RATE = 0.05
"""Share of documents, harsh effects, with a blank sheet fed among their pages."""
DEFAULT_JPEG_QUALITY = 92
"""JPEG quality for pages whose effects chose none."""
REGISTRATION_MARGIN_IN = 0.03
"""Paper kept between a registration mark and the image edge after the effects."""


@dataclass(frozen=True)
class PageScan:
    """One scanned sheet: ``image`` (uint8 gray, the file's pixels as OpenCV
    decodes them), its ``truth`` (the page object of truth.json) and, for
    JPEG, the file bytes (PNG and TIFF files are encoded on demand: lossless)."""

    image: np.ndarray
    truth: dict
    dpi: int
    jpeg: bytes | None = None

    def data(self) -> bytes:
        """The page file's bytes, in the format its name says."""
        if self.jpeg is not None:
            return self.jpeg
        buf = io.BytesIO()
        if self.truth["file"].endswith(".tif"):
            Image.fromarray(self.image).convert("1").save(
                buf, "TIFF", compression="group4", dpi=(self.dpi, self.dpi))
        else:
            Image.fromarray(self.image).save(buf, "PNG", compress_level=1,
                                             dpi=(self.dpi, self.dpi))
        return buf.getvalue()


@dataclass(frozen=True)
class DocumentScan:
    truth: dict
    pages: tuple[PageScan, ...]


@dataclass
class Deck:
    """A deck of ``count`` documents of ``form``, generated lazily by
    :meth:`documents` (each call starts again from the first)."""

    form: Form
    count: int
    seed: int
    effects: str
    coverage: bool
    dpi: int
    image_format: str
    first_lithocode: int
    typed: bool
    renderer: Renderer
    plan: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def covering(self) -> int:
        """How many first documents follow the coverage plan."""
        return max((len(v) for keys in self.plan.values() for v in keys.values()), default=0)

    def header(self) -> dict:
        """The deck-level part of truth.json."""
        return {"form": self.form.id, "seed": self.seed, "effects": self.effects,
                "dpi": self.dpi, "format": self.image_format, "coverage": self.coverage,
                "count": self.count, "typed": self.typed}

    def documents(self) -> Iterator[DocumentScan]:
        for index in range(self.count):
            yield _document(self, index)

    @cached_property
    def bubble_masks(self) -> dict[int, np.ndarray]:
        """Per page, a bool mask of every bubble's measuring ellipse (stray
        lines are kept out of them)."""
        return {p.number: _bubble_mask(p, self.dpi) for p in self.form.pages}


def generate_deck(form: Form, count: int, seed: int = 0, effects: str = "typical",
                  coverage: bool = False, dpi: int = 300, first_lithocode: int = 1,
                  image_format: str = "png", typed: bool = False,
                  renderer: Renderer | None = None) -> Deck:
    """A deck of ``count`` documents (raised to what coverage needs when
    ``coverage``; see :attr:`Deck.count`). ``first_lithocode`` is the first
    document's lithocode serial (check digit added); ``typed`` sets written
    responses in type instead of handwriting."""
    if effects not in fx_mod.LEVELS:
        raise ValueError(f"unknown effects {effects!r}: use one of {fx_mod.LEVELS}")
    if image_format not in FORMATS:
        raise ValueError(f"unknown image format {image_format!r}: use one of {FORMATS}")
    if renderer is None:
        from sample_sheets.render import render_page as renderer
    plan = coverage_plan(form, np.random.default_rng([seed])) if coverage else {}
    deck = Deck(form, count, seed, effects, coverage, dpi, image_format, first_lithocode, typed,
                renderer, plan)
    deck.count = max(count, deck.covering)
    return deck


# --- one document ------------------------------------------------------------------------


def _document(deck: Deck, index: int) -> DocumentScan:
    rng = np.random.default_rng([deck.seed, index])
    student = mock_student(rng)
    has_label_area = any(f.kind == "label" for f in deck.form.fields.values())
    labelled = has_label_area and rng.random() < LABEL_RATE
    skip_demographics = labelled and rng.random() < LABELLED_BLANK_RATE
    mix = Mix.for_effects(deck.effects, coverage=deck.coverage)
    keys = {f.name: _field_plan(f, student, skip_demographics, deck.plan, index, mix, rng)
            for f in deck.form.fields.values() if f.kind in BUBBLE_KINDS}
    serial = deck.first_lithocode + index
    pages = [_page(deck, page, keys, student, labelled, serial, rng) for page in deck.form.pages]
    if deck.effects == "harsh" and rng.random() < BLANK_PAGE_RATE:
        blank = np.full(pages[0][0].shape, 255, np.uint8)
        pages.insert(int(rng.integers(0, len(pages) + 1)),
                     (blank, {"page": None, "blank_page": True, "fields": {}}))
    scans = tuple(_finish(deck, index, i, image, truth) for i, (image, truth) in enumerate(pages))
    truth = {"document": _doc_name(index), "lithocode": _lithocode(deck.form, serial),
             "student": student.to_json(), "label": {"ssid": student.ssid} if labelled else None,
             "demographics_blank": skip_demographics,
             "coverage": index < deck.covering,
             "pages": [s.truth for s in scans]}
    return DocumentScan(truth, scans)


def _doc_name(index: int) -> str:
    return f"D{index + 1:04d}"


def _lithocode(form: Form, serial: int) -> str:
    digits = next((p.lithocode.digits for p in form.pages if p.lithocode), 8)
    return lithocode_for(serial, digits)


def _field_plan(fld: Field, student: Student, skip_demographics: bool,
                plan: dict[str, dict[str, list[str]]], index: int, mix: Mix,
                rng: np.random.Generator) -> dict[str, KeyPlan]:
    """Intended value and bubble styles for every key of a bubble field."""
    values = gridded(student, fld) or random_response(fld, rng)
    if skip_demographics and is_demographic(fld):
        values = dict.fromkeys(fld.keys, "")
    scheduled = plan.get(fld.name, {})
    for key, schedule in scheduled.items():
        if index < len(schedule):
            values[key] = schedule[index]
    return {key: plan_key(fld, values[key], mix, rng) for key in fld.keys}


def _page(deck: Deck, page: Page, keys: dict[str, dict[str, KeyPlan]], student: Student,
          labelled: bool, serial: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """The filled-in page (uint8) and its truth, before scanning."""
    blank = deck.renderer(deck.form, page.number, dpi=deck.dpi,
                          lithocode=_lithocode(deck.form, serial) if page.lithocode else None)
    sheet = blank.copy()
    fields = {}
    for fld in page.fields:
        if fld.kind in BUBBLE_KINDS:
            _print_write_ins(fld, keys[fld.name], student, sheet, deck.dpi, rng)
            fields[fld.name] = _mark_field(deck, page, fld, keys[fld.name], blank, sheet, rng)
    truth: dict = {"page": page.number, "blank_page": False, "fields": fields}
    responses = {}
    for fld, area in deck.form.areas_on(page.number):
        if fld.kind == "response":
            responses[fld.name] = _write_response(deck, fld, area, sheet, rng)
        elif fld.kind == "label" and labelled:
            truth["label"] = stick_label(sheet, student, area.box, deck.dpi, rng)
    if responses:
        truth["responses"] = responses
    return sheet, truth


def _mark_field(deck: Deck, page: Page, fld: Field, keys: dict[str, KeyPlan],
                blank: np.ndarray, sheet: np.ndarray, rng: np.random.Generator) -> dict:
    """Draw every planned mark of a field on ``sheet``; return the field's truth."""
    truth = {}
    for bubble in fld.bubbles:
        style = keys[bubble.key].styles.get(bubble.option, "blank")
        if style == "blank":
            continue
        darkness, origin, level = _draw_bubble(deck.dpi, bubble, style, blank, rng)
        if style == "stray":
            darkness *= ~_crop(deck.bubble_masks[page.number], origin, darkness.shape)
        composite(sheet, darkness, origin)
        keys[bubble.key].record(bubble.option, style, level_class(level), level)
    for key, plan in keys.items():
        truth[key] = plan.to_json()
    return truth


def _draw_bubble(dpi: int, bubble, style: str, blank: np.ndarray, rng: np.random.Generator
                 ) -> tuple[np.ndarray, tuple[int, int], float]:
    cx, cy, w, h = bubble.x_in * dpi, bubble.y_in * dpi, bubble.w_in * dpi, bubble.h_in * dpi
    origin, shape = patch_frame(cx, cy, w, h)
    under = _crop(blank, origin, shape, fill=255)
    darkness, level = draw_mark(style, under, (cx - origin[0], cy - origin[1]), w, h, dpi, rng)
    return darkness, origin, level


def _crop(image: np.ndarray, origin: tuple[int, int], shape: tuple[int, int], fill=0
          ) -> np.ndarray:
    """``image[y0:y0+rows, x0:x0+cols]``, padded with ``fill`` where it runs off the image."""
    x0, y0 = origin
    rows, cols = shape
    out = np.full(shape, fill, image.dtype)
    sy0, sx0 = max(y0, 0), max(x0, 0)
    sy1, sx1 = min(y0 + rows, image.shape[0]), min(x0 + cols, image.shape[1])
    if sy1 > sy0 and sx1 > sx0:
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = image[sy0:sy1, sx0:sx1]
    return out


def _bubble_mask(page: Page, dpi: int) -> np.ndarray:
    rows, cols = int(round(page.height_in * dpi)), int(round(page.width_in * dpi))
    mask = np.zeros((rows, cols), np.uint8)
    for b in page.bubbles:
        axes = (int(np.ceil(b.w_in * dpi * STENCIL_FILL / 2)) + 1,
                int(np.ceil(b.h_in * dpi * STENCIL_FILL / 2)) + 1)
        cv2.ellipse(mask, (int(round(b.x_in * dpi)), int(round(b.y_in * dpi))), axes, 0, 0, 360,
                    1, -1)
    return mask.astype(bool)


def _print_write_ins(fld: Field, keys: dict[str, KeyPlan], student: Student, sheet: np.ndarray,
                     dpi: int, rng: np.random.Generator) -> None:
    """Hand-print above each grid column the character gridded in it (for a
    double mark, the one the student meant)."""
    if not fld.write_in:
        return
    meant = gridded(student, fld) or {}
    for key, box in zip(fld.keys, fld.write_in, strict=True):
        value = keys[key].value
        char = meant.get(key, "") if value == "*" else value
        if len(char) != 1:
            continue
        keys[key].printed = char
        darkness = printed_letter(char, int(box.w_in * dpi), int(box.h_in * dpi), rng)
        composite(sheet, darkness, (int(round(box.x_in * dpi)), int(round(box.y_in * dpi))))


def _write_response(deck: Deck, fld: Field, area: Area, sheet: np.ndarray,
                    rng: np.random.Generator) -> dict:
    """Write on the lines of a response area; returns its truth."""
    dpi = deck.dpi
    pitch = area.box.h_in / area.lines if area.lines else 0.33
    last_area = area is fld.areas[-1]
    fill = float(rng.uniform(0.3, 1.0)) if last_area else 1.0
    darkness = written_lines(int(area.box.w_in * dpi), int(area.box.h_in * dpi), pitch * dpi, rng,
                             typed=deck.typed, fill=fill)
    composite(sheet, darkness, (int(round(area.box.x_in * dpi)), int(round(area.box.y_in * dpi))))
    return {"typed": deck.typed, "fill": round(fill, 3)}


# --- scanning and files ------------------------------------------------------------------


def _finish(deck: Deck, index: int, position: int, sheet: np.ndarray, truth: dict
            ) -> PageScan:
    """Scan sheet ``position`` of document ``index``, encode its file, complete its truth."""
    rng = np.random.default_rng([deck.seed, index, position + 1])
    fx = fx_mod.draw_effects(deck.effects, sheet.shape[1], rng)
    if truth["page"] is not None:
        page = deck.form.page(truth["page"])
        corners = np.array([(m.x_in + dx * m.size_in / 2, m.y_in + dy * m.size_in / 2)
                            for m in page.registration for dx in (-1, 1) for dy in (-1, 1)])
        fx = fx_mod.keep_on_sheet(fx, corners, sheet.shape, deck.dpi, REGISTRATION_MARGIN_IN)
    fx = _for_format(fx, deck.image_format)
    scan = fx_mod.apply_effects(sheet, replace(fx, jpeg_quality=None), deck.dpi, rng)
    image, jpeg, ext = _encode(scan, fx, deck.image_format, deck.dpi)
    matrix = fx_mod.transform(fx, sheet.shape, deck.dpi)
    head = {"page": truth["page"], "file": f"{_doc_name(index)}_{position + 1:02d}.{ext}",
            "blank_page": truth["blank_page"], "effects": fx.to_json(),
            "transform": np.round(matrix, 4).tolist()}
    return PageScan(image, {**head, **{k: v for k, v in truth.items() if k not in head}},
                    deck.dpi, jpeg)


def _for_format(fx: fx_mod.ScanEffects, image_format: str) -> fx_mod.ScanEffects:
    """Effects as the file format forces them: TIFF pages are bitonal; JPEG
    pages carry a quality."""
    if image_format == "tif" and fx.bitonal_threshold is None:
        threshold = int(round(fx.paper - fx_mod.BITONAL_DARKNESS * (fx.paper - fx.black)))
        return replace(fx, bitonal_threshold=threshold, jpeg_quality=None)
    if image_format == "jpg" and fx.bitonal_threshold is None and fx.jpeg_quality is None:
        return replace(fx, jpeg_quality=DEFAULT_JPEG_QUALITY)
    return fx


def _encode(scan: np.ndarray, fx: fx_mod.ScanEffects, image_format: str, dpi: int
            ) -> tuple[np.ndarray, bytes | None, str]:
    """(decoded image, JPEG bytes or None, extension). Bitonal pages are TIFF
    G4 in every format; a JPEG effect on a PNG deck is applied before the
    lossless encoding."""
    if fx.bitonal_threshold is not None:
        return scan, None, "tif"
    if image_format == "jpg":
        buf = io.BytesIO()
        Image.fromarray(scan).save(buf, "JPEG", quality=fx.jpeg_quality, dpi=(dpi, dpi))
        data = buf.getvalue()
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE), data, "jpg"
    if fx.jpeg_quality is not None:
        scan = fx_mod.jpeg_roundtrip(scan, fx.jpeg_quality)
    return scan, None, "png"


def write_deck(deck: Deck, out_dir: str | Path,
               progress: Callable[[int], None] | None = None) -> Path:
    """Write every page file and ``truth.json`` into ``out_dir`` (created);
    returns the truth file's path. ``progress`` is called with each document's
    number of pages."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    documents = []
    for doc in deck.documents():
        for page in doc.pages:
            (out / page.truth["file"]).write_bytes(page.data())
        documents.append(doc.truth)
        if progress:
            progress(len(doc.pages))
    path = out / "truth.json"
    path.write_text(json.dumps({**deck.header(), "documents": documents}, indent=1) + "\n")
    return path
