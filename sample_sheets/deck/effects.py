"""Scan effects: what a production scanner makes of a printed, filled-in page.

A page (uint8 gray, 255 paper, 0 printed black, at ``dpi``) goes through, in
order: the sheet's placement on the feed (180° turn when fed upside down, skew,
shift, scale about the page centre), the scanner's tone response (paper and
black gray levels), uneven illumination (a gradient and a vignette), optics blur, streaks from
dirt on the glass (vertical lines in the feed direction), sensor noise, dust
speckle, and finally bitonal thresholding or JPEG compression. Each effect's
parameters are drawn once per page into :class:`ScanEffects` and written to the
page's truth, so a reader's result can be checked against them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from statistics import NormalDist

import cv2
import numpy as np

LEVELS: tuple[str, ...] = ("none", "typical", "harsh", "worst")
CLIPPING_LEVELS: tuple[str, ...] = ("worst",)
"""Levels whose scan frame may clip the sheet's corners, registration marks
included (the generator keeps only the bubbles, page-id strip and barcodes inside)."""
BITONAL_DARKNESS = 0.22
"""Bitonal threshold as a share of paper − black below paper: set light, as for
pencil documents, so that light marks survive and erasure residue drops out."""


@dataclass(frozen=True)
class ScanEffects:
    """One page's scan. Angles in degrees (clockwise positive, as seen in the
    image), shifts in inches (x right, y down), gray levels 0–255, ``blur_sigma``
    and ``streaks`` x positions in output pixels. ``None``/0 means not applied.
    ``illumination`` is (gradient, direction in degrees, vignette): the light
    falls off linearly across the page towards ``direction`` (0 = towards the
    right edge, 90 = towards the bottom, of the image) by ``gradient`` and
    radially from the centre towards the corners by ``vignette``, both as
    shares of paper − black at the far edge or corner."""

    rotated_180: bool = False
    skew_deg: float = 0.0
    shift_in: tuple[float, float] = (0.0, 0.0)
    scale: float = 1.0
    paper: int = 255
    black: int = 0
    blur_sigma: float = 0.0
    streaks: tuple[tuple[int, int], ...] = ()
    noise_sigma: float = 0.0
    speckle: int = 0
    bitonal_threshold: int | None = None
    jpeg_quality: int | None = None
    illumination: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def to_json(self) -> dict:
        out = asdict(self)
        out["shift_in"] = list(self.shift_in)
        out["streaks"] = [list(s) for s in self.streaks]
        out["illumination"] = list(self.illumination)
        return out

    @classmethod
    def from_json(cls, data: dict) -> ScanEffects:
        return cls(**{**data, "shift_in": tuple(data["shift_in"]),
                      "streaks": tuple(tuple(s) for s in data["streaks"]),
                      "illumination": tuple(data.get("illumination", (0.0, 0.0, 0.0)))})


def draw_effects(level: str, width_px: int, rng: np.random.Generator) -> ScanEffects:
    """Random effects for one page at ``level`` ("none", "typical", "harsh",
    "worst"); ``width_px`` places streaks."""
    if level == "none":
        return ScanEffects()
    if level not in LEVELS:
        raise ValueError(f"unknown effects level {level!r}: use one of {LEVELS}")
    if level == "worst":
        return _draw_worst(width_px, rng)
    harsh = level == "harsh"
    skew = rng.uniform(-3.0, 3.0) if harsh else float(np.clip(rng.normal(0, 0.4), -1.0, 1.0))
    shift = rng.uniform(-0.15, 0.15, 2) if harsh else rng.uniform(-0.05, 0.05, 2)
    n_streaks = int(rng.integers(1, 4)) if harsh and rng.random() < 0.5 else (
        1 if rng.random() < 0.08 else 0)
    streaks = tuple((int(rng.integers(0, width_px)), int(rng.integers(-40, 25)))
                    for _ in range(n_streaks))
    bitonal = harsh and rng.random() < 0.25
    paper = int(rng.integers(215, 251) if harsh else rng.integers(228, 251))
    black = int(rng.integers(5, 61) if harsh else rng.integers(10, 41))
    jpeg = (int(rng.integers(40, 61)) if harsh else int(rng.integers(75, 93))
            ) if rng.random() < 0.6 else None
    return ScanEffects(
        rotated_180=bool(rng.random() < (0.15 if harsh else 0.02)),
        skew_deg=round(float(skew), 3),
        shift_in=(round(float(shift[0]), 4), round(float(shift[1]), 4)),
        scale=round(float(rng.uniform(0.98, 1.02) if harsh else rng.uniform(0.995, 1.005)), 5),
        paper=paper, black=black,
        blur_sigma=round(float(rng.uniform(0.5, 1.5) if harsh else rng.uniform(0.3, 0.8)), 3),
        streaks=streaks,
        noise_sigma=round(float(rng.uniform(4, 10) if harsh else rng.uniform(1.5, 4)), 3),
        speckle=int(rng.integers(50, 400) if harsh else rng.integers(0, 30)),
        bitonal_threshold=(int(round(paper - BITONAL_DARKNESS * (paper - black)))
                           if bitonal else None),
        jpeg_quality=None if bitonal else jpeg,
    )


def _draw_worst(width_px: int, rng: np.random.Generator) -> ScanEffects:
    """Effects of the worst scans a center receives: harsh placement and tone,
    rotation to ±3.5° and shift to ±0.2 in (the frame may clip the corners), the
    paper tone varying page to page, uneven light (a gradient of 5–15 % and a
    vignette of up to 10 % of paper − black), heavier blur and noise. Bitonal
    pages are thresholded after the scanner's shading correction: no uneven light."""
    paper, black = int(rng.integers(200, 251)), int(rng.integers(5, 61))
    bitonal = rng.random() < 0.2
    jpeg = int(rng.integers(35, 61)) if rng.random() < 0.6 else None
    shift = rng.uniform(-0.2, 0.2, 2)
    streaks = tuple((int(rng.integers(0, width_px)), int(rng.integers(-40, 25)))
                    for _ in range(int(rng.integers(1, 4)) if rng.random() < 0.5 else 0))
    light = (round(float(rng.uniform(0.05, 0.15)), 4), round(float(rng.uniform(0, 360)), 1),
             round(float(rng.uniform(0.0, 0.10)), 4))
    return ScanEffects(
        rotated_180=bool(rng.random() < 0.15),
        skew_deg=round(float(rng.uniform(-3.5, 3.5)), 3),
        shift_in=(round(float(shift[0]), 4), round(float(shift[1]), 4)),
        scale=round(float(rng.uniform(0.98, 1.02)), 5),
        paper=paper, black=black,
        blur_sigma=round(float(rng.uniform(0.8, 2.0)), 3),
        streaks=streaks,
        noise_sigma=round(float(rng.uniform(6, 14)), 3),
        speckle=int(rng.integers(100, 600)),
        bitonal_threshold=(int(round(paper - BITONAL_DARKNESS * (paper - black)))
                           if bitonal else None),
        jpeg_quality=None if bitonal else jpeg,
        illumination=(0.0, 0.0, 0.0) if bitonal else light,
    )


def transform(fx: ScanEffects, shape: tuple[int, int], dpi: float) -> np.ndarray:
    """The 2 × 3 affine map from form inches to scanned-image pixels (pixel
    centres at integers), 180° turn included."""
    rows, cols = shape
    centre = ((cols - 1) / 2, (rows - 1) / 2)
    place = np.vstack([cv2.getRotationMatrix2D(centre, -fx.skew_deg, fx.scale), [0, 0, 1]])
    place[:2, 2] += np.asarray(fx.shift_in) * dpi
    inches = np.diag([dpi, dpi, 1.0])
    turn = np.eye(3)
    if fx.rotated_180:
        turn = np.array([[-1.0, 0, cols - 1], [0, -1.0, rows - 1], [0, 0, 1]])
    return (place @ turn @ inches)[:2]


def keep_on_sheet(fx: ScanEffects, points_in: np.ndarray, shape: tuple[int, int], dpi: float,
                  margin_in: float) -> ScanEffects:
    """``fx`` with its shift, then scale, then skew reduced (in quarters) until
    every point of ``points_in`` (n, 2), inches, lands at least ``margin_in``
    inside the image: a scanner's window holds the whole sheet (the points are
    the registration marks' corners), or at least the parts of it that are
    read (the points are the bubbles, page-id strip and barcodes)."""
    rows, cols = shape
    margin = margin_in * dpi

    def inside(candidate: ScanEffects) -> bool:
        px = points_in @ transform(candidate, shape, dpi)[:, :2].T + transform(
            candidate, shape, dpi)[:, 2]
        return bool(((px >= margin) & (px <= np.array([cols - 1, rows - 1]) - margin)).all())

    for name in ("shift_in", "scale", "skew_deg"):
        original = getattr(fx, name)
        for t in (0.75, 0.5, 0.25, 0.0):
            if inside(fx):
                return fx
            fx = replace(fx, **{name: _shrink(original, name, t)})
    return fx


def _shrink(value, name: str, t: float):
    """``value`` of effect ``name`` moved towards no effect, to share ``t``."""
    if name == "shift_in":
        return (round(value[0] * t, 4), round(value[1] * t, 4))
    if name == "scale":
        return round(1.0 + (value - 1.0) * t, 5)
    return round(value * t, 3)


def apply_effects(page: np.ndarray, fx: ScanEffects, dpi: float, rng: np.random.Generator
                  ) -> np.ndarray:
    """The scan (uint8 gray, same shape) of ``page`` (uint8 gray, 255 paper)
    under ``fx``; ``rng`` draws the noise and speckle. Works in uint8 with
    saturating arithmetic throughout (about 40 ms a letter page at 300 dpi)."""
    rows, cols = page.shape
    geometry = transform(fx, (rows, cols), dpi) @ np.diag([1 / dpi, 1 / dpi, 1.0])
    out = page
    if not np.allclose(geometry, [[1, 0, 0], [0, 1, 0]]):
        out = cv2.warpAffine(page, geometry, (cols, rows), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    if (fx.paper, fx.black) != (255, 0):
        tone = fx.black + np.arange(256) * ((fx.paper - fx.black) / 255.0)
        out = cv2.LUT(out, np.rint(tone).astype(np.uint8))
    if any(fx.illumination[::2]):
        out = _illuminate(out, fx.illumination, fx.black)
    if fx.blur_sigma:
        out = cv2.GaussianBlur(out, (0, 0), fx.blur_sigma)
    for x, delta in fx.streaks:
        band = out[:, max(x - 1, 0):x + 2]
        band[:] = np.clip(band.astype(np.int16) + delta, 0, 255)
    if fx.noise_sigma:
        out = add_noise(out, fx.noise_sigma, rng)
    if fx.speckle:
        _speckle(out, fx.speckle, fx.black, rng)
    if fx.bitonal_threshold is not None:
        return np.where(out < fx.bitonal_threshold, 0, 255).astype(np.uint8)
    if fx.jpeg_quality is not None:
        out = jpeg_roundtrip(out, fx.jpeg_quality)
    return out


def illumination_share(shape: tuple[int, int], illumination: tuple[float, float, float]
                       ) -> np.ndarray:
    """The light lost at each pixel as a share of paper − black, float32 of
    ``shape`` (rows, cols): 0 where the light is full, ``gradient`` at the far
    edge towards the gradient's direction, plus ``vignette`` × (r / r_corner)²."""
    gradient, direction, vignette = illumination
    rows, cols = shape
    ys, xs = np.mgrid[0:rows, 0:cols].astype(np.float32)
    xs, ys = xs / max(cols - 1, 1) - 0.5, ys / max(rows - 1, 1) - 0.5
    dx, dy = np.cos(np.radians(direction)), np.sin(np.radians(direction))
    along = xs * dx + ys * dy
    reach = 0.5 * (abs(dx) + abs(dy))
    ramp = (along + reach) / (2 * reach)
    return (gradient * ramp + vignette * (xs**2 + ys**2) / 0.5).astype(np.float32)


def _illuminate(image: np.ndarray, illumination: tuple[float, float, float], black: int
                ) -> np.ndarray:
    """``image`` under uneven light: every gray value's distance above ``black``
    scaled by 1 − :func:`illumination_share` (computed at 1/8 size, resized,
    in steps of 1/255)."""
    rows, cols = image.shape
    small = illumination_share(((rows + 7) // 8, (cols + 7) // 8), illumination)
    keep = cv2.resize(np.rint(255 * (1.0 - small)).astype(np.uint8), (cols, rows),
                      interpolation=cv2.INTER_LINEAR)
    lifted = cv2.subtract(image, np.full_like(image, black))
    return cv2.add(cv2.multiply(lifted, keep, scale=1 / 255), np.full_like(image, black))


NOISE_POOL_BYTES = 1 << 24
"""Random bytes drawn once (fixed seed) from which every page's sensor noise is cut."""


@lru_cache(maxsize=1)
def _noise_pool() -> np.ndarray:
    pool = np.frombuffer(np.random.default_rng(20130902).bytes(NOISE_POOL_BYTES), np.uint8)
    pool.flags.writeable = False
    return pool


@lru_cache(maxsize=64)
def _noise_luts(sigma: float) -> tuple[np.ndarray, np.ndarray]:
    normal = NormalDist(0.0, sigma)
    offsets = np.rint([normal.inv_cdf((i + 0.5) / 256.0) for i in range(256)])
    return (np.clip(offsets, 0, 255).astype(np.uint8), np.clip(-offsets, 0, 255).astype(np.uint8))


def add_noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``image`` plus Gaussian noise of ``sigma`` gray levels, quantised to 256
    quantiles (a random byte per pixel through the normal inverse CDF). The
    bytes are a stretch of a fixed pool starting at a random place (drawing
    8 MB of fresh random bytes per page costs more than the rest of a scan)."""
    up, down = _noise_luts(round(float(sigma), 3))
    pool = _noise_pool()
    if image.size > pool.size:
        draws = np.frombuffer(rng.bytes(image.size), np.uint8).reshape(image.shape)
    else:
        start = int(rng.integers(0, pool.size - image.size + 1))
        draws = pool[start:start + image.size].reshape(image.shape)
    return cv2.subtract(cv2.add(image, cv2.LUT(draws, up)), cv2.LUT(draws, down))


def _speckle(out: np.ndarray, count: int, black: int, rng: np.random.Generator) -> None:
    """Dust: ``count`` dark dots of 1–3 px, in place."""
    rows, cols = out.shape
    ys, xs = rng.integers(0, rows, count), rng.integers(0, cols, count)
    sizes = rng.integers(1, 4, count)
    for x, y, s in zip(xs, ys, sizes, strict=True):
        out[y:y + s, x:x + s] = min(black + 20, 255)


def jpeg_roundtrip(image: np.ndarray, quality: int) -> np.ndarray:
    """``image`` compressed to JPEG at ``quality`` and decoded again."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV could not encode JPEG")
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
