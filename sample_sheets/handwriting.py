"""Handwriting-like pencil text: written responses and hand-printed letters.

Text is set glyph by glyph in a script-style font (Z003, the URW Zapf Chancery
clone, when installed; an oblique sans otherwise) with per-glyph jitter of
position, size and spacing, then each line is slanted and its baseline wobbled,
and the ink is laid down as pencil (gray, with the paper's grain). Typed
responses use a plain serif at a fixed size. Everything returns *darkness*
(float32, 0 paper … 1 black) for :func:`sample_sheets.marks.composite`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sample_sheets.marks import paper_tooth

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


def _set_glyphs(text: str, size_px: int, width: int, height: int, jitter: float,
                fonts: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    """``text`` set glyph by glyph on a ``height × width`` float32 ink canvas
    (0–1), baseline at 70 % of the height; ``jitter`` is the share of the size
    by which each glyph's size and position vary. Stops at the right edge."""
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    baseline, x = 0.7 * height, 0.0
    for char in text:
        size = max(int(round(size_px * (1 + jitter * rng.normal(0, 0.6)))), 4)
        face = font(fonts, size)
        advance = face.getlength(char)
        if x + advance > width:
            break
        dy = jitter * size_px * rng.normal(0, 0.3)
        draw.text((x, baseline + dy), char, fill=255, font=face, anchor="ls")
        x += advance * (1 + jitter * rng.normal(0, 0.5))
    return np.asarray(canvas, np.float32) / 255.0


def _handle(ink: np.ndarray, slant: float, wobble_px: float, rng: np.random.Generator
            ) -> np.ndarray:
    """A line of ink slanted by ``slant`` (x shift per px above the baseline)
    with its baseline wandering by up to ``wobble_px``."""
    rows, cols = ink.shape
    ys, xs = np.mgrid[0:rows, 0:cols].astype(np.float32)
    phase, period = rng.uniform(0, 2 * np.pi), rng.uniform(150, 400)
    drift = wobble_px * np.sin(phase + xs / period * 2 * np.pi)
    return cv2.remap(ink, xs + slant * (ys - 0.7 * rows), ys + drift, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _pencil(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink (0–1) as pencil darkness: gray of a hand's pressure, paper grain."""
    pressure = rng.uniform(0.55, 0.8)
    return ink * pressure * (0.7 + 0.3 * paper_tooth(ink.shape, rng))


def written_lines(width: int, height: int, line_pitch: float, rng: np.random.Generator,
                  typed: bool = False, fill: float = 1.0) -> np.ndarray:
    """Darkness (float32, ``height × width``) of a response written on lines
    ``line_pitch`` px apart, the first baseline one pitch down; about ``fill``
    of the lines are used (the last one part-way). ``typed`` sets the text in
    a plain serif, black, without jitter."""
    out = np.zeros((height, width), np.float32)
    pitch = max(int(line_pitch), 12)
    size = int(pitch * (0.55 if typed else 0.7))
    lines = max(int(round(height / pitch * fill)) - 1, 1)
    for i in range(lines):
        top = i * pitch + int(0.28 * pitch)
        if top + pitch > height:
            break
        last = i == lines - 1
        text = sentence(rng, int(rng.integers(3, 8) if last else 24))
        indent = int(rng.uniform(0.0, 0.04) * width) + (int(0.06 * width) if i == 0 else 0)
        if typed:
            ink = _set_glyphs(text, size, width - indent, pitch, 0.0, TYPED_FONTS, rng)
            out[top:top + pitch, indent:] = np.maximum(out[top:top + pitch, indent:], ink * 0.9)
            continue
        ink = _set_glyphs(text, size, width - indent - 10, pitch, 0.08, SCRIPT_FONTS, rng)
        ink = _handle(ink, rng.uniform(0.1, 0.35), pitch * 0.06, rng)
        out[top:top + pitch, indent:width - 10] = np.maximum(
            out[top:top + pitch, indent:width - 10], _pencil(ink, rng))
    return out


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
