"""Erasure residue on bitonal pages: bubbles that read blank but were erased.

A bitonal scan (TIFF G4) keeps a pixel black when it is darker than a
threshold set light for pencil, about 22 % of paper − black below paper.
Erasure residue is lighter than that, so an erased bubble's level reads 0–1.
But the threshold comes after the scanner's sensor noise: where the residue
lies just under the threshold, noise pushes some of its pixels across, and an
erased bubble keeps a scatter of small **specks** of black pixels over its
paper. Blank paper, many noise sigmas from the threshold, keeps almost none.
The other black pixels a blank bubble can hold are set aside:

- the edge of the print: a pixel touching a black pixel of the printed letter
  or outline is its ragged edge (residue right against the print goes with it);
- the halo of the printed outline lies at the same offsets from the centre in
  every bubble of a size (blur and registration put it there): learnt from
  the page's other blank bubbles;
- a streak of dirt on the scanner glass runs down one image column through
  every bubble under it: learnt from the page's other blank bubbles;
- a dust blob is one speck, however many pixels it has.

The specks left are counted per bubble; a count that the page's blank bubbles
would reach by chance less often than FALSE_ALARM (Poisson at their mean
count: normalised per page, as levels are) is residue. Thresholds and the
measurements behind them: docs/omr.md, "Erasures on bitonal pages".
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from omr.levels import STEP_IN, PageTemplate, StencilGroup
from omr.registration import Registration

HALO_SHARE = 0.02
"""A stencil point (an offset from the centre, the same in every bubble of a
size) that is black in this share of the page's other blank bubbles of the
size lies in the halo of the print."""
STREAK_PIXELS = 10
"""An image column (± 1 px) holding this many black pixels of the page's other
blank bubbles is a streak."""
RESIDUE_MIN = 3
"""Fewest specks read as residue (one or two may be dust)."""
FALSE_ALARM = 1e-5
"""Largest chance, were the page's blank bubbles' speck counts Poisson, that
a blank bubble reaches the count read as residue."""
BLACK = 128
"""Pixels below this gray level are black (a bitonal page holds 0 and 255)."""
OFF, PAPER, INK = 0, 1, 2
"""What the blank form has under an image pixel near a bubble: off the
stencil, paper, or its printed ink (grown by INK_CLEARANCE_IN)."""


def residue_erasures(image: np.ndarray, reg: Registration, template: PageTemplate,
                     level: np.ndarray, measured: np.ndarray, erasure_from: int) -> np.ndarray:
    """The bubbles of a bitonal page that read blank yet hold erasure residue.

    Parameters
    ----------
    image : (rows, cols) uint8 ndarray
        The bitonal page (0 and 255).
    reg : Registration
        Form inches → image pixels.
    template : PageTemplate
        The page's bubble stencils and the blank form's ink.
    level : (n,) float ndarray
        Unrounded levels (0–15), ``Page.bubbles`` order.
    measured : (n,) bool ndarray
        False where a bubble lies off the image.
    erasure_from : int
        The form's erasure threshold: only bubbles whose rounded level is
        below it are examined.

    Returns
    -------
    (n,) bool ndarray
        True where a bubble holds more specks than the page's own noise and
        dust explain (docs/omr.md, "Erasures on bitonal pages").
    """
    blank = (np.rint(level) < erasure_from) & measured
    found = [_black_pixels(image, reg, g, np.flatnonzero(blank[g.index])) for g in template.groups]
    if not any(len(pixels[0]) for pixels in found):
        return np.zeros(template.count, bool)
    bubble, x, y, aside = (np.concatenate(parts) for parts in zip(*found, strict=True))
    telling = _speck_starts(x, y) & ~aside & ~_streak(bubble, x)
    count = np.bincount(bubble[telling], minlength=template.count)
    return blank & (count >= _unlikely_count(float(count[blank].mean())))


def _black_pixels(image: np.ndarray, reg: Registration, group: StencilGroup, rows: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The black pixels under the stencils of bubbles ``rows`` of ``group``
    (the page's blank bubbles of one size) where the blank form is paper:
    their bubble (index in ``Page.bubbles``), image x and y, and whether each
    is set aside as the halo or the edge of the print."""
    box, corner = _pixel_box(group, reg)
    height, width = box.shape
    corners = np.rint(reg.to_px(group.centres_in[rows])).astype(np.int64) + corner
    whole = ((corners >= 0) & (corners + (width, height) <= image.shape[::-1])).all(axis=1)
    rows, corners = rows[whole], corners[whole]
    windows = sliding_window_view(image, box.shape)[corners[:, 1], corners[:, 0]]
    prints, which = group.prints
    kind = np.take(np.column_stack([np.where(prints > 0, PAPER, INK), np.full(len(prints), OFF)]
                                   ).astype(np.uint8), box, axis=1)  # (prints, rows, cols)
    below = np.where(kind == PAPER, BLACK, 0).astype(np.uint8)
    b, cell = np.divmod(np.flatnonzero(windows < below[which[rows]]), box.size)
    point, (cy, cx) = box.ravel()[cell], np.divmod(cell, width)
    hits = np.bincount(point, minlength=len(group.stencil_in))
    halo = hits[point] - 1 >= HALO_SHARE * max(len(rows) - 1, 1)
    edge = _print_edge(windows, b, kind, which[rows[b]], cy, cx)
    return group.index[rows[b]], corners[b, 0] + cx, corners[b, 1] + cy, halo | edge


def _print_edge(windows: np.ndarray, b: np.ndarray, kind: np.ndarray, form: np.ndarray,
                cy: np.ndarray, cx: np.ndarray) -> np.ndarray:
    """Whether each black pixel (row ``cy``, column ``cx`` of window ``b``, over
    the blank form ``kind[form]``) has a black pixel where the blank form
    prints to its left or right, above or below: it is the ragged edge of the
    print."""
    height, width = kind.shape[1:]
    edge = np.zeros(len(b), bool)
    for dy, dx in ((0, -1), (0, 1), (-1, 0), (1, 0)):
        ny, nx = np.clip(cy + dy, 0, height - 1), np.clip(cx + dx, 0, width - 1)
        edge |= (kind[form, ny, nx] == INK) & (windows[b, ny, nx] < BLACK)
    return edge


def _pixel_box(group: StencilGroup, reg: Registration) -> tuple[np.ndarray, np.ndarray]:
    """The image pixels around a bubble under a group's stencil on this page:
    (rows, cols) int, for each pixel of the box the stencil point it lies
    nearest to (whose blank-form weight it takes) or −1 off the stencil; and
    the box's top-left pixel (x, y) from the bubble's centre pixel."""
    linear = reg.affine[:, :2]
    reach = group.stencil_in @ linear.T
    low, high = np.floor(reach.min(axis=0)), np.ceil(reach.max(axis=0))
    xs, ys = np.meshgrid(np.arange(low[0], high[0] + 1), np.arange(low[1], high[1] + 1))
    origin = group.stencil_in.min(axis=0)
    grid = np.rint((group.stencil_in - origin) / STEP_IN).astype(np.int64)
    lookup = np.full(tuple(grid.max(axis=0)[::-1] + 1), -1)
    lookup[grid[:, 1], grid[:, 0]] = np.arange(len(grid))
    inches = np.stack([xs, ys], axis=-1) @ np.linalg.inv(linear).T
    cell = np.rint((inches - origin) / STEP_IN).astype(np.int64)
    on = ((cell >= 0) & (cell < lookup.shape[::-1])).all(axis=-1)
    box = np.full(xs.shape, -1)
    box[on] = lookup[cell[on][:, 1], cell[on][:, 0]]
    return box, low.astype(np.int64)


def _speck_starts(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether each black pixel (all the black paper pixels of the page's
    blank bubbles, image x and y) starts a speck: none of them lies to its
    left, upper left, above or upper right. A speck (touching black pixels)
    so counts once whatever its size; one bent like a U counts twice."""
    row = x.max() + 2
    key = y * row + x
    return ~np.any([np.isin(key + d, key) for d in (-1, -row - 1, -row, -row + 1)], axis=0)


def _streak(bubble: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Whether each black pixel lies in an image column (± 1 px) holding at
    least STREAK_PIXELS black pixels of other bubbles."""
    per_column = np.bincount(x + 1, minlength=x.max() + 3)
    stride = x.max() + 3
    keys, counts = np.unique(bubble * stride + x + 1, return_counts=True)
    band = sum(per_column[x + 1 + d] - _count_of(keys, counts, bubble * stride + x + 1 + d)
               for d in (-1, 0, 1))
    return band >= STREAK_PIXELS


def _count_of(keys: np.ndarray, counts: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """counts[i] where keys[i] == wanted, else 0 (``keys`` sorted)."""
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, counts[at], 0)


def _unlikely_count(mean: float) -> int:
    """The smallest count, at least RESIDUE_MIN, that a Poisson count of
    ``mean`` reaches with a chance below FALSE_ALARM."""
    pmf, tail, k = math.exp(-mean), 1.0, 0
    while k < RESIDUE_MIN or tail >= FALSE_ALARM:
        tail -= pmf
        k += 1
        pmf *= mean / k
    return k
