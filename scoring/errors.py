"""The errors of the scoring engine: each carries a stable ``code`` (for programs) and a
message naming the file, place and what is wrong (for people)."""

from __future__ import annotations


class ScoringError(ValueError):
    """Input the scoring engine cannot use."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class TestDefinitionError(ScoringError):
    """A test definition that is not valid: ``source`` (file), ``place`` in it, ``problem``."""

    __test__ = False  # not a pytest class

    def __init__(self, source: str, place: str, problem: str,
                 code: str = "bad_definition") -> None:
        where = f"{source}: {place}" if place else source
        super().__init__(code, f"{where}: {problem}")
        self.source, self.place, self.problem = source, place, problem


class ResponseError(ScoringError):
    """A student's response the test's definition cannot score (e.g. an option the item
    lacks); the message names the document or line and the item."""
