"""Safe image decoding: what a file holds is checked from its header before any
pixel is decoded, and pages are decoded one at a time.

Every function returns 8-bit grayscale pages as ``uint8`` arrays of shape
(rows, columns), row 0 at the top of the scan. Reading is refused, with a
:class:`~omr.errors.ReadError` whose reason says what the file is and what is
wrong ("truncated TIFF: 3,000 bytes, frame 1 incomplete", "not an image: starts
with text"), for files that are empty, truncated, not an image, or over the
:class:`ImageLimits` (a decompression bomb is refused from its header).
"""

from __future__ import annotations

import dataclasses
import io
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from omr.errors import ReadCode, ReadError

DEFAULT_MAX_PIXELS = 60_000_000
"""Largest page accepted, pixels (a letter page at 600 dpi is 33.7 Mpx)."""

_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"II*\x00", "TIFF"),
               (b"MM\x00*", "TIFF"))
_OTHER_SIGNATURES = ((b"%PDF-", "PDF document"), (b"GIF8", "GIF image"), (b"BM", "BMP image"),
                     (b"RIFF", "RIFF file (WebP, WAV or AVI)"), (b"PK\x03\x04", "ZIP archive"),
                     (b"\x1f\x8b", "gzip archive"), (b"\x00\x00\x00\x0cjP", "JPEG 2000 image"))

DECODER_ERRORS = (OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError,
                  struct.error)
"""What PIL raises on a damaged file (its TIFF reader is not particular about which)."""


@dataclass(frozen=True)
class ImageLimits:
    """What one file may hold before a pixel is decoded: ``page_pixels`` per page
    (frame), ``frames`` per file, ``file_pixels`` over all its frames. The defaults take
    a scanner's batch file of 1,000 letter pages at 300 dpi (8.4 Gpx) or a page at
    600 dpi; a file over any of them is refused as a whole."""

    page_pixels: int = DEFAULT_MAX_PIXELS
    frames: int = 1_000
    file_pixels: int = 10_000_000_000


DEFAULT_LIMITS = ImageLimits()


@dataclass(frozen=True)
class ImageInfo:
    """What a file's header says: container format, size of the first page in
    pixels, the number of pages (frames) it holds, the horizontal resolution its
    header states (dots per inch; None when it states none) and the pixels of all
    its frames together."""

    format: str
    width: int
    height: int
    frames: int
    dpi: float | None = None
    pixels: int = 0


def probe(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> ImageInfo:
    """Read the header of an image file held in ``data`` and check it against ``limits``.

    Raises ReadError for an empty file, a file that is not a PNG, JPEG or TIFF, a
    truncated header, or a file over the limits. Only headers are parsed (every
    frame's, for a multi-page TIFF), never pixels.
    """
    fmt = _signature(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                info = _header(im, fmt, limits, len(data))
    except Image.DecompressionBombError:
        raise ReadError(ReadCode.FILE, f"image too large: the {fmt} header declares more "
                                       f"than {Image.MAX_IMAGE_PIXELS * 2:,} pixels, over "
                                       f"{limits.page_pixels:,} a page") from None
    except DECODER_ERRORS as exc:
        raise ReadError(ReadCode.FILE, _damage(data, fmt, exc)) from None
    _check_complete(data, fmt)
    return info


def _signature(data: bytes) -> str:
    """The format whose signature ``data`` starts with; ReadError saying what the file
    is when it is none of PNG, JPEG, TIFF."""
    if not data:
        raise ReadError(ReadCode.FILE, "empty file")
    for magic, fmt in _SIGNATURES:
        if data.startswith(magic):
            return fmt
    raise ReadError(ReadCode.FILE, f"not an image: {describe(data)}")


def describe(data: bytes) -> str:
    """What a file that is not a PNG, JPEG or TIFF holds, in words: "starts with
    text", "a GIF image", or its size and first four bytes in hex. The content itself
    is never quoted."""
    for magic, kind in _OTHER_SIGNATURES:
        if data.startswith(magic):
            return f"a {kind} ({len(data):,} bytes): scan to PNG, JPEG or TIFF"
    head = data[:512]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # still text when the 512 bytes cut a character
        cut = len(data) > len(head) and exc.start >= len(head) - 3
        text = head[:exc.start].decode("utf-8") if cut else ""
    if text and all(c.isprintable() or c in "\t\r\n\f" for c in text):
        return f"starts with text ({len(data):,} bytes)"
    return f"{len(data):,} bytes of unknown content (starting {head[:4].hex(' ')})"


def _header(im: Image.Image, fmt: str, limits: ImageLimits, size: int) -> ImageInfo:
    """The ImageInfo of an opened file, every frame's size checked."""
    frames = getattr(im, "n_frames", 1)
    if frames > limits.frames:
        raise ReadError(ReadCode.FILE, f"too many pages: the {fmt} holds {frames:,} frames, "
                                       f"over the limit of {limits.frames:,} a file")
    dpi = im.info.get("dpi")
    first = (im.width, im.height)
    pixels = 0
    for index in range(frames):
        if index:
            im.seek(index)
        if im.width * im.height > limits.page_pixels:
            raise ReadError(ReadCode.FILE, f"image too large: frame {index + 1} is "
                                           f"{im.width} x {im.height} pixels, over "
                                           f"{limits.page_pixels:,} a page")
        if fmt == "TIFF":
            _check_strips(im, size, index)
        pixels += im.width * im.height
    if pixels > limits.file_pixels:
        raise ReadError(ReadCode.FILE, f"image too large: {frames:,} frames of {pixels:,} "
                                       f"pixels in all, over {limits.file_pixels:,} a file")
    return ImageInfo(fmt, *first, frames, float(dpi[0]) if dpi and dpi[0] else None, pixels)


def _damage(data: bytes, fmt: str, exc: Exception) -> str:
    """The reason for a file with an image signature that the decoder could not take."""
    cut = _cut_tiff_frame(data) if fmt == "TIFF" else None
    if cut is not None:
        return f"truncated TIFF: {len(data):,} bytes, frame {cut} incomplete"
    if "truncated" in str(exc) or isinstance(exc, EOFError):
        return f"truncated {fmt}: {len(data):,} bytes, the header incomplete"
    return f"corrupt {fmt}: {len(data):,} bytes, its header cannot be read " \
           f"({_decoder_words(exc)})"


def _cut_tiff_frame(data: bytes) -> int | None:
    """The frame (1-based) whose directory runs past the end of a TIFF, or None."""
    order = "little" if data[:2] == b"II" else "big"
    offset, frame = int.from_bytes(data[4:8], order) if len(data) >= 8 else len(data), 1
    while offset and frame <= 100_000:
        if offset + 2 > len(data):
            return frame
        entries = int.from_bytes(data[offset:offset + 2], order)
        end = offset + 2 + 12 * entries
        if end + 4 > len(data):
            return frame
        offset, frame = int.from_bytes(data[end:end + 4], order), frame + 1
    return None


def _decoder_words(exc: Exception) -> str:
    """A decoder's message without the memory addresses of Python objects."""
    words = str(exc).split(" <", 1)[0].strip()
    return words or type(exc).__name__


def _check_strips(im: Image.Image, size: int, index: int) -> None:
    """Refuse a TIFF frame whose image data (strips or tiles) runs past the end of the file."""
    tags = getattr(im, "tag_v2", {})
    for offsets, counts in ((273, 279), (324, 325)):
        if offsets in tags and counts in tags:
            end = max(o + c for o, c in zip(tags[offsets], tags[counts], strict=False))
            if end > size:
                raise ReadError(ReadCode.FILE,
                                f"truncated TIFF: {size:,} bytes, frame {index + 1} incomplete")


@dataclass(frozen=True)
class Decoded:
    """The pages of one file and ``scale``, the factor from their pixels to
    the file's full-size pixels (2 after a half-size decode, else 1)."""

    pages: tuple[np.ndarray, ...]
    scale: int = 1


def frames(data: bytes, info: ImageInfo, reduce: int = 1) -> Iterator[np.ndarray]:
    """The pages of a file checked by :func:`probe` (``info``), decoded one at a time:
    a page is decoded when the one before has been taken, so a multi-page file's memory
    is one page's. ``reduce`` = 2 decodes JPEG at half size (see :func:`scale_of`)."""
    if reduce not in (1, 2):
        raise ValueError(f"reduce must be 1 or 2, got {reduce}")
    if info.format == "TIFF":
        yield from _tiff_frames(data, info)
        return
    flag = cv2.IMREAD_REDUCED_GRAYSCALE_2 if scale_of(info, reduce) == 2 else cv2.IMREAD_GRAYSCALE
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if image is None:
        raise ReadError(ReadCode.FILE, f"corrupt {info.format}: {len(data):,} bytes, "
                                       "the image data could not be decoded")
    yield image


def scale_of(info: ImageInfo, reduce: int) -> int:
    """The factor from decoded to full-size pixels: ``reduce`` for JPEG (the JPEG
    decoder's own DCT scaling, cheaper than a full decode), 1 for other formats."""
    return reduce if info.format == "JPEG" else 1


def decode(data: bytes, reduce: int = 1, limits: ImageLimits = DEFAULT_LIMITS) -> Decoded:
    """Decode every page of an image file to 8-bit grayscale, all held at once: for a
    page file; a multi-page file is better taken page by page with :func:`frames`."""
    info = probe(data, limits)
    return Decoded(tuple(frames(data, info, reduce)), scale_of(info, reduce))


def read_image_file(path: str | Path, reduce: int = 1,
                    max_pixels: int = DEFAULT_MAX_PIXELS) -> Decoded:
    """Read and decode an image file (pages of at most ``max_pixels``, the other limits
    the defaults); see :func:`decode`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReadError(ReadCode.FILE, f"cannot open file: {exc.strerror}") from None
    return decode(data, reduce, dataclasses.replace(DEFAULT_LIMITS, page_pixels=max_pixels))


def _check_complete(data: bytes, fmt: str) -> None:
    """Refuse a JPEG without its end-of-image marker or a PNG without its end
    chunk: both decoders would otherwise return a page padded with gray."""
    tail = data[-64:]
    if fmt == "JPEG" and b"\xff\xd9" not in tail:
        raise ReadError(ReadCode.FILE,
                        f"truncated JPEG: {len(data):,} bytes, no end-of-image marker")
    if fmt == "PNG" and b"IEND" not in tail:
        raise ReadError(ReadCode.FILE, f"truncated PNG: {len(data):,} bytes, no IEND chunk")


def _tiff_frames(data: bytes, info: ImageInfo) -> Iterator[np.ndarray]:
    """Each page of a TIFF (G4 bitonal, LZW, JPEG-in-TIFF …) as 8-bit gray, in turn.
    PIL's warnings on odd tags are silenced while a page is decoded, never across a yield."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        im = Image.open(io.BytesIO(data))
    with im:
        for index in range(info.frames):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    im.seek(index)
                    page = np.asarray(im.convert("L"))
                except DECODER_ERRORS as exc:
                    raise ReadError(ReadCode.FILE, _frame_damage(data, index, exc)) from None
            yield page
            del page


def _frame_damage(data: bytes, index: int, exc: Exception) -> str:
    if "truncated" in str(exc) or isinstance(exc, EOFError):
        return f"truncated TIFF: {len(data):,} bytes, frame {index + 1} incomplete"
    return f"corrupt TIFF: {len(data):,} bytes, frame {index + 1} could not be decoded " \
           f"({_decoder_words(exc)})"

