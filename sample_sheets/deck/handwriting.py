"""Handwriting-like pencil text: written responses and hand-printed letters.

Text is set glyph by glyph in a script-style font (Z003, the URW Zapf Chancery
clone, when installed; an oblique sans otherwise) with per-glyph jitter of
position, size and spacing, then each line is slanted and its baseline wobbled,
and the ink is laid down as pencil (gray, with the paper's grain). Typed
responses use a plain serif at a fixed size. Everything returns *darkness*
(float32, 0 paper … 1 black) for :func:`sample_sheets.deck.marks.composite`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sample_sheets.deck.marks import paper_tooth

FONT_ROOT = Path("/usr/share/fonts")
SCRIPT_FONTS = ("Z003-MediumItalic.otf", "URWBookman-LightItalic.otf", "DejaVuSans-Oblique.ttf")
PRINT_FONTS = ("URWGothic-Book.otf", "DejaVuSans.ttf")
TYPED_FONTS = ("NimbusRoman-Regular.otf", "LiberationSerif-Regular.ttf", "DejaVuSerif.ttf")

_WORD_TEXT = (
    "the of and to in is was that for it with as on be at by this had not are but from or have "
    "an they which one you were all we when there can more if no out so said what up its about "
    "into than them only other new some time could these two may then first any my now such "
    "like our over man me even most made after also did many before must through back years "
    "where much your way well down should because each just those people how too little state "
    "good very make world still own see men work long get here between both life being under "
    "never day same another know while last might us great old year off come since against go "
    "came right used take three states himself few house use during without again place around "
    "however home small found thought went say part once general high upon school every does "
    "believe reason friends summer garden river important because together family remember"
)
WORDS = tuple(_WORD_TEXT.split())


@lru_cache(maxsize=8)
def font_path(names: tuple[str, ...]) -> Path:
    """The first of the font files ``names`` found under /usr/share/fonts."""
    for name in names:
        found = sorted(FONT_ROOT.rglob(name))
        if found:
            return found[0]
    raise FileNotFoundError(f"none of the fonts {names} is installed under {FONT_ROOT}")


@lru_cache(maxsize=256)
def font(names: tuple[str, ...], size_px: int) -> ImageFont.FreeTypeFont:
    """The first of ``names`` installed, at ``size_px``."""
    return ImageFont.truetype(str(font_path(names)), size_px)


def sentence(rng: np.random.Generator, words: int) -> str:
    """``words`` random words, a capital at the start, a full stop now and then."""
    chosen = [str(w) for w in rng.choice(WORDS, words)]
    chosen[0] = chosen[0].capitalize()
    for i in range(1, words):
        if rng.random() < 0.08:
            chosen[i - 1] += "."
            chosen[i] = chosen[i].capitalize()
    return " ".join(chosen)


@lru_cache(maxsize=8192)
def _glyph(fonts: tuple[str, ...], size_px: int, char: str
           ) -> tuple[np.ndarray | None, int, int, float]:
    """One glyph's ink (float32 0–1, or None for a space), its offset (x, y)
    from the pen position on the baseline, and its advance, px."""
    face = font(fonts, size_px)
    advance = face.getlength(char)
    left, top, right, bottom = face.getbbox(char, anchor="ls")
    if right <= left or bottom <= top:
        return None, 0, 0, advance
    image = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(image).text((-left, -top), char, fill=255, font=face, anchor="ls")
    ink = np.asarray(image, np.float32) / 255.0
    ink.flags.writeable = False
    return ink, left, top, advance


def _set_glyphs(text: str, size_px: int, width: int, height: int, jitter: float,
                fonts: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    """``text`` set glyph by glyph on a ``height × width`` float32 ink canvas
    (0–1), baseline at 70 % of the height; ``jitter`` is the share of the size
    by which each glyph's size and position vary. Stops before the word that
    would cross the right edge.
    Glyphs are rendered once per (font, size, character) and kept."""
    canvas = np.zeros((height, width), np.float32)
    baseline, x, word_start = 0.7 * height, 0.0, 0.0
    n = len(text)
    sizes = np.maximum(np.rint(size_px * (1 + jitter * rng.normal(0, 0.6, n))), 4).astype(int)
    dys = jitter * size_px * rng.normal(0, 0.3, n)
    stretch = 1 + jitter * rng.normal(0, 0.5, n)
    for char, size, dy, st in zip(text, sizes.tolist(), dys.tolist(), stretch.tolist(),
                                  strict=True):
        ink, left, top, advance = _glyph(fonts, size, char)
        if x + advance > width:
            if word_start > 0:
                canvas[:, int(word_start):] = 0     # no word cut at the edge
            break
        if char == " ":
            word_start = x
        if ink is not None:
            x0, y0 = int(round(x)) + left, int(round(baseline + dy)) + top
            gx0, gy0 = max(-x0, 0), max(-y0, 0)
            gx1 = min(ink.shape[1], width - x0)
            gy1 = min(ink.shape[0], height - y0)
            if gx1 > gx0 and gy1 > gy0:
                region = canvas[y0 + gy0:y0 + gy1, x0 + gx0:x0 + gx1]
                np.maximum(region, ink[gy0:gy1, gx0:gx1], out=region)
        x += advance * st
    return canvas


def _handle(ink: np.ndarray, slant: float, wobble_px: float, rng: np.random.Generator
            ) -> np.ndarray:
    """A line of ink slanted by ``slant`` (x shift per px above the baseline)
    with its baseline wandering by up to ``wobble_px``."""
    rows, cols = ink.shape
    ys, xs = _grid(rows, -(-cols // 512) * 512)
    ys, xs = ys[:, :cols], xs[:, :cols]
    phase, period = rng.uniform(0, 2 * np.pi), rng.uniform(150, 400)
    drift = (wobble_px * np.sin(phase + xs[0] / period * 2 * np.pi)).astype(np.float32)
    return cv2.remap(ink, xs + np.float32(slant) * (ys - np.float32(0.7 * rows)), ys + drift,
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


@lru_cache(maxsize=16)
def _grid(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel row and column coordinates of a ``rows × cols`` image (float32, kept)."""
    ys, xs = np.mgrid[0:rows, 0:cols].astype(np.float32)
    ys.flags.writeable = False
    xs.flags.writeable = False
    return ys, xs


def _pencil(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink (0–1) as pencil darkness: gray of a hand's pressure, paper grain."""
    pressure = rng.uniform(0.55, 0.8)
    return ink * pressure * (0.7 + 0.3 * paper_tooth(ink.shape, rng))


def written_lines(width: int, height: int, lines: int, used: int, rng: np.random.Generator,
                  typed: bool = False) -> list[tuple[int, int, np.ndarray]]:
    """A response written on the ``lines`` rules of an area ``width × height``
    px (rules at ``(i + 1) × height / (lines + 1)``, as the renderer draws them):
    the first ``used`` rules are written on (the last of them part-way), each
    line of text sitting on its rule. Returns one piece per line: its top-left
    (x, y) in the area and its darkness (float32). ``typed`` sets the text in a
    plain serif, black, without jitter."""
    pieces = []
    pitch = height / (lines + 1)
    box_h = int(round(pitch))
    size = int(pitch * (0.55 if typed else 0.7))
    margin = max(int(0.02 * width), 4)
    for i in range(min(used, lines)):
        top = int(round((i + 1) * pitch - 0.7 * box_h))  # glyph baselines are 70 % down their box
        last = i == used - 1
        text = sentence(rng, int(rng.integers(3, 8) if last else 24))
        indent = margin + int(rng.uniform(0.0, 0.03) * width) + (int(0.05 * width) if i == 0 else 0)
        span = width - margin - indent
        if typed:
            ink = _set_glyphs(text, size, span, box_h, 0.0, TYPED_FONTS, rng) * 0.9
        else:
            ink = _set_glyphs(text, size, span, box_h, 0.08, SCRIPT_FONTS, rng)
            ink = _pencil(_handle(ink, rng.uniform(0.1, 0.35), pitch * 0.05, rng), rng)
        pieces.append((indent, top, ink))
    return pieces


def printed_letter(char: str, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Darkness (float32, ``height × width``) of a capital hand-printed in a
    write-in box: a plain print face, jittered, slightly rotated, in pencil."""
    size = int(height * rng.uniform(0.6, 0.75))
    face = font(PRINT_FONTS, size)
    canvas = Image.new("L", (width, height), 0)
    centre = (width / 2 + rng.normal(0, 0.05) * width, height / 2 + rng.normal(0, 0.05) * height)
    ImageDraw.Draw(canvas).text(centre, char, fill=255, font=face, anchor="mm",
                                stroke_width=max(size // 30, 1), stroke_fill=255)
    turned = canvas.rotate(float(rng.normal(0, 5)), resample=Image.BILINEAR, center=centre)
    ink = cv2.GaussianBlur(np.asarray(turned, np.float32) / 255.0, (0, 0), 0.6)
    return _pencil(ink, rng)
