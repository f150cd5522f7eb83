"""Which form and page an image is: register each candidate page geometry in
both orientations and read the page-id strip (see :mod:`sample_sheets.codes`).

The strip decodes only in the right orientation (upside down it lies over the
clear paper at the bottom edge), so the orientation whose strip decodes to a
known (form, page) is the page's orientation. A registration from two marks
(no redundancy to check it by) is kept only when the printed form's own ink
lies where it puts it (:func:`ink_contrast`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omr.errors import ReadCode, ReadError
from omr.levels import PageTemplate, TemplateCache
from omr.registration import MarkFinder, Registration, register
from omr.sampling import PaperSurface, grid_stencil, sample
from sample_sheets.codes import decode_page_id
from sample_sheets.model import Form, Page, PageIdStrip

CELL_CLEAR = 0.25
"""A page-id cell reads as 0 below this darkness and as 1 above 1 − CELL_CLEAR
(darkness: 0 paper, 1 the registration marks' black); between is unreadable."""
INK_REGIONS = 3
"""The page is judged in INK_REGIONS × INK_REGIONS parts (:func:`ink_contrast`)."""
INK_REGION_POINTS = 40
"""A part of the page counts when it holds at least this many ink and paper points."""
MIN_INK_CONTRAST = 0.19
"""A two-mark registration is confirmed when the blank form's printed ink, where
it puts it, is darker than the paper beside it by at least this share of
paper − black (set on development decks, seeds 9000–9003 of the worst level:
right transforms 0.23 or more, transforms 1 % or 0.66 % off in scale 0.16 or
less; docs/omr.md, "Registration")."""


@dataclass(frozen=True)
class Identified:
    """A registered page of a known form."""

    form: Form
    page: Page
    registration: Registration


def strip_darkness(image: np.ndarray, reg: Registration, strip: PageIdStrip,
                   paper: float) -> np.ndarray:
    """Darkness of each page-id cell, measured over the middle half of the cell.

    Parameters
    ----------
    image : (rows, cols) uint8 ndarray
        The page, gray.
    reg : Registration
        Form inches → image pixels.
    strip : PageIdStrip
        The strip's geometry.
    paper : float
        The paper gray level (0–255) at the strip.

    Returns
    -------
    (cells,) float ndarray
        0 paper … 1 printed black; 0.5 for every cell when the strip is not
        wholly on the image.
    """
    centres = np.array(strip.centres())
    stencil = grid_stencil(strip.cell_w_in / 2, strip.cell_h_in / 2, 0.01, ellipse=False)
    values, inside = sample(image, reg, centres, stencil)
    if not inside.all():
        return np.full(len(centres), 0.5)
    return (paper - values.mean(axis=1)) / max(paper - reg.black, 1.0)


def read_strip(image: np.ndarray, reg: Registration, strip: PageIdStrip,
               paper: float) -> tuple[int, int] | None:
    """The page id the strip carries.

    Parameters
    ----------
    image, reg, strip, paper
        As for :func:`strip_darkness`.

    Returns
    -------
    (int, int) or None
        (form code, page number); None when any cell is unclear (darkness
        between CELL_CLEAR and 1 − CELL_CLEAR) or the bits are not a valid id.
    """
    dark = strip_darkness(image, reg, strip, paper)
    if np.any((dark > CELL_CLEAR) & (dark < 1 - CELL_CLEAR)):
        return None
    return decode_page_id(tuple(int(d > 0.5) for d in dark))


def identify(image: np.ndarray, forms: dict[str, Form], paper: PaperSurface,
             templates: TemplateCache) -> Identified:
    """Register the image and find which page of ``forms`` it is.

    Each distinct page geometry of ``forms`` is registered in both
    orientations until the page-id strip names one of their pages; a
    registration from two marks must also be confirmed by the page's printed
    ink (:func:`ink_contrast` at least MIN_INK_CONTRAST).

    Parameters
    ----------
    image, forms
        The page and the known forms, as for :func:`omr.read.read_page`.
    paper : PaperSurface
        The page's paper gray level.
    templates : TemplateCache
        Blank-page templates (their printed ink confirms a two-mark registration).

    Returns
    -------
    Identified

    Raises
    ------
    ReadError
        With the most telling reason: marks not found, residual, a two-mark
        registration the ink does not confirm, or "page of no known form" when
        marks are found but no strip decodes to a page of ``forms``.
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
            code = read_strip(image, reg, page.page_id, paper.at(reg.to_px(np.array(
                [page.page_id.centres()[0]])))[0])
            if code not in pages:
                failures.append(ReadError(ReadCode.UNKNOWN_FORM, "page of no known form"))
                continue
            found = Identified(*pages[code], reg)
            if len(reg.marks_px) > 2:
                return found
            contrast = ink_contrast(image, reg, templates.get(found.form, found.page), paper)
            if contrast >= MIN_INK_CONTRAST:
                return found
            failures.append(ReadError(
                ReadCode.REGISTRATION_UNCONFIRMED,
                f"registration from 2 marks not confirmed by the printed form "
                f"(ink contrast {contrast:.2f}, at least {MIN_INK_CONTRAST} needed)"))
    raise _most_telling(failures)


def ink_contrast(image: np.ndarray, reg: Registration, template: PageTemplate,
                 paper: PaperSurface) -> float:
    """How well the blank form's printed ink lies where ``reg`` puts it.

    A wrong similarity from two marks is right near the marks and wrong away
    from them, so the page is judged in INK_REGIONS × INK_REGIONS parts and
    the median part counts (a label or handwriting may hide the print of a part
    or two).

    Parameters
    ----------
    image : (rows, cols) uint8 ndarray
        The page, gray.
    reg : Registration
        The transform to check, form inches → image pixels.
    template : PageTemplate
        Its ``ink_in`` and ``paper_in`` points (thin printed ink, and the
        paper just beside it, on the blank form).
    paper : PaperSurface
        The page's paper gray level.

    Returns
    -------
    float
        The median, over the parts of the page holding at least INK_REGION_POINTS
        ink and paper points on the image, of the mean darkness (0 paper … 1
        printed black) at the ink points minus that at the paper points: 0.2 or more
        when the transform is right (blur spreads the thin outlines), near 0
        where it misses them by more than a line's width; 0 when no part qualifies.
    """
    size = np.maximum(template.ink_in.max(axis=0, initial=1.0),
                      template.paper_in.max(axis=0, initial=1.0))
    darkness, parts = [], []
    for points_in in (template.ink_in, template.paper_in):
        xy = np.rint(reg.to_px(points_in)).astype(np.int64)
        on = (xy >= 0).all(axis=1) & (xy[:, 0] < image.shape[1]) & (xy[:, 1] < image.shape[0])
        xy, part = xy[on], _part(points_in[on], size)
        local = paper.at(xy)
        gray = image[xy[:, 1], xy[:, 0]].astype(float)
        darkness.append((local - gray) / np.maximum(local - reg.black, 1.0))
        parts.append(part)
    contrasts = []
    for part in range(INK_REGIONS * INK_REGIONS):
        ink, clear = darkness[0][parts[0] == part], darkness[1][parts[1] == part]
        if min(len(ink), len(clear)) >= INK_REGION_POINTS:
            contrasts.append(float(ink.mean() - clear.mean()))
    return float(np.median(contrasts)) if contrasts else 0.0


def _part(points_in: np.ndarray, extent_in: np.ndarray) -> np.ndarray:
    """Which of the INK_REGIONS² parts of the page (row-major) each point lies in."""
    cell = np.clip((points_in / (extent_in + 1e-9) * INK_REGIONS).astype(int), 0,
                   INK_REGIONS - 1)
    return cell[:, 1] * INK_REGIONS + cell[:, 0]


_FURTHEST = (ReadCode.REGISTRATION_UNCONFIRMED, ReadCode.UNKNOWN_FORM, ReadCode.RESOLUTION,
             ReadCode.REGISTRATION_FIT, ReadCode.MARKS_NOT_FOUND)
"""Registration outcomes, from the attempt that got furthest to the one that got least."""


def _most_telling(failures: list[ReadError]) -> ReadError:
    """The error of the attempt that got furthest: by code (:data:`_FURTHEST`), then by
    reason, which among "marks not found (n of 4)" puts the most marks found first."""
    if not failures:
        return ReadError(ReadCode.MARKS_NOT_FOUND, "no page geometry to register against")
    return min(failures, key=lambda e: (_FURTHEST.index(e.code), _descending(e.reason)))


def _descending(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)
