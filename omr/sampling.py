"""Sampling an image at transformed form coordinates, without warping it.

A *stencil* is a set of offsets in inches around a centre; it is mapped through
the registration's linear part once per page, so a page's skew, scale and 180°
turn are applied to the stencil instead of to the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omr.registration import Registration


def grid_stencil(w_in: float, h_in: float, step_in: float, ellipse: bool) -> np.ndarray:
    """Offsets of a grid of points covering a rectangle or its inscribed ellipse.

    Parameters
    ----------
    w_in, h_in : float
        The rectangle's width and height, inches.
    step_in : float
        The grid's pitch, inches.
    ellipse : bool
        Keep only the points inside the inscribed ellipse.

    Returns
    -------
    (k, 2) float64 ndarray
        Offsets (x, y), inches, centred on 0.
    """
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
    """Gray values under a stencil at each centre, without warping the image.

    Parameters
    ----------
    image : (rows, cols) uint8 ndarray
        The page, gray.
    reg : Registration
        Form inches → image pixels; its linear part maps the stencil.
    centres_in : (n, 2) float ndarray
        Centres, form inches.
    stencil_in : (k, 2) float ndarray
        Offsets around each centre, form inches.

    Returns
    -------
    values : (n, k) uint8 ndarray
        The gray at each stencil point (nearest pixel).
    inside : (n,) bool ndarray
        False where any stencil point fell outside the image (those rows hold
        the nearest edge pixels and must not be trusted).
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
    """The page's paper gray level, the median of a sparse sample of its pixels.

    Paper covers most of any answer document, so the median of every 16th row
    and column is the paper.

    Parameters
    ----------
    sparse : (rows, cols) uint8 ndarray
        A sparse sample of the page's pixels.

    Returns
    -------
    float
        Gray level, 0–255.
    """
    counts = np.cumsum(np.bincount(sparse.ravel(), minlength=256))
    return float(np.searchsorted(counts, counts[-1] / 2))


SURFACE_BLOCK = 8
"""Side, in sparse samples, of the blocks whose median gray is one paper
measurement (8 × 16 px: about 0.43 in at 300 dpi)."""
SURFACE_TRIM = 3.0
"""Blocks further than this many robust sigmas from the fitted surface (ink
over most of the block: a barcode, a label, handwriting) are left out of the fit."""


@dataclass(frozen=True)
class PaperSurface:
    """The page's paper gray level at every place: a quadratic in the image
    coordinates (uneven illumination is a gradient plus a vignette; both are
    quadratic or flatter across a page).

    ``coefficients`` (6,) float64 multiply 1, u, v, u², uv, v² where u, v are
    the image x, y scaled to −1…1 over ``size`` (cols, rows) pixels.
    """

    coefficients: np.ndarray
    size: tuple[int, int]

    def at(self, xy_px: np.ndarray) -> np.ndarray:
        """Paper gray (n,) float64 at image points ``xy_px`` (n, 2), pixels."""
        return _quadratic_terms(np.asarray(xy_px, float), self.size) @ self.coefficients


def _quadratic_terms(xy_px: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    u = 2 * xy_px[:, 0] / max(size[0], 1) - 1
    v = 2 * xy_px[:, 1] / max(size[1], 1) - 1
    return np.column_stack([np.ones_like(u), u, v, u * u, u * v, v * v])


def paper_surface(sparse: np.ndarray, step: int, size: tuple[int, int]) -> PaperSurface:
    """Fit the page's paper surface to the medians of blocks of a sparse sample.

    Parameters
    ----------
    sparse : (rows, cols) uint8 ndarray
        Every ``step``-th pixel of the page in both directions.
    step : int
        The sampling pitch, image pixels.
    size : (int, int)
        The image's (cols, rows), pixels.

    Returns
    -------
    PaperSurface
        Fitted by least squares to the block medians, three times, each time
        leaving out the blocks further than SURFACE_TRIM robust sigmas (at
        least 2 gray levels) from the previous fit.
    """
    b = SURFACE_BLOCK
    rows, cols = (sparse.shape[0] // b) * b, (sparse.shape[1] // b) * b
    blocks = sparse[:rows, :cols].reshape(rows // b, b, cols // b, b).swapaxes(1, 2)
    medians = np.median(blocks.reshape(rows // b, cols // b, b * b), axis=2).ravel()
    gy, gx = np.mgrid[0:rows // b, 0:cols // b]
    centres = (np.column_stack([gx.ravel(), gy.ravel()]) * b + (b - 1) / 2) * step
    terms = _quadratic_terms(centres, size)
    keep = np.ones(len(medians), bool)
    coefficients = np.array([float(np.median(medians)), 0, 0, 0, 0, 0])
    for _ in range(3):
        if keep.sum() < 12:
            break
        coefficients, *_ = np.linalg.lstsq(terms[keep], medians[keep], rcond=None)
        residual = medians - terms @ coefficients
        sigma = max(1.4826 * float(np.median(np.abs(residual[keep]))), 2.0 / SURFACE_TRIM)
        keep = np.abs(residual) <= SURFACE_TRIM * sigma
    return PaperSurface(coefficients, size)
