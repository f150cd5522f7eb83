"""A hand-built form and an OpenCV drawing of it, for testing the reader
without the renderer or the deck generator."""

from __future__ import annotations

import cv2
import numpy as np
import zxingcpp

from sample_sheets.codes import encode_page_id
from sample_sheets.model import (
    Area,
    Box,
    Field,
    Form,
    Layout,
    Lithocode,
    Option,
    Page,
    PageIdStrip,
    RegistrationMark,
    expand_layout,
)

BW, BH = 0.22, 0.15
LETTERS = tuple(Option(c) for c in "ABCDEFGHIJ")


def _field(name, kind, keys, options, layout, **kw) -> Field:
    return Field(name, kind, 1, keys=keys, options=options, layout=layout,
                 bubbles=expand_layout(name, 1, keys, options, layout, BW, BH), **kw)


def make_form(form_code: int = 7) -> Form:
    grid_layout = Layout(1.0, 2.0, "vertical", 0.25, 0.3)
    name = _field("last_name", "grid", tuple(str(i) for i in range(1, 6)), LETTERS, grid_layout,
                  write_in=tuple(Box(1.0 + 0.3 * i - 0.13, 1.45, 0.26, 0.3) for i in range(5)))
    items = _field("items", "choice", tuple(str(i) for i in range(1, 21)),
                   tuple(Option(c) for c in "ABCD"),
                   Layout(3.5, 2.0, "horizontal", 0.3, 0.3, per_block=10, block_pitch_in=1.8))
    flags = _field("flags", "codes", ("iep", "lep"), (Option("Y"),),
                   Layout(1.0, 6.0, "horizontal", 0.3, 0.3), selection="multiple")
    label = Field("label", "label", 1, areas=(Area(1, Box(4.0, 7.0, 3.0, 1.2)),))
    corners = [(0.5, 0.5), (8.0, 0.5), (0.5, 10.5), (8.0, 10.5)]
    page = Page(1, 8.5, 11.0, tuple(RegistrationMark(x, y, 0.25) for x, y in corners),
                PageIdStrip(1.5, 0.5, 0.25, 0.18, 0.12), (name, items, flags, label),
                Lithocode(Box(5.0, 9.8, 2.4, 0.5), Box(5.0, 10.35, 2.4, 0.2)))
    return Form("synthetic", "Synthetic test form", form_code, (page,))


def _px(v: float, dpi: int) -> int:
    return int(round(v * dpi))


def draw_blank(form: Form, page_number: int, dpi: int = 300, lithocode: str | None = None
               ) -> np.ndarray:
    """The printed page: marks, strip, bubble outlines with letters, boxes."""
    page = form.page(page_number)
    img = np.full((_px(page.height_in, dpi), _px(page.width_in, dpi)), 255, np.uint8)
    for m in page.registration:
        h = m.size_in / 2
        cv2.rectangle(img, (_px(m.x_in - h, dpi), _px(m.y_in - h, dpi)),
                      (_px(m.x_in + h, dpi) - 1, _px(m.y_in + h, dpi) - 1), 0, -1)
    s = page.page_id
    for (x, y), bit in zip(s.centres(), encode_page_id(form.form_code, page_number), strict=True):
        if bit:
            cv2.rectangle(img, (_px(x - s.cell_w_in / 2, dpi), _px(y - s.cell_h_in / 2, dpi)),
                          (_px(x + s.cell_w_in / 2, dpi), _px(y + s.cell_h_in / 2, dpi)), 0, -1)
    for b in page.bubbles:
        centre, axes = (_px(b.x_in, dpi), _px(b.y_in, dpi)), (_px(b.w_in / 2, dpi),
                                                                _px(b.h_in / 2, dpi))
        cv2.ellipse(img, centre, axes, 0, 0, 360, 0, max(dpi // 150, 1), cv2.LINE_AA)
        scale = dpi / 300 * 0.9
        (tw, th), _ = cv2.getTextSize(b.option, cv2.FONT_HERSHEY_SIMPLEX, scale * 0.5, 1)
        cv2.putText(img, b.option, (centre[0] - tw // 2, centre[1] + th // 2),
                    cv2.FONT_HERSHEY_SIMPLEX, scale * 0.5, 90, 1, cv2.LINE_AA)
    if lithocode and page.lithocode:
        draw_barcode(img, page.lithocode.box, lithocode, dpi)
    return img


def draw_barcode(img: np.ndarray, box: Box, text: str, dpi: int, fmt=None) -> None:
    code = zxingcpp.create_barcode(text, fmt or zxingcpp.BarcodeFormat.ITF)
    bars = np.asarray(code.to_image(scale=1, add_quiet_zones=False))[0]
    w, h = _px(box.w_in, dpi), _px(box.h_in, dpi)
    strip = cv2.resize(bars[None, :], (w, h), interpolation=cv2.INTER_NEAREST)
    x, y = _px(box.x_in, dpi), _px(box.y_in, dpi)
    img[y:y + h, x:x + w] = np.minimum(img[y:y + h, x:x + w], strip)


def fill(img: np.ndarray, form: Form, field: str, key: str, option: str, gray: int,
         dpi: int = 300, share: float = 1.0) -> None:
    """Pencil a bubble with ``gray`` (0 black … 255 paper) over ``share`` of its height."""
    b = next(b for b in form.fields[field].bubbles if b.key == key and b.option == option)
    mask = np.zeros_like(img)
    cv2.ellipse(mask, (_px(b.x_in, dpi), _px(b.y_in, dpi)),
                (_px(b.w_in / 2, dpi), _px(b.h_in / 2, dpi)), 0, 0, 360, 255, -1)
    top = _px(b.y_in + b.h_in / 2 - b.h_in * share, dpi)
    mask[:top] = 0
    img[mask > 0] = np.minimum(img[mask > 0], gray)


def scan(img: np.ndarray, angle_deg: float = 0.0, shift=(0.0, 0.0), scale: float = 1.0,
         rotate_180: bool = False, noise: float = 0.0, seed: int = 0,
         paper: int = 240, black: int = 25) -> np.ndarray:
    """What a scanner makes of a printed page: a light gray paper level and
    black, an affine move about the centre, optional 180° feed and noise."""
    out = (black + img.astype(np.float32) * (paper - black) / 255.0)
    rows, cols = img.shape
    m = cv2.getRotationMatrix2D((cols / 2, rows / 2), angle_deg, scale)
    m[:, 2] += shift
    out = cv2.warpAffine(out, m, (cols, rows), flags=cv2.INTER_LINEAR, borderValue=paper)
    if rotate_180:
        out = cv2.rotate(out, cv2.ROTATE_180)
    if noise:
        out += np.random.default_rng(seed).normal(0, noise, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)
