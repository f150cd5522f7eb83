"""Drawing primitives (:class:`~sample_sheets.drawing.Ink`) onto a gray raster.

Image pixel (column i, row j) covers inches [i, i+1) / dpi × [j, j+1) / dpi, so a
point at x inches is at pixel coordinate x·dpi − 0.5 (pixel centres are whole
numbers). Filled rectangles and rules snap to whole pixels (crisp edges, exact
sizes); ellipses are antialiased at 1/16 px precision; text is FreeType with
the shipped DejaVu fonts. The result is deterministic for the same input.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sample_sheets import style
from sample_sheets.drawing import CAP_CENTRE, Ink, print_order

_SHIFT = 4
_ONE = 1 << _SHIFT


def new_page(width_in: float, height_in: float, dpi: int) -> np.ndarray:
    """Blank paper, uint8 (rows, columns), 255 everywhere."""
    return np.full((round(height_in * dpi), round(width_in * dpi)), 255, np.uint8)


def draw(image: np.ndarray, inks: list[Ink], dpi: int) -> np.ndarray:
    """Draw ``inks`` on ``image`` (in place) in print order: fills, strokes, text."""
    ordered = print_order(inks)
    for ink in ordered:
        if ink.kind != "text":
            _SHAPES[ink.kind](image, ink, dpi)
    texts = [i for i in ordered if i.kind == "text"]
    if texts:
        pil = Image.fromarray(image)
        canvas = ImageDraw.Draw(pil)
        for ink in texts:
            _text(canvas, ink, dpi)
        image[:] = np.asarray(pil)
    return image


def _px(v: float, dpi: int) -> int:
    return round(v * dpi)


def _fill(image: np.ndarray, x0: float, y0: float, x1: float, y1: float, gray: int,
          dpi: int) -> None:
    """Fill the pixels covered by the inch rectangle (x0, y0)–(x1, y1), at least one wide."""
    c0, r0 = _px(x0, dpi), _px(y0, dpi)
    c1, r1 = max(_px(x1, dpi), c0 + 1), max(_px(y1, dpi), r0 + 1)
    image[max(r0, 0):max(r1, 0), max(c0, 0):max(c1, 0)] = gray


def _rule(image: np.ndarray, x0: float, y0: float, x1: float, y1: float, line_in: float,
          gray: int, dpi: int) -> None:
    """A horizontal (y0 == y1) or vertical rule from (x0, y0) to (x1, y1), inches,
    the same whole number of pixels thick wherever it falls, centred on its line."""
    t = max(round(line_in * dpi), 1)
    if y0 == y1:
        r = round(y0 * dpi - t / 2)
        c0, c1 = round(x0 * dpi - t / 2), round(x1 * dpi - t / 2) + t
        image[max(r, 0):max(r + t, 0), max(c0, 0):max(c1, 0)] = gray
    else:
        c = round(x0 * dpi - t / 2)
        r0, r1 = round(y0 * dpi - t / 2), round(y1 * dpi - t / 2) + t
        image[max(r0, 0):max(r1, 0), max(c, 0):max(c + t, 0)] = gray


def _rect(image: np.ndarray, ink: Ink, dpi: int) -> None:
    b = ink.box
    if ink.fill:
        _fill(image, b.x_in, b.y_in, b.right_in, b.bottom_in, ink.gray, dpi)
        return
    for x0, y0, x1, y1 in ((b.x_in, b.y_in, b.right_in, b.y_in),
                           (b.x_in, b.bottom_in, b.right_in, b.bottom_in),
                           (b.x_in, b.y_in, b.x_in, b.bottom_in),
                           (b.right_in, b.y_in, b.right_in, b.bottom_in)):
        _rule(image, x0, y0, x1, y1, ink.line_in, ink.gray, dpi)


def _line(image: np.ndarray, ink: Ink, dpi: int) -> None:
    b = ink.box
    _rule(image, b.x_in, b.y_in, b.right_in, b.bottom_in, ink.line_in, ink.gray, dpi)


def _ellipse(image: np.ndarray, ink: Ink, dpi: int) -> None:
    b = ink.box
    centre = (round(((b.x_in + b.w_in / 2) * dpi - 0.5) * _ONE),
              round(((b.y_in + b.h_in / 2) * dpi - 0.5) * _ONE))
    axes = (round(b.w_in / 2 * dpi * _ONE), round(b.h_in / 2 * dpi * _ONE))
    thickness = -1 if ink.fill else max(round(ink.line_in * dpi), 1)
    cv2.ellipse(image, centre, axes, 0, 0, 360, int(ink.gray), thickness, cv2.LINE_AA, _SHIFT)


def _bars(image: np.ndarray, ink: Ink, dpi: int) -> None:
    """Barcode modules of a whole number of pixels each, centred in the box."""
    module = max(round(ink.line_in * dpi), 1)
    bits = np.frombuffer(ink.modules.encode(), np.uint8) == ord("1")
    row = np.repeat(np.where(bits, ink.gray, 255).astype(np.uint8), module)
    b = ink.box
    c0 = round((b.x_in + b.w_in / 2) * dpi - len(row) / 2)
    r0, r1 = _px(b.y_in, dpi), _px(b.bottom_in, dpi)
    region = image[r0:r1, c0:c0 + len(row)]
    np.minimum(region, row[None, :region.shape[1]], out=region)


_SHAPES = {"rect": _rect, "line": _line, "ellipse": _ellipse, "bars": _bars}


@lru_cache(maxsize=64)
def _font(bold: bool, size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(style.FONT_FILES[bold]), size_px)


def _text(canvas: ImageDraw.ImageDraw, ink: Ink, dpi: int) -> None:
    """Each line on its baseline (line centre + CAP_CENTRE of the size), aligned in the box."""
    size_px = ink.size_pt / 72 * dpi
    font = _font(ink.bold, round(size_px * 4) / 4)
    pitch = style.LINE_HEIGHT * ink.size_pt / 72
    b = ink.box
    x = {"left": b.x_in, "center": b.x_in + b.w_in / 2, "right": b.right_in}[ink.align]
    anchor = {"left": "ls", "center": "ms", "right": "rs"}[ink.align]
    for k, line in enumerate(ink.text.split("\n")):
        baseline = b.y_in + (k + 0.5) * pitch + CAP_CENTRE * ink.size_pt / 72
        canvas.text((x * dpi - 0.5, baseline * dpi - 0.5), line, fill=int(ink.gray), font=font,
                    anchor=anchor)
