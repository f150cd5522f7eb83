"""Bubble levels: each bubble's darkness on the 0–15 scale.

A bubble is measured over an elliptical stencil filling its outline, leaving
out every stencil point where the blank form itself prints ink (the outline and
the option letter), as found once on a render of the blank page. The gray mean
of the remaining points is placed between the paper level where the bubble
lies (0; the page's paper surface, :func:`omr.sampling.paper_surface`) and
the darkness of a full pencil mark, itself a fixed share of paper − the page's
printed black (the registration marks): a light scan and a dark scan, a shaded
part of the page and a bright one, read alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from omr.record import BlankLevels
from omr.registration import Registration
from omr.sampling import PaperSurface, grid_stencil, sample
from sample_sheets.model import Form, MarkThresholds, Page
from sample_sheets.render import render_page

STEP_IN = 0.005
"""Stencil pitch, inches (1.5 px at 300 dpi): fine enough that a scribble's
strokes (0.02 in wide, 0.014 in apart) do not alias with the grid."""
STENCIL_FILL = 0.9
"""Stencil ellipse axes as a share of the bubble's printed width and height."""
FULL_MARK_DARKNESS = 0.62
"""Darkness of a full dark pencil mark (level 15) as a share of paper − printed black."""
TEMPLATE_DPI = 300
INK_CLEARANCE_IN = 0.008
"""Stencil points closer than this to the blank form's printed ink are left out."""
INK_POINTS = 3000
"""Points of the blank form's printed ink (and as many of the paper beside it)
sampled to confirm a registration (:func:`ink_contrast`)."""
INK_RING_IN = (0.015, 0.03)
"""The paper points lie this far from the printed ink, inches (inner, outer)."""
BLANK_Z = 5.0
"""A lighter-than-mark bubble is an erasure only when its level lies this many
of the page's blank-bubble spreads above their median (and at least at the
form's ``erasure_from``)."""

Renderer = Callable[[Form, int], np.ndarray]
"""Renders the blank page ``page_number`` of a form at TEMPLATE_DPI, uint8 gray."""


@dataclass(frozen=True)
class StencilGroup:
    """Bubbles of one printed size: their indices in ``Page.bubbles``, centres
    (n, 2) inches, stencil (k, 2) inches and weights (n, k) — 1.0 for stencil
    points over blank paper on the blank form, 0.0 over its printed ink."""

    index: np.ndarray
    centres_in: np.ndarray
    stencil_in: np.ndarray
    weights: np.ndarray

    @cached_property
    def prints(self) -> tuple[np.ndarray, np.ndarray]:
        """Bubbles printed alike (the same weights: size and letter): the
        distinct weight rows (c, k) and each bubble's row (n,)."""
        rows, which = np.unique(self.weights, axis=0, return_inverse=True)
        return rows, which.ravel()


@dataclass(frozen=True)
class PageTemplate:
    """Everything about a page's bubbles that does not depend on the scan:
    stencil groups, the bubble count, and ``boxes_in`` (n, 4), top-left corner
    and size in inches: the bubbles in ``Page.bubbles`` order, then the grid
    fields' write-in boxes, those of field f from row ``write_in_at[f]``.
    ``ink_in`` (INK_POINTS, 2) and ``paper_in`` (INK_POINTS, 2), inches: points
    of the blank form's printed ink (outlines, letters, rules) and of the paper
    just beside it, a fixed sample (:func:`ink_contrast`)."""

    groups: tuple[StencilGroup, ...]
    count: int
    boxes_in: np.ndarray
    write_in_at: dict[str, int]
    ink_in: np.ndarray
    paper_in: np.ndarray


def build_template(page: Page, blank: np.ndarray) -> PageTemplate:
    """Everything about a page's bubbles that does not depend on the scan.

    Parameters
    ----------
    page : Page
        The page definition.
    blank : (rows, cols) uint8 ndarray
        The blank page rendered at TEMPLATE_DPI (255 paper).

    Returns
    -------
    PageTemplate
        Stencils and ink-free weights for every bubble, the record's boxes
        (inches), and the printed-ink points that confirm a registration.
    """
    ink = _ink_mask(blank)
    arr = page.bubble_array
    groups = []
    for size in np.unique(arr[:, 2:4], axis=0) if len(arr) else ():
        index = np.flatnonzero((arr[:, 2] == size[0]) & (arr[:, 3] == size[1]))
        stencil = grid_stencil(size[0] * STENCIL_FILL, size[1] * STENCIL_FILL, STEP_IN,
                               ellipse=True)
        centres = arr[index, :2]
        pts = np.rint((centres[:, None, :] + stencil[None]) * TEMPLATE_DPI).astype(int)
        np.clip(pts[..., 0], 0, ink.shape[1] - 1, out=pts[..., 0])
        np.clip(pts[..., 1], 0, ink.shape[0] - 1, out=pts[..., 1])
        weights = 1.0 - ink[pts[..., 1], pts[..., 0]].astype(np.float32)
        groups.append(StencilGroup(index, centres, stencil, weights))
    boxes = [(x - w / 2, y - h / 2, w, h) for x, y, w, h in arr.tolist()]
    write_in_at = {}
    for fld in page.fields:
        write_in_at[fld.name] = len(boxes)
        boxes += [(b.x_in, b.y_in, b.w_in, b.h_in) for b in fld.write_in]
    ink_in, paper_in = _ink_and_paper_points(blank)
    return PageTemplate(tuple(groups), len(arr), np.array(boxes, dtype=float).reshape(-1, 4),
                        write_in_at, ink_in, paper_in)


def _ink_mask(blank: np.ndarray, grow_in: float = INK_CLEARANCE_IN) -> np.ndarray:
    """bool mask of printed ink on a blank render, grown by ``grow_in`` inches."""
    grow = max(int(round(grow_in * TEMPLATE_DPI)), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    return cv2.dilate((blank < 192).astype(np.uint8), kernel) > 0


def _ink_and_paper_points(blank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """INK_POINTS points (inches) of thin printed ink on ``blank`` (outlines,
    letters, rules: not solid areas, which a slightly wrong transform still
    hits) and as many of paper INK_RING_IN from ink, each drawn evenly from
    its set (fixed seed)."""
    ink = (blank < 192).astype(np.uint8)
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    ring = _ink_mask(blank, INK_RING_IN[1]) & ~_ink_mask(blank, INK_RING_IN[0])
    rng = np.random.default_rng(0)
    points = []
    for mask in ((ink > 0) & ~solid, ring):
        ys, xs = np.nonzero(mask)
        pick = rng.choice(len(xs), min(INK_POINTS, len(xs)), replace=False) if len(xs) else []
        points.append(np.column_stack([xs[pick], ys[pick]]).astype(float) / TEMPLATE_DPI)
    return points[0], points[1]


def render_blank(form: Form, page_number: int) -> np.ndarray:
    """The blank page ``page_number`` of ``form`` from the form renderer, at TEMPLATE_DPI."""
    return render_page(form, page_number, dpi=TEMPLATE_DPI)


class TemplateCache:
    """Page templates per (form id, page number), built on first use with
    ``renderer`` (default: the form renderer). A page definition equal to the
    cached one (forms loaded again) reuses its template; a changed definition
    gets a new one. Made once by the caller and passed to every read."""

    def __init__(self, renderer: Renderer = render_blank):
        self._renderer = renderer
        self._templates: dict[tuple[str, int], tuple[Page, PageTemplate]] = {}

    def get(self, form: Form, page: Page) -> PageTemplate:
        key = (form.id, page.number)
        cached = self._templates.get(key)
        if cached is None or (cached[0] is not page and cached[0] != page):
            cached = (page, build_template(page, self._renderer(form, page.number)))
        self._templates[key] = (page, cached[1])
        return cached[1]


@dataclass(frozen=True)
class Levels:
    """Per bubble of a page, in ``Page.bubbles`` order: ``level`` float (0–15,
    unrounded), ``raw`` the same before clipping to 0–15 (float, below 0 where
    a bubble is brighter than the paper around it) and ``measured`` (False
    where the bubble lies off the image)."""

    level: np.ndarray
    raw: np.ndarray
    measured: np.ndarray


def bubble_levels(image: np.ndarray, reg: Registration, template: PageTemplate,
                  paper: PaperSurface) -> Levels:
    """Levels of every bubble of a registered page, vectorised per size group.

    Parameters
    ----------
    image, reg
        The page and its registration, as for :func:`omr.sampling.sample`.
    template : PageTemplate
        The page's bubble stencils and ink-free weights.
    paper : PaperSurface
        The page's paper gray level where each bubble lies.

    Returns
    -------
    Levels
        ``level`` = 15 × (paper − g) / (FULL_MARK_DARKNESS × (paper − black)),
        with g the mean gray over the bubble's ink-free stencil points and
        paper taken at the bubble's centre.
    """
    raw = np.zeros(template.count)
    measured = np.ones(template.count, dtype=bool)
    for group in template.groups:
        values, inside = sample(image, reg, group.centres_in, group.stencil_in)
        weight = group.weights.sum(axis=1)
        mean = np.einsum("nk,nk->n", values.astype(np.float32), group.weights) / np.maximum(
            weight, 1.0)
        local = paper.at(reg.to_px(group.centres_in))
        ink_range = np.maximum(local - reg.black, 1.0) * FULL_MARK_DARKNESS
        raw[group.index] = (local - mean) / ink_range * 15.0
        measured[group.index] = inside & (weight > 0)
    return Levels(np.clip(raw, 0.0, 15.0), raw, measured)


def blank_levels(levels: Levels, thresholds: MarkThresholds) -> BlankLevels:
    """The page's blank-bubble levels and the erasure level they allow.

    Parameters
    ----------
    levels : Levels
        The page's bubble levels.
    thresholds : MarkThresholds
        The form's thresholds.

    Returns
    -------
    BlankLevels
        ``level`` and ``spread``: median and robust sigma (1.4826 × the median
        absolute deviation) of the unrounded levels of the measured bubbles
        lighter than ``count_from`` − 1 (blank paper and the few erasures among
        them); ``erasure_at``: ``erasure_from`` − 0.5, raised to ``level`` +
        BLANK_Z × ``spread`` where the blanks spread wider.
    """
    light = levels.raw[levels.measured & (levels.raw < thresholds.count_from - 1)]
    if len(light) < 10:
        return BlankLevels(0.0, 0.0, thresholds.erasure_from - 0.5)
    level = float(np.median(light))
    spread = 1.4826 * float(np.median(np.abs(light - level)))
    return BlankLevels(level, spread, max(thresholds.erasure_from - 0.5, level + BLANK_Z * spread))
