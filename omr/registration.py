"""Registration: map form coordinates to image pixels from the four corner marks.

Form coordinates are inches from the top-left corner of the page as printed
(x right, y down); image coordinates are pixels from the top-left corner of the
scan (x = column, y = row). A page fed upside down is read in place: its
transform includes the 180° turn, so nothing is rotated or warped.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from omr.errors import ReadCode, ReadError
from sample_sheets.model import Page, RegistrationMark

SEARCH_HALF_IN = 1.0
"""Half side of the square window searched around a mark's nominal place,
inches: covers 3° skew at the page corners (0.36 in), 2 % scale (0.13 in) and 0.4 in shift."""
MAX_RESIDUAL_IN = 0.02
"""Largest distance between a found mark and the fitted transform, inches."""
MAX_SKEW_DEG = 4.0
MAX_SCALE_ERROR = 0.05
MIN_MARKS = 2
"""Fewest marks registered from: two fix a similarity, which the printed form's
ink must then confirm (:func:`omr.identify.ink_contrast`)."""
MIN_PX_PER_IN = 95
"""Lowest resolution read, pixels per inch (a 200 dpi JPEG decoded at half size is 100)."""


@dataclass(frozen=True)
class Registration:
    """An affine map from form inches to image pixels and how well it fits.

    ``matrix`` is (a, b, c, d, e, f): x_px = a·x_in + b·y_in + c and
    y_px = d·x_in + e·y_in + f. ``residual_px`` is the largest distance between
    a found mark centre and where the fit puts it. ``black`` is the gray level
    (0–255) of the printed marks, the page's reference for printed ink.
    """

    matrix: tuple[float, float, float, float, float, float]
    residual_px: float
    rotated_180: bool
    black: float
    marks_px: tuple[tuple[float, float], ...]

    @property
    def affine(self) -> np.ndarray:
        """The matrix as a float64 array of shape (2, 3)."""
        return np.array(self.matrix, dtype=float).reshape(2, 3)

    @property
    def px_per_in(self) -> float:
        """Mean scale, pixels per inch (the page's effective resolution)."""
        a, b, _, d, e, _ = self.matrix
        return math.sqrt(abs(a * e - b * d))

    @property
    def skew_deg(self) -> float:
        """Rotation of the page's x axis in the image, degrees, after removing a 180° turn."""
        a, _, _, d, _, _ = self.matrix
        angle = math.degrees(math.atan2(d, a))
        return (angle % 360) - 180 if self.rotated_180 else angle

    def to_px(self, xy_in: np.ndarray) -> np.ndarray:
        """Form points (n, 2) in inches → image points (n, 2) in pixels, float64."""
        a = self.affine
        return xy_in @ a[:, :2].T + a[:, 2]

    def boxes_px(self, boxes_in: np.ndarray) -> np.ndarray:
        """Image bounding boxes (n, 4) int (x, y, w, h), pixels, of form boxes
        (n, 4) given as top-left corner and size in inches."""
        boxes_in = np.asarray(boxes_in, dtype=float)
        linear = self.affine[:, :2]
        corners = self.to_px(boxes_in[:, :2])
        span_x = np.outer(boxes_in[:, 2], linear[:, 0])
        span_y = np.outer(boxes_in[:, 3], linear[:, 1])
        low = corners + np.minimum(span_x, 0) + np.minimum(span_y, 0)
        high = corners + np.maximum(span_x, 0) + np.maximum(span_y, 0)
        low, high = np.floor(low).astype(int), np.ceil(high).astype(int)
        return np.hstack([low, high - low])

    def box_px(self, x_in: float, y_in: float, w_in: float, h_in: float) -> tuple[int, ...]:
        """The image bounding box (x, y, w, h), pixels, of one form box in inches."""
        return tuple(int(v) for v in self.boxes_px(np.array([[x_in, y_in, w_in, h_in]]))[0])

    def scaled(self, factor: float) -> Registration:
        """The same registration for the image scaled by ``factor`` (e.g. 2 to
        go from a half-size decode back to full-size pixels)."""
        return Registration(tuple(v * factor for v in self.matrix), self.residual_px * factor,
                            self.rotated_180, self.black,
                            tuple((x * factor, y * factor) for x, y in self.marks_px))


Candidate = tuple[float, float, float]
"""A registration mark candidate: centre x, y (image pixels) and its gray level."""
MAX_CANDIDATES = 3


class MarkFinder:
    """Finds registration mark candidates in small windows of one image,
    remembering each window's answer so that trying both orientations costs
    one search."""

    def __init__(self, image: np.ndarray):
        self.image = image
        self._found: dict[tuple[int, ...], list[Candidate]] = {}

    def find(self, centre: tuple[float, float], half: int, side: float) -> list[Candidate]:
        """Up to MAX_CANDIDATES solid squares of about ``side`` px inside the
        window of half side ``half`` px around ``centre``, nearest first; a
        square cut by the image's edge (its centre closer to it than half a
        side) is no mark: its centre would be off."""
        rows, cols = self.image.shape
        x0, y0 = max(int(centre[0]) - half, 0), max(int(centre[1]) - half, 0)
        x1, y1 = min(int(centre[0]) + half, cols), min(int(centre[1]) + half, rows)
        key = (x0, y0, x1, y1, round(side))
        if key not in self._found:
            found = _find_squares(self.image[y0:y1, x0:x1], side, x0, y0) \
                if x1 - x0 > side and y1 - y0 > side else []
            edge = side / 2 + 1
            self._found[key] = [c for c in found if edge <= c[0] <= cols - 1 - edge
                                and edge <= c[1] <= rows - 1 - edge]
        return self._found[key]


def _find_squares(window: np.ndarray, side: float, x0: int, y0: int) -> list[Candidate]:
    """Solid dark squares of about ``side`` px in ``window``, most central
    first: found on every ``step``-th pixel (the mark about 12 px wide), each
    centre then measured at full resolution."""
    step = max(int(side / 12), 1)
    level, binary = cv2.threshold(window[::step, ::step], 0, 255,
                                  cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    found = []
    r, q = int(side * 0.75), max(int(side / 4), 1)
    for rough in _square_blobs(binary, side / step)[:MAX_CANDIDATES]:
        cx, cy = int(rough[0] * step), int(rough[1] * step)
        bx, by = max(cx - r, 0), max(cy - r, 0)
        crop = window[by:cy + r, bx:cx + r]
        m = cv2.moments((crop <= level).astype(np.uint8), binaryImage=True)
        if m["m00"] == 0:
            continue
        x, y = m["m10"] / m["m00"] + bx, m["m01"] / m["m00"] + by
        gray = cv2.mean(window[max(int(y) - q, 0):int(y) + q + 1,
                               max(int(x) - q, 0):int(x) + q + 1])[0]
        found.append((x + x0, y + y0, gray))
    return found


def _square_blobs(binary: np.ndarray, side: float) -> list[tuple[float, float]]:
    """Centroids of the solid square blobs of about ``side`` px in a binary
    image (ink = 255), nearest its centre first."""
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cx, cy = binary.shape[1] / 2, binary.shape[0] / 2
    found = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if not 0.6 * side**2 <= area <= 1.5 * side**2:
            continue
        (_, _), (w, h), _ = cv2.minAreaRect(contour)
        if (min(w, h) < 0.75 * max(w, h) or not 0.7 * side <= max(w, h) <= 1.4 * side
                or area < 0.8 * w * h
                or area < 0.85 * cv2.contourArea(cv2.convexHull(contour))):
            continue
        m = cv2.moments(contour)
        found.append((m["m10"] / m["m00"], m["m01"] / m["m00"]))
    return sorted(found, key=lambda p: math.hypot(p[0] - cx, p[1] - cy))


def nominal_px_per_in(image: np.ndarray, page: Page) -> float:
    """Pixels per inch if the scan holds exactly the page, from the image width.

    Parameters
    ----------
    image : (rows, cols) ndarray
        The page.
    page : Page
        The page geometry.

    Returns
    -------
    float
        ``cols`` / the page's width in inches.
    """
    return image.shape[1] / page.width_in


def register(finder: MarkFinder, page: Page, rotated_180: bool) -> Registration:
    """Find ``page``'s registration marks in the image and fit the transform.

    Affine from all four marks, or a similarity (scale, rotation, shift) from
    three when one is hidden, off the image or misplaced — both leave
    redundancy to check — or from two, which leave none: the caller confirms
    those against the printed form (:func:`omr.identify.identify`). Where a
    window holds several mark-like squares, the combination that fits best is taken.

    Parameters
    ----------
    finder : MarkFinder
        The image's mark finder (remembers its windows).
    page : Page
        The page geometry to register against.
    rotated_180 : bool
        Whether to look for the page fed upside down.

    Returns
    -------
    Registration
        ``marks_px`` holds the marks it was fitted to (2–4).

    Raises
    ------
    ReadError
        "resolution too low", "registration marks not found (n of 4)" (fewer
        than MIN_MARKS), "registration residual too large" or "registration
        out of range" (skew or scale beyond what the reader takes).
    """
    marks = page.registration
    scale = nominal_px_per_in(finder.image, page)
    if scale < MIN_PX_PER_IN:
        raise ReadError(ReadCode.RESOLUTION, f"resolution too low: {scale:.0f} px per inch "
                        f"(at least {MIN_PX_PER_IN} needed)")
    half = int(SEARCH_HALF_IN * scale)
    candidates = [finder.find(_nominal(m, page, scale, rotated_180), half, m.size_in * scale)
                  for m in marks]
    present = [i for i, c in enumerate(candidates) if c]
    if len(present) < min(MIN_MARKS, len(marks)):
        raise ReadError(ReadCode.MARKS_NOT_FOUND,
                        f"registration marks not found ({len(present)} of {len(marks)})")
    limit = MAX_RESIDUAL_IN * scale
    best, reg = (True, math.inf), None
    for subset in _subsets(present):
        src = np.array([(marks[i].x_in, marks[i].y_in) for i in subset])
        for choice in itertools.product(*(candidates[i] for i in subset)):
            dst = np.array([c[:2] for c in choice])
            fit = _fit_affine(src, dst) if len(subset) >= 4 else _fit_similarity(src, dst)
            misfit = float(np.max(np.hypot(*(src @ fit[:, :2].T + fit[:, 2] - dst).T)))
            trial = Registration(tuple(float(v) for v in fit.ravel()), misfit, rotated_180,
                                 float(np.median([c[2] for c in choice])),
                                 tuple((float(c[0]), float(c[1])) for c in choice))
            rank = (_out_of_range(trial, scale) is not None, misfit)
            if rank < best:
                best, reg = rank, trial
        if best[1] <= limit:
            break
    _check(reg, scale)
    return reg


def _subsets(present: list[int]) -> list[list[int]]:
    """The marks to fit, all first; then, with four, each three of them."""
    if len(present) < 4:
        return [present]
    return [present] + [present[:k] + present[k + 1:] for k in range(len(present))]


def _fit_affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares affine (2, 3) taking points src (n, 2) to dst (n, 2)."""
    solution, *_ = np.linalg.lstsq(np.column_stack([src, np.ones(len(src))]), dst, rcond=None)
    return solution.T


def _fit_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (2, 3): x' = a·x − b·y + tx, y' = b·x + a·y + ty."""
    ones, zeros = np.ones(len(src)), np.zeros(len(src))
    rows = np.vstack([np.column_stack([src[:, 0], -src[:, 1], ones, zeros]),
                      np.column_stack([src[:, 1], src[:, 0], zeros, ones])])
    (a, b, tx, ty), *_ = np.linalg.lstsq(rows, np.concatenate([dst[:, 0], dst[:, 1]]),
                                         rcond=None)
    return np.array([[a, -b, tx], [b, a, ty]])


def _nominal(mark: RegistrationMark, page: Page, scale: float, rotated_180: bool
             ) -> tuple[float, float]:
    """Where a mark lies in a scan of the page at ``scale`` px/in, unskewed."""
    if rotated_180:
        return (page.width_in - mark.x_in) * scale, (page.height_in - mark.y_in) * scale
    return mark.x_in * scale, mark.y_in * scale


def _check(reg: Registration, nominal: float) -> None:
    if reg.residual_px > MAX_RESIDUAL_IN * nominal:
        raise ReadError(ReadCode.REGISTRATION_FIT,
                        f"registration residual too large ({reg.residual_px:.1f} px)")
    problem = _out_of_range(reg, nominal)
    if problem:
        raise ReadError(ReadCode.REGISTRATION_FIT, f"registration out of range: {problem}")


def _out_of_range(reg: Registration, nominal: float) -> str | None:
    """What lies beyond the skew and scale the reader takes ("skew 4.3°",
    "scale 1.062"), or None. Among fits of several candidate marks, one in
    range is taken before a closer one out of it (with two marks every fit is exact)."""
    if abs(reg.skew_deg) > MAX_SKEW_DEG:
        return f"skew {reg.skew_deg:.1f}°"
    if abs(reg.px_per_in / nominal - 1) > MAX_SCALE_ERROR:
        return f"scale {reg.px_per_in / nominal:.3f}"
    return None
