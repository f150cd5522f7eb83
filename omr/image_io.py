"""Safe image decoding: size from the header before any pixel is decoded.

Every function returns 8-bit grayscale pages as ``uint8`` arrays of shape
(rows, columns), row 0 at the top of the scan. Reading is refused, with a
:class:`~omr.errors.ReadError`, for files that are empty, truncated, not an
image, or larger than ``max_pixels`` per page (a decompression bomb is refused
from its header, before it is decoded).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from omr.errors import ReadCode, ReadError

DEFAULT_MAX_PIXELS = 60_000_000
"""Largest page accepted, pixels (a letter page at 600 dpi is 33.7 Mpx)."""

_FORMATS = {"JPEG", "PNG", "TIFF"}


@dataclass(frozen=True)
class ImageInfo:
    """What a file's header says: container format, size of the first page in
    pixels, and the number of pages (frames) it holds."""

    format: str
    width: int
    height: int
    frames: int


def probe(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageInfo:
    """Read the header of an image file held in ``data`` and check it.

    Raises ReadError for an empty file, a file that is not a PNG, JPEG or TIFF,
    or a page of more than ``max_pixels`` pixels.
    """
    if not data:
        raise ReadError(ReadCode.FILE, "empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                info = ImageInfo(im.format or "", im.width, im.height, getattr(im, "n_frames", 1))
    except Image.DecompressionBombError as exc:
        raise ReadError(ReadCode.FILE, f"image too large: {exc}") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ReadError(ReadCode.FILE, f"not a readable image: {exc}") from None
    if info.format not in _FORMATS:
        raise ReadError(ReadCode.FILE,
                        f"unsupported image format {info.format}: use PNG, JPEG or TIFF")
    if info.width * info.height > max_pixels:
        raise ReadError(
            ReadCode.FILE,
            f"image too large: {info.width} x {info.height} pixels exceeds {max_pixels:,}")
    return info


@dataclass(frozen=True)
class Decoded:
    """The pages of one file and ``scale``, the factor from their pixels to
    the file's full-size pixels (2 after a half-size decode, else 1)."""

    pages: tuple[np.ndarray, ...]
    scale: int = 1


def decode(data: bytes, reduce: int = 1, max_pixels: int = DEFAULT_MAX_PIXELS) -> Decoded:
    """Decode every page of an image file to 8-bit grayscale.

    ``reduce`` = 2 decodes JPEG at half size in each direction (the JPEG
    decoder's own DCT scaling, cheaper than a full decode); other formats are
    always decoded at full size.
    """
    if reduce not in (1, 2):
        raise ValueError(f"reduce must be 1 or 2, got {reduce}")
    info = probe(data, max_pixels)
    if info.format == "TIFF":
        return Decoded(_decode_tiff(data, max_pixels))
    _check_complete(data, info.format)
    scale = reduce if info.format == "JPEG" else 1
    flag = cv2.IMREAD_REDUCED_GRAYSCALE_2 if scale == 2 else cv2.IMREAD_GRAYSCALE
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if image is None:
        raise ReadError(ReadCode.FILE, f"{info.format} image could not be decoded (corrupt file)")
    return Decoded((image,), scale)


def read_image_file(path: str | Path, reduce: int = 1,
                    max_pixels: int = DEFAULT_MAX_PIXELS) -> Decoded:
    """Read and decode an image file; see :func:`decode`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReadError(ReadCode.FILE, f"cannot open file: {exc.strerror}") from None
    return decode(data, reduce, max_pixels)


def _check_complete(data: bytes, fmt: str) -> None:
    """Refuse a JPEG without its end-of-image marker or a PNG without its end
    chunk: both decoders would otherwise return a page padded with gray."""
    tail = data[-64:]
    if fmt == "JPEG" and b"\xff\xd9" not in tail:
        raise ReadError(ReadCode.FILE, "truncated JPEG file (no end-of-image marker)")
    if fmt == "PNG" and b"IEND" not in tail:
        raise ReadError(ReadCode.FILE, "truncated PNG file (no IEND chunk)")


def _decode_tiff(data: bytes, max_pixels: int) -> tuple[np.ndarray, ...]:
    """Every page of a TIFF (G4 bitonal, LZW, JPEG-in-TIFF …) as 8-bit gray."""
    pages = []
    try:
        with warnings.catch_warnings(), Image.open(io.BytesIO(data)) as im:
            warnings.simplefilter("ignore")
            for index in range(getattr(im, "n_frames", 1)):
                im.seek(index)
                if im.width * im.height > max_pixels:
                    raise ReadError(ReadCode.FILE,
                                    f"TIFF page {index + 1} too large: {im.width} x {im.height}")
                pages.append(np.asarray(im.convert("L")))
    except (OSError, SyntaxError, ValueError) as exc:
        raise ReadError(ReadCode.FILE,
                        f"TIFF could not be decoded (truncated or corrupt): {exc}") from None
    return tuple(pages)
