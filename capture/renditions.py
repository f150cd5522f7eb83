"""Page images for the screens: thumbnails and page views, cut from the image
store once and kept in a cache folder (``<var>/renditions``).

A page fed upside down is shown upright. A file that cannot be decoded has
no rendition (the screens say so). Only what the image store wrote is shown or
served, checked against its key (``ImageStore.get(verify=True)``), and an
original is served only when it is an image (:func:`stored_original`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from omr.errors import ReadError
from omr.image_io import frames, probe
from station.config import current_settings
from station.images import image_store

WIDTHS = {"thumb": 160, "page": 1000}
"""Rendition widths, pixels."""


def rendition(sha256: str, size: str, rotated: bool) -> bytes | None:
    """The PNG of a stored page at ``size`` (a key of WIDTHS), or None when the
    file is not an image that can be decoded."""
    cache = current_settings().var_dir / "renditions" / size / \
        f"{sha256}{'-r' if rotated else ''}.png"
    if cache.exists():
        return cache.read_bytes()
    try:
        data = image_store().get(sha256, verify=True)
        page = next(frames(data, probe(data), reduce=2))
    except (ReadError, FileNotFoundError):
        return None
    data = _encode(_fit(page, WIDTHS[size], rotated))
    _keep(cache, data)
    return data


MIMETYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff"}


def stored_original(sha256: str) -> tuple[bytes, str] | None:
    """A stored page file as received and its media type, or None when the store holds
    no file of its own for it or the file is not an image (a text file, a PDF without
    scans: their exception says so): such bytes are never served."""
    try:
        data = image_store().get(sha256, verify=True)
        return data, MIMETYPES[probe(data).format]
    except (ReadError, FileNotFoundError):
        return None


def _fit(page: np.ndarray, width: int, rotated: bool) -> np.ndarray:
    height = max(1, round(page.shape[0] * width / page.shape[1]))
    small = cv2.resize(page, (width, height), interpolation=cv2.INTER_AREA)
    return np.rot90(small, 2) if rotated else small


def _encode(image: np.ndarray) -> bytes:
    ok, png = cv2.imencode(".png", np.ascontiguousarray(image))
    if not ok:
        raise ValueError("PNG encoding failed")
    return png.tobytes()


def _keep(path: Path, data: bytes) -> None:
    """Write the cache file atomically (concurrent requests may race)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
