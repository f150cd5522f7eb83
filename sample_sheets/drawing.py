"""What a page prints, as a list of primitives (:class:`Ink`) in inches.

One list feeds every output (raster, PDF) and the loader's checks (nothing
printed on the registration marks' corners, in the page-id strip's upside-down
place, in a barcode's quiet zone), so what is checked is what is printed.
Text is placed by its baseline: a line's centre plus :data:`CAP_CENTRE` of the
type size, so capitals sit centred on the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import zxingcpp

from sample_sheets import style
from sample_sheets.codes import encode_page_id
from sample_sheets.model import Area, Barcode, Box, Field, Form, Lithocode, Page, Printed

CAP_CENTRE = 0.36
"""Baseline below a text line's centre, in multiples of the type size (half the cap height)."""
DASH_IN, DASH_GAP_IN = 0.1, 0.06
_SYMBOLOGY = {"itf": zxingcpp.BarcodeFormat.ITF, "code128": zxingcpp.BarcodeFormat.Code128}


@dataclass(frozen=True)
class Ink:
    """One printed primitive. ``box`` in inches from the page's top-left.

    kinds: "rect" (outline of ``box``, or filled when ``fill``), "ellipse"
    (inscribed in ``box``), "line" (top-left to bottom-right corner of ``box``),
    "text" (lines of ``text`` in ``box``, aligned by ``align``), "bars"
    (``modules``: "1" bar, "0" space, each ``line_in`` wide, centred in ``box``).
    ``owner`` names what it belongs to: a field, "registration", "page_id",
    "lithocode", a barcode's name or "print[k]" (the page's k-th printed element).
    """

    kind: Literal["rect", "ellipse", "line", "text", "bars"]
    box: Box
    owner: str
    gray: int = style.INK
    fill: bool = False
    line_in: float = style.FRAME_LINE_IN
    text: str = ""
    size_pt: float = style.KEY_PT
    bold: bool = False
    align: Literal["left", "center", "right"] = "left"
    modules: str = ""


def print_order(inks: list[Ink]) -> list[Ink]:
    """Inks in the order they are laid down: fills and bars, then strokes, then text."""
    def rank(ink: Ink) -> int:
        return 2 if ink.kind == "text" else 0 if ink.fill or ink.kind == "bars" else 1
    return sorted(inks, key=rank)


def text_ink(text: str, x_in: float, y_mid_in: float, size_pt: float, owner: str, *,
             align: Literal["left", "center", "right"] = "left", bold: bool = False,
             gray: int = style.INK) -> Ink:
    """One line of text whose ``align`` edge (or centre) is at ``x_in`` and whose
    line centre is at ``y_mid_in``."""
    w = style.text_width_in(text, size_pt, bold)
    h = style.text_height_in(text, size_pt)
    x = {"left": x_in, "center": x_in - w / 2, "right": x_in - w}[align]
    return Ink("text", Box(x, y_mid_in - h / 2, w, h), owner, gray, text=text, size_pt=size_pt,
               bold=bold, align=align)


def union(boxes: list[Box]) -> Box:
    x0, y0 = min(b.x_in for b in boxes), min(b.y_in for b in boxes)
    x1, y1 = max(b.right_in for b in boxes), max(b.bottom_in for b in boxes)
    return Box(x0, y0, x1 - x0, y1 - y0)


def grow(box: Box, by_in: float) -> Box:
    return Box(box.x_in - by_in, box.y_in - by_in, box.w_in + 2 * by_in, box.h_in + 2 * by_in)


# -- fields -----------------------------------------------------------------------------


def field_drawing(field: Field) -> list[Ink]:
    """A bubble field: frame with its titled band, bubbles with their letters,
    key and option labels, write-in boxes."""
    contents = [*_bubbles(field), *_key_labels(field), *_option_labels(field),
                *(Ink("rect", b, field.name, line_in=style.THIN_LINE_IN) for b in field.write_in)]
    return [*frame_drawing(field.name, field.label, union([i.box for i in contents])), *contents]


def frame_drawing(owner: str, title: str, content: Box) -> list[Ink]:
    """The frame around ``content`` (padded) with a shaded title band on top."""
    pad = style.FRAME_PAD_IN
    title_w = style.text_width_in(title, style.TITLE_PT, bold=True) + 2 * pad if title else 0
    inner = grow(content, pad)
    if title_w > inner.w_in:
        inner = Box(inner.x_in - (title_w - inner.w_in) / 2, inner.y_in, title_w, inner.h_in)
    if not title:
        return [Ink("rect", inner, owner)]
    band = Box(inner.x_in, inner.y_in - style.BAND_H_IN, inner.w_in, style.BAND_H_IN)
    frame = Box(band.x_in, band.y_in, inner.w_in, inner.h_in + band.h_in)
    return [Ink("rect", band, owner, style.BAND_GRAY, fill=True), Ink("rect", frame, owner),
            text_ink(title, band.x_in + band.w_in / 2, band.y_in + band.h_in / 2, style.TITLE_PT,
                     owner, align="center", bold=True)]


def _bubbles(field: Field) -> list[Ink]:
    inks = [Ink("ellipse", b.box, field.name, style.OUTLINE_GRAY, line_in=style.BUBBLE_LINE_IN)
            for b in field.bubbles]
    if len(field.options) > 1:
        inks += [text_ink(b.option, b.x_in, b.y_in, style.letter_pt(b.h_in), field.name,
                          align="center", gray=style.LETTER_GRAY) for b in field.bubbles]
    return inks


def _key_labels(field: Field) -> list[Ink]:
    """Beside each key of a horizontal layout: right of the only bubble of a
    check-box list; else left of the first bubble, item numbers right-aligned
    and key labels (descriptions) left-aligned in a column."""
    if field.layout is None or field.layout.orientation != "horizontal":
        return []
    firsts = field.bubbles[::len(field.options)]
    if len(field.options) == 1:
        return [text_ink(t, b.x_in + b.w_in / 2 + style.LABEL_GAP_IN, b.y_in, style.KEY_PT,
                         field.name) for t, b in zip(field.key_labels or field.keys, firsts,
                                                     strict=True)]
    if not field.key_labels:
        return [text_ink(k, b.x_in - b.w_in / 2 - style.LABEL_GAP_IN, b.y_in, style.KEY_PT,
                         field.name, align="right", bold=field.kind == "choice")
                for k, b in zip(field.keys, firsts, strict=True)]
    widest = max(style.text_width_in(t, style.KEY_PT) for t in field.key_labels)
    return [text_ink(t, b.x_in - b.w_in / 2 - style.LABEL_GAP_IN - widest, b.y_in, style.KEY_PT,
                     field.name) for t, b in zip(field.key_labels, firsts, strict=True)]


def _option_labels(field: Field) -> list[Ink]:
    """Option descriptions right of the last key's bubbles, for vertical layouts."""
    if field.layout is None or field.layout.orientation != "vertical":
        return []
    last_key = field.bubbles[-len(field.options):]
    return [text_ink(o.label, b.x_in + b.w_in / 2 + style.LABEL_GAP_IN, b.y_in, style.KEY_PT,
                     field.name) for o, b in zip(field.options, last_key, strict=True) if o.label]


# -- areas --------------------------------------------------------------------------------


def area_drawing(field: Field, area: Area) -> list[Ink]:
    """A response area (frame, titled band, writing lines) or a label area
    (dashed outline, the label's hint in light ink)."""
    return _label_area(field, area) if field.kind == "label" else _response_area(field, area)


def _response_area(field: Field, area: Area) -> list[Ink]:
    box = area.box
    title = field.label if area is field.areas[0] else f"{field.label} (continued)"
    band = Box(box.x_in, box.y_in - style.BAND_H_IN, box.w_in, style.BAND_H_IN)
    inks = [Ink("rect", band, field.name, style.BAND_GRAY, fill=True),
            Ink("rect", union([band, box]), field.name),
            text_ink(title, band.x_in + band.w_in / 2, band.y_in + band.h_in / 2, style.TITLE_PT,
                     field.name, align="center", bold=True)]
    pitch = box.h_in / (area.lines + 1) if area.lines else 0
    inks += [Ink("line", Box(box.x_in + 0.12, box.y_in + pitch * (i + 1), box.w_in - 0.24, 0),
                 field.name, style.RULE_GRAY, line_in=style.THIN_LINE_IN)
             for i in range(area.lines)]
    return inks


def _label_area(field: Field, area: Area) -> list[Ink]:
    box = area.box
    hint = text_ink(field.label, box.x_in + box.w_in / 2, box.y_in + box.h_in / 2, 9.0,
                    field.name, align="center", bold=True, gray=style.RULE_GRAY)
    return [*dashed_outline(box, field.name), hint]


def dashed_outline(box: Box, owner: str) -> list[Ink]:
    """A rectangle's outline in dashes."""
    inks = []
    for x0, y0, length, horizontal in ((box.x_in, box.y_in, box.w_in, True),
                                       (box.x_in, box.bottom_in, box.w_in, True),
                                       (box.x_in, box.y_in, box.h_in, False),
                                       (box.right_in, box.y_in, box.h_in, False)):
        at = 0.0
        while at < length:
            d = min(DASH_IN, length - at)
            seg = Box(x0 + at, y0, d, 0) if horizontal else Box(x0, y0 + at, 0, d)
            inks.append(Ink("line", seg, owner, line_in=style.THIN_LINE_IN))
            at += DASH_IN + DASH_GAP_IN
    return inks


# -- page furniture -------------------------------------------------------------------------


def printed_ink(p: Printed, index: int) -> Ink:
    """The page's ``index``-th printed element (owner "print[index]")."""
    kind = {"text": "text", "box": "rect", "band": "rect", "line": "line"}[p.kind]
    return Ink(kind, p.box, f"print[{index}]", p.gray, fill=p.kind == "band", line_in=p.line_in,
               text=p.text, size_pt=p.size_pt, bold=p.bold, align=p.align)


def machine_drawing(form_code: int, page: Page) -> list[Ink]:
    """Registration marks and the page-id strip's black cells."""
    inks = [Ink("rect", Box(m.x_in - m.size_in / 2, m.y_in - m.size_in / 2, m.size_in, m.size_in),
                "registration", fill=True) for m in page.registration]
    bits = encode_page_id(form_code, page.number)
    inks += [Ink("rect", cell, "page_id", fill=True)
             for cell, bit in zip(page.page_id.boxes(), bits, strict=True) if bit]
    return inks


def page_drawing(form: Form, page: Page) -> list[Ink]:
    """Everything a blank page prints, except its lithocode and barcodes."""
    inks = [printed_ink(p, k) for k, p in enumerate(page.printed)]
    for f in page.fields:
        if f.bubbles:
            inks += field_drawing(f)
    for f, area in form.areas_on(page.number):
        inks += area_drawing(f, area)
    return [*inks, *machine_drawing(form.form_code, page)]


# -- barcodes -------------------------------------------------------------------------------


def barcode_modules(text: str, symbology: str) -> str:
    """The symbol's modules, "1" for bar and "0" for space, without quiet zones."""
    code = zxingcpp.create_barcode(text, _SYMBOLOGY[symbology])
    row = np.asarray(code.to_image(scale=1, add_quiet_zones=False))[0]
    return "".join(np.where(row < 128, "1", "0"))


def bars_ink(text: str, symbology: str, box: Box, module_in: float, owner: str) -> Ink:
    return Ink("bars", box, owner, line_in=module_in, text=text,
               modules=barcode_modules(text, symbology))


def lithocode_drawing(litho: Lithocode, code: str) -> list[Ink]:
    """The lithocode's bars and its eye-readable digits (spaced, centred below)."""
    eye = litho.eye_readable
    size = round(eye.h_in * 72 / style.LINE_HEIGHT, 2)
    return [bars_ink(code, litho.symbology, litho.box, litho.module_in, "lithocode"),
            text_ink(" ".join(code), eye.x_in + eye.w_in / 2, eye.y_in + eye.h_in / 2, size,
                     "lithocode", align="center")]


def barcode_drawing(barcode: Barcode, text: str) -> list[Ink]:
    return [bars_ink(text, barcode.symbology, barcode.box, barcode.module_in, barcode.name)]
