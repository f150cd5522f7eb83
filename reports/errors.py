"""The reports' one error: options that cannot be honoured, with a stable code."""

from __future__ import annotations


class ReportInputError(ValueError):
    """An unknown test, an SD multiple ≤ 0, a format that does not exist …: ``code`` is
    stable (for programs); the message says what is wrong and what is allowed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
