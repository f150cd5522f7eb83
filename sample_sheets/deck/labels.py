"""Pre-ID labels: the printed sticker a district puts on a student's document.

A label is white stock with a Code 128 barcode of the student's SSID and the
student's name, date of birth and grade printed beside it. It is stuck over the
form's label area slightly askew, and its edge casts a thin shadow on the
scan, as a sticker's raised edge does.
"""

from __future__ import annotations

import cv2
import numpy as np
import zxingcpp
from PIL import Image, ImageDraw

from sample_sheets.deck.handwriting import TYPED_FONTS, font
from sample_sheets.deck.students import Student
from sample_sheets.model import Box

MODULE_IN = 0.013
"""Narrow bar width of the label's barcode, inches."""
INSET_IN = 0.06
"""Paper of the label area left showing around the label, inches (each side)."""


def label_image(student: Student, w_px: int, h_px: int, dpi: float) -> np.ndarray:
    """The label (uint8 gray, ``h_px × w_px``, 255 white): barcode on the top
    half, the student's printed details below it."""
    label = Image.new("L", (w_px, h_px), 255)
    bars = _code128(student.ssid, dpi)
    quiet = int(round(10 * MODULE_IN * dpi))
    bar_h = int(h_px * 0.45)
    if len(bars) + 2 * quiet > w_px:
        raise ValueError(f"label area too narrow for the barcode: {w_px} px < "
                         f"{len(bars) + 2 * quiet} px")
    strip = np.repeat(bars[None, :], bar_h, axis=0)
    label.paste(Image.fromarray(strip), (quiet, int(h_px * 0.06)))
    draw = ImageDraw.Draw(label)
    size = max(int(h_px * 0.1), 8)
    face = font(TYPED_FONTS, size)
    lines = (f"{student.last_name}, {student.first_name} {student.middle_initial}".strip(),
             f"SSID {student.ssid}   DOB {student.birth_date:%m/%d/%Y}   GR {student.grade:02d}")
    for i, text in enumerate(lines):
        draw.text((quiet, int(h_px * 0.56) + i * int(size * 1.25)), text, fill=0, font=face)
    return np.asarray(label, np.uint8).copy()


def _code128(text: str, dpi: float) -> np.ndarray:
    """One row of Code 128 bars (uint8, 0 bar, 255 space) at ``MODULE_IN`` per module."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128)
    modules = np.asarray(code.to_image(scale=1, add_quiet_zones=False))[0]
    per = max(int(round(MODULE_IN * dpi)), 1)
    return np.repeat(modules, per)


def stick_label(page: np.ndarray, student: Student, area: Box, dpi: float,
                rng: np.random.Generator) -> dict:
    """Stick a label for ``student`` over ``area`` of ``page`` (uint8 gray,
    in place), turned by up to ±1.5° and moved by up to 0.03 in. Returns its
    truth: the SSID and the placement (angle, degrees; shift, inches)."""
    w = int((area.w_in - 2 * INSET_IN) * dpi)
    h = int((area.h_in - 2 * INSET_IN) * dpi)
    label = label_image(student, w, h, dpi)
    angle = float(rng.uniform(-1.5, 1.5))
    shift = rng.uniform(-0.03, 0.03, 2)
    cx = (area.x_in + area.w_in / 2 + shift[0]) * dpi
    cy = (area.y_in + area.h_in / 2 + shift[1]) * dpi
    x0, y0 = max(int(area.x_in * dpi) - 20, 0), max(int(area.y_in * dpi) - 20, 0)
    x1, y1 = int(area.right_in * dpi) + 20, int(area.bottom_in * dpi) + 20
    region = page[y0:y1, x0:x1]
    move = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    move[:, 2] += (cx - w / 2 - x0, cy - h / 2 - y0)
    size = (region.shape[1], region.shape[0])
    stock = np.full((h, w), 255, np.uint8)
    cover = cv2.warpAffine(stock, move, size) > 127
    shadow = cv2.warpAffine(stock, move + [[0, 0, 2], [0, 0, 3]], size) > 127
    face = cv2.warpAffine(label, move, size, borderValue=255)
    edge = shadow & ~cover
    region[edge] = np.minimum(region[edge], 150)
    region[cover] = face[cover]
    return {"ssid": student.ssid, "angle_deg": round(angle, 3),
            "shift_in": [round(float(shift[0]), 4), round(float(shift[1]), 4)]}
