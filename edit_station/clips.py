"""Image clips for the editor's screen, cut from the stored page by the mark
record's boxes (image pixels, origin top left of the scan as decoded).

The clip holds the boxes of the finding's keys and their write-in boxes, with
a margin; each bubble is outlined, dark when it counts as a mark, and its
level (0–15) printed beside it. A page fed upside down is shown upright.
"""

from __future__ import annotations

import cv2
import numpy as np

from omr.errors import ReadError
from omr.image_io import decode
from sample_sheets.model import MarkThresholds
from station.images import image_store

MARGIN_PX = 40
"""Paper kept around the clip's boxes, pixels (≈ 0.13 in at 300 dpi)."""
MARK_BGR = (40, 40, 200)
LIGHT_BGR = (30, 150, 230)
BLANK_BGR = (150, 150, 150)
WRITE_IN_BGR = (180, 110, 0)


def clip_png(clip: dict, thresholds: MarkThresholds) -> bytes | None:
    """The PNG of an item's clip (``edit_item.clip``), or None when the page's
    image cannot be decoded or the item has no box."""
    if not clip.get("box"):
        return None
    try:
        page = decode(image_store().get(clip["sha256"])).pages[0]
    except (ReadError, FileNotFoundError):
        return None
    x0, y0, x1, y1 = _bounds(clip["box"], page.shape)
    out = cv2.cvtColor(page[y0:y1, x0:x1], cv2.COLOR_GRAY2BGR)
    for box in clip.get("write_in", []):
        _outline(out, box, (x0, y0), WRITE_IN_BGR)
    for b in clip.get("bubbles", []):
        _bubble(out, b, (x0, y0), thresholds)
    if clip.get("rotated"):
        out = np.ascontiguousarray(np.rot90(out, 2))
    ok, png = cv2.imencode(".png", out)
    return png.tobytes() if ok else None


def _bounds(box: list[int], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return (max(x - MARGIN_PX, 0), max(y - MARGIN_PX, 0),
            min(x + w + MARGIN_PX, shape[1]), min(y + h + MARGIN_PX, shape[0]))


def _outline(image: np.ndarray, box: list[int], origin: tuple[int, int], color) -> None:
    x, y, w, h = box[0] - origin[0], box[1] - origin[1], box[2], box[3]
    cv2.rectangle(image, (x, y), (x + w, y + h), color, 1)


def _bubble(image: np.ndarray, bubble: dict, origin: tuple[int, int],
            t: MarkThresholds) -> None:
    level = bubble["level"]
    color = MARK_BGR if level > t.light_at_or_below else LIGHT_BGR if level >= t.count_from \
        else BLANK_BGR
    _outline(image, bubble["box"], origin, color)
    x, y, w, h = bubble["box"]
    cv2.putText(image, str(level), (x - origin[0] + w + 2, y - origin[1] + h),
                cv2.FONT_HERSHEY_SIMPLEX, 0.35, color, 1, cv2.LINE_AA)
