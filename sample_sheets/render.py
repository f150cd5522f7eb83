"""Printing forms: a page as a gray raster (any dpi), or every page as a vector PDF.

The static part of a page (everything but the lithocode and barcodes) is drawn
once per (form, page, dpi) and kept; each copy adds only its own numbers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from sample_sheets import pdf, raster
from sample_sheets.codes import lithocode_for, lithocode_valid
from sample_sheets.drawing import Ink, barcode_drawing, lithocode_drawing, page_drawing
from sample_sheets.model import Form, Page

CACHE_PAGES = 24
"""Static page rasters kept (a 300 dpi letter page is 8.4 MB)."""
_static: OrderedDict[tuple[int, int, int], tuple[Form, np.ndarray]] = OrderedDict()


def render_page(form: Form, page: int, dpi: int = 300, lithocode: str | None = None,
                barcodes: Mapping[str, str] | None = None) -> np.ndarray:
    """Page ``page`` of ``form`` as printed: uint8 (rows, columns), 255 paper.

    ``lithocode``: the full printed number (check digit included) to print in
    the page's lithocode place; None prints the page without one. ``barcodes``:
    text to print in the page's barcode places, by barcode name (e.g. a header
    sheet's ``batch_code``); places not given stay blank.
    """
    p = form.page(page)
    image = _static_page(form, p, dpi).copy()
    return raster.draw(image, copy_inks(p, lithocode, barcodes), dpi)


def render_pdf(form: Form, path: str | Path, lithocode: int | None = None, copies: int = 1,
               barcodes: Mapping[str, str] | None = None) -> list[str | None]:
    """Write ``copies`` printed copies of every page of ``form`` to one vector PDF.

    ``lithocode`` is the first copy's serial (without check digit); copy k
    prints serial + k, with its check digit, on every page. Returns the
    lithocode printed on each copy (None when not printed).
    """
    codes = lithocodes(form, lithocode, copies)
    canvas = pdf.new_canvas(str(path), form.title)
    for code in codes:
        for p in form.pages:
            pdf.draw_page(canvas, page_drawing(form, p) + copy_inks(p, code, barcodes),
                          p.width_in, p.height_in)
    canvas.save()
    return codes


def lithocodes(form: Form, first_serial: int | None, copies: int) -> list[str | None]:
    """The lithocode of each of ``copies`` copies: serials from ``first_serial``
    with their check digits, or None for every copy when there is no serial or
    the form prints no lithocode."""
    litho = next((p.lithocode for p in form.pages if p.lithocode), None)
    if first_serial is None or litho is None:
        return [None] * copies
    return [lithocode_for(first_serial + k, litho.digits) for k in range(copies)]


def copy_inks(page: Page, lithocode: str | None, barcodes: Mapping[str, str] | None
              ) -> list[Ink]:
    """What one printed copy of ``page`` adds to the blank: its lithocode and barcodes."""
    inks: list[Ink] = []
    if lithocode is not None and page.lithocode is not None:
        litho = page.lithocode
        if not lithocode_valid(lithocode, litho.digits):
            raise ValueError(f"lithocode {lithocode!r} is not {litho.digits} digits with a "
                             f"valid check digit (use codes.lithocode_for(serial))")
        inks += lithocode_drawing(litho, lithocode)
    by_name = {b.name: b for b in page.barcodes}
    for name, text in (barcodes or {}).items():
        if name not in by_name:
            raise ValueError(f"page {page.number} has no barcode {name!r}: it has "
                             f"{sorted(by_name) or 'none'}")
        inks += barcode_drawing(by_name[name], text)
    return inks


def _static_page(form: Form, page: Page, dpi: int) -> np.ndarray:
    key = (id(form), page.number, dpi)
    if key in _static:
        _static.move_to_end(key)
        return _static[key][1]
    image = raster.draw(raster.new_page(page.width_in, page.height_in, dpi),
                        page_drawing(form, page), dpi)
    image.flags.writeable = False
    _static[key] = (form, image)
    if len(_static) > CACHE_PAGES:
        _static.popitem(last=False)
    return image
