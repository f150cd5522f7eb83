"""Pencil marks on bubbles: graphite strokes with grain, pressure and overshoot.

A mark is drawn as a *darkness* patch (float32, 0 = paper, 1 = printed black)
around a bubble and laid on the page multiplicatively (graphite darkens what is
under it, print included). Every style is drawn from strokes — a back-and-forth
scribble for fills, single strokes for checks, X's and stray lines — with the
paper's tooth showing through, then scaled so that its mean darkness over the
bubble's measuring stencil hits a *target level* on the 0–15 scale:

    level = 15 × mean darkness / FULL_MARK_DARKNESS

over the ellipse at ``STENCIL_FILL`` of the bubble's size, leaving out the
blank form's printed ink. This is the reader's scale (docs/omr.md): darkness
is measured against the page's own paper and printed black, so a scan's tone
mapping does not change a mark's level. Pixel (i, j) has its centre at
(j, i) / px_per_in inches, as in the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

FULL_MARK_DARKNESS = 0.62
"""Mean darkness of a full dark pencil mark, level 15, as a share of paper − black."""
STENCIL_FILL = 0.9
"""Measuring ellipse axes as a share of the bubble's printed width and height."""
STROKE_IN = 0.02
"""Width of one pencil line (a No. 2 pencil, 0.5 mm), inches."""
PATCH_SCALE = 1.6
"""A mark's patch spans this many bubble widths and heights."""

LEVEL_RANGES: dict[str, tuple[float, float]] = {
    "dark": (14.5, 22.0),
    "partial": (9.5, 12.5),
    "light": (5.8, 7.6),
    "erased": (2.2, 3.6),
    "erased_remarked": (2.2, 3.6),
}
"""Target level per filled style, unclipped (a reader reports min(level, 15));
a dark mark keeps the level its strokes give, within its band.
The bands keep clear of the reader's default boundaries: erasure from 1.5,
count from 4.5 (uncertain 4.0–5.0), light up to 8.5; two dark marks differ by
less than the discrimination margin. Checks and X's keep the level their strokes
give, moved into ``STROKE_BANDS``; stray lines and blanks measure 0."""
STROKE_BANDS: tuple[tuple[float, float], ...] = ((5.8, 7.6), (9.5, 14.0))
"""Checks and X's read as light marks (first band) unless their strokes cover
enough of the bubble to reach 9 levels, then as marks (second band)."""
CLASS_FROM: tuple[tuple[float, str], ...] = ((8.5, "mark"), (4.5, "light"), (1.5, "erased"))
"""Level class by level, as the reader's default thresholds round them."""

STYLES: tuple[str, ...] = ("dark", "partial", "check", "x", "light", "erased",
                           "erased_remarked", "stray", "blank")
INK_GRAY = 192
"""Pixels of the blank render darker than this are printed ink (left out of the stencil)."""


@dataclass(frozen=True)
class Mark:
    """A drawn mark: ``darkness`` (float32, rows × cols) whose top-left pixel is
    ``origin`` (x, y) on the page, and the level it measures at."""

    darkness: np.ndarray
    origin: tuple[int, int]
    level: float


def patch_frame(cx_px: float, cy_px: float, w_px: float, h_px: float
                ) -> tuple[tuple[int, int], tuple[int, int]]:
    """Origin (x, y) and shape (rows, cols) of the patch around a bubble centred
    at ``cx_px, cy_px`` with size ``w_px × h_px`` (page pixels)."""
    half_w, half_h = PATCH_SCALE * w_px / 2, PATCH_SCALE * h_px / 2
    x0, y0 = int(np.floor(cx_px - half_w)), int(np.floor(cy_px - half_h))
    return (x0, y0), (int(np.ceil(cy_px + half_h)) - y0 + 1, int(np.ceil(cx_px + half_w)) - x0 + 1)


def stencil_weights(blank: np.ndarray, centre: tuple[float, float], w_px: float, h_px: float,
                    px_per_in: float) -> np.ndarray:
    """float32 weights over a patch of the blank render: 1 inside the measuring
    ellipse and over paper, 0 elsewhere. ``centre`` is in patch pixels."""
    rows, cols = blank.shape
    u, v = _normalised(rows, cols, centre, w_px * STENCIL_FILL, h_px * STENCIL_FILL)
    grow = max(int(round(0.008 * px_per_in)), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    ink = cv2.dilate((blank < INK_GRAY).astype(np.uint8), kernel) > 0
    return ((u * u + v * v <= 1.0) & ~ink).astype(np.float32)


def level_of(darkness: np.ndarray, weights: np.ndarray) -> float:
    """The level (unclipped) a darkness patch measures at over ``weights``."""
    total = float(weights.sum())
    return 15.0 * float((darkness * weights).sum()) / max(total, 1.0) / FULL_MARK_DARKNESS


def level_class(level: float) -> str:
    """The class a level reads as: blank, erased, light or mark."""
    return next((name for bound, name in CLASS_FROM if level >= bound), "blank")


def draw_mark(style: str, blank: np.ndarray, centre: tuple[float, float], w_px: float,
              h_px: float, px_per_in: float, rng: np.random.Generator,
              weights: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """One ``style`` of mark on the bubble at ``centre`` (patch pixels) of size
    ``w_px × h_px``: its darkness patch (float32, shape of ``blank``, the blank
    render under the patch) and the level it measures at (unclipped).
    ``weights``: the patch's :func:`stencil_weights`, when the caller keeps them."""
    shape = blank.shape
    geo = _Geometry(centre, w_px, h_px, px_per_in)
    raw = _BUILDERS[style](geo, shape, paper_tooth(shape, rng), rng)
    if style in ("stray", "blank"):
        return raw, 0.0
    if weights is None:
        weights = stencil_weights(blank, centre, w_px, h_px, px_per_in)
    if style == "dark":
        level = float(np.clip(level_of(raw, weights), *LEVEL_RANGES[style]))
    elif style in LEVEL_RANGES:
        level = float(rng.uniform(*LEVEL_RANGES[style]))
    else:
        natural = level_of(raw, weights)
        low, high = STROKE_BANDS[1] if natural >= 9.0 else STROKE_BANDS[0]
        level = float(np.clip(natural, low, high))
    cap = 0.22 if style.startswith("erased") else 0.95
    darkness = calibrate(raw, weights, level / 15.0 * FULL_MARK_DARKNESS, cap)
    return darkness, level_of(darkness, weights)


def calibrate(darkness: np.ndarray, weights: np.ndarray, target: float, cap: float
              ) -> np.ndarray:
    """``darkness`` rescaled so that its weighted mean is ``target`` with no
    pixel above ``cap`` (a few passes: capping takes some back)."""
    total = max(float(weights.sum()), 1.0)
    out = darkness
    for _ in range(4):
        mean = float((out * weights).sum()) / total
        if mean <= 0 or abs(mean - target) < 0.002:
            break
        out = np.minimum(out * (target / mean), cap)
    return out.astype(np.float32)


TOOTH_SIZE = (509, 2557)
"""Rows and columns of the paper-grain texture that every mark and pencil line
takes a crop of (prime sizes: wrapped crops do not repeat visibly)."""


@lru_cache(maxsize=1)
def _tooth_texture() -> np.ndarray:
    """Paper grain in [0, 1] (float32): smoothed noise with a correlation of
    about 1 px, drawn once from a fixed seed (so decks stay reproducible)."""
    noise = np.random.default_rng(20130901).standard_normal(TOOTH_SIZE, dtype=np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 0.8)
    texture = np.clip(0.5 + noise / (3.0 * noise.std() + 1e-6), 0.0, 1.0)
    texture.flags.writeable = False
    return texture


def paper_tooth(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Paper grain in [0, 1] (float32, ``shape``): graphite catches on the peaks
    (1) and skips the valleys (0). A crop of a fixed texture at a random
    place (a view when ``shape`` fits in it, else wrapping around its edges)."""
    texture = _tooth_texture()
    rows, cols = shape
    r0 = int(rng.integers(0, max(TOOTH_SIZE[0] - rows, 0) + 1))
    c0 = int(rng.integers(0, max(TOOTH_SIZE[1] - cols, 0) + 1))
    if r0 + rows <= TOOTH_SIZE[0] and c0 + cols <= TOOTH_SIZE[1]:
        return texture[r0:r0 + rows, c0:c0 + cols]
    ri = (r0 + np.arange(rows)) % TOOTH_SIZE[0]
    ci = (c0 + np.arange(cols)) % TOOTH_SIZE[1]
    return texture[ri[:, None], ci[None, :]]


def composite(page: np.ndarray, darkness: np.ndarray, origin: tuple[int, int]) -> None:
    """Lay ``darkness`` on ``page`` (uint8 gray, 0 black … 255 paper) in place,
    multiplicatively, clipped to the page edges."""
    x0, y0 = origin
    rows, cols = darkness.shape
    px0, py0 = max(x0, 0), max(y0, 0)
    px1, py1 = min(x0 + cols, page.shape[1]), min(y0 + rows, page.shape[0])
    if px1 <= px0 or py1 <= py0:
        return
    part = darkness[py0 - y0:py1 - y0, px0 - x0:px1 - x0]
    region = page[py0:py1, px0:px1]
    region[:] = np.rint(region * (1.0 - part))


# --- stroke rasterisation -------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    """A bubble in patch pixels: centre, half axes, and the pencil's line width."""

    centre: tuple[float, float]
    w_px: float
    h_px: float
    px_per_in: float

    @property
    def half(self) -> np.ndarray:
        return np.array([self.w_px / 2, self.h_px / 2])

    @property
    def line_px(self) -> float:
        return STROKE_IN * self.px_per_in

    def to_px(self, uv: np.ndarray) -> np.ndarray:
        """Bubble-normalised points (u, v: the outline is u² + v² = 1) to patch pixels."""
        return np.asarray(self.centre) + uv * self.half


def _normalised(rows: int, cols: int, centre: tuple[float, float], w_px: float, h_px: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """Patch pixel coordinates normalised to an ellipse of size ``w_px × h_px``."""
    ys, xs = np.mgrid[0:rows, 0:cols].astype(np.float32)
    return (xs - centre[0]) / (w_px / 2), (ys - centre[1]) / (h_px / 2)


def stroke(shape: tuple[int, int], points: np.ndarray, width: float, pressure: np.ndarray
           ) -> np.ndarray:
    """Coverage × pressure (float32, ``shape``) of a polyline ``points`` (n, 2),
    patch pixels, ``width`` px wide with anti-aliased edges; segment i is drawn
    at ``pressure[i]`` (0–1). Later segments cover earlier ones where they cross."""
    canvas = np.zeros(shape, np.uint8)
    fixed = np.rint(points * 8).astype(np.int32)
    thickness = max(int(round(width)), 1)
    for i in range(len(fixed) - 1):
        cv2.line(canvas, tuple(fixed[i]), tuple(fixed[i + 1]), int(255 * pressure[i]),
                 thickness, cv2.LINE_AA, shift=3)
    return canvas.astype(np.float32) / 255.0


def _pressure(n: int, base: float, rng: np.random.Generator) -> np.ndarray:
    """A hand's pressure along ``n`` points: ``base`` with a slow random swing."""
    phase, freq = rng.uniform(0, 2 * np.pi), rng.uniform(0.2, 0.6)
    swing = 0.15 * np.sin(phase + freq * np.arange(n)) + rng.normal(0, 0.06, n)
    return np.clip(base * (1.0 + swing), 0.05, 1.0)


def _graphite(cover: np.ndarray, tooth: np.ndarray, grain: float) -> np.ndarray:
    """Graphite left by strokes of ``cover``: the paper tooth shows through by ``grain``."""
    return cover * (1.0 - grain * (1.0 - tooth))


def _layer(*passes: np.ndarray) -> np.ndarray:
    """Darkness of pencil passes laid over each other."""
    clear = np.ones_like(passes[0])
    for p in passes:
        clear *= 1.0 - p
    return 1.0 - clear


def _zigzag(geo: _Geometry, angle: float, overshoot: float, rng: np.random.Generator
            ) -> np.ndarray:
    """A scribble across the ellipse: back-and-forth lines along ``angle``
    (radians), stepping across it at about a line width, each line running
    ``overshoot`` (share of the half axis) past the outline. Returns points
    (n, 2) in patch pixels."""
    along = np.array([np.cos(angle), np.sin(angle)])
    across = np.array([-along[1], along[0]])
    step = 0.9 * geo.line_px / float(np.abs(across * geo.half).sum() / np.sqrt(2))
    offsets = np.arange(-0.98, 0.98 + 1e-6, max(step, 0.08))
    offsets = offsets + rng.uniform(-0.3, 0.3, len(offsets)) * step
    half_len = (np.sqrt(np.clip(1.0 - offsets ** 2, 0.0, None))
                + overshoot * rng.uniform(0.4, 1.0, len(offsets)))
    sign = np.where(np.arange(len(offsets)) % 2 == 0, 1.0, -1.0)
    ends = np.stack([-sign * half_len, sign * half_len], axis=1).ravel()
    points = np.repeat(offsets, 2)[:, None] * across + ends[:, None] * along
    return geo.to_px(points + rng.normal(0, 0.03, points.shape))


def _fill(geo: _Geometry, shape, tooth, rng) -> np.ndarray:
    """Two scribble passes in different directions, firm pressure."""
    passes = []
    for angle in (rng.uniform(-0.5, 0.5), rng.uniform(0.9, 2.2)):
        pts = _zigzag(geo, angle, rng.uniform(0.05, 0.15), rng)
        cover = stroke(shape, pts, geo.line_px * rng.uniform(0.8, 1.1),
                       _pressure(len(pts), rng.uniform(0.75, 0.95), rng))
        passes.append(_graphite(cover, tooth, 0.4))
    return _layer(*passes)


def _partial(geo: _Geometry, shape, tooth, rng) -> np.ndarray:
    """A fill that stops short, leaving 15–40 % of the bubble as a ragged crescent."""
    angle = rng.uniform(0, 2 * np.pi)
    u, v = _normalised(*shape, geo.centre, geo.w_px, geo.h_px)
    along = u * np.cos(angle) + v * np.sin(angle)
    edge = _half_plane_for_share(rng.uniform(0.6, 0.85))
    ragged = cv2.GaussianBlur(rng.standard_normal(shape, dtype=np.float32), (0, 0), 3.0)
    keep = np.clip((edge - along + 0.6 * ragged) * 6.0, 0.0, 1.0)
    return _fill(geo, shape, tooth, rng) * keep


def _half_plane_for_share(share: float) -> float:
    """Offset c (unit circle) such that the part x < c holds ``share`` of its area."""
    c = np.linspace(-1.0, 1.0, 201)
    area = 1.0 - (np.arccos(c) - c * np.sqrt(1.0 - c * c)) / np.pi
    return float(np.interp(share, area, c))


def _strokes(geo: _Geometry, shape, tooth, rng, paths: list[np.ndarray]) -> np.ndarray:
    """Thick single strokes (bubble-normalised paths), each pressed twice."""
    width = geo.line_px * rng.uniform(1.6, 2.2)
    passes = []
    for path in paths:
        wobble = path + rng.normal(0, 0.04, path.shape)
        pts = geo.to_px(_densify(wobble, 6))
        passes.append(_graphite(stroke(shape, pts, width, _pressure(len(pts), 0.9, rng)),
                                tooth, 0.35))
    return _layer(*passes)


def _densify(path: np.ndarray, per_segment: int) -> np.ndarray:
    """A polyline with ``per_segment`` points per segment (for smooth pressure)."""
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[:, None]
    seg = [path[i] + t * (path[i + 1] - path[i]) for i in range(len(path) - 1)]
    return np.vstack([*seg, path[-1:]])


def _check(geo, shape, tooth, rng) -> np.ndarray:
    """A check: a short stroke down to the bottom, a long one up past the top right."""
    low = np.array([rng.uniform(-0.2, 0.1), rng.uniform(0.6, 0.9)])
    start = np.array([rng.uniform(-0.95, -0.7), rng.uniform(-0.1, 0.2)])
    end = np.array([rng.uniform(0.9, 1.2), rng.uniform(-1.2, -0.9)])
    return _strokes(geo, shape, tooth, rng, [np.array([start, low, end])])


def _x(geo, shape, tooth, rng) -> np.ndarray:
    """An X: two diagonal strokes reaching a little past the outline."""
    r = rng.uniform(0.8, 1.05, 4)
    return _strokes(geo, shape, tooth, rng, [np.array([[-r[0], -r[1]], [r[0], r[1]]]),
                                             np.array([[r[2], -r[3]], [-r[2], r[3]]])])


def _light(geo, shape, tooth, rng) -> np.ndarray:
    """One loose scribble pass at low pressure: the grain shows."""
    pts = _zigzag(geo, rng.uniform(-0.6, 0.6), rng.uniform(0.0, 0.1), rng)
    cover = stroke(shape, pts, geo.line_px, _pressure(len(pts), 0.35, rng))
    return _graphite(cover, tooth, 0.7)


def _erased(geo: _Geometry, shape, tooth, rng) -> np.ndarray:
    """What an eraser leaves of a dark fill: a faint smudge spread past the
    mark, with streaks along the eraser's rubbing and graphite kept in the
    paper's valleys."""
    mark = _fill(geo, shape, tooth, rng)
    smudge = 0.6 * cv2.GaussianBlur(mark, (0, 0), geo.line_px * 0.5) + 0.4 * mark
    length = max(int(geo.line_px * 3) | 1, 3)
    kernel = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5),
                                     float(rng.uniform(0, 180)), 1.0)
    line = np.zeros((length, length), np.float32)
    line[length // 2] = 1.0 / length
    kernel = cv2.warpAffine(line, kernel, (length, length))
    rub = cv2.filter2D(rng.random(shape, dtype=np.float32), -1, kernel)
    rub = (rub - rub.min()) / max(float(np.ptp(rub)), 1e-6)
    return smudge * (0.2 + 0.3 * (1.0 - tooth) + rub * rub)


def _stray(geo, shape, tooth, rng) -> np.ndarray:
    """A stray pencil line beside the bubble (a slip, a tally, a doodle): it
    may touch the outline but is kept out of the measuring ellipse."""
    side = rng.choice([-1.0, 1.0])
    x0 = side * rng.uniform(1.05, 1.3)
    path = np.array([[x0, rng.uniform(-1.4, -0.6)], [x0 + rng.uniform(-0.2, 0.2), 0.0],
                     [x0 + rng.uniform(-0.3, 0.3), rng.uniform(0.6, 1.4)]])
    pts = geo.to_px(_densify(path, 8))
    cover = stroke(shape, pts, geo.line_px * rng.uniform(0.8, 1.3),
                   _pressure(len(pts), rng.uniform(0.5, 0.9), rng))
    u, v = _normalised(*shape, geo.centre, geo.w_px * STENCIL_FILL, geo.h_px * STENCIL_FILL)
    return _graphite(cover, tooth, 0.45) * (u * u + v * v > 1.1)


_BUILDERS = {"dark": _fill, "partial": _partial, "check": _check, "x": _x, "light": _light,
             "erased": _erased, "erased_remarked": _erased, "stray": _stray,
             "blank": lambda geo, shape, tooth, rng: np.zeros(shape, np.float32)}
