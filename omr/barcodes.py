"""Barcodes read on small crops: the lithocode, the pre-ID label, the header
sheet's batch code.

zxing-cpp reads each crop first; pyzbar reads the same crop blurred by one
pixel second (it reads codes crossed by a pencil stroke better, but loses 1D
codes under pixel noise unless blurred). Every value must pass its rule
(length and check digit for a lithocode) before it is taken, which removes the
short Interleaved 2 of 5 values pyzbar can return on rotated pages. The figures
behind this order are in docs/omr.md (``bench/barcodes.py``).

pyzbar is loaded on first use: it needs Debian's ``libzbar0``, and a machine without it
still starts (``scanscore --help``, the web app) and reads barcodes with zxing-cpp alone,
after one warning saying what to install.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import cv2
import numpy as np
import zxingcpp

from omr.registration import Registration
from sample_sheets.codes import lithocode_valid
from sample_sheets.model import Box, Lithocode

CROP_MARGIN_IN = 0.12
"""Clear margin added around a printed barcode box before cropping, inches."""

LABEL_SYMBOLOGY = "code128"
"""Pre-ID labels carry the student identifier in Code 128 (the form does not say)."""

_ZXING = {"itf": zxingcpp.BarcodeFormat.ITF, "code128": zxingcpp.BarcodeFormat.Code128}
_ZBAR = {"itf": "I25", "code128": "CODE128"}

ZBAR_MISSING = ("pyzbar cannot be loaded (%s): barcodes are read with zxing-cpp alone; "
                "install Debian's libzbar0 (apt-get install libzbar0) for the second decoder")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BarcodeRead:
    """One barcode read from its printed place. ``text`` is None when nothing
    acceptable was read; ``rejected`` holds values read that failed the rule;
    ``decoder`` says which decoder gave ``text``; ``box`` is the searched
    region, image pixels (x, y, w, h)."""

    name: str
    text: str | None
    decoder: str
    rejected: tuple[str, ...]
    box: tuple[int, ...]


def decode_zxing(crop: np.ndarray, symbology: str) -> list[str]:
    """Every value zxing-cpp reads in a uint8 gray crop."""
    found = zxingcpp.read_barcodes(crop, formats=_ZXING[symbology], try_rotate=False)
    return [b.text for b in found if b.valid]


@cache
def pyzbar_module() -> ModuleType | None:
    """pyzbar's decoder module, loaded once; None (and one warning) when it cannot load."""
    try:
        return importlib.import_module("pyzbar.pyzbar")
    except ImportError as exc:  # the package, or the zbar library it loads, is missing
        log.warning(ZBAR_MISSING, exc)
        return None


def decode_pyzbar(crop: np.ndarray, symbology: str) -> list[str]:
    """Every value pyzbar reads in a uint8 gray crop, blurred by one pixel first;
    none when pyzbar is not available."""
    pyzbar = pyzbar_module()
    if pyzbar is None:
        return []
    blurred = cv2.GaussianBlur(crop, (3, 3), 0)
    symbols = [getattr(pyzbar.ZBarSymbol, _ZBAR[symbology])]
    return [s.data.decode("ascii", "replace") for s in pyzbar.decode(blurred, symbols)]


DECODERS: dict[str, Callable[[np.ndarray, str], list[str]]] = {
    "zxing-cpp": decode_zxing, "pyzbar": decode_pyzbar}


def read_code(crop: np.ndarray, symbology: str, accept: Callable[[str], bool]
              ) -> tuple[str | None, str, tuple[str, ...]]:
    """(value, decoder, rejected values): the first value that ``accept`` takes,
    trying the decoders in order."""
    rejected: list[str] = []
    for name, decoder in DECODERS.items():
        for text in decoder(crop, symbology):
            if accept(text):
                return text, name, tuple(rejected)
            rejected.append(text)
    return None, "", tuple(rejected)


def crop_box(image: np.ndarray, reg: Registration, box: Box, margin_in: float = CROP_MARGIN_IN
             ) -> tuple[np.ndarray, tuple[int, ...]]:
    """The upright crop of a form box (plus margin) and its image box (x, y, w, h).
    A crop of a page fed upside down is turned back by 180°."""
    x, y, w, h = reg.box_px(box.x_in - margin_in, box.y_in - margin_in,
                            box.w_in + 2 * margin_in, box.h_in + 2 * margin_in)
    x0, y0 = max(x, 0), max(y, 0)
    crop = image[y0:y + h, x0:x + w]
    if reg.rotated_180:
        crop = cv2.rotate(crop, cv2.ROTATE_180)
    return np.ascontiguousarray(crop), (x0, y0, crop.shape[1], crop.shape[0])


def read_lithocode(image: np.ndarray, reg: Registration, litho: Lithocode) -> BarcodeRead:
    """The page's lithocode: a value is taken only with the printed number of
    digits and a valid check digit."""
    crop, box = crop_box(image, reg, litho.box)
    text, decoder, rejected = read_code(crop, litho.symbology,
                                        lambda t: lithocode_valid(t, litho.digits))
    return BarcodeRead("lithocode", text, decoder, rejected, box)


def read_barcode(image: np.ndarray, reg: Registration, name: str, box: Box, symbology: str
                 ) -> BarcodeRead:
    """Any other printed or stuck-on barcode (batch code, pre-ID label):
    a value is taken when it is non-empty printable ASCII."""
    crop, px_box = crop_box(image, reg, box)
    text, decoder, rejected = read_code(crop, symbology, lambda t: t.isprintable() and t != "")
    return BarcodeRead(name, text, decoder, rejected, px_box)
