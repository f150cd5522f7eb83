"""The one exception the reader raises for a page or file it cannot read."""


class ReadError(Exception):
    """A page or image file that cannot be read; ``str(error)`` is the reason
    written into the mark record (e.g. "blank page", "registration marks not
    found (2 of 4)")."""

    @property
    def reason(self) -> str:
        return str(self)
