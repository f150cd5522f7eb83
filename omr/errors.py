"""The one exception the reader raises for a page or file it cannot read, and the codes
of the reader's outcomes."""

from enum import StrEnum


class ReadCode(StrEnum):
    """Why a page or file was refused: a stable machine code beside the reason a person
    reads. Callers decide by the code, never by the reason's wording."""

    FILE = "file"
    """The file itself: empty, not an image, an unsupported format, truncated, corrupt,
    unopenable, or over the size limits."""
    BLANK = "blank"
    """A page with no ink to speak of."""
    UNKNOWN_FORM = "unknown_form"
    """Registered, but its page-ID strip names no known form page."""
    MARKS_NOT_FOUND = "marks_not_found"
    """Too few registration marks found to register the page."""
    REGISTRATION_FIT = "registration_fit"
    """Marks found, but their fit is off (residual) or out of range (skew, scale)."""
    REGISTRATION_UNCONFIRMED = "registration_unconfirmed"
    """Only two marks on the image, and the printed form's ink does not lie where the
    transform from them puts it."""
    CLIPPED = "clipped"
    """Registered, but fields of the page lie (partly) off the image: the scan frame
    clipped the page."""
    RESOLUTION = "resolution"
    """Scanned at too low a resolution for the bubbles to be read."""
    LITHOCODE = "lithocode"
    """A lithocode was read that fails its check digit."""
    READER = "reader"
    """The reader failed unexpectedly (a defect, reported with the error's type)."""


class ReadError(Exception):
    """A page or image file that cannot be read. ``code`` says why (a :class:`ReadCode`);
    ``str(error)`` is the reason written into the mark record (e.g. "blank page",
    "registration marks not found (2 of 4)")."""

    def __init__(self, code: ReadCode, reason: str) -> None:
        super().__init__(reason)
        self.code = ReadCode(code)

    @property
    def reason(self) -> str:
        return str(self)
