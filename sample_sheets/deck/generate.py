"""The test-deck generator: filled-in, scanned-looking answer documents with
their ground truth.

``generate_deck`` plans each document (a mock student, a lithocode, an
intended response and a marking style for every key of every bubble field),
draws it on the rendered form (pencil marks, hand-printed letters, written
responses, a pre-ID label) and scans it (:mod:`sample_sheets.deck.effects`).
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

from sample_sheets.codes import lithocode_for
from sample_sheets.deck import effects as fx_mod
from sample_sheets.deck.handwriting import printed_letter, written_lines
from sample_sheets.deck.labels import stick_label
from sample_sheets.deck.marks import (
    STENCIL_FILL,
    composite,
    draw_mark,
    level_class,
    patch_frame,
    stencil_weights,
)
from sample_sheets.deck.responses import KeyPlan, Mix, coverage_plan, plan_key
from sample_sheets.deck.students import (
    Student,
    grade_choices,
    gridded,
    is_demographic,
    mock_student,
    random_response,
)
from sample_sheets.model import BUBBLE_KINDS, Area, Bubble, Field, Form, Page

Renderer = Callable[..., np.ndarray]
"""``render(form, page_number, dpi=…, lithocode=…[, barcodes=…])`` → a new uint8 gray
page, 255 paper (the generator draws on it). ``barcodes`` is passed only for pages
that print barcodes (the header sheet's batch code)."""
FORMATS = ("png", "jpg", "tif")
LABEL_RATE = 0.3
"""Share of documents with a pre-ID label (forms with a label area)."""
LABELLED_BLANK_RATE = 0.5
"""Share of labelled students who leave their demographic grids blank."""
BLANK_PAGE_RATE = 0.05
"""Share of documents, harsh and worst effects, with a blank sheet fed among their pages."""
DEFAULT_JPEG_QUALITY = 92
"""JPEG quality for pages whose effects chose none."""
REGISTRATION_MARGIN_IN = 0.03
"""Paper kept between a registration mark (or, at levels that clip the sheet, a bubble,
page-id cell or barcode) and the image edge after the effects."""
BATCH_CODE = "batch_code"
"""The barcode that makes a form a batch header sheet (capture/reconcile.py)."""
HEADER_FIELDS: dict[str, str] = {"district_code": "district_code", "school_code": "school_code",
                                 "grade": "grade", "administration": "administration",
                                 "document_count": "document_count"}
"""A header sheet's values → the header form's field gridding each."""
HEADER_MIX = Mix({"dark": 0.9, "partial": 0.04, "check": 0.0, "x": 0.0, "light": 0.06},
                 changed=0.03, multiple=0.0, omit_erased=0.05, stray=0.02)
"""A header sheet is filled in by a school coordinator, carefully: no double marks."""
WRITTEN_SHARE = (0.2, 1.0)
"""Share of a response's lines (over all its pages) a student writes on, uniform."""


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

    _blanks: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _stencils: dict[tuple, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict,
                                                                 repr=False)

    def blank(self, page: int) -> np.ndarray:
        """Page ``page`` as printed, without lithocode or barcodes (kept)."""
        if page not in self._blanks:
            self._blanks[page] = self.renderer(self.form, page, dpi=self.dpi, lithocode=None)
        return self._blanks[page]

    def stencil(self, page: int, bubble: Bubble, origin: tuple[int, int],
                shape: tuple[int, int], centre: tuple[float, float]
                ) -> tuple[np.ndarray, np.ndarray]:
        """The blank form under a bubble's mark patch and the patch's measuring
        weights (:func:`marks.stencil_weights`), computed once per deck: the
        static print around a bubble is the same on every copy."""
        key = (page, bubble.field, bubble.key, bubble.option)
        if key not in self._stencils:
            under = _crop(self.blank(page), origin, shape, fill=255)
            weights = stencil_weights(under, centre, bubble.w_in * self.dpi,
                                      bubble.h_in * self.dpi, self.dpi)
            self._stencils[key] = (under, weights.astype(bool))
        return self._stencils[key]

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


def is_header_form(form: Form) -> bool:
    """A batch header sheet: a form printing a batch code."""
    return any(b.name == BATCH_CODE for p in form.pages for b in p.barcodes)


def header_document(form: Form, school: str, grade: str, count: int, district: str = "0101",
                    administration: str = "SP", batch_code: str | None = None, serial: int = 1,
                    seed: int = 0, effects: str = "typical", dpi: int = 300,
                    image_format: str = "png", renderer: Renderer | None = None
                    ) -> DocumentScan:
    """The header sheet of one batch, filled in and scanned: ``district``,
    ``school`` and ``count`` (the documents the batch holds) gridded with
    leading zeros, ``grade`` and ``administration`` codes marked, and the batch
    code printed in its barcode (``batch_code``, default ``B2013-<serial>``).
    Its truth is that of a deck document (document ``H<serial>``) with a
    ``header`` object: the values as gridded and the batch code.

    A batch as capture receives it is this sheet followed by the documents of
    ``generate_deck(form, count, …)``."""
    if not is_header_form(form):
        raise ValueError(f"form {form.id} is not a header sheet: it prints no {BATCH_CODE}")
    deck = generate_deck(form, 1, seed=seed, effects=effects, dpi=dpi, first_lithocode=serial,
                         image_format=image_format, renderer=renderer)
    values = {"district_code": district, "school_code": school, "grade": grade,
              "administration": administration, "document_count": count}
    header = {**_header_values(form, values),
              "batch_code": batch_code or f"B2013-{serial:05d}"}
    doc = _document(deck, 0, header=header)
    doc.truth["document"] = f"H{serial:05d}"
    return doc


def _header_values(form: Form, values: dict) -> dict[str, str]:
    """Header values as their fields grid them: digits right-aligned with
    leading zeros; codes as printed. Raises ValueError for a value the field
    cannot hold."""
    out = {}
    for name, value in values.items():
        fld = form.fields[HEADER_FIELDS[name]]
        text = str(value)
        if len(fld.keys) > 1:
            text = text.zfill(len(fld.keys))
            ok = len(text) == len(fld.keys) and all(c in fld.option_codes for c in text)
        else:
            ok = text in fld.option_codes
        if not ok:
            raise ValueError(f"{name} {value!r} does not fit field {fld.name} of {form.id} "
                             f"({len(fld.keys)} × {'/'.join(fld.option_codes)})")
        out[name] = text
    return out


def _random_header(form: Form, serial: int, rng: np.random.Generator) -> dict[str, str]:
    """A plausible batch: a district and school, a grade, mostly the main
    administration, a class-sized count of documents."""
    def digits(name: str) -> str:
        n = len(form.fields[HEADER_FIELDS[name]].keys)
        return "".join(str(d) for d in rng.integers(0, 10, n))

    codes = {n: form.fields[HEADER_FIELDS[n]].option_codes for n in ("grade", "administration")}
    admin = codes["administration"][0] if rng.random() < 0.8 else str(
        rng.choice(codes["administration"]))
    values = {"district_code": digits("district_code"), "school_code": digits("school_code"),
              "grade": str(rng.choice(codes["grade"])), "administration": admin,
              "document_count": int(rng.integers(1, 41))}
    return {**_header_values(form, values), "batch_code": f"B2013-{serial:05d}"}


def _document(deck: Deck, index: int, header: dict[str, str] | None = None) -> DocumentScan:
    rng = np.random.default_rng([deck.seed, index])
    form = deck.form
    serial = deck.first_lithocode + index
    fixed: dict[str, dict[str, str]] = {}
    student: Student | None = None
    if is_header_form(form):
        header = header or _random_header(form, serial, rng)
        for name, fld_name in HEADER_FIELDS.items():
            keys = form.fields[fld_name].keys
            fixed[fld_name] = dict(zip(keys, [header[name]] if len(keys) == 1 else header[name],
                                       strict=True))
        mix = Mix.for_effects(deck.effects, coverage=True) if deck.coverage else HEADER_MIX
    else:
        student = mock_student(rng, grades=grade_choices(form.fields.values()))
        mix = Mix.for_effects(deck.effects, coverage=deck.coverage)
    has_label_area = any(f.kind == "label" for f in form.fields.values())
    labelled = student is not None and has_label_area and rng.random() < LABEL_RATE
    skip_demographics = labelled and rng.random() < LABELLED_BLANK_RATE
    keys = {f.name: _field_plan(f, student, fixed.get(f.name), skip_demographics, deck.plan,
                                index, mix, rng)
            for f in form.fields.values() if f.kind in BUBBLE_KINDS}
    written = {f.name: _lines_written(f, rng) for f in form.fields.values()
               if f.kind == "response"}
    lithocode = _lithocode(form, serial)
    barcodes = {BATCH_CODE: header["batch_code"]} if header else None
    pages = [_page(deck, page, keys, student, labelled, lithocode, barcodes, written, rng)
             for page in form.pages]
    if deck.effects in ("harsh", "worst") and rng.random() < BLANK_PAGE_RATE:
        blank = np.full(pages[0][0].shape, 255, np.uint8)
        pages.insert(int(rng.integers(0, len(pages) + 1)),
                     (blank, {"page": None, "blank_page": True, "fields": {}}))
    scans = tuple(_finish(deck, index, i, image, truth) for i, (image, truth) in enumerate(pages))
    truth = {"document": _doc_name(index), "lithocode": lithocode,
             "student": student.to_json() if student else None,
             "label": {"ssid": student.ssid} if labelled else None,
             "demographics_blank": skip_demographics,
             "coverage": index < deck.covering,
             "pages": [s.truth for s in scans]}
    if header:
        truth["header"] = _header_truth(form, header, keys)
    return DocumentScan(truth, scans)


def _header_truth(form: Form, header: dict[str, str], keys: dict[str, dict[str, KeyPlan]]
                  ) -> dict:
    """What the header sheet says, as gridded (a coverage deck's plan may
    differ from the drawn header): text per value, the count as a number
    (None when its columns do not hold one), and the batch code."""
    out: dict = {"batch_code": header["batch_code"]}
    for name, fld_name in HEADER_FIELDS.items():
        out[name] = "".join(keys[fld_name][k].value for k in form.fields[fld_name].keys)
    count = out["document_count"]
    out["document_count"] = int(count) if count.isdigit() and len(count) == len(
        form.fields[HEADER_FIELDS["document_count"]].keys) else None
    return out


def _lines_written(fld: Field, rng: np.random.Generator) -> int:
    """How many of a response field's lines (over all its areas) are written on."""
    total = sum(a.lines for a in fld.areas)
    return max(int(round(total * rng.uniform(*WRITTEN_SHARE))), 1) if total else 0


def _doc_name(index: int) -> str:
    return f"D{index + 1:04d}"


def _lithocode(form: Form, serial: int) -> str | None:
    """The lithocode printed on the document's pages, or None for a form printing none."""
    litho = next((p.lithocode for p in form.pages if p.lithocode), None)
    return lithocode_for(serial, litho.digits) if litho else None


def _field_plan(fld: Field, student: Student | None, fixed: dict[str, str] | None,
                skip_demographics: bool, plan: dict[str, dict[str, list[str]]], index: int,
                mix: Mix, rng: np.random.Generator) -> dict[str, KeyPlan]:
    """Intended value and bubble styles for every key of a bubble field."""
    values = dict(fixed) if fixed else (gridded(student, fld) if student else None)
    values = values or random_response(fld, rng)
    if skip_demographics and is_demographic(fld):
        values = dict.fromkeys(fld.keys, "")
    scheduled = plan.get(fld.name, {})
    for key, schedule in scheduled.items():
        if index < len(schedule) and schedule[index] is not None:  # None: its own value
            values[key] = schedule[index]
    return {key: plan_key(fld, values[key], mix, rng) for key in fld.keys}


def _page(deck: Deck, page: Page, keys: dict[str, dict[str, KeyPlan]], student: Student | None,
          labelled: bool, lithocode: str | None, barcodes: dict[str, str] | None,
          written: dict[str, int], rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """The filled-in page (uint8) and its truth, before scanning."""
    extra = {"barcodes": barcodes} if barcodes and page.barcodes else {}
    sheet = deck.renderer(deck.form, page.number, dpi=deck.dpi,
                          lithocode=lithocode if page.lithocode else None, **extra)
    fields = {}
    for fld in page.fields:
        if fld.kind in BUBBLE_KINDS:
            _print_write_ins(fld, keys[fld.name], student, sheet, deck.dpi, rng)
            fields[fld.name] = _mark_field(deck, page, fld, keys[fld.name], sheet, rng)
    truth: dict = {"page": page.number, "blank_page": False, "fields": fields}
    responses = {}
    for fld, area in deck.form.areas_on(page.number):
        if fld.kind == "response":
            before = sum(a.lines for a in fld.areas[:fld.areas.index(area)])
            used = min(max(written[fld.name] - before, 0), area.lines)
            responses[fld.name] = _write_response(deck, area, used, sheet, rng)
        elif fld.kind == "label" and labelled and student is not None:
            truth["label"] = stick_label(sheet, student, area.box, deck.dpi, rng)
    if responses:
        truth["responses"] = responses
    return sheet, truth


def _mark_field(deck: Deck, page: Page, fld: Field, keys: dict[str, KeyPlan],
                sheet: np.ndarray, rng: np.random.Generator) -> dict:
    """Draw every planned mark of a field on ``sheet``; return the field's truth."""
    truth = {}
    for bubble in fld.bubbles:
        style = keys[bubble.key].styles.get(bubble.option, "blank")
        if style == "blank":
            continue
        darkness, origin, level = _draw_bubble(deck, page.number, bubble, style, rng)
        if style == "stray":
            darkness *= ~_crop(deck.bubble_masks[page.number], origin, darkness.shape)
        composite(sheet, darkness, origin)
        keys[bubble.key].record(bubble.option, style, level_class(level), level)
    for key, plan in keys.items():
        truth[key] = plan.to_json()
    return truth


def _draw_bubble(deck: Deck, page_number: int, bubble: Bubble, style: str,
                 rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int], float]:
    dpi = deck.dpi
    cx, cy, w, h = bubble.x_in * dpi, bubble.y_in * dpi, bubble.w_in * dpi, bubble.h_in * dpi
    origin, shape = patch_frame(cx, cy, w, h)
    centre = (cx - origin[0], cy - origin[1])
    under, weights = deck.stencil(page_number, bubble, origin, shape, centre)
    darkness, level = draw_mark(style, under, centre, w, h, dpi, rng, weights=weights)
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


def _print_write_ins(fld: Field, keys: dict[str, KeyPlan], student: Student | None,
                     sheet: np.ndarray, dpi: int, rng: np.random.Generator) -> None:
    """Hand-print above each grid column the character gridded in it (for a
    double mark, the one the student meant)."""
    if not fld.write_in:
        return
    meant = (gridded(student, fld) if student else None) or {}
    for key, box in zip(fld.keys, fld.write_in, strict=True):
        value = keys[key].value
        char = meant.get(key, "") if value == "*" else value
        if len(char) != 1:
            continue
        keys[key].printed = char
        darkness = printed_letter(char, int(box.w_in * dpi), int(box.h_in * dpi), rng)
        composite(sheet, darkness, (int(round(box.x_in * dpi)), int(round(box.y_in * dpi))))


def _write_response(deck: Deck, area: Area, used: int, sheet: np.ndarray,
                    rng: np.random.Generator) -> dict:
    """Write on the first ``used`` lines of a response area; returns its truth."""
    if used:
        dpi = deck.dpi
        x0, y0 = int(round(area.box.x_in * dpi)), int(round(area.box.y_in * dpi))
        pieces = written_lines(int(round(area.box.right_in * dpi)) - x0,
                               int(round(area.box.bottom_in * dpi)) - y0, area.lines, used, rng,
                               typed=deck.typed)
        for x, y, darkness in pieces:
            composite(sheet, darkness, (x0 + x, y0 + y))
    return {"typed": deck.typed, "lines": used,
            "fill": round(used / area.lines, 3) if area.lines else 0.0}


# --- scanning and files ------------------------------------------------------------------


def _finish(deck: Deck, index: int, position: int, sheet: np.ndarray, truth: dict
            ) -> PageScan:
    """Scan sheet ``position`` of document ``index``, encode its file, complete its truth."""
    rng = np.random.default_rng([deck.seed, index, position + 1])
    fx = fx_mod.draw_effects(deck.effects, sheet.shape[1], rng)
    if truth["page"] is not None:
        kept = _kept_in_frame(deck.form.page(truth["page"]), deck.effects)
        fx = fx_mod.keep_on_sheet(fx, kept, sheet.shape, deck.dpi, REGISTRATION_MARGIN_IN)
    fx = _for_format(fx, deck.image_format)
    scan = fx_mod.apply_effects(sheet, replace(fx, jpeg_quality=None), deck.dpi, rng)
    image, jpeg, ext = _encode(scan, fx, deck.image_format, deck.dpi)
    matrix = fx_mod.transform(fx, sheet.shape, deck.dpi)
    head = {"page": truth["page"], "file": f"{_doc_name(index)}_{position + 1:02d}.{ext}",
            "blank_page": truth["blank_page"], "effects": fx.to_json(),
            "transform": np.round(matrix, 4).tolist()}
    return PageScan(image, {**head, **{k: v for k, v in truth.items() if k not in head}},
                    deck.dpi, jpeg)


def _kept_in_frame(page: Page, effects: str) -> np.ndarray:
    """Points (n, 2), inches, that the scan frame keeps inside: the registration
    marks' corners, or at levels that clip the sheet
    (:data:`~sample_sheets.deck.effects.CLIPPING_LEVELS`) the corners of what is
    read: bubbles, page-id cells and barcodes."""
    if effects not in fx_mod.CLIPPING_LEVELS:
        boxes = [(m.x_in - m.size_in / 2, m.y_in - m.size_in / 2, m.size_in, m.size_in)
                 for m in page.registration]
    else:
        boxes = [(x - w / 2, y - h / 2, w, h) for x, y, w, h in page.bubble_array.tolist()]
        boxes += [(b.x_in, b.y_in, b.w_in, b.h_in) for b in page.page_id.boxes()]
        boxes += [(c.box.x_in, c.box.y_in, c.box.w_in, c.box.h_in)
                  for c in (page.lithocode, *page.barcodes) if c]
    return np.array([(x + dx * w, y + dy * h) for x, y, w, h in boxes
                     for dx in (0, 1) for dy in (0, 1)])


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


HEADER_FILE = "0000_header"
"""The name (before its extension) of a batch's header sheet file: it sorts
before the documents' files, so that name order is feeding order."""


def write_deck(deck: Deck, out_dir: str | Path,
               progress: Callable[[int], None] | None = None,
               header: DocumentScan | None = None) -> Path:
    """Write every page file and ``truth.json`` into ``out_dir`` (created);
    returns the truth file's path. ``progress`` is called with each document's
    number of pages. ``header``: a batch header sheet (:func:`header_document`)
    written first as ``0000_header.<ext>``, its truth under ``"header"``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    extra = {}
    if header is not None:
        sheet = header.pages[0]
        (out / f"{HEADER_FILE}{Path(sheet.truth['file']).suffix}").write_bytes(sheet.data())
        extra = {"header": header.truth}
    documents = []
    for doc in deck.documents():
        for page in doc.pages:
            (out / page.truth["file"]).write_bytes(page.data())
        documents.append(doc.truth)
        if progress:
            progress(len(doc.pages))
    path = out / "truth.json"
    path.write_text(json.dumps({**deck.header(), **extra, "documents": documents}, indent=1)
                    + "\n")
    return path
