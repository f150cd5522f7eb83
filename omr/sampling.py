"""Sampling an image at transformed form coordinates, without warping it.

A *stencil* is a set of offsets in inches around a centre; it is mapped through
the registration's linear part once per page, so a page's skew, scale and 180°
turn are applied to the stencil instead of to the image.
"""

from __future__ import annotations

import numpy as np

from omr.registration import Registration


def grid_stencil(w_in: float, h_in: float, step_in: float, ellipse: bool) -> np.ndarray:
    """Offsets (k, 2), inches, of a grid with pitch ``step_in`` centred on 0,
    covering a ``w_in`` × ``h_in`` rectangle or the ellipse inscribed in it."""
    xs = np.arange(-w_in / 2 + step_in / 2, w_in / 2, step_in)
    ys = np.arange(-h_in / 2 + step_in / 2, h_in / 2, step_in)
    gx, gy = np.meshgrid(xs - xs.mean(), ys - ys.mean())
    points = np.column_stack([gx.ravel(), gy.ravel()])
    if ellipse:
        inside = (points[:, 0] / (w_in / 2)) ** 2 + (points[:, 1] / (h_in / 2)) ** 2 <= 1.0
        points = points[inside]
    return points


def sample(image: np.ndarray, reg: Registration, centres_in: np.ndarray,
           stencil_in: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gray values under a stencil at each centre.

    ``centres_in`` (n, 2) and ``stencil_in`` (k, 2) are inches in form
    coordinates. Returns the values, uint8 (n, k), and a bool (n,) mask that is
    False where any stencil point fell outside the image (those rows hold the
    nearest edge pixels and must not be trusted).
    """
    rows, cols = image.shape
    centres = np.rint(reg.to_px(centres_in)).astype(np.int64)
    offsets = np.rint(stencil_in @ reg.affine[:, :2].T).astype(np.int64)
    low, high = offsets.min(axis=0), offsets.max(axis=0)
    inside = ((centres + low >= 0) & (centres + high < (cols, rows))).all(axis=1)
    if not inside.all():
        centres = np.clip(centres, -low, np.array([cols - 1, rows - 1]) - high)
    flat = (centres[:, 1] * cols + centres[:, 0])[:, None] + (offsets[:, 1] * cols + offsets[:, 0])
    return np.take(image.ravel(), flat), inside


def paper_level(sparse: np.ndarray) -> float:
    """The page's paper gray level (0–255): the median of a sparse sample of
    its pixels (e.g. every 16th row and column), since paper covers most of
    any answer document."""
    counts = np.cumsum(np.bincount(sparse.ravel(), minlength=256))
    return float(np.searchsorted(counts, counts[-1] / 2))
