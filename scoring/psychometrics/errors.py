"""The one error of the psychometrics library: bad input, with a code and a message naming
the file, row and column (or item) that is wrong."""

from __future__ import annotations


class PsychometricsError(ValueError):
    """Input the analysis cannot use. ``code`` is stable (for programs); the message is for
    people and says what is wrong and where."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
