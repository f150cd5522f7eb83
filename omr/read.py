"""Reading pages: image → MarkRecord, and image files → one record per page.

The page identifies its form and page number from its page-id strip; passing
``form`` limits the search to that form. A page that cannot be read is a record
with ``status`` "exception" and the reason, never a raised error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from omr import barcodes
from omr.decisions import decide_field
from omr.errors import ReadCode, ReadError
from omr.identify import Identified, identify
from omr.image_io import DEFAULT_MAX_PIXELS, read_image_file
from omr.levels import Levels, PageTemplate, TemplateCache, blank_levels, bubble_levels
from omr.record import CodeRead, KeyRead, MarkRecord, RegistrationQuality
from omr.registration import Registration
from omr.residue import residue_erasures
from omr.sampling import paper_level, paper_surface
from sample_sheets.codes import lithocode_valid
from sample_sheets.model import Field, Form, Page

BLANK_INK_SHARE = 0.002
"""A page that cannot be registered and has less than this share of inked
pixels (darker than half the paper level) is a blank page."""
LABEL_INK_SHARE = 0.02
"""A label area with less than this share of inked pixels holds no label."""
SPARSE_STEP = 16
"""Pitch, pixels, of the sparse sample the paper level and surface come from."""
UNEVEN_ERASURE_AT = 2.5
"""A page whose erasure level (:func:`omr.levels.blank_levels`) rises above this
is flagged ``uneven``: its blank bubbles spread so wide that the faintest
erasures (level 2.2) no longer stand out from them."""


@dataclass(frozen=True)
class ReadOptions:
    """How files are decoded: ``reduce`` 2 decodes JPEG at half size (faster,
    see docs/omr.md for its accuracy); ``max_pixels`` refuses larger pages."""

    reduce: int = 1
    max_pixels: int = DEFAULT_MAX_PIXELS


def read_page(image: np.ndarray, forms: dict[str, Form], form: Form | None = None, *,
              templates: TemplateCache, name: str = "", frame: int = 0,
              scale: float = 1.0) -> MarkRecord:
    """Read one page image into its mark record.

    Parameters
    ----------
    image : (rows, cols) uint8 ndarray
        The page, gray.
    forms : dict of str to Form
        The known forms by id.
    form : Form, optional
        The page's form when known (the search is limited to it).
    templates : TemplateCache
        Blank-page templates, made once by the caller and passed to every read.
    name, frame : str, int
        The image file and the page's index in it, for the record.
    scale : float
        Factor from ``image`` pixels to the pixels of the full-size scan (2 for
        a half-size decode), so that record boxes are full-size pixels.

    Returns
    -------
    MarkRecord
        Never raises for a bad page: a page that cannot be read is a record
        with status "exception", its code and reason.
    """
    image = np.ascontiguousarray(image)
    size = (int(image.shape[1] * scale), int(image.shape[0] * scale))
    try:
        return _read(image, {form.id: form} if form else forms, name, frame, scale, size,
                     templates)
    except ReadError as exc:
        return MarkRecord.refused(name, frame, exc, size)


def read_file(path: str | Path, forms: dict[str, Form], form: Form | None = None,
              options: ReadOptions = ReadOptions(), *,
              templates: TemplateCache) -> list[MarkRecord]:
    """Read every page of an image file.

    Parameters
    ----------
    path : str or Path
        A PNG, JPEG or TIFF file (multi-page TIFF: one record per page).
    forms, form, templates
        As for :func:`read_page`.
    options : ReadOptions
        How the file is decoded.

    Returns
    -------
    list of MarkRecord
        One per page; a file that cannot be decoded is one exception record.
    """
    try:
        decoded = read_image_file(path, options.reduce, options.max_pixels)
    except ReadError as exc:
        return [MarkRecord.refused(str(path), 0, exc)]
    return [read_page(image, forms, form, name=str(path), frame=i, scale=decoded.scale,
                      templates=templates)
            for i, image in enumerate(decoded.pages)]


def _read(image: np.ndarray, forms: dict[str, Form], name: str, frame: int, scale: float,
          size: tuple[int, int], templates: TemplateCache) -> MarkRecord:
    sparse = np.ascontiguousarray(image[::SPARSE_STEP, ::SPARSE_STEP])
    paper = paper_level(sparse)
    surface = paper_surface(sparse, SPARSE_STEP, (image.shape[1], image.shape[0]))
    try:
        found = identify(image, forms, surface, templates)
    except ReadError as exc:
        if _ink_share(image[::4, ::4], paper) < BLANK_INK_SHARE:
            raise ReadError(ReadCode.BLANK, "blank page") from None
        raise exc
    reg, page = found.registration, found.page
    template = templates.get(found.form, page)
    levels = bubble_levels(image, reg, template, surface)
    _refuse_clipped(page, levels.measured)
    thresholds = found.form.thresholds
    blank = blank_levels(levels, thresholds)
    bitonal = _bitonal(sparse)
    residue = (residue_erasures(image, reg, template, levels.level, levels.measured,
                                thresholds.erasure_from)
               if bitonal else np.zeros(template.count, bool))
    out = reg.scaled(scale)
    codes = _read_codes(image, found, paper)
    litho = codes.get("lithocode")
    status, reason, flags = _lithocode_status(found, litho)
    uneven = ("uneven",) if blank.erasure_at > UNEVEN_ERASURE_AT else ()
    return MarkRecord(
        name, frame, status, reason, found.form.id, page.number,
        litho.text if litho else None, size,
        RegistrationQuality(out.residual_px, reg.skew_deg, out.px_per_in, reg.rotated_180,
                            paper, reg.black, len(reg.marks_px)),
        _read_fields(found, levels, residue, blank.erasure_at, template,
                     out.boxes_px(template.boxes_in)),
        {n: CodeRead(c.text, c.decoder, _scale_box(c.box, scale)) for n, c in codes.items()},
        _area_boxes(found.form, page.number, out),
        out.box_px(*_xywh(page.lithocode.eye_readable)) if page.lithocode else None,
        bitonal + uneven + flags, ReadCode.LITHOCODE if status == "exception" else None, blank)


def _refuse_clipped(page: Page, measured: np.ndarray) -> None:
    """Raise ReadError (clipped) naming the fields with bubbles off the image:
    a record missing them must not pass as the whole page."""
    missing, start = [], 0
    for fld in page.fields:
        stop = start + len(fld.bubbles)
        if not measured[start:stop].all():
            keys = sorted({b.key for b, ok in zip(fld.bubbles, measured[start:stop],
                                                  strict=True) if not ok}, key=fld.keys.index)
            missing.append(f"{fld.name} ({_key_span(keys)})")
        start = stop
    if missing:
        raise ReadError(ReadCode.CLIPPED, "page clipped by the scan frame: fields off the "
                        f"image: {', '.join(missing)}")


def _key_span(keys: list[str]) -> str:
    """'key 5' or 'keys 5–9' (first and last of the keys off the image, in printed order)."""
    return f"key {keys[0]}" if len(keys) == 1 else f"keys {keys[0]}–{keys[-1]}"


def _read_fields(found: Identified, levels: Levels, residue: np.ndarray, erasure_at: float,
                 template: PageTemplate, boxes: np.ndarray) -> dict[str, dict[str, KeyRead]]:
    """Decide every key of every bubble field of the page; ``residue`` marks
    the bubbles holding erasure residue (bitonal pages); ``erasure_at`` is the
    page's erasure level (:func:`omr.levels.blank_levels`); ``boxes`` are the
    image boxes of ``template.boxes_in``."""
    page, thresholds = found.page, found.form.thresholds
    result, start = {}, 0
    for fld in page.fields:
        if not fld.bubbles:
            continue
        shape = (len(fld.keys), len(fld.options))
        span = slice(start, start + len(fld.bubbles))
        start = span.stop
        at = template.write_in_at[fld.name]
        result[fld.name] = _field_reads(fld, levels.level[span].reshape(shape),
                                        levels.measured[span].reshape(shape),
                                        residue[span].reshape(shape),
                                        boxes[span].reshape(*shape, 4),
                                        boxes[at:at + len(fld.write_in)], thresholds,
                                        erasure_at)
    return result


def _field_reads(fld: Field, level: np.ndarray, measured: np.ndarray, residue: np.ndarray,
                 boxes: np.ndarray, write_in: np.ndarray, thresholds, erasure_at: float
                 ) -> dict[str, KeyRead]:
    """KeyReads of one field from its (keys, options) levels, measured and
    residue masks, (keys, options, 4) bubble boxes and (columns, 4) write-in boxes."""
    options = fld.option_codes
    decisions = decide_field(options, level, measured, thresholds, fld.selection == "single",
                             residue, erasure_at)
    ends = boxes[..., :2] + boxes[..., 2:]
    low, high = boxes[..., :2].min(axis=1), ends.max(axis=1)
    key_boxes = np.column_stack([low, high - low]).tolist()
    ints, bubble_boxes = np.rint(level).astype(int).tolist(), boxes.tolist()
    writes = [tuple(b) for b in write_in.tolist()]
    return {key: KeyRead(d.value, dict(zip(options, ints[k], strict=True)), d.flags, d.erased,
                         d.changed, d.reason, tuple(key_boxes[k]),
                         {o: tuple(b) for o, b in zip(options, bubble_boxes[k], strict=True)},
                         writes[k] if k < len(writes) else None)
            for k, (key, d) in enumerate(zip(fld.keys, decisions, strict=True))}


def _area_boxes(form: Form, page_number: int, out: Registration) -> dict[str, tuple]:
    """Response and label areas on the page, by field, as image boxes."""
    boxes: dict[str, tuple] = {}
    for fld, area in form.areas_on(page_number):
        boxes[fld.name] = (*boxes.get(fld.name, ()), out.box_px(*_xywh(area.box)))
    return boxes


def _read_codes(image: np.ndarray, found: Identified, paper: float
                ) -> dict[str, barcodes.BarcodeRead]:
    """The page's lithocode, its printed barcodes, and any pre-ID label present."""
    page, reg = found.page, found.registration
    codes = {}
    if page.lithocode:
        codes["lithocode"] = barcodes.read_lithocode(image, reg, page.lithocode)
    for code in page.barcodes:
        codes[code.name] = barcodes.read_barcode(image, reg, code.name, code.box, code.symbology)
    for fld, area in found.form.areas_on(page.number):
        if fld.kind == "label" and _label_present(image, reg, area.box, paper):
            codes[fld.name] = barcodes.read_barcode(image, reg, fld.name, area.box,
                                                    barcodes.LABEL_SYMBOLOGY)
    return codes


def _label_present(image: np.ndarray, reg: Registration, box, paper: float) -> bool:
    crop, _ = barcodes.crop_box(image, reg, box, margin_in=-0.05)
    return crop.size > 0 and _ink_share(crop[::2, ::2], paper) > LABEL_INK_SHARE


def _lithocode_status(found: Identified, litho: barcodes.BarcodeRead | None
                      ) -> tuple[str, str, tuple[str, ...]]:
    """(status, reason, page flags) from the lithocode read."""
    if litho is None or litho.text is not None:
        return "ok", "", ()
    digits = found.page.lithocode.digits
    bad = [t for t in litho.rejected if len(t) == digits and t.isdigit()
           and not lithocode_valid(t, digits)]
    if bad:
        return "exception", f"lithocode fails its check digit: {bad[0]}", ("lithocode invalid",)
    return "ok", "", ("lithocode unread",)


def _bitonal(sparse: np.ndarray) -> tuple[str, ...]:
    """("bitonal",) for a black-and-white page (e.g. TIFF G4), judged on a
    sparse sample of its pixels: there, light marks read as dark ones and
    erasure residue is lighter than the threshold, so erasures are found only
    from the black pixels scan noise leaves of it (:mod:`omr.residue`);
    () for a gray page."""
    counts = np.bincount(sparse.ravel(), minlength=256)
    return () if counts[1:255].any() else ("bitonal",)


def _ink_share(pixels: np.ndarray, paper: float) -> float:
    """Share of pixels darker than half the paper level."""
    return float(np.count_nonzero(pixels < paper / 2)) / max(pixels.size, 1)


def _xywh(box) -> tuple[float, float, float, float]:
    return box.x_in, box.y_in, box.w_in, box.h_in


def _scale_box(box: tuple[int, ...], scale: float) -> tuple[int, int, int, int]:
    x, y, w, h = (int(round(v * scale)) for v in box)
    return x, y, w, h
