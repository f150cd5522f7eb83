"""Drawing primitives (:class:`~sample_sheets.drawing.Ink`) as vector PDF pages.

Same primitives and print order as the raster; PDF points are 1/72 in from the
bottom-left corner, so y is flipped. Barcode modules are exact vector widths.
The output is byte-for-byte deterministic (reportlab's invariant mode).
"""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from sample_sheets import style
from sample_sheets.drawing import CAP_CENTRE, Ink, print_order

PT = 72.0
FONT_NAMES = {False: "DejaVuSansCondensed", True: "DejaVuSansCondensed-Bold"}


@cache
def _register_fonts() -> None:
    for bold, name in FONT_NAMES.items():
        pdfmetrics.registerFont(TTFont(name, str(style.FONT_FILES[bold])))


def new_canvas(path: str, title: str) -> Canvas:
    _register_fonts()
    canvas = Canvas(path, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("ScanScore sample_sheets")
    return canvas


def draw_page(canvas: Canvas, inks: list[Ink], width_in: float, height_in: float) -> None:
    """Draw one page of ``inks`` and end the page."""
    canvas.setPageSize((width_in * PT, height_in * PT))
    for ink in print_order(inks):
        canvas.saveState()
        _DRAW[ink.kind](canvas, ink, height_in)
        canvas.restoreState()
    canvas.showPage()


def _gray(canvas: Canvas, ink: Ink) -> None:
    canvas.setFillGray(ink.gray / 255)
    canvas.setStrokeGray(ink.gray / 255)
    canvas.setLineWidth(ink.line_in * PT)


def _rect(canvas: Canvas, ink: Ink, height_in: float) -> None:
    _gray(canvas, ink)
    b = ink.box
    canvas.rect(b.x_in * PT, (height_in - b.bottom_in) * PT, b.w_in * PT, b.h_in * PT,
                stroke=0 if ink.fill else 1, fill=1 if ink.fill else 0)


def _ellipse(canvas: Canvas, ink: Ink, height_in: float) -> None:
    _gray(canvas, ink)
    b = ink.box
    canvas.ellipse(b.x_in * PT, (height_in - b.bottom_in) * PT, b.right_in * PT,
                   (height_in - b.y_in) * PT, stroke=0 if ink.fill else 1,
                   fill=1 if ink.fill else 0)


def _line(canvas: Canvas, ink: Ink, height_in: float) -> None:
    _gray(canvas, ink)
    b = ink.box
    canvas.line(b.x_in * PT, (height_in - b.y_in) * PT, b.right_in * PT,
                (height_in - b.bottom_in) * PT)


def _bars(canvas: Canvas, ink: Ink, height_in: float) -> None:
    _gray(canvas, ink)
    b, m = ink.box, ink.line_in
    x0 = b.x_in + b.w_in / 2 - len(ink.modules) * m / 2
    y, h = (height_in - b.bottom_in) * PT, b.h_in * PT
    run_start = None
    for i, bit in enumerate(ink.modules + "0"):
        if bit == "1" and run_start is None:
            run_start = i
        elif bit == "0" and run_start is not None:
            canvas.rect((x0 + run_start * m) * PT, y, (i - run_start) * m * PT, h,
                        stroke=0, fill=1)
            run_start = None


def _text(canvas: Canvas, ink: Ink, height_in: float) -> None:
    _gray(canvas, ink)
    canvas.setFont(FONT_NAMES[ink.bold], ink.size_pt)
    b = ink.box
    pitch = style.LINE_HEIGHT * ink.size_pt / PT
    draw = {"left": canvas.drawString, "center": canvas.drawCentredString,
            "right": canvas.drawRightString}[ink.align]
    x = {"left": b.x_in, "center": b.x_in + b.w_in / 2, "right": b.right_in}[ink.align]
    for k, line in enumerate(ink.text.split("\n")):
        baseline = b.y_in + (k + 0.5) * pitch + CAP_CENTRE * ink.size_pt / PT
        draw(x * PT, (height_in - baseline) * PT, line)


_DRAW = {"rect": _rect, "ellipse": _ellipse, "line": _line, "bars": _bars, "text": _text}
