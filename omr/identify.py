"""Which form and page an image is: register each candidate page geometry in
both orientations and read the page-id strip (see :mod:`sample_sheets.codes`).

The strip decodes only in the right orientation (upside down it lies over the
clear paper at the bottom edge), so the orientation whose strip decodes to a
known (form, page) is the page's orientation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omr.errors import ReadCode, ReadError
from omr.registration import MarkFinder, Registration, register
from omr.sampling import grid_stencil, sample
from sample_sheets.codes import decode_page_id
from sample_sheets.model import Form, Page, PageIdStrip

CELL_CLEAR = 0.25
"""A page-id cell reads as 0 below this darkness and as 1 above 1 − CELL_CLEAR
(darkness: 0 paper, 1 the registration marks' black); between is unreadable."""


@dataclass(frozen=True)
class Identified:
    """A registered page of a known form."""

    form: Form
    page: Page
    registration: Registration


def strip_darkness(image: np.ndarray, reg: Registration, strip: PageIdStrip,
                   paper: float) -> np.ndarray:
    """Darkness (0 paper … 1 printed black) of each page-id cell, shape (cells,),
    measured over the middle half of each cell."""
    centres = np.array(strip.centres())
    stencil = grid_stencil(strip.cell_w_in / 2, strip.cell_h_in / 2, 0.01, ellipse=False)
    values, inside = sample(image, reg, centres, stencil)
    if not inside.all():
        return np.full(len(centres), 0.5)
    return (paper - values.mean(axis=1)) / max(paper - reg.black, 1.0)


def read_strip(image: np.ndarray, reg: Registration, strip: PageIdStrip,
               paper: float) -> tuple[int, int] | None:
    """(form code, page number) from the strip, or None when any cell is
    unclear or the bits are not a valid id."""
    dark = strip_darkness(image, reg, strip, paper)
    if np.any((dark > CELL_CLEAR) & (dark < 1 - CELL_CLEAR)):
        return None
    return decode_page_id(tuple(int(d > 0.5) for d in dark))


def identify(image: np.ndarray, forms: dict[str, Form], paper: float) -> Identified:
    """Register the image against each distinct page geometry of ``forms`` in
    both orientations until its page-id strip names one of their pages.

    Raises ReadError with the most telling reason: marks not found, residual,
    or "page of no known form" when marks are found but no strip decodes to a
    page of ``forms``.
    """
    pages = {(f.form_code, p.number): (f, p) for f in forms.values() for p in f.pages}
    finder = MarkFinder(image)
    failures: list[ReadError] = []
    tried: set[tuple] = set()
    for _form, page in pages.values():
        geometry = (page.width_in, page.height_in, page.registration, page.page_id)
        if geometry in tried:
            continue
        tried.add(geometry)
        for rotated in (False, True):
            try:
                reg = register(finder, page, rotated)
            except ReadError as exc:
                failures.append(exc)
                continue
            code = read_strip(image, reg, page.page_id, paper)
            if code in pages:
                return Identified(*pages[code], reg)
            failures.append(ReadError(ReadCode.UNKNOWN_FORM, "page of no known form"))
    raise _most_telling(failures)


_FURTHEST = (ReadCode.UNKNOWN_FORM, ReadCode.RESOLUTION, ReadCode.REGISTRATION_FIT,
             ReadCode.MARKS_NOT_FOUND)
"""Registration outcomes, from the attempt that got furthest to the one that got least."""


def _most_telling(failures: list[ReadError]) -> ReadError:
    """The error of the attempt that got furthest: by code (:data:`_FURTHEST`), then by
    reason, which among "marks not found (n of 4)" puts the most marks found first."""
    if not failures:
        return ReadError(ReadCode.MARKS_NOT_FOUND, "no page geometry to register against")
    return min(failures, key=lambda e: (_FURTHEST.index(e.code), _descending(e.reason)))


def _descending(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)
