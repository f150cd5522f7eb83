"""Image checks on arrival (SPEC §4), pure functions.

Checks come in two steps. At intake, from the file alone: unreadable, empty or
truncated file, over the limits (``omr.image_io.ImageLimits``), wrong resolution
(:func:`resolution_problem`, from the dpi ``omr.image_io.probe`` read with the
rest of the header), not a regular file (:data:`NOT_REGULAR`). After
the page is read (the read job runs as soon as the page is stored): blank page,
registration failed or out of range (skew beyond what OMR can take), form not
recognised, lithocode check digit (:func:`record_problem`). A page fed upside
down is read through its 180° registration and is not a problem: it is shown
upright and flagged ``rotated``.

Every problem is an exception with a ``code`` (for grouping and for the
actions an operator may take) and the reader's own words as the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from omr.errors import ReadCode
from omr.record import MarkRecord

MIN_DPI = 150
"""Lowest scan resolution accepted, dots per inch: bubbles are ~0.17 in wide,
so below 150 dpi a bubble is under 25 pixels and levels are not trustworthy."""
MAX_DPI = 600
"""Highest scan resolution accepted (a letter page at 600 dpi is 33.7 Mpx)."""
PAGE_WIDTH_IN = 8.5
"""Width of the forms' pages (US letter), inches: the resolution of an image
whose header states none is estimated from its width."""

NOT_REGULAR = "not_regular"
"""The exception of a file refused unread: a symbolic link (never followed), a named
pipe, a device or a socket in a hot folder or an ingest folder."""


@dataclass(frozen=True)
class Problem:
    """Why a page cannot go on: a short ``code`` and the full ``reason``."""

    code: str
    reason: str


PROBLEM_OF_READ_CODE = {
    ReadCode.FILE: "file",
    ReadCode.BLANK: "blank",
    ReadCode.UNKNOWN_FORM: "unknown_form",
    ReadCode.MARKS_NOT_FOUND: "registration",
    ReadCode.REGISTRATION_FIT: "registration",
    ReadCode.RESOLUTION: "resolution",
    ReadCode.LITHOCODE: "lithocode",
    ReadCode.READER: "reader",
}
"""The exception code an operator sees for each of the reader's outcome codes
(docs/omr.md, "Exceptions")."""


def read_problem(code: str | None, reason: str) -> Problem:
    """The Problem of a page or file the reader refused with ``code``; a record
    kept before codes existed (no code) is a reader problem."""
    return Problem(PROBLEM_OF_READ_CODE.get(code, "reader"), reason)


def resolution_problem(dpi: float | None, width_px: int) -> Problem | None:
    """A Problem when the scan's resolution (from its header, else estimated
    from ``width_px`` over PAGE_WIDTH_IN) lies outside MIN_DPI … MAX_DPI."""
    estimated = dpi is None or dpi <= 1
    value = width_px / PAGE_WIDTH_IN if estimated else float(dpi)
    if MIN_DPI * 0.95 <= value <= MAX_DPI * 1.05:
        return None
    how = "estimated from the page width" if estimated else "stated in the file"
    return Problem("resolution", f"resolution {value:.0f} dpi ({how}) outside "
                                 f"{MIN_DPI}–{MAX_DPI} dpi: rescan at 200 or 300 dpi")


def record_problem(record: MarkRecord) -> Problem | None:
    """The Problem of a read page, or None when it can go on to a document."""
    if record.status != "ok":
        return read_problem(record.code, record.reason or "page could not be read")
    reg = record.registration
    if reg is not None and reg.px_per_in < MIN_DPI * 0.95:
        return resolution_problem(reg.px_per_in, 0)
    return None
