"""How forms look in print: the inks, the strokes, the type sizes and the fonts.

Inks are gray levels (0 black … 255 paper). Bubble outlines and the letters
inside them print in a lighter ink than text, as the "dropout" colour of a real
form does, but stay visible on a gray or bitonal scan. Fonts are DejaVu Sans
Condensed, shipped in ``sample_sheets/fonts`` (Bitstream Vera licence).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path(__file__).parent / "fonts"
FONT_FILES = {False: FONT_DIR / "DejaVuSansCondensed.ttf",
              True: FONT_DIR / "DejaVuSansCondensed-Bold.ttf"}

INK = 0
OUTLINE_GRAY = 110
"""Bubble outlines."""
LETTER_GRAY = 150
"""Option letters inside bubbles."""
BAND_GRAY = 212
"""Shaded title bands and column headers."""
RULE_GRAY = 170
"""Writing lines of response areas, the label area's hint."""

BUBBLE_LINE_IN = 0.007
FRAME_LINE_IN = 0.01
THIN_LINE_IN = 0.006

TITLE_PT = 7.5
"""A field's title in its shaded band."""
KEY_PT = 7.0
"""Item numbers and key or option labels beside bubbles."""
LINE_HEIGHT = 1.2
"""Line pitch of text, in multiples of the type size."""

FRAME_PAD_IN = 0.06
"""Paper between a field's contents and its frame."""
BAND_H_IN = 0.17
"""Height of a field's title band."""
LABEL_GAP_IN = 0.04
"""Paper between a bubble and the text beside it."""


def letter_pt(bubble_h_in: float) -> float:
    """Type size of the option letter inside a bubble of height ``bubble_h_in``."""
    return round(bubble_h_in * 72 * 0.62, 2)


@lru_cache(maxsize=4)
def _metrics_font(bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES[bold]), 1000)


def text_width_in(text: str, size_pt: float, bold: bool = False) -> float:
    """Advance width of one line of ``text`` at ``size_pt``, inches."""
    return _metrics_font(bold).getlength(text) / 1000 * size_pt / 72


def text_height_in(text: str, size_pt: float) -> float:
    """Height of the lines of ``text`` (split at newlines) at ``size_pt``, inches."""
    return (text.count("\n") + 1) * LINE_HEIGHT * size_pt / 72
