"""Handscoring's domain errors. Each carries a code; views turn codes into HTTP statuses."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    NOT_FOUND = "not_found"
    BAD_INPUT = "bad_input"
    CONFLICT = "conflict"
    NOT_YOURS = "not_yours"


class HandscoreError(Exception):
    """A request handscoring cannot do as asked; the message says why and what to do."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
